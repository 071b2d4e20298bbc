"""The review operations: enqueue a result, correct a cell, accept, mark a source error, skip.

A correction reads the current version, derives the new report (a corrected value keeps its printed
text and provenance; the old value stays in the old version), re-runs ``check()`` and hands the
store one ``Commit`` that it applies atomically. Accepting and skipping settle review items without
a new version, a whole group (``groups``) at a time or one cell alone. Every operation is one
decision in the audit log, and is refused when the reviewer's version is stale or another reviewer
holds the document's lease (the store checks both). The store is always a parameter.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..causes import group_causes
from ..check import check, status_of
from ..errors import ExtractorError, StoreError
from ..flags import CHECKER, PROVENANCE
from ..ingest import TEXT_FORMATS
from ..report import Report, Result, Scalar, Value
from ..template import ADMIN_FEE_KEY, all_keys
from .groups import Group, groups_of
from .items import items_of
from .records import AuditEntry, Commit, ItemRecord, NewDocument, Resolution
from .store import ReviewStore

# why the extraction was wrong (a source error is its own operation: the printed value stays)
CORRECTION_REASONS = ("misread", "misplaced", "inference", "other")
# flags that describe where a value came from: still true after a reviewer corrects the number
PROVENANCE_FLAGS = PROVENANCE
# flags check() derives from the values: recomputed from scratch on every re-check
CHECK_FLAGS = CHECKER
TEXT_KEYS = frozenset({"meta.org_name", ADMIN_FEE_KEY, "active2019.procurement.amount"})
SIGNED_SUFFIX = ".change"
MAX_COUNT = 10**12  # far above any real count, far below what would overflow anything downstream

Edit = Callable[[Report], list[AuditEntry]]


def enqueue(store: ReviewStore, result: Result, data: bytes | None = None) -> tuple[int, bool]:
    """Add an extracted document and its review items; (document id, newly added)."""
    if result.report is None or result.source is None:
        raise StoreError(f"{result.document}: {result.status}"
                         + (f" ({result.error})" if result.error else "") + "; there is nothing to review")
    if data is None:
        data = _read(result.source.path)
    doc = NewDocument(
        sha256=result.source.sha256, name=result.source.name, path=result.source.path,
        format=result.source.format, org=_text(result.report.get("meta.org_name")),
        year=_int(result.report.get("meta.year")), data=data, lines=_lines(data, result.source.format))
    return store.add(doc, result.model_dump_json(), items_of(result))


def apply_correction(store: ReviewStore, document_id: int, key: str, value: Scalar | str, reviewer: str,
                     expected_version: int, reason: str = "misread", note: str | None = None) -> int:
    """Replace one value (an extraction error); returns the new version number."""
    if reason not in CORRECTION_REASONS:
        raise StoreError(f"unknown reason {reason!r}; one of {', '.join(CORRECTION_REASONS)}")
    new = parse_value(key, value)

    def edit(report: Report) -> list[AuditEntry]:
        old = _value_of(report, key)
        if old is not None and old.value == new:
            raise StoreError(f"{key} already is {new!r}: nothing to correct (accept it instead)")
        report.values[key] = corrected_value(key, old, new)
        return [AuditEntry(key, old.value if old else None, new, reason, False, note, _cell_item_id(store,
                                                                                                  document_id, key))]

    def settle(items: list[ItemRecord]) -> dict[int, Resolution]:
        return {i.id: "corrected" for i in items if i.kind == "cell" and i.keys == (key,)}

    return _commit(store, document_id, reviewer, expected_version, edit, settle)


def mark_source_error(store: ReviewStore, document_id: int, key: str, reviewer: str, expected_version: int,
                      note: str | None = None) -> int:
    """Record that the document itself prints ``key`` wrong: the printed value stays, flagged
    ``source_error``; the cell's item and the identities through it are settled."""

    def edit(report: Report) -> list[AuditEntry]:
        old = _value_of(report, key)
        if old is None:
            raise StoreError(f"{key} has no value in this report")
        marked = old.model_copy(deep=True)
        marked.flag("source_error")
        report.values[key] = marked
        return [AuditEntry(key, old.value, old.value, "source_error", True, note,
                           _cell_item_id(store, document_id, key))]

    def settle(items: list[ItemRecord]) -> dict[int, Resolution]:
        return {i.id: "source_error" for i in items if key in i.keys and i.status != "settled"}

    return _commit(store, document_id, reviewer, expected_version, edit, settle)


def accept(store: ReviewStore, item_id: int, reviewer: str, note: str | None = None) -> int:
    """Settle one item as right as printed: a cell's value, or an identity that fails in the source."""
    item = store.item(item_id)
    return _decide(store, item.document_id, [item], reviewer, "accepted", note)


def skip(store: ReviewStore, item_id: int, reviewer: str) -> int:
    """Put an item aside: it leaves the open queue but stays visible under 'skipped'."""
    item = store.item(item_id)
    return _decide(store, item.document_id, [item], reviewer, "skipped")


def accept_group(store: ReviewStore, document_id: int, group_id: str, reviewer: str, expected_version: int,
                 note: str | None = None) -> int:
    """Accept every undecided item of a group as printed: one decision, however many cells."""
    members = _undecided(store, document_id, group(store, document_id, group_id).items)
    return _decide(store, document_id, members, reviewer, "accepted", note, expected_version)


def skip_group(store: ReviewStore, document_id: int, group_id: str, reviewer: str, expected_version: int) -> int:
    members = [i for i in _undecided(store, document_id, group(store, document_id, group_id).items)
               if i.status == "open"]
    if not members:
        raise StoreError(f"nothing open in {group_id} to skip")
    return _decide(store, document_id, members, reviewer, "skipped", None, expected_version)


