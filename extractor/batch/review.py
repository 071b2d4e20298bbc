"""The bridge to the review store (``extractor.review``), imported only when a store is configured.

The batch and the server know the store by these names only: ``SQLiteStore(path)`` and
``queue.enqueue(store, result)``. Keeping the imports here, and lazy, means a batch without a
store never loads the review package, and a missing package is one clear message.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import errors
from ..report import Result


class ReviewUnavailable(errors.DependencyMissing):
    """The review package is not installed or not built yet; ``str`` is for the user."""


def open_store(path: Path) -> Any:
    try:
        from ..review.store import SQLiteStore
    except ImportError:
        raise ReviewUnavailable("the review store (extractor.review) is not available in this installation") from None
    return SQLiteStore(path)


def enqueue(store: Any, result: Result, data: bytes | None = None) -> None:
    """Queue one flagged result for a person to check. ``data``: the document's bytes, when
    ``result.source.path`` does not point at them (the queue reads them from there otherwise)."""
    try:
        from ..review import queue
    except ImportError:
        raise ReviewUnavailable("the review queue (extractor.review.queue) is not available") from None
    queue.enqueue(store, result, data)


def wants_review(status: str) -> bool:
    """Only reports with something to check go to people: a failed or non-report file has no values."""
    return status == "needs_review"
