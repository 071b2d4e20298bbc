"""Background extraction for the service: uploads are extracted in worker processes, off the event
loop (parsing is CPU-bound; a reader crashing on a hostile file takes down a worker, not the
service).

``Extractions`` tracks what is in flight. A worker that dies breaks its pool; the pool is replaced
and each document that was in it is tried once more, so one hostile file cannot fail its
neighbours for good; a document that fails twice that way gets a ``failed`` result saying so.
The executor factory is a parameter, so tests may run extractions in threads.
"""
from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..batch import review as review_bridge
from ..batch.engines import CRASH_MESSAGE, stop_pool, worker_pool
from ..pipeline import shared_extractor
from ..report import Result
from ..settings import Settings
from .storage import UploadStore

log = logging.getLogger(__name__)
ExecutorFactory = Callable[[int], Executor]
ATTEMPTS = 2


def extract_upload(root: str, doc_id: str, settings: Settings, review_db: str | None = None) -> str:
    """Runs in a worker: extract one stored upload and store its result; returns its status."""
    store = UploadStore(Path(root))
    store.mark_running(doc_id)
    meta = store.meta(doc_id) or {}
    source = store.source_path(doc_id)
    result = shared_extractor(settings).extract(source)
    result.document = str(meta.get("filename") or doc_id)
    if result.source is not None:  # the client named the file; where the service keeps it is its own business
        result.source = result.source.model_copy(update={"path": result.document, "name": Path(result.document).name})
    if review_db and review_bridge.wants_review(result.status):
        _enqueue(Path(review_db), result, source)  # first: once a client sees "done", it is queued too
    store.write_result(doc_id, result)
    return result.status


def _enqueue(db: Path, result: Result, source: Path) -> None:
    try:
        review_bridge.enqueue(review_bridge.open_store(db), result, source.read_bytes())
    except Exception as exc:  # the review queue is optional: its trouble must not lose the result
        log.warning("could not queue %s for review: %s", result.document, exc)


def process_pool(workers: int) -> Executor:
    return worker_pool(workers)


class Extractions:
    def __init__(self, store: UploadStore, settings: Settings, workers: int = 2, review_db: Path | None = None,
                 executor_factory: ExecutorFactory = process_pool) -> None:
        self.store = store
        self.settings = settings
        self.workers = workers
        self.review_db = str(review_db) if review_db else None
        self._factory = executor_factory
        self._executor: Executor | None = None
        self._attempts: dict[str, int] = {}  # in flight → attempts so far
        self._lock = threading.RLock()  # a callback may run at once, in the submitting thread

    def submit(self, doc_id: str) -> None:
        with self._lock:
            if doc_id in self._attempts or self.store.is_done(doc_id):
                return
            self._attempts[doc_id] = 0
            self._start(doc_id)

    def pending(self, doc_id: str) -> bool:
        with self._lock:
            return doc_id in self._attempts

    def ahead(self, doc_id: str) -> int:
        """How many documents wait to start before this one (0 when it is next, or not waiting)."""
        with self._lock:
            waiting = [d for d in self._attempts if self.store.started(d) is None]
        return waiting.index(doc_id) if doc_id in waiting else 0

    def resume(self) -> int:
        """Queue every stored upload that has no result (e.g. after a restart)."""
        todo = [i for i in self.store.ids() if not self.store.is_done(i)]
        for doc_id in todo:
            self.store.clear_running(doc_id)
            self.submit(doc_id)
        return len(todo)

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
            self._attempts.clear()
        if executor is not None:
            _shutdown(executor)

    # -- under the lock --
    def _start(self, doc_id: str) -> None:
        if self._executor is None:
            self._executor = self._factory(self.workers)
        self._attempts[doc_id] += 1
        future = self._executor.submit(extract_upload, str(self.store.root), doc_id, self.settings, self.review_db)
        future.add_done_callback(functools.partial(self._done, doc_id))

    def _done(self, doc_id: str, future: Future[str]) -> None:
        if future.cancelled():
            return
        error = future.exception()
        with self._lock:
            if doc_id not in self._attempts:
                return  # closed meanwhile
            if error is None:
                del self._attempts[doc_id]
                return
            if isinstance(error, BrokenProcessPool) and self._attempts[doc_id] < ATTEMPTS:
                self._replace_broken_pool()
                self._start(doc_id)
                return
            del self._attempts[doc_id]
        message = CRASH_MESSAGE if isinstance(error, BrokenProcessPool) else f"internal error: {error!r}"
        log.warning("extraction of %s failed: %s", doc_id, message)
        name = str((self.store.meta(doc_id) or {}).get("filename") or doc_id)
        self.store.write_result(doc_id, Result(document=name, status="failed", error=message))

    def _replace_broken_pool(self) -> None:
        executor = self._executor
        if executor is not None and getattr(executor, "_broken", False):
            self._executor = None
            threading.Thread(target=_shutdown, args=(executor,), daemon=True).start()


def _shutdown(executor: Executor) -> None:
    if hasattr(executor, "_processes"):
        stop_pool(executor)  # type: ignore[arg-type]
    else:
        executor.shutdown(wait=False, cancel_futures=True)
