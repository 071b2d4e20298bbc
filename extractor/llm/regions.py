"""Which parts of a document go to the model, and their text (sliced from the parser's flow text).

With ``fallback`` (and ``auto``) only what the parser left unsettled is sent; with ``always`` every
region is, as a second opinion. A region is a section body located by the parser's headings; when
a heading was lost, the whole text is sent (the model finds the table by its labels, as the parser
does), cut to a length a small model can take.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from types import MappingProxyType

from ..parse import Parsed
from ..parse.sections import SectionSpan
from ..template import META_KEYS, PROSE_KEYS

MAX_REGION_CHARS = 16_000
HEAD_CHARS = 4_000  # the title and section 一 when no later heading bounds them
TEMPLATES = MappingProxyType({"table3": "table3_grid", "table4": "table4_cells", "table2": "table2_cells",
                              "prose": "prose_figures", "sections56": "sections_5_6"})
ORDER = ("table3", "table4", "table2", "prose", "sections56")
_SECTION_OF = MappingProxyType({"table2": "s2", "table3": "s3", "table4": "s4"})

_T3_2021 = re.compile(r"逾\s*期\s*不\s*补\s*正|缴\s*纳\s*费\s*用|收\s*费\s*通\s*知")
_T3_2019 = re.compile(r"其\s*他\s*处\s*理")
_T2_2021 = re.compile(r"本年制发|现行有效|本年废止")
_T2_2019 = re.compile(r"本年新制作|对外公开总数量|本年新公开")


@dataclass(frozen=True)
class Region:
    role: str  # table3 | table4 | table2 | prose | sections56
    start: int  # offsets into parsed.flow.text of the main piece (for provenance)
    end: int
    text: str  # what is sent
    version: str | None = None  # table 二/三 form: 2019 | 2021
    keys: frozenset[str] | None = None  # the keys to settle from the answer (None: all it gives)

    @property
    def template(self) -> str:
        return TEMPLATES[self.role]


def select(parsed: Parsed, use: str) -> list[Region]:
    roles = ORDER if use == "always" else unsettled_roles(parsed.unsettled)
    regions = [region for role in roles if (region := region_for(role, parsed)) is not None]
    if use == "always":
        return regions
    # the prose answer covers five figures; in fallback only the unsettled ones are taken from it
    prose_keys = frozenset(k for k in parsed.unsettled if k in PROSE_KEYS or k in META_KEYS)
    return [replace(r, keys=prose_keys) if r.role == "prose" else r for r in regions]


def unsettled_roles(unsettled: list[str]) -> tuple[str, ...]:
    wanted = set()
    for item in unsettled:
        if item in _SECTION_OF:
            wanted.add(item)
        elif item in PROSE_KEYS or item in META_KEYS:
            wanted.add("prose")
    return tuple(role for role in ORDER if role in wanted)


def region_for(role: str, parsed: Parsed) -> Region | None:
    text = parsed.flow.text
    spans = parsed.sections
    if role in _SECTION_OF:
        start, end = _section_or_all(spans.get(_SECTION_OF[role]), len(text))
        body = _cut(text[start:end])
        return Region(role, start, end, body, _version(role, body, parsed))
    if role == "prose":
        return _prose_region(parsed)
    if role == "sections56":
        present = [spans[k] for k in ("s5", "s6") if k in spans]
        if not present:
            return None
        start, end = present[0].start, present[-1].end
        return Region(role, start, end, _cut(text[start:end]))
    raise ValueError(f"unknown role {role!r}")


def _prose_region(parsed: Parsed) -> Region:
    """The title and section 一 (org, year, the headline figures) plus section 六 (the fee)."""
    text = parsed.flow.text
    spans = parsed.sections
    later = [spans[k].start for k in ("s2", "s3", "s4", "s5", "s6") if k in spans]
    head_end = min(later) if later else min(len(text), HEAD_CHARS)
    pieces = [text[:head_end]]
    s6 = spans.get("s6")
    if s6 is not None and s6.start >= head_end:
        pieces.append(text[s6.start:s6.end])
    return Region("prose", 0, head_end, _cut("\n…\n".join(pieces)))


def _section_or_all(span: SectionSpan | None, length: int) -> tuple[int, int]:
    return (span.start, span.end) if span is not None else (0, length)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_REGION_CHARS else text[:MAX_REGION_CHARS] + "\n…（以下截断）"


def _version(role: str, body: str, parsed: Parsed) -> str | None:
    """The form of table 二/三: the parser's reading, else the row labels, else the year."""
    if role not in ("table2", "table3"):
        return None
    template = parsed.report.template
    known = template.table3 if role == "table3" else template.table2
    if known:
        return known
    newer, older = (_T3_2021, _T3_2019) if role == "table3" else (_T2_2021, _T2_2019)
    if newer.search(body):
        return "2021"
    if older.search(body):
        return "2019"
    year = parsed.report.get("meta.year")
    return "2019" if isinstance(year, int) and year < 2021 else "2021"
