"""Where review state lives: the ``ReviewStore`` interface and its SQLite implementation.

Every write is one transaction (``BEGIN IMMEDIATE``, so writers queue on the busy timeout instead of
failing to upgrade a read lock). A review commit checks, inside its transaction, that the version
the reviewer saw is still current (optimistic concurrency: no lost update) and that no other
reviewer holds a lease on the items it touches. sqlite3 exceptions never leave this module: they
become ``StoreError``.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ..errors import LeaseConflict, StoreError
from ..report import Scalar
from .migrations import MIGRATIONS
from .records import (
    AuditEntry,
    Commit,
    CorrectionRecord,
    DocumentRecord,
    ItemRecord,
    ItemSpec,
    ItemStatus,
    NewDocument,
    QueueFilter,
    QueueRow,
    Resolution,
    SourceRecord,
    VersionRecord,
)

BUSY_TIMEOUT_MS = 10_000
# A settled identity that fails again after a later correction needs a new look, unless the
# reviewer decided it is printed that way (accepted, or a source error).
_REOPENABLE = ("resolved", "corrected")


class ReviewStore(Protocol):
    """What the review operations, the exporter, the CLI and the web UI need from storage."""

    def add(self, doc: NewDocument, result_json: str, items: list[ItemSpec]) -> tuple[int, bool]: ...
    def documents(self) -> list[DocumentRecord]: ...
    def document(self, document_id: int) -> DocumentRecord: ...
    def source(self, document_id: int) -> SourceRecord: ...
    def current(self, document_id: int) -> VersionRecord: ...
    def items(self, document_id: int) -> list[ItemRecord]: ...
    def item(self, item_id: int) -> ItemRecord: ...
    def queue(self, filters: QueueFilter) -> list[QueueRow]: ...
    def rules(self) -> list[str]: ...
    def corrections(self, document_id: int | None = None) -> list[CorrectionRecord]: ...
    def lease(self, item_id: int, reviewer: str, seconds: float) -> ItemRecord: ...
    def lease_document(self, document_id: int, reviewer: str, seconds: float) -> list[ItemRecord]: ...
    def release(self, document_id: int, reviewer: str) -> None: ...
    def decide(self, item_id: int, reviewer: str, status: ItemStatus, resolution: Resolution | None,
               audit: AuditEntry | None) -> None: ...
    def commit(self, commit: Commit) -> int: ...
    def add_reviewer(self, username: str, password_hash: str | None) -> None: ...
    def add_token(self, username: str, token_hash: str) -> None: ...
    def password_hash(self, username: str) -> str | None: ...
    def token_user(self, token_hash: str) -> str | None: ...
    def secret(self) -> str: ...
    def counts(self) -> dict[str, int]: ...


class SQLiteStore:
    """A ``ReviewStore`` in one SQLite file (WAL). Safe to share between threads: each operation
    opens its own short-lived connection, so nothing is shared but the file."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock  # tests move time forward to expire leases
        self._migrate()

    # ---- connection and transactions ----------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the review store {self.path}: {exc}") from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous = NORMAL")  # durable enough under WAL, much faster
            yield conn
        except sqlite3.Error as exc:
            raise StoreError(f"review store {self.path}: {exc}") from None
        finally:
            conn.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if anything raises."""
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _migrate(self) -> None:
        with self._connection() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version "
                         "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        for number, steps in enumerate(MIGRATIONS, start=1):
            with self._write() as db:
                # re-read inside the transaction: another process may have migrated meanwhile
                current = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
                if current > len(MIGRATIONS):
                    raise StoreError(f"the review store {self.path} has schema version {current}, newer than "
                                     f"this extractor knows ({len(MIGRATIONS)}); upgrade the extractor")
                if current >= number:
                    continue
                for statement in steps:
                    db.execute(statement)
                db.execute("INSERT INTO schema_version VALUES (?, ?)", (number, _now_iso()))

    def schema_version(self) -> int:
        with self._read() as db:
            return db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]

    # ---- documents and versions ---------------------------------------------------------------

    def add(self, doc: NewDocument, result_json: str, items: list[ItemSpec]) -> tuple[int, bool]:
        """Add a document with its first extraction and items; (id, False) if already stored."""
        with self._write() as db:
            row = db.execute("SELECT id FROM documents WHERE sha256 = ?", (doc.sha256,)).fetchone()
            if row:
                return int(row["id"]), False
            lines = json.dumps(doc.lines, ensure_ascii=False) if doc.lines is not None else None
            cur = db.execute(
                "INSERT INTO documents (sha256, name, path, format, org, year, source_lines, source_bytes, added_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.sha256, doc.name, doc.path, doc.format, doc.org, doc.year, lines, doc.data, _now_iso()),
            )
            document_id = int(cur.lastrowid)  # type: ignore[arg-type]
            self._insert_version(db, document_id, 1, result_json, "extractor")
            self._sync_items(db, document_id, 1, items, {}, "extractor")
            return document_id, True

    def documents(self) -> list[DocumentRecord]:
        with self._read() as db:
            return [_document(r) for r in db.execute(f"SELECT {_DOC_COLUMNS} FROM documents ORDER BY id")]

    def document(self, document_id: int) -> DocumentRecord:
        with self._read() as db:
            row = db.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE id = ?", (document_id,)).fetchone()
        if row is None:
            raise StoreError(f"no document {document_id} in the review store")
        return _document(row)

    def source(self, document_id: int) -> SourceRecord:
        with self._read() as db:
            row = db.execute("SELECT source_bytes, source_lines FROM documents WHERE id = ?",
                             (document_id,)).fetchone()
        if row is None:
            raise StoreError(f"no document {document_id} in the review store")
        lines = json.loads(row["source_lines"]) if row["source_lines"] is not None else None
        return SourceRecord(data=bytes(row["source_bytes"]), lines=lines)

    def current(self, document_id: int) -> VersionRecord:
        with self._read() as db:
            row = db.execute(
                "SELECT document_id, number, result_json, created_at, created_by FROM versions"
                " WHERE document_id = ? ORDER BY number DESC LIMIT 1", (document_id,)).fetchone()
        if row is None:
            raise StoreError(f"no document {document_id} in the review store")
        return VersionRecord(**dict(row))

    def versions(self, document_id: int) -> list[VersionRecord]:
        with self._read() as db:
            rows = db.execute("SELECT document_id, number, result_json, created_at, created_by FROM versions"
                              " WHERE document_id = ? ORDER BY number", (document_id,)).fetchall()
        return [VersionRecord(**dict(r)) for r in rows]

    # ---- items and the queue ------------------------------------------------------------------

    def items(self, document_id: int) -> list[ItemRecord]:
        with self._read() as db:
            rows = db.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE document_id = ? ORDER BY id",
                              (document_id,)).fetchall()
        return [_item(r) for r in rows]

    def item(self, item_id: int) -> ItemRecord:
        with self._read() as db:
            row = db.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise StoreError(f"no review item {item_id}")
        return _item(row)

    def queue(self, filters: QueueFilter) -> list[QueueRow]:
        where, params = _queue_conditions(filters)
        sql = f"""
            SELECT d.id, d.sha256, d.name, d.path, d.format, d.org, d.year, d.added_at,
                   (SELECT MAX(number) FROM versions v WHERE v.document_id = d.id) AS version,
                   SUM({where}) AS matching,
                   SUM(i.status = 'open') AS n_open, SUM(i.status = 'skipped') AS n_skipped,
                   SUM(i.status = 'settled') AS n_settled,
                   GROUP_CONCAT(CASE WHEN {where} THEN i.rule END, ',') AS rules
            FROM documents d LEFT JOIN items i ON i.document_id = d.id
            WHERE (:org IS NULL OR instr(d.org, :org) > 0)
              AND (:year IS NULL OR d.year = :year)
              AND (:format IS NULL OR d.format = :format)
            GROUP BY d.id
            HAVING :any_status OR SUM({where}) > 0
            ORDER BY d.year DESC, d.org, d.id"""
        with self._read() as db:
            rows = db.execute(sql, params).fetchall()
        return [_queue_row(r) for r in rows]

    def rules(self) -> list[str]:
        with self._read() as db:
            rows = db.execute("SELECT DISTINCT rule FROM items").fetchall()
        return sorted({part for r in rows for part in r["rule"].split(",") if part})

    # ---- leases --------------------------------------------------------------------------------

    def lease(self, item_id: int, reviewer: str, seconds: float) -> ItemRecord:
        """Take (or renew) the lease on one item: a single UPDATE that succeeds only when the lease
        is free, expired or already the reviewer's, so two reviewers can never both hold it."""
        now = self._clock()
        with self._write() as db:
            cur = db.execute(
                "UPDATE items SET lease_holder = ?, lease_expires = ? WHERE id = ?"
                " AND (lease_holder IS NULL OR lease_holder = ? OR lease_expires <= ?)",
                (reviewer, now + seconds, item_id, reviewer, now))
            row = db.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise StoreError(f"no review item {item_id}")
        item = _item(row)
        if cur.rowcount == 0:
            raise LeaseConflict(_lease_message(item))
        return item

    def lease_document(self, document_id: int, reviewer: str, seconds: float) -> list[ItemRecord]:
        """Lease every open item of a document that is free; returns the items others hold."""
        now = self._clock()
        with self._write() as db:
            db.execute(
                "UPDATE items SET lease_holder = ?, lease_expires = ? WHERE document_id = ?"
                " AND status IN ('open', 'skipped')"
                " AND (lease_holder IS NULL OR lease_holder = ? OR lease_expires <= ?)",
                (reviewer, now + seconds, document_id, reviewer, now))
            rows = db.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE document_id = ?"
                              " AND lease_holder IS NOT NULL AND lease_holder != ? AND lease_expires > ?",
                              (document_id, reviewer, now)).fetchall()
        return [_item(r) for r in rows]

    def release(self, document_id: int, reviewer: str) -> None:
        with self._write() as db:
            db.execute("UPDATE items SET lease_holder = NULL, lease_expires = NULL"
                       " WHERE document_id = ? AND lease_holder = ?", (document_id, reviewer))

    # ---- review decisions ---------------------------------------------------------------------

    def decide(self, item_id: int, reviewer: str, status: ItemStatus, resolution: Resolution | None,
               audit: AuditEntry | None) -> None:
        """Settle or skip one item without a new version (accept as printed, skip)."""
        now = self._clock()
        with self._write() as db:
            cur = db.execute(
                "UPDATE items SET status = ?, resolution = ?, decided_by = ?, decided_at = ?,"
                " lease_holder = NULL, lease_expires = NULL WHERE id = ? AND status IN ('open', 'skipped')"
                " AND (lease_holder IS NULL OR lease_holder = ? OR lease_expires <= ?)",
                (status, resolution, reviewer, _now_iso(), item_id, reviewer, now))
            if cur.rowcount == 0:
                raise _refusal(db, item_id)
            if audit is not None:
                row = db.execute("SELECT document_id, version FROM items WHERE id = ?", (item_id,)).fetchone()
                self._insert_audit(db, row["document_id"], row["version"], reviewer, [audit])

    def commit(self, commit: Commit) -> int:
        """Write a reviewed version: the new result, its audit entries and the re-synced items,
        all or nothing. Returns the new version number."""
        with self._write() as db:
            current = db.execute("SELECT MAX(number) FROM versions WHERE document_id = ?",
                                 (commit.document_id,)).fetchone()[0]
            if current is None:
                raise StoreError(f"no document {commit.document_id} in the review store")
            if current != commit.base_version:
                raise StoreError(_stale_message(db, commit.document_id, commit.base_version, current))
            self._check_leases(db, commit)
            number = current + 1
            self._insert_version(db, commit.document_id, number, commit.result_json, commit.reviewer)
            self._insert_audit(db, commit.document_id, number, commit.reviewer, commit.audit)
            self._sync_items(db, commit.document_id, number, commit.items, commit.settle, commit.reviewer)
        return number

    def _check_leases(self, db: sqlite3.Connection, commit: Commit) -> None:
        touched = {e.key for e in commit.audit if e.key}
        rows = db.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE document_id = ?"
                          " AND status IN ('open', 'skipped')", (commit.document_id,)).fetchall()
        now = self._clock()
        for item in map(_item, rows):
            if (item.id in commit.settle or touched & set(item.keys)) and item.leased_by_other(commit.reviewer, now):
                raise LeaseConflict(_lease_message(item))

    def _insert_version(self, db: sqlite3.Connection, document_id: int, number: int, result_json: str,
                        created_by: str) -> None:
        db.execute("INSERT INTO versions (document_id, number, result_json, created_at, created_by)"
                   " VALUES (?, ?, ?, ?, ?)", (document_id, number, result_json, _now_iso(), created_by))

    def _insert_audit(self, db: sqlite3.Connection, document_id: int, version: int, reviewer: str,
                      entries: tuple[AuditEntry, ...] | list[AuditEntry]) -> None:
        at = _now_iso()
        db.executemany(
            "INSERT INTO corrections (document_id, version, reviewer, at, key, old_value, new_value, reason,"
            " source_error, note, item_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(document_id, version, reviewer, at, e.key, _dump(e.old), _dump(e.new), e.reason,
              int(e.source_error), e.note, e.item_id) for e in entries])

    def _sync_items(self, db: sqlite3.Connection, document_id: int, version: int, specs: tuple[ItemSpec, ...]
                    | list[ItemSpec], settle: dict[int, Resolution], reviewer: str) -> None:
        """Make the items match the re-check: settle what the reviewer settled and what no longer
        fails, open what is new, reopen an identity a later correction broke again."""
        existing = {_signature(item): item for item in map(_item, db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM items WHERE document_id = ?", (document_id,)))}
        wanted = {s.signature: s for s in specs}
        self._settle_items(db, existing, wanted, settle, reviewer)
        self._open_items(db, document_id, version, existing, wanted, settle)

    def _settle_items(self, db: sqlite3.Connection, existing: dict[tuple[str, str], ItemRecord],
                      wanted: dict[tuple[str, str], ItemSpec], settle: dict[int, Resolution], reviewer: str) -> None:
        now = _now_iso()
        for signature, item in existing.items():
            if item.status == "settled":
                continue
            resolution = settle.get(item.id) or (None if signature in wanted else "resolved")
            if resolution is not None:
                db.execute("UPDATE items SET status = 'settled', resolution = ?, decided_by = ?, decided_at = ?,"
                           " lease_holder = NULL, lease_expires = NULL WHERE id = ?",
                           (resolution, reviewer, now, item.id))

    def _open_items(self, db: sqlite3.Connection, document_id: int, version: int,
                    existing: dict[tuple[str, str], ItemRecord], wanted: dict[tuple[str, str], ItemSpec],
                    settle: dict[int, Resolution]) -> None:
        for signature, spec in wanted.items():
            known = existing.get(signature)
            if known is None:
                db.execute("INSERT INTO items (document_id, version, kind, keys, rule, detail)"
                           " VALUES (?, ?, ?, ?, ?, ?)",
                           (document_id, version, spec.kind, signature[1], spec.rule, spec.detail))
            elif (spec.kind == "identity" and known.status == "settled" and known.resolution in _REOPENABLE
                  and known.id not in settle):
                db.execute("UPDATE items SET status = 'open', resolution = NULL, decided_by = NULL,"
                           " decided_at = NULL, version = ?, rule = ?, detail = ? WHERE id = ?",
                           (version, spec.rule, spec.detail, known.id))
            else:
                db.execute("UPDATE items SET version = ?, rule = ?, detail = ? WHERE id = ?",
                           (version, spec.rule, spec.detail, known.id))

    # ---- the audit log ------------------------------------------------------------------------

    def corrections(self, document_id: int | None = None) -> list[CorrectionRecord]:
        sql = ("SELECT id, document_id, version, reviewer, at, key, old_value, new_value, reason, source_error,"
               " note, item_id FROM corrections WHERE (? IS NULL OR document_id = ?) ORDER BY id")
        with self._read() as db:
            rows = db.execute(sql, (document_id, document_id)).fetchall()
        return [_correction(r) for r in rows]

    # ---- reviewers ----------------------------------------------------------------------------

    def add_reviewer(self, username: str, password_hash: str | None) -> None:
        """Create a reviewer, or set a new password hash for an existing one."""
        with self._write() as db:
            db.execute("INSERT INTO reviewers (username, password_hash, created_at) VALUES (?, ?, ?)"
                       " ON CONFLICT (username) DO UPDATE SET password_hash ="
                       " COALESCE(excluded.password_hash, reviewers.password_hash)",
                       (username, password_hash, _now_iso()))

    def add_token(self, username: str, token_hash: str) -> None:
        with self._write() as db:
            if db.execute("SELECT 1 FROM reviewers WHERE username = ?", (username,)).fetchone() is None:
                raise StoreError(f"no reviewer {username!r}")
            db.execute("INSERT INTO tokens (token_hash, username, created_at) VALUES (?, ?, ?)",
                       (token_hash, username, _now_iso()))

    def password_hash(self, username: str) -> str | None:
        with self._read() as db:
            row = db.execute("SELECT password_hash FROM reviewers WHERE username = ?", (username,)).fetchone()
        return row["password_hash"] if row else None

    def token_user(self, token_hash: str) -> str | None:
        with self._read() as db:
            row = db.execute("SELECT username FROM tokens WHERE token_hash = ?", (token_hash,)).fetchone()
        return row["username"] if row else None

    def secret(self) -> str:
        """The session-signing secret of this store, generated on first use."""
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO store_settings (name, value) VALUES ('session_secret', ?)",
                       (secrets.token_urlsafe(48),))
            return db.execute("SELECT value FROM store_settings WHERE name = 'session_secret'").fetchone()[0]

    def counts(self) -> dict[str, int]:
        with self._read() as db:
            return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                    for t in ("documents", "versions", "items", "corrections", "reviewers")}


