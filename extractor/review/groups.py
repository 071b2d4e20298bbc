"""The decisions a document asks for: its review items grouped by the cause they share.

A dropped 其他 column flags forty-odd cells, one misprinted cell fails a row and a column identity:
each is one fact about the document, so each is one decision. The grouping comes from the result's
``causes`` (``extractor.causes``: flagged values by shared reason) and, for failing identities,
from the cell they share (the likely culprit). Every review item lands in exactly one group; a
group's items are what one "accept" or "skip" settles. A cell of a group can still be decided
alone (corrected, marked as a source error, accepted by itself).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from ..flags import Flag, meaning
from ..report import Result
from .records import ItemRecord, ItemStatus

GroupKind = Literal["cause", "identity", "rule"]
EQUATION_RULES = frozenset({"row_sum", "outcome_total", "balance", "appeal_sum"})  # see identities.py
# the findings that come with a flag: a cause of that flag also decides them
FINDINGS_OF_FLAG: dict[str, frozenset[str]] = {
    Flag.PROSE_TABLE_MISMATCH: frozenset({"prose_vs_table"}),
    Flag.IDENTITY_FAILS: EQUATION_RULES,
}


@dataclass(frozen=True)
class Group:
    id: str  # stable while the cause lasts: "cause:<cause id>", "identity:<first item id>", "rule:<rule>"
    kind: GroupKind
    flag: str  # the cause's flag, or the finding's rule
    message: str  # what the reviewer decides
    keys: tuple[str, ...]  # the cells it is about, in the cause's order
    items: tuple[int, ...]  # the review items one decision on the group settles
    status: ItemStatus  # open while any item is open; skipped when none is open and one is skipped
    resolutions: tuple[str, ...]  # how its settled items were settled, each once
    focus: str  # the cell to land on: the first still open, or the likely culprit


def groups_of(result: Result, items: list[ItemRecord], labels: dict[str, str] | None = None) -> list[Group]:
    """Failing identities first (they decide whether a cell is wrong), then the causes in the
    checker's order of seriousness, then items no cause names (grouped by rule)."""
    labels = labels or {}
    cells = {i.keys[0]: i for i in items if i.kind == "cell"}
    identities = [i for i in items if i.kind == "identity"]
    claimed: set[int] = set()
    causes: list[Group] = []
    for cause in result.causes:
        own = [cells[k] for k in cause.keys if k in cells]
        related = FINDINGS_OF_FLAG.get(cause.flag, frozenset())
        absorbed = [i for i in identities if i.rule in related and set(i.keys) & set(cause.keys)]
        members = [i for i in own + absorbed if i.id not in claimed]
        if not members:
            continue
        claimed.update(i.id for i in members)
        equations = [i for i in absorbed if i.rule in EQUATION_RULES]
        message = (_failing_message(equations, tuple(cause.keys), labels) if equations
                   else _with_details(cause.message, members))
        causes.append(_group(f"cause:{cause.id}", "cause", cause.flag, message, tuple(cause.keys), members))
    failing = [i for i in identities if i.id not in claimed]
    claimed.update(i.id for i in failing)
    leftovers = [i for i in items if i.id not in claimed and i.status != "settled"]
    return _identity_groups(failing, labels) + causes + _rule_groups(leftovers)


def group_of_key(groups: list[Group], key: str) -> Group | None:
    """The open group a cell belongs to: the one holding the cell's own item, else a failing
    identity through it."""
    live = [g for g in groups if g.status != "settled" and key in g.keys]
    return next((g for g in live if g.kind != "identity"), None) or next(iter(live), None)


def _identity_groups(items: list[ItemRecord], labels: dict[str, str]) -> list[Group]:
    """Failing identities grouped by their likely culprit: the cells most of the failing identities
    share (a misprinted cell fails its row and its column; both go when it is fixed)."""
    undecided = [i for i in items if i.status != "settled"]
    shared = Counter(k for i in undecided for k in set(i.keys))
    by_culprit: dict[tuple[str, ...], list[ItemRecord]] = {}
    for item in sorted(items, key=lambda i: i.id):
        if item.status == "settled":
            culprits = item.keys  # decided: it no longer fails, so nothing points at a culprit
        else:
            top = max(shared[k] for k in item.keys)
            culprits = tuple(k for k in item.keys if shared[k] == top)
        by_culprit.setdefault(culprits, []).append(item)
    groups = []
    for culprits, members in by_culprit.items():
        if len(members) == 1:
            message = members[0].detail or meaning(members[0].rule)
        else:
            message = _failing_message(members, culprits, labels)
        keys = culprits if len(members) > 1 or len(culprits) < len(members[0].keys) else members[0].keys
        groups.append(_group(f"identity:{members[0].id}", "identity", members[0].rule, message, tuple(keys),
                             members))
    return groups


def _failing_message(identities: list[ItemRecord], culprits: tuple[str, ...], labels: dict[str, str]) -> str:
    # the identities themselves, with every term, are in the page's identity panel
    names = "、".join(labels.get(k, k) for k in culprits)
    count = f"{len(identities)} identities fail" if len(identities) > 1 else "an identity fails"
    return f"{count} through {names}: correct it, or accept as printed"


def _with_details(message: str, members: list[ItemRecord]) -> str:
    """The cause, and what the checker said about its one or two cells (the figures that disagree)."""
    details = list(dict.fromkeys(i.detail for i in members if i.detail))
    return f"{message}: {'; '.join(details)}" if 0 < len(details) <= 2 else message


def _rule_groups(items: list[ItemRecord]) -> list[Group]:
    by_rule: dict[str, list[ItemRecord]] = {}
    for item in items:
        by_rule.setdefault(item.rule, []).append(item)
    groups = []
    for rule, members in by_rule.items():
        reasons = "; ".join(meaning(r) for r in rule.split(","))
        message = f"{reasons} ({len(members)} value{'s' * (len(members) > 1)})"
        keys = tuple(k for i in members for k in i.keys)
        groups.append(_group(f"rule:{rule}", "rule", rule, message, keys, members))
    return groups


def _group(group_id: str, kind: GroupKind, flag: str, message: str, keys: tuple[str, ...],
           members: list[ItemRecord]) -> Group:
    statuses = {i.status for i in members}
    status: ItemStatus = "open" if "open" in statuses else "skipped" if "skipped" in statuses else "settled"
    resolutions = tuple(dict.fromkeys(i.resolution for i in members if i.resolution))
    undecided = {k for i in members if i.status == status for k in i.keys}
    focus = next((k for k in keys if k in undecided), keys[0] if keys else "")
    return Group(group_id, kind, flag, message, keys, tuple(i.id for i in members), status, resolutions, focus)
