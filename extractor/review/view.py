"""A document's review state as plain data: what the page script shows and updates in place.

The page embeds it once; every action answers with it again, so the page never reloads: values,
cell states, the decisions (``groups``), the audit log and who holds the document all come from
here. Document text only ever leaves as JSON strings, which the script writes with ``textContent``.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .grids import EQUATION_RULES, cell_classes, detail_data, equation_data, labels, value_data, where_data
from .groups import Group, groups_of
from .records import CorrectionRecord, ItemRecord, Lease, VersionRecord
from .store import ReviewStore


def document_state(store: ReviewStore, document_id: int, user: str, version: VersionRecord | None = None,
                   items: list[ItemRecord] | None = None) -> dict[str, Any]:
    """Everything about the document that a review action can change (``version`` and ``items``:
    when the caller has read them already, so that the page and its state show the same moment)."""
    version = version or store.current(document_id)
    result = version.result()
    report = result.report
    items = store.items(document_id) if items is None else items
    names = labels(report) if report else {}
    groups = groups_of(result, items, names)
    return {
        "document": document_id,
        "version": version.number,
        "savedBy": version.created_by,
        "savedAt": version.created_at,
        "status": result.status,
        "values": value_data(report) if report else {},
        "details": detail_data(report) if report else {},
        "where": where_data(report) if report else {},
        "classes": cell_classes(report, items) if report else {},
        "groups": [_group(g) for g in groups],
        "items": {str(i.id): _item(i) for i in items},
        "audit": audit_data(store.corrections(document_id), names),
        "lease": _lease(store.lease_of(document_id), user),
        "counts": _counts(items, groups),
    }


def static_data(report: Any, text_keys: frozenset[str]) -> dict[str, Any]:
    """What does not change while the page is open: labels and the identities."""
    return {
        "labels": labels(report) if report else {},
        "equations": equation_data(report) if report else [],
        "equationRules": sorted(EQUATION_RULES),
        "textKeys": sorted(text_keys),
    }


def audit_data(corrections: list[CorrectionRecord], names: dict[str, str]) -> list[dict[str, Any]]:
    """The log by decision, newest first: one entry per reviewer action, with every cell it touched."""
    decisions: dict[object, dict[str, Any]] = {}
    for c in corrections:
        ident = c.decision if c.decision is not None else f"row{c.id}"
        entry = decisions.get(ident)
        if entry is None:
            entry = decisions[ident] = {"decision": ident, "at": c.at, "reviewer": c.reviewer, "version": c.version,
                                        "reason": c.reason, "sourceError": c.source_error, "note": c.note or "",
                                        "changes": []}
        entry["changes"].append({"key": c.key, "label": names.get(c.key or "", c.key or f"item {c.item_id}"),
                                 "old": c.old, "new": c.new, "item": c.item_id})
    return list(reversed(decisions.values()))


def _group(g: Group) -> dict[str, Any]:
    return {"id": g.id, "kind": g.kind, "flag": g.flag, "message": g.message, "keys": list(g.keys),
            "items": list(g.items), "status": g.status, "resolutions": list(g.resolutions), "focus": g.focus}


def _item(i: ItemRecord) -> dict[str, Any]:
    return {"id": i.id, "kind": i.kind, "keys": list(i.keys), "rule": i.rule, "status": i.status,
            "resolution": i.resolution, "decidedBy": i.decided_by}


def _lease(lease: Lease | None, user: str) -> dict[str, Any] | None:
    if lease is None:
        return None
    until = datetime.fromtimestamp(lease.expires, UTC).strftime("%H:%M UTC")
    return {"holder": lease.holder, "until": until, "mine": lease.holder == user}


def _counts(items: list[ItemRecord], groups: list[Group]) -> dict[str, int]:
    return {"open": sum(i.status == "open" for i in items), "skipped": sum(i.status == "skipped" for i in items),
            "settled": sum(i.status == "settled" for i in items),
            "decisionsOpen": sum(g.status == "open" for g in groups),
            "decisions": len(groups)}