# ---- row conversion (module-level: pure functions of a row) -------------------------------------

_DOC_COLUMNS = "id, sha256, name, path, format, org, year, added_at"
_ITEM_COLUMNS = ("id, document_id, version, kind, keys, rule, detail, status, resolution, lease_holder,"
                 " lease_expires, decided_by, decided_at")


def _document(row: sqlite3.Row) -> DocumentRecord:
    return DocumentRecord(**{k: row[k] for k in _DOC_COLUMNS.split(", ")})


def _item(row: sqlite3.Row) -> ItemRecord:
    values = {k.strip(): row[k.strip()] for k in _ITEM_COLUMNS.split(",")}
    values["keys"] = tuple(json.loads(values["keys"]))
    return ItemRecord(**values)


def _signature(item: ItemRecord) -> tuple[str, str]:
    return item.kind, json.dumps(list(item.keys))


def _correction(row: sqlite3.Row) -> CorrectionRecord:
    return CorrectionRecord(
        id=row["id"], document_id=row["document_id"], version=row["version"], reviewer=row["reviewer"],
        at=row["at"], key=row["key"], old=_load(row["old_value"]), new=_load(row["new_value"]),
        reason=row["reason"], source_error=bool(row["source_error"]), note=row["note"], item_id=row["item_id"])


