"""The deterministic template parser: Document → draft Report.

Steps: flatten the document into a token stream (``tokens``), find the six sections by heading text
(``sections``), read each table's region into records (``records``) and then into row readings that
the identities choose between (``table2``/``table3``/``table4``, ``grid``), and read the prose
figures (``prose``). Every value keeps its printed text, provenance and how it was obtained; cells the
document does not show are inferred only through an identity, and flagged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .. import errors
from ..document import Document, Where
from ..report import Report, Section, Template, Value
from ..template import all_keys
from . import prose
from ..flags import Flag
from .records import Record, build_records
from .sections import SectionSpan, find_sections
from .solver import Solution
from .table2 import Table2, read_table2
from .table3 import read_table3
from .table4 import read_table4
from .tokens import FlowText, Token, document_tokens, pieces


@dataclass
class Parsed:
    """What the parser found, kept for the later stages (LLM fallback needs the regions)."""

    report: Report
    flow: FlowText
    sections: dict[str, SectionSpan]
    unsettled: list[str]  # regions the parser could not read: table2, table3, table4, prose keys


def parse(doc: Document) -> Parsed:
    flow = FlowText(document_tokens(doc))
    spans = find_sections(flow.text)
    report = Report()
    report.sections = [Section(key=s.key, heading=s.heading, where=flow.where(s.start, s.body)) for s in spans.values()]
    unsettled: list[str] = []

    org_year = prose.title(flow.text)
    year = org_year[1] if org_year else prose.period_year(flow.text)
    if org_year:
        where = flow.where(*org_year[2])
        report.values["meta.org_name"] = Value(key="meta.org_name", value=org_year[0], raw=org_year[0], where=[where])
        report.values["meta.year"] = Value(key="meta.year", value=org_year[1], raw=str(org_year[1]), where=[where])
    else:
        unsettled.append("meta.org_name")
        if year is not None:
            report.values["meta.year"] = Value(key="meta.year", value=year, raw=str(year), confidence=0.7,
                                               flags=["low_confidence"])
        else:
            unsettled.append("meta.year")

    t3 = read_table3(_records(flow, _region(spans, "s3", flow)), year, doc)
    t2_region = _region(spans, "s2", flow)
    t2 = read_table2(_records(flow, t2_region), doc) if t2_region else None
    t4_region = _region(spans, "s4", flow)
    t4 = read_table4(_records(flow, t4_region), doc) if t4_region else None

    if t3 is None and t2 is None and not _looks_like_report(flow.text, spans):
        raise errors.NotAReport("no disclosure-report tables or sections found: this does not look like a "
                                "政府信息公开工作年度报告")
    report.template = Template(table2=t2.version if t2 else None, table3=t3.version if t3 else None)
    if t3:
        _put_solution(report, t3.solution, placed=t3.placed_by_order, unproven=t3.unproven_rows)
        if _doubtful(t3.solution) or t3.placed_by_order or t3.unproven_rows:
            unsettled.append("table3")  # read, but a second reader (the LLM) may settle it
        if t3.placed_by_order:
            report.notes.append("rows placed by template order (labels lost): " + ", ".join(t3.placed_by_order))
        report.notes += t3.notes
    else:
        unsettled.append("table3")
    if t4:
        solution, complete = t4
        _put_solution(report, solution, placed=[], unproven=[] if complete else ["appeals"])
        if _doubtful(solution) or not complete:
            unsettled.append("table4")
    else:
        unsettled.append("table4")
    if t2:
        _put_table2(report, t2)
        if any(c.candidates for c in t2.cells.values()) or t2.missing:
            unsettled.append("table2")
    else:
        unsettled.append("table2")
    _put_prose(report, flow, spans, unsettled, year)
    _mark_not_found(report, year)
    if t3 is None or not t3.version_shown:
        _mark_other_template(report, t3.version if t3 else report.template.table3 or _default_version(year))
    return Parsed(report, flow, spans, unsettled)


def _default_version(year: int | None) -> str:
    return "2019" if year is not None and year < 2021 else "2021"


def _mark_not_found(report: Report, year: int | None) -> None:
    """Every key the report's template covers is present: one the parser could not find is null and
    flagged, so an absence is never mistaken for a value nobody needs to look at."""
    default = _default_version(year)
    keys = all_keys(report.template.table2 or default, report.template.table3 or default)
    for key in keys:
        if key not in report.values:
            report.values[key] = Value(key=key, value=None, method="default", confidence=0.0, flags=["not_found"])


def _mark_other_template(report: Report, version: str) -> None:
    """No row of （六） was found, so the print does not say whether it has the single row (2019) or
    three (2021): the keys of the other layout are given too, null and flagged, and the layout's
    own （六） cells are flagged as well."""
    other = "2019" if version == "2021" else "2021"
    mine = set(all_keys(report.template.table2 or version, version))
    for key in all_keys(report.template.table2 or other, other):
        if key.startswith("requests.other.") and key not in mine and key not in report.values:
            report.values[key] = Value(key=key, value=None, method="default", confidence=0.0,
                                       flags=[Flag.NOT_FOUND])
    for key in mine:
        if key.startswith("requests.other.") and key in report.values:
            report.values[key].flag(Flag.AMBIGUOUS)
    report.notes.append("no row of （六）其他处理 found: its layout (one row or three) is not known")


def _doubtful(sol: Solution) -> bool:
    return bool(sol.violations or sol.alternatives or sol.incomplete
                or any(c.kind != "printed" for c in sol.cells.values()))


def _looks_like_report(text: str, spans: dict[str, SectionSpan]) -> bool:
    return len(spans) >= 3 and "政府信息公开" in text


# Where a table starts when its section heading was lost (PDF→Markdown conversions drop them).
_TABLE_ANCHORS = {
    "s2": re.compile(r"第\s*二\s*十\s*条\s*第"),
    "s4": re.compile(r"结\s*果\s*维\s*持"),
}


def _region(spans: dict[str, SectionSpan], key: str, flow: FlowText) -> tuple[int, int] | None:
    span = spans.get(key)
    if span is not None:
        return span.body, span.end
    if key == "s3":
        return 0, len(flow.text)  # headings lost: let the row labels find the table anywhere
    after = spans["s3"].body if key == "s4" and "s3" in spans else 0
    m = _TABLE_ANCHORS[key].search(flow.text, after)
    if m is None:
        return None
    following = [s.start for s in spans.values() if s.start > m.start()]
    if key == "s2" and "s3" in spans and spans["s3"].start > m.start():
        following.append(spans["s3"].start)
    return m.start(), min(following, default=len(flow.text))


def _records(flow: FlowText, region: tuple[int, int] | None) -> list[Record]:
    if region is None:
        return []
    start, end = region
    sliced: list[Token] = []
    first = flow.token_at(start)
    for i in range(first, len(flow.tokens)):
        tok_start = flow.starts[i]
        tok = flow.tokens[i]
        if tok_start >= end:
            break
        a = max(start, tok_start) - tok_start
        b = min(end, tok_start + len(tok.text)) - tok_start
        if b <= a and tok.text:
            continue
        sliced.append(Token(tok.text[a:b], tok.where, tok.row_start or not sliced, tok.cell and a == 0, tok.grid))
    return build_records(pieces(sliced))


# ---- tables → values ------------------------------------------------------------------------

def _put_solution(report: Report, sol: Solution, placed: list[str], unproven: list[str]) -> None:
    """Values of a solved table, flagged by the certainty rule: a value goes out unflagged only when
    every admissible reading gives it (``Solution.certain``) and the document prints it."""
    placed_rows = set(placed)
    unproven_rows = set(unproven)
    for key, cell in sol.cells.items():
        value = sol.values[key]
        v = Value(key=key, value=value, raw=cell.raw, where=[cell.where] if cell.where else [], note=cell.note)
        v.flag(*cell.flags)
        row = key.rsplit(".", 1)[0].removeprefix("requests.")
        if row in unproven_rows or key.split(".", 1)[0] in unproven_rows:
            v.flag(Flag.SEARCH_INCOMPLETE)  # too many readings to try: nothing about this row is proven
        if cell.kind == "printed":
            v.method = "parsed"
            if cell.glued:
                v.confidence = 0.95
            if row in placed_rows:
                v.confidence = min(v.confidence, 0.9)
        elif sol.certain(key):
            v.method = "inferred"
            v.confidence = 0.9
            if cell.kind == "blank" and value == 0:
                v.note = "blank cell; the identities make it 0"
            else:
                v.flag(Flag.INFERRED)
        else:
            v.method = "default"
            v.confidence = 0.4
            v.flag(Flag.BLANK if cell.kind == "blank" else Flag.MISSING)
        if key in sol.alternatives:
            v.candidates = list(sol.alternatives[key])
            v.confidence = min(v.confidence, 0.3)
            v.flag(Flag.AMBIGUOUS_SPLIT if cell.glued else Flag.AMBIGUOUS)
        if key in sol.incomplete:
            v.confidence = min(v.confidence, 0.3)
            v.flag(Flag.SEARCH_INCOMPLETE)
        if key in sol.doubted:
            v.flag(Flag.IDENTITY_FAILS)
        if key in sol.placement and not v.flags:
            v.confidence = min(v.confidence, 0.8)
            v.flag(Flag.PLACEMENT)
        report.values[key] = v


def _put_table2(report: Report, t2: Table2) -> None:
    for key, cell in t2.cells.items():
        v = Value(key=key, value=cell.value, raw=cell.raw, where=[cell.where] if cell.where else [], note=cell.note)
        v.flag(*cell.flags)
        if cell.flags:
            v.confidence = 0.3
        if cell.value is None and not cell.blank:
            v.value, v.method, v.confidence = None, "default", 0.0
        if cell.candidates:
            v.candidates = cell.candidates
            v.confidence = 0.3
            v.note = "digits of several cells glued together; no identity constrains table 二, so this cut is a guess"
            v.flag("ambiguous_split")
        if cell.blank:
            v.value, v.method, v.confidence = 0, "default", 0.5
            v.flag("blank")
        report.values[key] = v


def _put_prose(report: Report, flow: FlowText, spans: dict[str, SectionSpan], unsettled: list[str],
               year: int | None) -> None:
    text = flow.text
    first_table = min((spans[k].start for k in ("s2", "s3") if k in spans), default=len(text))
    s1 = spans.get("s1")
    start = s1.body if s1 else 0
    for key, finder in (("narrative.proactive_items", prose.proactive_items),
                        ("narrative.requests_received", prose.requests_received)):
        fig = finder(text, start, first_table, year) or finder(text, 0, len(text), year)
        _put_figure(report, flow, key, fig, unsettled)
    for fig in prose.stated_figures(text, start, first_table):
        report.values[fig.key] = Value(key=fig.key, value=fig.value, raw=fig.raw, where=[flow.where(*fig.span)],
                                       confidence=0.8)
    s6 = spans.get("s6")
    fee = prose.info_fee(text, s6.body, s6.end, year) if s6 else None
    _put_figure(report, flow, "fees.info_processing_fee_yuan", fee, unsettled)


def _put_figure(report: Report, flow: FlowText, key: str, fig: prose.ProseFigure | None, unsettled: list[str]) -> None:
    if fig is None:
        unsettled.append(key)
        return
    where: Where = flow.where(*fig.span)
    v = Value(key=key, value=fig.value, raw=fig.raw, where=[where], confidence=0.9 if fig.pattern == 0 else 0.75)
    if fig.pattern >= 2:
        v.confidence = 0.55
        v.flag("low_confidence")
    report.values[key] = v


__all__ = ["Parsed", "parse"]
