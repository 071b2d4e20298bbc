"""The review store's schema as numbered migration steps.

Step N is applied once, in its own transaction, and recorded in ``schema_version``; a store opened
by newer code is brought forward, one opened by older code is refused. Each step is a tuple of
single statements (not a script) so that it runs inside one transaction: ``executescript`` would
commit on its own. Never edit a step that has shipped; append a new one.
"""
from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
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
)