def _queue_conditions(filters: QueueFilter) -> tuple[str, dict[str, Any]]:
    """The per-item condition of a queue filter, as SQL over ``i`` plus its parameters."""
    where = ("(i.id IS NOT NULL AND (:status = 'any' OR i.status = :status)"
             " AND (:rule IS NULL OR (',' || i.rule || ',') LIKE '%,' || :rule || ',%'))")
    params = {"status": filters.status, "rule": filters.rule or None, "org": filters.org or None,
              "year": filters.year, "format": filters.format or None,
              "any_status": filters.status == "any" and not filters.rule}
    return where, params


def _queue_row(row: sqlite3.Row) -> QueueRow:
    rules = tuple(sorted({p for p in (row["rules"] or "").split(",") if p}))
    return QueueRow(document=_document(row), version=row["version"] or 0, matching=row["matching"] or 0,
                    open=row["n_open"] or 0, skipped=row["n_skipped"] or 0, settled=row["n_settled"] or 0,
                    rules=rules)


def _refusal(db: sqlite3.Connection, item_id: int) -> StoreError:
    """Why a decision on an item was refused: missing, already decided, or leased by another."""
    row = db.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        return StoreError(f"no review item {item_id}")
    item = _item(row)
    if item.status == "settled":
        return StoreError(f"item {item_id} was already settled ({item.resolution}) by {item.decided_by} "
                          f"at {item.decided_at}")
    return LeaseConflict(_lease_message(item))


def _lease_message(item: ItemRecord) -> str:
    until = datetime.fromtimestamp(item.lease_expires or 0, UTC).strftime("%H:%M:%S UTC")
    return f"item {item.id} is leased by {item.lease_holder} until {until}"


def _stale_message(db: sqlite3.Connection, document_id: int, seen: int, current: int) -> str:
    row = db.execute("SELECT created_by, created_at FROM versions WHERE document_id = ? AND number = ?",
                     (document_id, current)).fetchone()
    return (f"document {document_id} changed while you were editing: you saw version {seen}, but version "
            f"{current} was saved by {row['created_by']} at {row['created_at']}; reload and apply your "
            f"change again")


def _dump(value: Scalar) -> str:
    return json.dumps(value, ensure_ascii=False)


def _load(text: str | None) -> Scalar:
    return json.loads(text) if text is not None else None


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
