"""Flagged values grouped by the reason they share: one reviewer decision per cause.

A dropped 其他 column flags forty-odd cells ``inferred``; they are one fact about the document and a
reviewer should settle them with one decision, while still able to open any cell alone. Each flagged
key is put in exactly one cause: the most serious of its flags decides which (an ambiguous value is
reviewed as ambiguous even when it is also inferred).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .flags import Flag, meaning
from .report import Cause, Finding, Report
from .template import COLUMN_LABELS

# most serious first: the first of a value's flags in this order decides its cause
PRIORITY: tuple[Flag, ...] = (
    Flag.IDENTITY_FAILS, Flag.AMBIGUOUS, Flag.AMBIGUOUS_SPLIT, Flag.SEARCH_INCOMPLETE, Flag.SHORT_ROW,
    Flag.EXTRA_CELLS, Flag.MERGED_CELL, Flag.PLACEMENT, Flag.COLUMN_NOT_IN_HEADER, Flag.OCR_SUSPECT, Flag.OCR_LOW_CONFIDENCE,
    Flag.PARSER_LLM_DISAGREE, Flag.LLM_ONLY, Flag.LLM_UNVERIFIED, Flag.IMPLAUSIBLE_UNIT,
    Flag.PROSE_TABLE_MISMATCH, Flag.PLACED_BY_ORDER, Flag.MISSING, Flag.INFERRED, Flag.BLANK,
    Flag.LOW_CONFIDENCE, Flag.NOT_FOUND,
)
SETTLED = frozenset({Flag.CORRECTED, Flag.SOURCE_ERROR})


def group_causes(report: Report, findings: Iterable[Finding] = ()) -> list[Cause]:
    by_flag: dict[Flag, list[str]] = defaultdict(list)
    for key, value in report.values.items():
        flags = {f for f in value.flags}
        if not flags or flags & SETTLED:
            continue
        lead = next((f for f in PRIORITY if f in flags), None)
        if lead is not None:
            by_flag[lead].append(key)
    causes: list[Cause] = []
    for flag in PRIORITY:
        keys = by_flag.get(flag)
        if keys:
            causes += _split(flag, keys)
    return causes


def _split(flag: Flag, keys: list[str]) -> list[Cause]:
    """Inferred and missing cells of table 三 that share a column (a dropped column) or a row (a dropped
    row) are one cause each; every other flag is one cause per table or prose region."""
    if flag in (Flag.INFERRED, Flag.MISSING, Flag.PLACED_BY_ORDER):
        return _by_line(flag, keys)
    groups: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        groups[_region(key)].append(key)
    return [Cause(id=f"{flag.value}:{region}", flag=flag.value,
                  message=f"{meaning(flag)} ({_REGION_NAMES.get(region, region)}: {len(ks)} value{'s' * (len(ks) > 1)})",
                  keys=ks)
            for region, ks in groups.items()]


def _by_line(flag: Flag, keys: list[str]) -> list[Cause]:
    columns: dict[str, list[str]] = defaultdict(list)
    rows: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        if key.startswith("requests."):
            row, col = key.removeprefix("requests.").rsplit(".", 1)
            columns[col].append(key)
            rows[row].append(key)
    causes: list[Cause] = []
    taken: set[str] = set()
    for col, ks in columns.items():
        if len(ks) >= 3:
            label = COLUMN_LABELS.get(col, col)
            causes.append(Cause(id=f"{flag.value}:column:{col}", flag=flag.value, keys=ks,
                                message=f"{label} column not printed: {len(ks)} cells {flag.value}"))
            taken.update(ks)
    for row, ks in rows.items():
        ks = [k for k in ks if k not in taken]
        if len(ks) >= 3:
            causes.append(Cause(id=f"{flag.value}:row:{row}", flag=flag.value, keys=ks,
                                message=f"row {row} not printed: {len(ks)} cells {flag.value}"))
            taken.update(ks)
    rest = [k for k in keys if k not in taken]
    if rest:
        causes.append(Cause(id=f"{flag.value}:cells", flag=flag.value, keys=rest,
                            message=f"{meaning(flag)} ({len(rest)} value{'s' * (len(rest) > 1)})"))
    return causes


_REGION_NAMES = {"table2": "table 二", "table3": "table 三", "table4": "table 四", "prose": "prose", "meta": "title"}


def _region(key: str) -> str:
    head = key.split(".", 1)[0]
    return {"active": "table2", "active2019": "table2", "requests": "table3", "appeals": "table4",
            "narrative": "prose", "fees": "prose", "meta": "meta"}.get(head, head)