def accept_cell(store: ReviewStore, document_id: int, key: str, reviewer: str, expected_version: int,
                note: str | None = None) -> int:
    """Accept one cell of a group by itself (its own item only)."""
    members = [i for i in store.items(document_id) if i.kind == "cell" and i.keys == (key,) and i.status != "settled"]
    if not members:
        raise StoreError(f"{key} has no undecided item of its own")
    return _decide(store, document_id, members, reviewer, "accepted", note, expected_version)


def group(store: ReviewStore, document_id: int, group_id: str) -> Group:
    """A group of the document's current version, by id."""
    found = next((g for g in groups_of(store.current(document_id).result(), store.items(document_id))
                  if g.id == group_id), None)
    if found is None:
        raise StoreError(f"document {document_id} has no decision {group_id!r} (any more): reload the page")
    return found


def take_lease(store: ReviewStore, document_id: int, reviewer: str) -> None:
    """The reviewer starts working on a document (their first action, e.g. starting an edit)."""
    store.lease(document_id, reviewer)


def _undecided(store: ReviewStore, document_id: int, item_ids: tuple[int, ...]) -> list[ItemRecord]:
    members = [i for i in store.items(document_id) if i.id in item_ids and i.status != "settled"]
    if not members:
        raise StoreError("this decision was already made")
    return members


def _decide(store: ReviewStore, document_id: int, members: list[ItemRecord], reviewer: str, outcome: str,
            note: str | None = None, expected_version: int | None = None) -> int:
    """Settle (``accepted``) or skip (``skipped``) items as one decision; every item gets an audit
    row holding its value, so the log says what exactly was accepted."""
    report = store.current(document_id).result().report
    entries = []
    for item in members:
        key = item.keys[0] if item.kind == "cell" else None
        value = report.get(key) if key and report else None
        entries.append(AuditEntry(key, value, value, outcome, False, note, item.id))
    status, resolution = ("skipped", None) if outcome == "skipped" else ("settled", "accepted")
    return store.decide(document_id, [i.id for i in members], reviewer, status, resolution,  # type: ignore[arg-type]
                        entries, expected_version)


def parse_value(key: str, value: Scalar | str) -> Scalar:
    """A reviewer's input as the value type of ``key`` (counts are integers; amounts stay text)."""
    if value is None:
        return None
    text = str(value).strip().replace(",", "").replace("，", "")
    if key in TEXT_KEYS:
        if key == ADMIN_FEE_KEY:
            _require_decimal(key, text)
        return text
    try:
        number = int(text)
    except ValueError:
        raise StoreError(f"{key} takes a whole number, not {str(value)!r}") from None
    if number < 0 and not key.endswith(SIGNED_SUFFIX):
        raise StoreError(f"{key} is a count and cannot be negative")
    if abs(number) > MAX_COUNT:
        raise StoreError(f"{key} = {number} is beyond any count a report prints")
    return number


def corrected_value(key: str, old: Value | None, new: Scalar) -> Value:
    """The corrected value: method 'corrected', the printed text and provenance kept."""
    if old is None:
        return Value(key=key, value=new, method="corrected", flags=["corrected"])
    kept = [f for f in old.flags if f in PROVENANCE_FLAGS]
    return old.model_copy(update={"value": new, "method": "corrected", "confidence": 1.0,
                                  "flags": ["corrected", *kept]}, deep=True)


def recheck(result: Result) -> None:
    """Re-run the checker on a reviewed report, starting from flags the checker does not own."""
    assert result.report is not None
    for value in result.report.values.values():
        value.flags = [f for f in value.flags if f not in CHECK_FLAGS]
    result.findings = check(result.report)
    result.status = status_of(result.report, result.findings)
    result.causes = group_causes(result.report, result.findings)


def _commit(store: ReviewStore, document_id: int, reviewer: str, expected_version: int, edit: Edit,
            settle: Callable[[list[ItemRecord]], dict[int, Resolution]]) -> int:
    # The new result is built from the current version; the store refuses the commit unless that is
    # still the version the reviewer saw, so a concurrent change is never silently overwritten.
    store.check_lease(document_id, reviewer)
    current = store.current(document_id)
    if current.number != expected_version:
        raise StoreError(f"document {document_id} changed while you were editing: you saw version "
                         f"{expected_version}, the current one is {current.number} ({current.created_by}); "
                         f"reload and apply your change again")
    result = current.result()
    if result.report is None:
        raise StoreError(f"document {document_id} has no report to correct")
    audit = edit(result.report)
    recheck(result)
    commit = Commit(document_id=document_id, base_version=expected_version, result_json=result.model_dump_json(),
                    reviewer=reviewer, audit=tuple(audit), items=tuple(items_of(result)),
                    settle=settle(store.items(document_id)))
    return store.commit(commit)


def _value_of(report: Report, key: str) -> Value | None:
    if key in report.values:
        return report.values[key]
    known = all_keys(report.template.table2 or "2021", report.template.table3 or "2021")
    if key not in known:
        raise StoreError(f"{key} is not a key of this report")
    return None


def _cell_item_id(store: ReviewStore, document_id: int, key: str) -> int | None:
    return next((i.id for i in store.items(document_id) if i.kind == "cell" and i.keys == (key,)), None)


def _require_decimal(key: str, text: str) -> None:
    try:
        Decimal(text)
    except InvalidOperation:
        raise StoreError(f"{key} takes a decimal amount, not {text!r}") from None


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None


def _lines(data: bytes, fmt: str) -> list[str] | None:
    if fmt not in TEXT_FORMATS:
        return None
    from ..ingest.encoding import decode

    try:
        text, _ = decode(data)
    except ExtractorError:
        return None
    return text.splitlines()


def _text(value: Scalar) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Scalar) -> int | None:
    return value if isinstance(value, int) else None
