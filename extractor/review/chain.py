"""The hash chain over the audit log and the versions: tampering leaves a mark ``review verify`` finds.

The schema's triggers refuse UPDATE, DELETE and replacing INSERTs on both tables, but anyone with the
file can drop a trigger. So every row also stores ``hash = sha256(table, prev_hash, row content)``,
with ``prev_hash`` the hash of the row before it (``GENESIS`` for the first). Editing a row breaks
its own hash; removing or inserting one breaks the next row's link. Rewriting the whole tail
consistently is possible with the file in hand, which is why ``verify`` reports each chain's head:
an operator who keeps a head elsewhere (a ticket, a log) can later check it is still there.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
# the columns a link covers, in a fixed order; a version's result enters as its own sha256
FIELDS: dict[str, tuple[str, ...]] = {
    "corrections": ("id", "document_id", "version", "reviewer", "at", "key", "old_value", "new_value", "reason",
                    "source_error", "note", "item_id", "decision"),
    "versions": ("id", "document_id", "number", "result_json", "created_at", "created_by"),
}
TABLES = tuple(FIELDS)


def link(table: str, prev_hash: str, row: Mapping[str, Any] | sqlite3.Row) -> str:
    """The hash of ``row`` (every column of ``FIELDS[table]``) chained to ``prev_hash``."""
    content = [_digest(row[name]) if name == "result_json" else row[name] for name in FIELDS[table]]
    payload = json.dumps([table, prev_hash, content], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def head(db: sqlite3.Connection, table: str) -> str:
    """The hash the next row of ``table`` links to (inside the writer's transaction)."""
    row = db.execute(f"SELECT hash FROM {table} ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row and row[0] else GENESIS


def next_id(db: sqlite3.Connection, table: str) -> int:
    """Ids are assigned before the insert because the link covers them (rows cannot be reordered)."""
    return int(db.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0])


def backfill(db: sqlite3.Connection) -> None:
    """Link the rows written before the chain existed (migration step 2), oldest first."""
    for table in TABLES:
        prev = GENESIS
        for row in _rows(db, table):
            digest = link(table, prev, row)
            db.execute(f"UPDATE {table} SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row["id"]))
            prev = digest


@dataclass(frozen=True)
class ChainCheck:
    table: str
    rows: int
    head: str  # hash of the last row (GENESIS when empty)
    last_id: int
    problems: list[str] = field(default_factory=list)


def verify(db: sqlite3.Connection, table: str) -> ChainCheck:
    """Walk ``table`` in id order and say where its chain breaks, if anywhere."""
    prev, rows, last_id, problems = GENESIS, 0, 0, []
    for row in _rows(db, table):
        rows, last_id = rows + 1, row["id"]
        if row["prev_hash"] != prev:
            problems.append(f"{table} row {row['id']}: does not link to the row before it "
                            f"(a row was removed, inserted or reordered)")
        if row["hash"] != link(table, row["prev_hash"] or "", row):
            problems.append(f"{table} row {row['id']}: its content does not match its hash (the row was edited)")
        prev = row["hash"] or ""
    return ChainCheck(table, rows, prev, last_id, problems)


def check_anchor(db: sqlite3.Connection, anchor: str) -> str | None:
    """``TABLE:ID:HASH`` as printed by an earlier ``review verify``: None when that row still carries
    that hash (so nothing up to it was rewritten, given the chain verifies), else what is wrong."""
    table, _, rest = anchor.partition(":")
    row_id, _, expected = rest.partition(":")
    if table not in FIELDS or not row_id.isdigit() or len(expected) != 64:
        return f"not an anchor: {anchor!r} (expected TABLE:ID:HASH, as review verify prints it)"
    row = db.execute(f"SELECT hash FROM {table} WHERE id = ?", (int(row_id),)).fetchone()
    if row is None:
        return f"anchor {table} row {row_id} is gone"
    if row[0] != expected:
        return f"anchor {table} row {row_id} now hashes to {row[0]}, not {expected}: the log was rewritten"
    return None


def _rows(db: sqlite3.Connection, table: str) -> list[sqlite3.Row]:
    columns = ", ".join(("prev_hash", "hash", *FIELDS[table]))
    cursor = db.execute(f"SELECT {columns} FROM {table} ORDER BY id")
    cursor.row_factory = sqlite3.Row
    return cursor.fetchall()


def _digest(text: str | None) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None
