"""SQLite cache of validated model answers: re-running a document costs no calls.

The key is sha256(model + prompt version + input hash), where the input hash covers the rendered
messages and the response schema, so a changed template, document region or schema is a miss. The
stored answer is validated again on the way out (a validator may have become stricter since).
The cache is an optimisation: when SQLite fails, the failure is logged and the call goes to the model.
"""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    answer TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    created REAL NOT NULL
)
"""


@dataclass(frozen=True)
class CachedAnswer:
    answer: str  # the validated response JSON
    prompt_tokens: int  # what the original call cost (not spent again)
    completion_tokens: int


def input_hash(messages: list[dict[str, str]], schema: dict) -> str:
    payload = json.dumps({"messages": messages, "schema": schema}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def cache_key(model: str, prompt_version: str, inputs: str) -> str:
    return hashlib.sha256(f"{model}\x00{prompt_version}\x00{inputs}".encode()).hexdigest()


class ResponseCache:
    def __init__(self, path: Path | str, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._lock = threading.Lock()  # one connection, shared by the threads of a batch
        self._db: sqlite3.Connection | None = None
        try:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
            self._db.commit()
        except (sqlite3.Error, OSError) as exc:
            log.warning("LLM response cache at %s unavailable (%s): answers will not be cached", path, exc)
            self._db = None

    def get(self, key: str) -> CachedAnswer | None:
        if self._db is None:
            return None
        try:
            with self._lock:
                row = self._db.execute(
                    "SELECT answer, prompt_tokens, completion_tokens FROM answers WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            log.warning("LLM response cache read failed: %s", exc)
            return None
        return CachedAnswer(row[0], int(row[1]), int(row[2])) if row else None

    def put(self, key: str, *, model: str, prompt_version: str, answer: str, prompt_tokens: int,
            completion_tokens: int) -> None:
        if self._db is None:
            return
        try:
            with self._lock:
                self._db.execute(
                    "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (key, model, prompt_version, answer, prompt_tokens, completion_tokens, self._clock()))
                self._db.commit()
        except sqlite3.Error as exc:
            log.warning("LLM response cache write failed: %s", exc)

    def close(self) -> None:
        if self._db is not None:
            with self._lock:
                self._db.close()
            self._db = None
