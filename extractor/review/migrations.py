"""The review store's schema as numbered migration steps.

Step N is applied once, in its own transaction, and recorded in ``schema_version``; a store opened
by newer code is brought forward, one opened by older code is refused. Each step is a tuple of
single statements (not a script) so that it runs inside one transaction: ``executescript`` would
commit on its own. A statement may also be a function of the connection, for what SQL alone cannot
do (hashing the rows already in the audit log). Never edit a step that has shipped; append a new one.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .chain import backfill

Statement = str | Callable[[sqlite3.Connection], None]


def _append_only(table: str, unique: str) -> tuple[str, ...]:
    """Triggers that make ``table`` append-only. UPDATE and DELETE triggers alone are not enough:
    ``INSERT OR REPLACE`` deletes the row it replaces without firing DELETE triggers (unless the
    connection turned recursive_triggers on), so an insert that would replace a row is refused
    too; ``unique`` is the SQL condition for "NEW collides with an existing row"."""
    message = f"the {table} log is append-only"
    return (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{message}'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{message}'); END""",
        f"""CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM {table} WHERE {unique})
            BEGIN SELECT RAISE(ABORT, '{message}: a row may not be replaced'); END""",
        # every row carries its link in the hash chain (extractor.review.chain): an insert that
        # bypasses the store and leaves it out is refused rather than silently breaking the chain
        f"""CREATE TRIGGER {table}_chained BEFORE INSERT ON {table}
            WHEN NEW.hash IS NULL OR NEW.prev_hash IS NULL
            BEGIN SELECT RAISE(ABORT, '{message}: a row needs its hash-chain link'); END""",
    )


MIGRATIONS: tuple[tuple[Statement, ...], ...] = (
    # 1: documents, versions, items, the correction log, reviewers and tokens, store settings
    (
        """CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            path TEXT NOT NULL,
            format TEXT NOT NULL,
            org TEXT,
            year INTEGER,
            source_lines TEXT,          -- JSON list of decoded lines (text formats)
            source_bytes BLOB NOT NULL, -- the original file
            added_at TEXT NOT NULL
        )""",
        """CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            number INTEGER NOT NULL CHECK (number >= 1),
            result_json TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            UNIQUE (document_id, number)
        )""",
        """CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('cell', 'identity')),
            keys TEXT NOT NULL,         -- JSON list of canonical keys
            rule TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled', 'skipped')),
            resolution TEXT CHECK (resolution IN ('accepted', 'corrected', 'source_error', 'resolved')),
            lease_holder TEXT,
            lease_expires REAL,
            decided_by TEXT,
            decided_at TEXT,
            UNIQUE (document_id, kind, keys)
        )""",
        "CREATE INDEX items_by_status ON items (status, document_id)",
        """CREATE TABLE corrections (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            version INTEGER NOT NULL,
            reviewer TEXT NOT NULL,
            at TEXT NOT NULL,
            key TEXT,
            old_value TEXT,             -- JSON scalar
            new_value TEXT,             -- JSON scalar
            reason TEXT NOT NULL,
            source_error INTEGER NOT NULL CHECK (source_error IN (0, 1)),
            note TEXT,
            item_id INTEGER REFERENCES items(id)
        )""",
        "CREATE INDEX corrections_by_document ON corrections (document_id, id)",
        # The audit log is append-only: the database itself refuses to rewrite history.
        """CREATE TRIGGER corrections_no_update BEFORE UPDATE ON corrections
           BEGIN SELECT RAISE(ABORT, 'the correction log is append-only'); END""",
        """CREATE TRIGGER corrections_no_delete BEFORE DELETE ON corrections
           BEGIN SELECT RAISE(ABORT, 'the correction log is append-only'); END""",
        """CREATE TABLE reviewers (
            username TEXT PRIMARY KEY,
            password_hash TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE tokens (
            token_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL REFERENCES reviewers(username) ON DELETE CASCADE,
            created_at TEXT NOT NULL
        )""",
        "CREATE TABLE store_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
    # 2: decisions, the hash chain, append-only versions, document leases, server-side sessions,
    #    sign-in throttling
    (
        # one reviewer action (accepting a group of 40 cells, say) writes one log row per cell; the rows
        # of one action share a decision number, which is what "decisions per document" counts
        "ALTER TABLE corrections ADD COLUMN decision INTEGER",
        "ALTER TABLE corrections ADD COLUMN prev_hash TEXT",
        "ALTER TABLE corrections ADD COLUMN hash TEXT",
        "ALTER TABLE versions ADD COLUMN prev_hash TEXT",
        "ALTER TABLE versions ADD COLUMN hash TEXT",
        "DROP TRIGGER corrections_no_update",  # step 1's; recreated below, after the rows are linked
        "DROP TRIGGER corrections_no_delete",
        backfill,
        *_append_only("corrections", "id = NEW.id"),
        *_append_only("versions", "id = NEW.id OR (document_id = NEW.document_id AND number = NEW.number)"),
        # a lease is on a whole document (every cell, itemed or not), taken by a reviewer's first action
        """CREATE TABLE leases (
            document_id INTEGER PRIMARY KEY REFERENCES documents(id),
            holder TEXT NOT NULL,
            taken_at REAL NOT NULL,
            expires REAL NOT NULL
        )""",
        "CREATE INDEX leases_by_holder ON leases (holder)",
        "ALTER TABLE items DROP COLUMN lease_holder",
        "ALTER TABLE items DROP COLUMN lease_expires",
        # the cookie holds a random session id; only its hash is stored, and deleting the row (sign-out,
        # password change, user removed) ends the session whatever copies of the cookie exist
        """CREATE TABLE sessions (
            id_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL REFERENCES reviewers(username) ON DELETE CASCADE,
            created REAL NOT NULL,
            expires REAL NOT NULL
        )""",
        "CREATE INDEX sessions_by_user ON sessions (username)",
        """CREATE TABLE sign_in_failures (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL,
            address TEXT NOT NULL,
            at REAL NOT NULL
        )""",
        "CREATE INDEX failures_by_user ON sign_in_failures (username, at)",
        "CREATE INDEX failures_by_address ON sign_in_failures (address, at)",
    ),
)
