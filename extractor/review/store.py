"""Where review state lives: the ``ReviewStore`` interface and its SQLite implementation.

Every write is one transaction (``BEGIN IMMEDIATE``, so writers queue on the busy timeout instead of
failing to upgrade a read lock). A review write checks, inside its transaction, that the version the
reviewer saw is still current (optimistic concurrency: no lost update) and that no other reviewer
holds the document's lease; it takes or renews the lease itself, and gives it back when nothing is
left open. Audit rows and versions are appended with their link in the hash chain (``chain``).
sqlite3 exceptions never leave this module: they become ``StoreError``.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ..errors import LeaseConflict, StoreError
from ..report import Scalar
from . import chain
from .migrations import MIGRATIONS
from .records import (
    AuditEntry,
    Commit,
    CorrectionRecord,
    DocumentRecord,
    ItemRecord,
    ItemSpec,
    ItemStatus,
    Lease,
    NewDocument,
    QueueFilter,
    QueueRow,
    Resolution,
    SourceRecord,
    VersionRecord,
)

BUSY_TIMEOUT_MS = 10_000
LEASE_SECONDS = 15 * 60  # a reviewer idle this long loses the document to whoever comes next
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
    def lease(self, document_id: int, reviewer: str) -> Lease: ...
    def lease_of(self, document_id: int) -> Lease | None: ...
    def check_lease(self, document_id: int, reviewer: str) -> None: ...
    def release(self, document_id: int, reviewer: str) -> None: ...
    def release_all(self, reviewer: str) -> None: ...
    def next_document(self, reviewer: str, after: int | None = None) -> int | None: ...
    def decide(self, document_id: int, item_ids: Sequence[int], reviewer: str, status: ItemStatus,
               resolution: Resolution | None, audit: Sequence[AuditEntry], base_version: int | None = None) -> int: ...
    def commit(self, commit: Commit) -> int: ...
    def add_reviewer(self, username: str, password_hash: str | None) -> None: ...
    def remove_reviewer(self, username: str) -> bool: ...
    def add_token(self, username: str, token_hash: str) -> None: ...
    def revoke_tokens(self, username: str) -> int: ...
    def password_hash(self, username: str) -> str | None: ...
    def token_user(self, token_hash: str) -> str | None: ...
    def start_session(self, username: str, id_hash: str, seconds: float) -> None: ...
    def session_user(self, id_hash: str) -> str | None: ...
    def end_session(self, id_hash: str) -> None: ...
    def record_failure(self, username: str, address: str) -> None: ...
    def recent_failures(self, username: str, address: str, seconds: float) -> tuple[list[float], list[float]]: ...
    def clear_failures(self, username: str) -> None: ...
    def now(self) -> float: ...
    def secret(self) -> str: ...
    def counts(self) -> dict[str, int]: ...


class SQLiteStore:
    """A ``ReviewStore`` in one SQLite file (WAL). Safe to share between threads: each operation
    opens its own short-lived connection, so nothing is shared but the file."""

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time,
                 lease_seconds: float = LEASE_SECONDS) -> None:
        self.path = Path(path)
        self._clock = clock  # tests move time forward to expire leases and sessions
        self.lease_seconds = lease_seconds
        self._migrate()

    def now(self) -> float:
        return self._clock()

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
                    if callable(statement):
                        statement(db)
                    else:
                        db.execute(statement)
                db.execute("INSERT INTO schema_version VALUES (?, ?)", (number, self._iso()))

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
                (doc.sha256, doc.name, doc.path, doc.format, doc.org, doc.year, lines, doc.data, self._iso()),
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
        params["now"] = self._clock()
        order = _QUEUE_ORDER[filters.sort].format(dir="DESC" if filters.descending else "ASC")
        sql = f"""
            SELECT d.id, d.sha256, d.name, d.path, d.format, d.org, d.year, d.added_at,
                   (SELECT MAX(number) FROM versions v WHERE v.document_id = d.id) AS version,
                   SUM({where}) AS matching,
                   SUM(i.status = 'open') AS n_open, SUM(i.status = 'skipped') AS n_skipped,
                   SUM(i.status = 'settled') AS n_settled,
                   GROUP_CONCAT(CASE WHEN {where} THEN i.rule END, ',') AS rules,
                   l.holder AS lease_holder, l.taken_at AS lease_taken_at, l.expires AS lease_expires
            FROM documents d LEFT JOIN items i ON i.document_id = d.id
                 LEFT JOIN leases l ON l.document_id = d.id AND l.expires > :now
            WHERE (:org IS NULL OR instr(d.org, :org) > 0)
              AND (:year IS NULL OR d.year = :year)
              AND (:format IS NULL OR d.format = :format)
            GROUP BY d.id
            HAVING :any_status OR SUM({where}) > 0
            ORDER BY {order}, d.id"""
        with self._read() as db:
            rows = db.execute(sql, params).fetchall()
        return [_queue_row(r) for r in rows]

    def rules(self) -> list[str]:
        """Every rule some item has (for the queue's filter menu)."""
        with self._read() as db:
            rows = db.execute("SELECT DISTINCT rule FROM items").fetchall()
        return sorted({part for row in rows for part in row["rule"].split(",") if part})

    # ---- leases: one reviewer works on a document at a time -----------------------------------

    def lease(self, document_id: int, reviewer: str) -> Lease:
        """Take (or renew) the lease on a document; ``LeaseConflict`` while another reviewer holds it."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone() is None:
                raise StoreError(f"no document {document_id} in the review store")
            return self._take_lease(db, document_id, reviewer)

    def lease_of(self, document_id: int) -> Lease | None:
        with self._read() as db:
            row = db.execute("SELECT document_id, holder, taken_at, expires FROM leases"
                             " WHERE document_id = ? AND expires > ?", (document_id, self._clock())).fetchone()
        return Lease(**dict(row)) if row else None

    def check_lease(self, document_id: int, reviewer: str) -> None:
        """``LeaseConflict`` when another reviewer holds the document (a refusal says that first:
        it explains whatever else changed)."""
        lease = self.lease_of(document_id)
        if lease is not None and lease.holder != reviewer:
            raise LeaseConflict(_lease_message(lease))

    def release(self, document_id: int, reviewer: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM leases WHERE document_id = ? AND holder = ?", (document_id, reviewer))

    def release_all(self, reviewer: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM leases WHERE holder = ?", (reviewer,))

    def next_document(self, reviewer: str, after: int | None = None) -> int | None:
        """The oldest document with open items that no other reviewer holds (not ``after``)."""
        with self._read() as db:
            row = db.execute(
                "SELECT d.id FROM documents d WHERE d.id IS NOT ?"
                " AND EXISTS (SELECT 1 FROM items i WHERE i.document_id = d.id AND i.status = 'open')"
                " AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.document_id = d.id AND l.holder != ?"
                "                 AND l.expires > ?)"
                " ORDER BY d.added_at, d.id LIMIT 1", (after, reviewer, self._clock())).fetchone()
        return int(row["id"]) if row else None

    def _take_lease(self, db: sqlite3.Connection, document_id: int, reviewer: str) -> Lease:
        now = self._clock()
        row = db.execute("SELECT holder, taken_at, expires FROM leases WHERE document_id = ?",
                         (document_id,)).fetchone()
        if row and row["holder"] != reviewer and row["expires"] > now:
            raise LeaseConflict(_lease_message(Lease(document_id, row["holder"], row["taken_at"], row["expires"])))
        taken_at = row["taken_at"] if row and row["holder"] == reviewer and row["expires"] > now else now
        lease = Lease(document_id, reviewer, taken_at, now + self.lease_seconds)
        db.execute("INSERT INTO leases (document_id, holder, taken_at, expires) VALUES (?, ?, ?, ?)"
                   " ON CONFLICT (document_id) DO UPDATE SET holder = excluded.holder,"
                   " taken_at = excluded.taken_at, expires = excluded.expires",
                   (document_id, reviewer, lease.taken_at, lease.expires))
        return lease

    def _release_if_done(self, db: sqlite3.Connection, document_id: int) -> None:
        """A document with nothing open is finished: its lease goes back (released on the last save)."""
        if db.execute("SELECT 1 FROM items WHERE document_id = ? AND status = 'open' LIMIT 1",
                      (document_id,)).fetchone() is None:
            db.execute("DELETE FROM leases WHERE document_id = ?", (document_id,))

    # ---- review decisions ---------------------------------------------------------------------

    def decide(self, document_id: int, item_ids: Sequence[int], reviewer: str, status: ItemStatus,
               resolution: Resolution | None, audit: Sequence[AuditEntry], base_version: int | None = None) -> int:
        """Settle or skip items of one document without a new version (accept as printed, skip), as
        one decision: the audit rows share its number, which is returned. Refused when the document
        changed since ``base_version``, another reviewer holds it, or no item is left to decide."""
        wanted = ("open",) if status == "skipped" else ("open", "skipped")
        with self._write() as db:
            self._take_lease(db, document_id, reviewer)
            if base_version is not None:
                self._check_version(db, document_id, base_version)
            changed = []
            for item_id in item_ids:
                cur = db.execute(
                    f"UPDATE items SET status = ?, resolution = ?, decided_by = ?, decided_at = ? WHERE id = ?"
                    f" AND document_id = ? AND status IN ({', '.join('?' for _ in wanted)})",
                    (status, resolution, reviewer, self._iso(), item_id, document_id, *wanted))
                if cur.rowcount:
                    changed.append(item_id)
            if not changed:
                raise _refusal(db, document_id, item_ids)
            version = db.execute("SELECT MAX(number) FROM versions WHERE document_id = ?",
                                 (document_id,)).fetchone()[0]
            decision = self._insert_audit(db, document_id, version, reviewer,
                                          [e for e in audit if e.item_id is None or e.item_id in changed])
            self._release_if_done(db, document_id)
            return decision

    def commit(self, commit: Commit) -> int:
        """Write a reviewed version: the new result, its audit entries and the re-synced items,
        all or nothing. Returns the new version number."""
        with self._write() as db:
            self._take_lease(db, commit.document_id, commit.reviewer)
            current = self._check_version(db, commit.document_id, commit.base_version)
            number = current + 1
            self._insert_version(db, commit.document_id, number, commit.result_json, commit.reviewer)
            self._insert_audit(db, commit.document_id, number, commit.reviewer, commit.audit)
            self._sync_items(db, commit.document_id, number, commit.items, commit.settle, commit.reviewer)
            self._release_if_done(db, commit.document_id)
        return number

    def _check_version(self, db: sqlite3.Connection, document_id: int, seen: int) -> int:
        current = db.execute("SELECT MAX(number) FROM versions WHERE document_id = ?", (document_id,)).fetchone()[0]
        if current is None:
            raise StoreError(f"no document {document_id} in the review store")
        if current != seen:
            raise StoreError(_stale_message(db, document_id, seen, current))
        return int(current)

    def _insert_version(self, db: sqlite3.Connection, document_id: int, number: int, result_json: str,
                        created_by: str) -> None:
        row = {"id": chain.next_id(db, "versions"), "document_id": document_id, "number": number,
               "result_json": result_json, "created_at": self._iso(), "created_by": created_by}
        self._append(db, "versions", row)

    def _insert_audit(self, db: sqlite3.Connection, document_id: int, version: int, reviewer: str,
                      entries: Sequence[AuditEntry]) -> int:
        """Append one decision's rows to the correction log; returns the decision number."""
        decision = int(db.execute("SELECT COALESCE(MAX(decision), 0) + 1 FROM corrections").fetchone()[0])
        at = self._iso()
        for e in entries:
            row = {"id": chain.next_id(db, "corrections"), "document_id": document_id, "version": version,
                   "reviewer": reviewer, "at": at, "key": e.key, "old_value": _dump(e.old),
                   "new_value": _dump(e.new), "reason": e.reason, "source_error": int(e.source_error),
                   "note": e.note, "item_id": e.item_id, "decision": decision}
            self._append(db, "corrections", row)
        return decision

    def _append(self, db: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
        prev = chain.head(db, table)
        row = {**row, "prev_hash": prev, "hash": chain.link(table, prev, row)}
        columns = ", ".join(row)
        db.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values()))

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
        now = self._iso()
        for signature, item in existing.items():
            if item.status == "settled":
                continue
            resolution = settle.get(item.id) or (None if signature in wanted else "resolved")
            if resolution is not None:
                db.execute("UPDATE items SET status = 'settled', resolution = ?, decided_by = ?, decided_at = ?"
                           " WHERE id = ?", (resolution, reviewer, now, item.id))

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
               " note, item_id, decision FROM corrections WHERE (? IS NULL OR document_id = ?) ORDER BY id")
        with self._read() as db:
            rows = db.execute(sql, (document_id, document_id)).fetchall()
        return [_correction(r) for r in rows]

    def verify_chain(self, anchors: Sequence[str] = ()) -> tuple[list[chain.ChainCheck], list[str]]:
        """Each chain's check, and what is wrong with the given anchors (``chain.check_anchor``)."""
        with self._read() as db:
            checks = [chain.verify(db, table) for table in chain.TABLES]
            problems = [p for p in (chain.check_anchor(db, a) for a in anchors) if p]
        return checks, problems

    # ---- reviewers, tokens and sessions -------------------------------------------------------

    def add_reviewer(self, username: str, password_hash: str | None) -> None:
        """Create a reviewer, or set a new password for an existing one: a new password ends every
        session the reviewer has (a stolen cookie dies with the old password)."""
        with self._write() as db:
            db.execute("INSERT INTO reviewers (username, password_hash, created_at) VALUES (?, ?, ?)"
                       " ON CONFLICT (username) DO UPDATE SET password_hash ="
                       " COALESCE(excluded.password_hash, reviewers.password_hash)",
                       (username, password_hash, self._iso()))
            if password_hash is not None:
                db.execute("DELETE FROM sessions WHERE username = ?", (username,))

    def remove_reviewer(self, username: str) -> bool:
        """Delete a reviewer with their tokens, sessions and leases; the audit log keeps their name."""
        with self._write() as db:
            db.execute("DELETE FROM leases WHERE holder = ?", (username,))
            return db.execute("DELETE FROM reviewers WHERE username = ?", (username,)).rowcount > 0

    def reviewers(self) -> list[str]:
        with self._read() as db:
            return [r["username"] for r in db.execute("SELECT username FROM reviewers ORDER BY username")]

    def add_token(self, username: str, token_hash: str) -> None:
        with self._write() as db:
            if db.execute("SELECT 1 FROM reviewers WHERE username = ?", (username,)).fetchone() is None:
                raise StoreError(f"no reviewer {username!r}")
            db.execute("INSERT INTO tokens (token_hash, username, created_at) VALUES (?, ?, ?)",
                       (token_hash, username, self._iso()))

    def revoke_tokens(self, username: str) -> int:
        with self._write() as db:
            if db.execute("SELECT 1 FROM reviewers WHERE username = ?", (username,)).fetchone() is None:
                raise StoreError(f"no reviewer {username!r}")
            return db.execute("DELETE FROM tokens WHERE username = ?", (username,)).rowcount

    def password_hash(self, username: str) -> str | None:
        with self._read() as db:
            row = db.execute("SELECT password_hash FROM reviewers WHERE username = ?", (username,)).fetchone()
        return row["password_hash"] if row else None

    def token_user(self, token_hash: str) -> str | None:
        with self._read() as db:
            row = db.execute("SELECT username FROM tokens WHERE token_hash = ?", (token_hash,)).fetchone()
        return row["username"] if row else None

    def start_session(self, username: str, id_hash: str, seconds: float) -> None:
        now = self._clock()
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE expires <= ?", (now,))
            db.execute("INSERT INTO sessions (id_hash, username, created, expires) VALUES (?, ?, ?, ?)",
                       (id_hash, username, now, now + seconds))

    def session_user(self, id_hash: str) -> str | None:
        """The reviewer of a live session; None once it expired or was ended (or its user removed)."""
        with self._read() as db:
            row = db.execute("SELECT username FROM sessions WHERE id_hash = ? AND expires > ?",
                             (id_hash, self._clock())).fetchone()
        return row["username"] if row else None

    def end_session(self, id_hash: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))

    # ---- failed sign-ins (the throttle's memory) ----------------------------------------------

    def record_failure(self, username: str, address: str) -> None:
        now = self._clock()
        with self._write() as db:
            db.execute("DELETE FROM sign_in_failures WHERE at <= ?", (now - _FAILURE_MEMORY,))
            db.execute("INSERT INTO sign_in_failures (username, address, at) VALUES (?, ?, ?)",
                       (username, address, now))

    def recent_failures(self, username: str, address: str, seconds: float) -> tuple[list[float], list[float]]:
        """Times of the failed sign-ins in the last ``seconds``: for this user name, from this address."""
        since = self._clock() - seconds
        with self._read() as db:
            by_user = [r[0] for r in db.execute("SELECT at FROM sign_in_failures WHERE username = ? AND at > ?"
                                                " ORDER BY at", (username, since))]
            by_address = [r[0] for r in db.execute("SELECT at FROM sign_in_failures WHERE address = ? AND at > ?"
                                                   " ORDER BY at", (address, since))]
        return by_user, by_address

    def clear_failures(self, username: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM sign_in_failures WHERE username = ?", (username,))

    # ---- store settings -----------------------------------------------------------------------

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

    def _iso(self) -> str:
        return datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="seconds")


