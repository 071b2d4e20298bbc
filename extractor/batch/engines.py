"""Where batch jobs run: local worker processes (default) or Ray tasks on a local single-node cluster.

Both engines run the same task (``jobs.run_job`` bound to its settings) and yield ``Outcome``s as jobs
finish, in completion order. A worker runs one job at a time, so whatever happens to a worker is
known to be about that job:

- it dies (a reader crashing on a hostile file, the OOM killer): the job is tried once more in a
  fresh worker (memory may have been short because of a neighbour), then it is a temporary failure;
- it runs past the per-document timeout (``Settings.document_timeout``): the worker is killed and
  replaced, and the job is a temporary failure;
- a fresh worker cannot even start (a script that calls ``run_batch`` without a ``__main__``
  guard): ``EngineUnavailable``, not one failure per document.

Temporary failures are tried again on the next run (see ``jobs``). Engines are used as
``with contextlib.closing(engine.run(jobs, task)) as outcomes`` so that leaving the loop early
(Ctrl-C) stops the workers at once.
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
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Protocol

from .. import errors
from .jobs import CRASH_MESSAGE, Job, Outcome

Task = Callable[[Job], Outcome]
ENGINES = ("local", "ray")
RAY_MISSING = "the ray engine needs the 'ray' package (pip install ray); or use the default --engine local"
STARTUP_SECONDS = 300.0  # a worker that has not started by then never will
CANNOT_START = ("worker processes cannot start. Calling run_batch from a script? Spawned workers import "
                "the script again: guard its top level with `if __name__ == \"__main__\":`")
__all__ = ["CRASH_MESSAGE", "Engine", "EngineUnavailable", "LocalEngine", "RayEngine", "engine_for"]


class EngineUnavailable(errors.DependencyMissing):
    """The chosen engine cannot run here (e.g. Ray is not installed); ``str`` is for the user."""


class Engine(Protocol):
    def run(self, jobs: Iterable[Job], task: Task) -> Generator[Outcome, None, None]: ...


def engine_for(name: str, workers: int, timeout: float = 0.0) -> Engine:
    """``timeout``: seconds a job may take (0: no limit)."""
    if name == "local":
        return LocalEngine(workers, timeout)
    if name == "ray":
        return RayEngine(workers, timeout)
    raise EngineUnavailable(f"unknown engine {name!r}: choose one of {', '.join(ENGINES)}")


# ---- local worker processes --------------------------------------------------------------------


class LocalEngine:
    """Spawned worker processes (safe with threads, the same on every OS). Each worker runs one job
    at a time and holds the next one ready (``PREFETCH``), so it never waits for the main process."""

    def __init__(self, workers: int, timeout: float = 0.0) -> None:
        self.workers = max(1, workers)
        self.timeout = timeout

    def run(self, jobs: Iterable[Job], task: Task) -> Generator[Outcome, None, None]:
        queue = deque(jobs)
        if not queue:
            return
        context = multiprocessing.get_context("spawn")
        workers = [_Worker(context, task, self.timeout) for _ in range(min(self.workers, len(queue)))]
        crashed: set[Job] = set()
        finished = False
        try:
            while queue or any(w.jobs for w in workers):
                for worker in workers:
                    while queue and len(worker.jobs) < PREFETCH:
                        worker.give(queue.popleft())
                busy = [w for w in workers if w.jobs]
                wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=_until(busy))
                for i, worker in enumerate(workers):
                    done, ended = worker.poll()
                    yield from done
                    if ended is None:
                        continue
                    kind, culprit = ended
                    queue.extendleft(reversed(worker.jobs))  # held but not begun: not theirs to answer for
                    worker.stop(now=True)
                    workers[i] = _Worker(context, task, self.timeout)
                    if culprit is None:
                        continue
                    if kind == "died" and culprit not in crashed:
                        crashed.add(culprit)
                        queue.append(culprit)  # once more, later, in a fresh worker
                    else:
                        yield Outcome.timed_out(culprit, self.timeout) if kind == "timeout" else Outcome.crash(culprit)
            finished = True
        finally:
            for worker in workers:
                worker.stop(now=not finished)


PREFETCH = 4  # jobs a worker holds: the one it runs and the next ones (the main process may be slow to wake)


def _until(busy: list[_Worker]) -> float | None:
    deadlines = [w.deadline for w in busy if w.deadline is not None]
    return max(0.0, min(deadlines) - time.monotonic()) if deadlines else None


class _Worker:
    """One spawned process and the jobs it holds (the first is the one it runs or will run next).

    It says ("ready", None) once started, then per job ("done", Outcome) or ("error", text). A worker
    begins its next job the moment it answers the last one (or is ready, or is given one while
    idle), so that is when the job's clock starts: starting a worker (importing the package) takes
    seconds on a busy machine, and a held job has not begun."""

    def __init__(self, context: Any, task: Task, timeout: float) -> None:
        self.conn, child = context.Pipe()
        with _sigint_ignored():  # spawned children inherit the ignored SIGINT from birth (see below)
            self.process = context.Process(target=_serve, args=(child, task, os.getpid()), name="extractor-batch")
            self.process.start()
        child.close()
        self.timeout = timeout
        self.jobs: deque[Job] = deque()
        self.running = False  # jobs[0] has begun
        self.ready = False
        self.deadline: float | None = time.monotonic() + STARTUP_SECONDS  # until ready: for starting

    def give(self, job: Job) -> None:
        self.jobs.append(job)
        with contextlib.suppress(OSError):  # a worker that just died: poll() says so
            self.conn.send(job)
        if self.ready and len(self.jobs) == 1:
            self._begin()

    def _begin(self) -> None:
        """jobs[0], if any, begins now."""
        self.running = bool(self.jobs)
        self.deadline = time.monotonic() + self.timeout if self.running and self.timeout > 0 else None

    def poll(self) -> tuple[list[Outcome], tuple[str, Job | None] | None]:
        """Outcomes of the jobs that ended, and, when the worker itself ended (it died, or its job ran
        out of time), how and the job it was running (None between jobs)."""
        done: list[Outcome] = []
        with contextlib.suppress(EOFError, OSError):
            while self.conn.poll():
                kind, value = self.conn.recv()
                if kind == "ready":
                    self.ready = True
                else:
                    job = self.jobs.popleft()
                    # the task itself never raises for a document: an error is our bug
                    done.append(value if kind == "done" else
                                Outcome.crash(job, f"internal error in the batch worker: {value}"))
                self._begin()
        if not self.process.is_alive() or self.conn.closed:
            if not self.ready:
                raise EngineUnavailable(CANNOT_START)
            return done, ("died", self._culprit())
        if self.deadline is not None and time.monotonic() >= self.deadline:
            if not self.ready:
                raise EngineUnavailable(f"worker processes did not start within {STARTUP_SECONDS:.0f} s")
            return done, ("timeout", self._culprit())
        return done, None

    def _culprit(self) -> Job | None:
        return self.jobs.popleft() if self.running and self.jobs else None

    def stop(self, now: bool) -> None:
        """Ask it to leave (its jobs are done), or end it at once (it may be busy: its job is redone)."""
        if not now:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _serve(conn: Connection, task: Task, parent_pid: int) -> None:
    """A worker's life: say it is ready, then run jobs until told to stop or its parent is gone."""
    _worker_init(parent_pid)
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            reply: tuple[str, Any] = ("done", task(job))
        except Exception as exc:
            reply = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


