"""Plain records that cross the store boundary: what goes in and what comes out.

They are frozen dataclasses rather than sqlite3 rows so that callers never depend on the database
(another ``ReviewStore`` can return the same records) and rows cannot be mutated by accident.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from ..report import Result, Scalar

ItemKind = Literal["cell", "identity"]
ItemStatus = Literal["open", "settled", "skipped"]
# Why an item was settled: the reviewer accepted the value/identity as printed, corrected it, said
# the source itself is wrong, or a correction elsewhere made the finding go away.
Resolution = Literal["accepted", "corrected", "source_error", "resolved"]


@dataclass(frozen=True)
class NewDocument:
    sha256: str
    name: str
    path: str
    format: str
    org: str | None
    year: int | None
    data: bytes  # the original file, kept so a gold export can put the document beside its labels
    lines: list[str] | None = None  # decoded source lines (text formats: Where.line points here)


@dataclass(frozen=True)
class DocumentRecord:
    id: int
    sha256: str
    name: str
    path: str
    format: str
    org: str | None
    year: int | None
    added_at: str


@dataclass(frozen=True)
class SourceRecord:
    data: bytes
    lines: list[str] | None


@dataclass(frozen=True)
class VersionRecord:
    document_id: int
    number: int
    result_json: str
    created_at: str
    created_by: str  # 'extractor' or a reviewer's username

    def result(self) -> Result:
        return Result.model_validate_json(self.result_json)


@dataclass(frozen=True)
class ItemSpec:
    """An item as the checker sees it; identity across versions is (kind, keys)."""

    kind: ItemKind
    keys: tuple[str, ...]
    rule: str  # cell: its flag reasons joined by ','; identity: the finding's rule
    detail: str = ""

    @property
    def signature(self) -> tuple[str, str]:
        return self.kind, json.dumps(list(self.keys))


@dataclass(frozen=True)
class ItemRecord:
    id: int
    document_id: int
    version: int  # the latest version in which the item was (re)confirmed
    kind: ItemKind
    keys: tuple[str, ...]
    rule: str
    detail: str
    status: ItemStatus
    resolution: Resolution | None
    decided_by: str | None
    decided_at: str | None


@dataclass(frozen=True)
class Lease:
    """A reviewer's hold on a whole document: taken by their first action on it, renewed by each
    action, released when nothing is left open, when they leave the document or sign out, or when
    it expires."""

    document_id: int
    holder: str
    taken_at: float
    expires: float  # epoch seconds


@dataclass(frozen=True)
class AuditEntry:
    """One line of the correction log, as written by a review operation."""

    key: str | None  # None for an identity accepted as printed
    old: Scalar
    new: Scalar
    reason: str
    source_error: bool = False
    note: str | None = None
    item_id: int | None = None


@dataclass(frozen=True)
class CorrectionRecord:
    id: int
    document_id: int
    version: int
    reviewer: str
    at: str
    key: str | None
    old: Scalar
    new: Scalar
    reason: str
    source_error: bool
    note: str | None
    item_id: int | None
    decision: int | None  # rows written by one reviewer action share it (None: written before decisions)


@dataclass(frozen=True)
class Commit:
    """Everything one review operation writes, applied by the store in a single transaction."""

    document_id: int
    base_version: int  # the version the reviewer saw; the commit fails if it is no longer current
    result_json: str
    reviewer: str
    audit: tuple[AuditEntry, ...]
    items: tuple[ItemSpec, ...]  # what the re-check of the new report asks to review
    settle: dict[int, Resolution] = field(default_factory=dict)  # item id → why it is settled


QueueSort = Literal["added", "document", "org", "year", "format", "version", "matching", "open", "skipped",
                   "settled", "holder"]


@dataclass(frozen=True)
class QueueFilter:
    status: ItemStatus | Literal["any"] = "open"
    org: str | None = None  # substring
    year: int | None = None
    rule: str | None = None
    format: str | None = None
    sort: QueueSort = "added"
    descending: bool = False


@dataclass(frozen=True)
class QueueRow:
    document: DocumentRecord
    version: int
    matching: int  # items matching the filter
    open: int
    skipped: int
    settled: int
    rules: tuple[str, ...]  # rules of the matching items
    lease: Lease | None = None  # who is working on the document right now