_FAILURE_MEMORY = 24 * 3600  # failed sign-ins older than this are forgotten (no throttle window is longer)
_QUEUE_ORDER = {
    "added": "d.added_at {dir}", "document": "d.name {dir}", "org": "d.org IS NULL, d.org {dir}",
    "year": "d.year IS NULL, d.year {dir}", "format": "d.format {dir}", "version": "version {dir}",
    "matching": "matching {dir}", "open": "n_open {dir}", "skipped": "n_skipped {dir}",
    "settled": "n_settled {dir}", "holder": "lease_holder IS NULL, lease_holder {dir}",
}


# ---- row conversion (module-level: pure functions of a row) -------------------------------------

_DOC_COLUMNS = "id, sha256, name, path, format, org, year, added_at"
_ITEM_COLUMNS = "id, document_id, version, kind, keys, rule, detail, status, resolution, decided_by, decided_at"


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
        reason=row["reason"], source_error=bool(row["source_error"]), note=row["note"], item_id=row["item_id"],
        decision=row["decision"])


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
    lease = (Lease(row["id"], row["lease_holder"], row["lease_taken_at"], row["lease_expires"])
             if row["lease_holder"] else None)
    return QueueRow(document=_document(row), version=row["version"] or 0, matching=row["matching"] or 0,
                    open=row["n_open"] or 0, skipped=row["n_skipped"] or 0, settled=row["n_settled"] or 0,
                    rules=rules, lease=lease)


def _refusal(db: sqlite3.Connection, document_id: int, item_ids: Sequence[int]) -> StoreError:
    """Why a decision changed nothing: no such item in the document, or every one already decided."""
    rows = [db.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ? AND document_id = ?",
                       (item_id, document_id)).fetchone() for item_id in item_ids]
    known = [_item(r) for r in rows if r is not None]
    if not known:
        return StoreError(f"no such review item in document {document_id}")
    item = known[0]
    if item.status == "settled":
        return StoreError(f"item {item.id} was already settled ({item.resolution}) by {item.decided_by} "
                          f"at {item.decided_at}")
    return StoreError(f"item {item.id} is already {item.status}")


def _lease_message(lease: Lease) -> str:
    until = datetime.fromtimestamp(lease.expires, UTC).strftime("%H:%M:%S UTC")
    return (f"{lease.holder} is working on document {lease.document_id} (held until {until}, or until they "
            f"finish or leave it)")


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