# ---- the process pool of the HTTP service --------------------------------------------------------


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
    With a timeout, only as many tasks as workers are in flight, so that a task's clock starts
    about when it does; a task past its time is cancelled (Ray kills its worker).
    """

    def __init__(self, workers: int, timeout: float = 0.0, window_per_worker: int = 4) -> None:
        if importlib.util.find_spec("ray") is None:  # say so before any work starts
            raise EngineUnavailable(RAY_MISSING)
        self.workers = max(1, workers)
        self.timeout = timeout
        self.window = self.workers if timeout > 0 else self.workers * window_per_worker

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
        inflight: dict[object, tuple[Job, float | None]] = {}
        try:
            while queue or inflight:
                while queue and len(inflight) < self.window:
                    job = queue.popleft()
                    deadline = time.monotonic() + self.timeout if self.timeout > 0 else None
                    inflight[remote.remote(task_ref, job)] = (job, deadline)
                deadlines = [d for _, d in inflight.values() if d is not None]
                wait_for = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
                ready, _ = ray.wait(list(inflight), num_returns=1, timeout=wait_for)
                for ref in ready:
                    yield _ray_outcome(ray, ref, inflight.pop(ref)[0])
                now = time.monotonic()
                for ref, (job, deadline) in list(inflight.items()):
                    if deadline is not None and now >= deadline:
                        del inflight[ref]
                        with contextlib.suppress(Exception):
                            ray.cancel(ref, force=True)
                        yield Outcome.timed_out(job, self.timeout)
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
    try:
        ray.init(
            num_cpus=workers,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,  # its start-up chatter is not for our users
            runtime_env={"env_vars": {"PYTHONPATH": path}},
        )
    except Exception as exc:  # Ray's own errors, timeouts, OSErrors: all mean it cannot run here
        raise EngineUnavailable(f"the ray engine could not start a local cluster: {type(exc).__name__}: {exc}; "
                                "use the default --engine local") from None
