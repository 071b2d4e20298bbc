"""The journal of a batch: which documents are done, so that a later run resumes instead of redoing.

A document is identified by its **key**: the SHA-256 of its bytes plus the versions that produced
the result (extractor, prompts, model). The same bytes under another name are the same document;
a new extractor or model version makes every document due again. The journal is a SQLite file in
the output folder (one transaction per document), written only *after* the document's result
files have been put in place atomically, so after a kill the journal never names a result that is
not there: at worst a finished document is redone.

A journal that is not one of ours (another program's database, a file that is not SQLite) or is
damaged (truncated, corrupt pages) raises ``JournalDamaged``; the batch sets it aside and rebuilds
the journal from the result files, which are the real record (see ``runner``).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import __version__, errors
from ..settings import Settings

MANIFEST_NAME = "manifest.sqlite"
RESULTS_DIR = "documents"
UNREADABLE = "unreadable-"
_CHUNK = 1 << 20

COLUMNS = ("sha256", "versions", "stem", "status", "error", "document", "finished")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS done (
    sha256   TEXT NOT NULL,
    versions TEXT NOT NULL,
    stem     TEXT NOT NULL,
    status   TEXT NOT NULL,
    error    TEXT,
    document TEXT NOT NULL,
    finished REAL NOT NULL,
    PRIMARY KEY (sha256, versions)
)
"""


@dataclass(frozen=True)
class Key:
    sha256: str  # of the content; for a file that cannot be read, "unreadable-<hash of its path>"
    versions: str  # canonical JSON of the versions mapping

    @property
    def readable(self) -> bool:
        return not self.sha256.startswith(UNREADABLE)

    @property
    def stem(self) -> str:
        """Where this key's result files live, relative to the output folder."""
        tag = hashlib.sha256(self.versions.encode()).hexdigest()[:12]
        return f"{RESULTS_DIR}/{self.sha256[:2]}/{self.sha256}.{tag}"


@dataclass(frozen=True)
class Entry:
    key: Key
    status: str
    error: str | None
    document: str


def run_versions(settings: Settings) -> dict[str, str]:
    """What a run's results depend on besides the document (the second half of a key): the
    extractor version, and with the LLM on, the model, the prompt templates and how the LLM is used.
    A parser-only result does not depend on the LLM settings, so they do not count then."""
    versions = {"extractor": __version__}
    if settings.llm_enabled:
        versions["model"] = str(settings.llm_model)
        versions["prompts"] = _prompts_digest()
        versions["llm"] = f"{settings.llm_use}/{settings.llm_mode}"  # --llm always ≠ fallback
    return versions


def versions_text(versions: Mapping[str, str]) -> str:
    return json.dumps(dict(versions), sort_keys=True, separators=(",", ":"))


def content_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes; a file we cannot read gets a key from its path instead, so that
    it still yields a (failed, temporary) result and is tried again on the next run."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return UNREADABLE + hashlib.sha256(str(path).encode()).hexdigest()
    return digest.hexdigest()


class JournalDamaged(errors.ExtractorError):
    """The journal file is damaged or foreign; ``str`` says how, ``set_aside`` moves it out of the way."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(reason)
        self.path = path

    def set_aside(self, clock: Callable[[], float] = time.time) -> Path:
        """Rename the journal (and its WAL files) to ``<name>.damaged-<time>``; returns the new name."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(clock()))
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            source = self.path.with_name(self.path.name + suffix)
            if source.exists():
                source.replace(aside.with_name(aside.name + suffix))
        return aside


class Manifest:
    """The SQLite journal in ``out_dir``. Single writer: the batch's main process."""

    def __init__(self, out_dir: Path, clock: Callable[[], float] = time.time) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / MANIFEST_NAME
        self._clock = clock
        self._db = sqlite3.connect(self.path)
        try:
            # WAL: a commit is one append, cheap enough for one transaction per document, and a kill
            # mid-commit rolls back cleanly on the next open.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._check()
            self._db.execute(_SCHEMA)
            self._db.commit()
        except sqlite3.OperationalError:
            self._db.close()
            raise  # the folder's trouble (read-only, full, locked), not the journal's
        except sqlite3.DatabaseError as exc:  # "file is not a database", "disk image is malformed"
            self._db.close()
            raise JournalDamaged(self.path, str(exc)) from None
        except JournalDamaged:
            self._db.close()
            raise

    def _check(self) -> None:
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check").fetchall() if row[0] != "ok"]
        if problems:
            raise JournalDamaged(self.path, "damaged: " + "; ".join(problems[:3]))
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return  # new
        columns = tuple(row[1] for row in self._db.execute("PRAGMA table_info(done)"))
        if columns != COLUMNS:
            raise JournalDamaged(self.path, "not a batch journal: it holds the tables "
                                            + ", ".join(sorted(tables)))

    def done_keys(self) -> set[Key]:
        rows = self._db.execute("SELECT sha256, versions FROM done").fetchall()
        return {Key(sha, versions) for sha, versions in rows}

    def record(self, entry: Entry) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO done (sha256, versions, stem, status, error, document, finished) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entry.key.sha256, entry.key.versions, entry.key.stem, entry.status, entry.error,
             entry.document, self._clock()),
        )
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _prompts_digest() -> str:
    from ..resources import resource_dir

    digest = hashlib.sha256()
    try:
        folder = resource_dir("prompts")
    except FileNotFoundError:
        return "none"
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
