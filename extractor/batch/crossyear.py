"""Checks across the reports of one batch: the same body in consecutive years, and duplicates.

A single report cannot show these; a batch that holds several years of one body can
(spec/fields.md "Across years", domain.md P9, S1, S3):

- ``cross_year_carry`` (error): 上年结转 (year Y) = 结转下年度继续办理 (year Y−1), per column.
- ``cross_year_in_force`` (warning): 现行有效件数 (Y) ≈ 现行有效件数 (Y−1) + 本年制发 (Y) − 本年废止 (Y).
  Soft: 制发 includes revisions and documents also lapse.
- ``cross_year_items`` (warning, 2019 format): 上一年项目数量 (Y) ≈ 上一年项目数量 (Y−1) + 本年增/减 (Y−1).
- ``copied_from_previous_year`` (warning): every value equal to last year's report but the year (a
  copy-pasted report); reports with no non-zero figure are left out, since all-zero years are common.
- ``duplicate_file`` (warning): the same bytes under several names.
- ``same_year_twice`` (info when the values agree, e.g. the HTML and the PDF of one report; warning
  when they differ): several documents for one body and year, one finding listing them.
- ``cross_year_not_compared`` (info): a body with more than ``MAX_VERSIONS`` differing reports in a
  year; its years are not paired (which report follows which is anyone's guess).

A body is its org name normalised (width, spaces, punctuation); nothing smarter, because two
offices of one government are different bodies. Only readable reports with a name and a year take
part. Findings are data, in a fixed order, so ``cross_checks.json`` is deterministic.
"""
from __future__ import annotations

import itertools
import json
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..template import COLUMNS

IN_FORCE_ROWS = ("active.rules", "active.normative_docs")
ITEM_ROWS_2019 = ("active2019.licensing", "active2019.other_services", "active2019.penalty",
                  "active2019.coercion", "active2019.admin_fees")
_DROP = frozenset(" \t\r\n\u3000·・,，、.。:：;；\"'“”‘’()（）[]【】〔〕《》<>-—_")
READABLE = ("ok", "needs_review")
# Several differing reports for one body and year are already a warning (same_year_twice); comparing
# every version with every version of the year before would grow quadratically and bury the batch in
# findings, so beyond this many the pair of years is reported once as not compared.
MAX_VERSIONS = 3


@dataclass(frozen=True)
class Doc:
    """What the checks need of one document of the batch."""

    document: str
    sha256: str
    status: str
    values: Mapping[str, Any]

    @property
    def body(self) -> str | None:
        name = self.values.get("meta.org_name")
        return normalise_org(name) if isinstance(name, str) and name.strip() else None

    @property
    def year(self) -> int | None:
        year = self.values.get("meta.year")
        return year if isinstance(year, int) and not isinstance(year, bool) else None


@dataclass(frozen=True)
class CrossFinding:
    rule: str
    severity: str
    message: str
    documents: tuple[str, ...]
    body: str | None = None
    years: tuple[int, ...] = ()
    cells: tuple[str, ...] = ()
    left: str | None = None
    right: str | None = None
    delta: str | None = None


@dataclass
class CrossReport:
    bodies: int = 0  # distinct bodies among readable reports
    pairs: int = 0  # (Y−1, Y) report pairs compared
    findings: list[CrossFinding] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(f.rule for f in self.findings).items()))

    def to_json(self) -> dict[str, Any]:
        return {"bodies": self.bodies, "pairs_checked": self.pairs, "counts": self.counts(),
                "findings": [_finding_json(f) for f in self.findings]}


def normalise_org(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)
    return "".join(ch for ch in text if ch not in _DROP and not ch.isspace())


def cross_checks(docs: Sequence[Doc]) -> CrossReport:
    report = CrossReport()
    report.findings += duplicate_files(docs)
    by_body = _by_body_and_year(docs)
    report.bodies = len(by_body)
    for body, years in sorted(by_body.items()):
        for year in sorted(years):
            report.findings += same_year_twice(body, year, years[year])
            # one representative per distinct set of values: copies of one report compare once
            before, now = _versions(years.get(year - 1, [])), _versions(years[year])
            if before and (len(before) > MAX_VERSIONS or len(now) > MAX_VERSIONS):
                report.findings.append(_too_ambiguous(body, year, before, now))
                continue
            for previous, current in itertools.product(before, now):
                report.pairs += 1
                report.findings += compare_years(body, previous, current)
    return report


def duplicate_files(docs: Sequence[Doc]) -> list[CrossFinding]:
    groups: dict[str, list[str]] = defaultdict(list)
    for doc in docs:
        groups[doc.sha256].append(doc.document)
    return [
        CrossFinding(rule="duplicate_file", severity="warning", documents=tuple(names),
                     message=f"{len(names)} files have identical content: " + _names(names))
        for _, names in sorted(groups.items()) if len(names) > 1
    ]


def same_year_twice(body: str, year: int, docs: list[Doc]) -> list[CrossFinding]:
    """One finding per body and year that has several documents (not one per pair)."""
    if len(docs) < 2:
        return []
    distinct = len(_versions(docs))
    names = [d.document for d in docs]
    if distinct == 1:
        severity, what = "info", "all with identical values (one report in several files?)"
    else:
        severity, what = "warning", f"with {distinct} different sets of values: which is right?"
    return [CrossFinding(rule="same_year_twice", severity=severity, body=body, years=(year,),
                         documents=tuple(names), message=f"{body} {year}: {len(docs)} reports {what} "
                                                         f"({_names(names)})")]


