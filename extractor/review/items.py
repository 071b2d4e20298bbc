"""What in a result needs a person: flagged cells and failing identities, as ``ItemSpec``s.

A cell item gathers every reason to look at one cell (its flags, and single-cell findings such as
an implausible unit); an identity item is a failed check through several cells (an arithmetic
identity, or prose vs table). Flags a review itself adds (``corrected``, ``source_error``) are
outcomes, not reasons to look again.
"""
from __future__ import annotations

from ..report import Result
from .records import ItemSpec

REVIEW_FLAGS = frozenset({"corrected", "source_error"})
# flags that only repeat a multi-cell finding, which already is an identity item of its own
COVERED_BY_FINDINGS = frozenset({"prose_table_mismatch"})


def items_of(result: Result) -> list[ItemSpec]:
    if result.report is None:
        return []
    reasons: dict[str, list[str]] = {}
    for key, value in result.report.values.items():
        for flag in value.flags:
            if flag not in REVIEW_FLAGS | COVERED_BY_FINDINGS:
                _add(reasons, key, flag)
    identities: list[ItemSpec] = []
    for finding in result.findings:
        if finding.severity == "info":
            continue
        if len(finding.cells) == 1:
            _add(reasons, finding.cells[0], finding.rule)
        else:
            identities.append(ItemSpec("identity", tuple(finding.cells), finding.rule, finding.message))
    cells = [ItemSpec("cell", (key,), ",".join(why), _cell_detail(result, key)) for key, why in reasons.items()]
    return cells + identities


def _add(reasons: dict[str, list[str]], key: str, reason: str) -> None:
    bucket = reasons.setdefault(key, [])
    if reason not in bucket:
        bucket.append(reason)


def _cell_detail(result: Result, key: str) -> str:
    messages = [f.message for f in result.findings if f.cells == [key]]
    return "; ".join(messages)
