"""Where batch jobs run: a local process pool (default) or Ray tasks on a local single-node cluster.

Both engines run the same task (``jobs.run_job`` bound to its settings) and yield ``Outcome``s as jobs
finish, in completion order. They keep only a small window of jobs in flight, so an interrupt
cancels little and memory does not grow with the batch. A worker that dies (a reader crashing on a
hostile file, the OOM killer) is not a batch failure: the jobs it may have held are retried one at
a time in a fresh worker, and a job that kills that worker too becomes a failed outcome.

Engines are used as ``with contextlib.closing(engine.run(jobs, task)) as outcomes`` so that leaving
the loop early (Ctrl-C) stops the workers at once.
"""
from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Protocol

from .. import errors
from .jobs import Job, Outcome

Task = Callable[[Job], Outcome]
CRASH_MESSAGE = "the worker process died while reading this document (a crash in a reader, or out of memory)"
ENGINES = ("local", "ray")
RAY_MISSING = "the ray engine needs the 'ray' package (pip install ray); or use the default --engine local"


class EngineUnavailable(errors.DependencyMissing):
    """The chosen engine cannot run here (e.g. Ray is not installed); ``str`` is for the user."""


class Engine(Protocol):
    def run(self, jobs: Iterable[Job], task: Task) -> Generator[Outcome, None, None]: ...


def engine_for(name: str, workers: int) -> Engine:
    if name == "local":
        return LocalEngine(workers)
    if name == "ray":
        return RayEngine(workers)
    raise EngineUnavailable(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")


# ---- local process pool ------------------------------------------------------------------------


class LocalEngine:
    """concurrent.futures.ProcessPoolExecutor with spawned workers (safe with threads, same on
    every OS)."""

    def __init__(self, workers: int, window_per_worker: int = 4) -> None:
        self.workers = max(1, workers)
        self.window = self.workers * window_per_worker

    def run(self, jobs: Iterable[Job], task: Task) -> Generator[Outcome, None, None]:
        queue = deque(jobs)
        if not queue:
            return
        pool = worker_pool(self.workers)
        inflight: dict[Future[Outcome], Job] = {}
        finished = False
        try:
            while queue or inflight:
                while queue and len(inflight) < self.window:
                    job = queue.popleft()
                    inflight[pool.submit(task, job)] = job
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                suspects: list[Job] = []
                for future in done:
                    job = inflight.pop(future)
                    outcome = _outcome_of(future, job)
                    if outcome is None:
                        suspects.append(job)
                    else:
                        yield outcome
                if suspects:  # the pool is broken: every job still in it may have been the cause
                    suspects += list(inflight.values())
                    inflight.clear()
                    stop_pool(pool)
                    pool = worker_pool(self.workers)
                    _check_workers_start(pool)
                    for job in suspects:
                        yield _alone(job, task)
            finished = True
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:
                stop_pool(pool)


def _outcome_of(future: Future[Outcome], job: Job) -> Outcome | None:
    """The job's outcome; None when the pool broke under it (decided by ``_alone``)."""
    try:
        return future.result()
    except BrokenProcessPool:
        return None
    except Exception as exc:  # the task itself never raises for a document; this is our bug
        return Outcome.crash(job, f"internal error in the batch worker: {type(exc).__name__}: {exc}")


def _check_workers_start(pool: ProcessPoolExecutor) -> None:
    """Tell a hostile document from workers that cannot start at all (which would otherwise fail
    every document, one slow retry at a time): a fresh pool must run a trivial task."""
    try:
        pool.submit(int).result()
    except BrokenProcessPool:
        stop_pool(pool)
        raise EngineUnavailable(
            "worker processes cannot start. Calling run_batch from a script? Spawned workers import "
            "the script again: guard its top level with `if __name__ == \"__main__\":`") from None


def _alone(job: Job, task: Task) -> Outcome:
    pool = worker_pool(1)
    try:
        outcome = _outcome_of(pool.submit(task, job), job)
    finally:
        stop_pool(pool)
    return outcome if outcome is not None else Outcome.crash(job, CRASH_MESSAGE)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of spawned workers that ignore Ctrl-C and leave when their parent dies."""
    context = multiprocessing.get_context("spawn")
    with _sigint_ignored():  # spawned children inherit the ignored SIGINT from birth (see below)
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                   initializer=_worker_init, initargs=(os.getpid(),))
        pool.submit(int)  # spawn-context pools start all their workers on the first submit
    return pool


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop now: drop queued jobs and end running ones (their results are redone on resume)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way to end busy workers
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ctrl-C reaches the whole process group. Workers must not react (a KeyboardInterrupt
    traceback from each of them); the main process stops them. An ignored signal stays ignored
    across exec, and Python then leaves it ignored, so workers born now never see Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _worker_init(parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A SIGKILLed parent cannot stop its workers, and they would wait for work forever: each
    # worker watches its parent and leaves when it is gone.
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _watch_parent(parent_pid: int, every: float = 1.0) -> None:
    while os.getppid() == parent_pid:
        time.sleep(every)
    os._exit(1)


# ---- Ray ---------------------------------------------------------------------------------------


class RayEngine:
    """The same task as Ray tasks on a local single-node cluster started for the run.

    If the process is already connected to a Ray cluster, that cluster is used and left running.
    """

    def __init__(self, workers: int, window_per_worker: int = 4) -> None:
        if importlib.util.find_spec("ray") is None:  # say so before any work starts
            raise EngineUnavailable(RAY_MISSING)
        self.workers = max(1, workers)
        self.window = self.workers * window_per_worker

    def run(self, jobs: Iterable[Job], task: Task) -> Generator[Outcome, None, None]:
        queue = deque(jobs)
        if not queue:
            return
        ray = _import_ray()
        started_here = not ray.is_initialized()
        if started_here:
            _start_local_cluster(ray, self.workers)
        remote = ray.remote(max_retries=0)(_call)
        task_ref = ray.put(task)  # shipped once, not with every job
        inflight: dict[object, Job] = {}
        try:
            while queue or inflight:
                while queue and len(inflight) < self.window:
                    job = queue.popleft()
                    inflight[remote.remote(task_ref, job)] = job
                ready, _ = ray.wait(list(inflight), num_returns=1)
                for ref in ready:
                    yield _ray_outcome(ray, ref, inflight.pop(ref))
        finally:
            for ref in inflight:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
            if started_here:
                ray.shutdown()


def _call(task: Task, job: Job) -> Outcome:
    return task(job)


def _ray_outcome(ray, ref, job: Job) -> Outcome:  # type: ignore[no-untyped-def]
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        return Outcome.crash(job, f"internal error in the batch worker: {exc.cause!r}")
    except ray.exceptions.RayError:
        return Outcome.crash(job, CRASH_MESSAGE)


def _import_ray():  # type: ignore[no-untyped-def]
    try:
        import ray
    except ImportError:
        raise EngineUnavailable(RAY_MISSING) from None
    return ray


def _start_local_cluster(ray, workers: int) -> None:  # type: ignore[no-untyped-def]
    import logging

    # no usage reporting: this machine talks to no one but its package registries
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    # workers must import this package as the driver does, installed or from a checkout
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join([package_root, *filter(None, [os.environ.get("PYTHONPATH")])])
    ray.init(
        num_cpus=workers,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,  # its start-up chatter is not for our users
        runtime_env={"env_vars": {"PYTHONPATH": path}},
    )