def compare_years(body: str, previous: Doc, current: Doc) -> list[CrossFinding]:
    """Every cross-year rule for one (Y−1, Y) pair of reports of one body."""
    return (carry_over(body, previous, current) + in_force(body, previous, current)
            + items_2019(body, previous, current) + copied(body, previous, current))


def carry_over(body: str, previous: Doc, current: Doc) -> list[CrossFinding]:
    out: list[CrossFinding] = []
    for col in COLUMNS:
        now_key, then_key = f"requests.carried_over.{col}", f"requests.carried_forward.{col}"
        now, then = _int(current.values.get(now_key)), _int(previous.values.get(then_key))
        if now is None or then is None or now == then:
            continue
        out.append(_pair_finding(
            "cross_year_carry", "error", body, previous, current, (now_key, then_key), now, then,
            f"{body}: 上年结转 {current.year} [{col}] = {now}, but 结转下年度 {previous.year} [{col}] = {then}"))
    return out


def in_force(body: str, previous: Doc, current: Doc) -> list[CrossFinding]:
    out: list[CrossFinding] = []
    for row in IN_FORCE_ROWS:
        stock = _int(current.values.get(f"{row}.in_force"))
        before = _int(previous.values.get(f"{row}.in_force"))
        issued = _int(current.values.get(f"{row}.issued"))
        repealed = _int(current.values.get(f"{row}.repealed"))
        if None in (stock, before, issued, repealed):
            continue
        expected = before + issued - repealed  # type: ignore[operator]
        if stock == expected:
            continue
        cells = (f"{row}.in_force", f"{row}.issued", f"{row}.repealed")
        out.append(_pair_finding(
            "cross_year_in_force", "warning", body, previous, current, cells, stock, expected,
            f"{body}: 现行有效件数 {current.year} = {stock}, expected {before} ({previous.year}) "
            f"+ {issued} 制发 − {repealed} 废止 = {expected}"))
    return out


def items_2019(body: str, previous: Doc, current: Doc) -> list[CrossFinding]:
    out: list[CrossFinding] = []
    for row in ITEM_ROWS_2019:
        now = _int(current.values.get(f"{row}.prev_items"))
        before = _int(previous.values.get(f"{row}.prev_items"))
        change = _int(previous.values.get(f"{row}.change"))
        if None in (now, before, change) or now == before + change:  # type: ignore[operator]
            continue
        expected = before + change  # type: ignore[operator]
        out.append(_pair_finding(
            "cross_year_items", "warning", body, previous, current, (f"{row}.prev_items", f"{row}.change"),
            now, expected,
            f"{body}: 上一年项目数量 {current.year} = {now}, "
            f"expected {before} + {change} ({previous.year}) = {expected}"))
    return out


def copied(body: str, previous: Doc, current: Doc) -> list[CrossFinding]:
    figures_now = _figures(current.values)
    if not figures_now or figures_now != _figures(previous.values):
        return []
    if not any(isinstance(v, int) and v != 0 for v in figures_now.values()):
        return []
    return [CrossFinding(
        rule="copied_from_previous_year", severity="warning", body=body,
        years=(previous.year or 0, current.year or 0), documents=(previous.document, current.document),
        message=f"{body}: every figure of {current.year} equals {previous.year}'s (a copied report?)")]


def _too_ambiguous(body: str, year: int, before: list[Doc], now: list[Doc]) -> CrossFinding:
    return CrossFinding(
        rule="cross_year_not_compared", severity="info", body=body, years=(year - 1, year),
        documents=tuple(d.document for d in before + now),
        message=f"{body}: {len(before)} versions of {year - 1} and {len(now)} of {year}: "
                "too many to tell which reports follow each other; settle same_year_twice first")


def _pair_finding(rule: str, severity: str, body: str, previous: Doc, current: Doc, cells: tuple[str, ...],
                  left: int | None, right: int | None, message: str) -> CrossFinding:
    return CrossFinding(rule=rule, severity=severity, body=body, years=(previous.year or 0, current.year or 0),
                        documents=(previous.document, current.document), cells=cells, message=message,
                        left=str(left), right=str(right), delta=str((left or 0) - (right or 0)))


def _by_body_and_year(docs: Sequence[Doc]) -> dict[str, dict[int, list[Doc]]]:
    grouped: dict[str, dict[int, list[Doc]]] = defaultdict(lambda: defaultdict(list))
    seen: set[str] = set()
    for doc in docs:
        body, year = doc.body, doc.year
        if doc.status not in READABLE or body is None or year is None or doc.sha256 in seen:
            continue  # a duplicate file is reported once, by duplicate_files, not once per year rule
        seen.add(doc.sha256)
        grouped[body][year].append(doc)
    return grouped


def _versions(docs: list[Doc]) -> list[Doc]:
    """The first document of each distinct set of values, in input order."""
    seen: dict[str, Doc] = {}
    for doc in docs:
        seen.setdefault(json.dumps(dict(doc.values), sort_keys=True, ensure_ascii=False), doc)
    return list(seen.values())


def _names(names: Sequence[str], shown: int = 5) -> str:
    more = f" … and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _figures(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not k.startswith("meta.")}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _finding_json(finding: CrossFinding) -> dict[str, Any]:
    data = asdict(finding)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items() if v not in (None, ())}
