"""``run_batch``: inputs → jobs not yet done → engine → per-document results → table files + summary.

The output folder holds everything a run needs to resume:

    manifest.sqlite                 the journal (``manifest``)
    documents/ab/<sha256>.<v>.json  the rich Result of each distinct document (by content + versions)
    documents/ab/<…>.flat.json      its flat form
    results.jsonl/.csv/.parquet     rebuilt at the end of every complete run (``outputs``)
    index.jsonl                     input path → its sha256 and result file
    cross_checks.json, summary.json

Files with the same bytes are extracted once and reported under each name. Ctrl-C stops the
workers, keeps every finished result and returns a summary marked interrupted (exit code 130); the
next run with the same output folder picks up where this one stopped. A temporary failure (see
``jobs``) shows in this run's tables but is not journaled, so the next run tries it again.

Trouble with the output folder is an ``errors.OutputUnwritable`` with a message (exit code 3, see
``extractor.cli.EXIT_CODES``), never a traceback: a folder that cannot be written refuses the run
before it starts; a full disk stops it, keeping what is finished; a damaged or foreign journal is
set aside and rebuilt from the result files (a note in the summary says so).
"""
from __future__ import annotations

import contextlib
import errno
import functools
import json
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .. import errors
from ..report import Result
from ..settings import Settings
from . import atomic, outputs
from . import review as review_bridge
from .crossyear import Doc, cross_checks
from .engines import Engine, EngineUnavailable, engine_for
from .inputs import collect
from .jobs import DISK_FULL, ExtractFn, Job, Outcome, extract, flat_path, load_result, rich_path, run_job
from .manifest import Entry, JournalDamaged, Key, Manifest, content_sha256, run_versions, versions_text
from .progress import Progress
from .summary import STATUSES, BatchSummary, Problem, review_reasons

Enqueue = Callable[[Any, Result], None]
STDERR = "stderr"  # progress default, looked up at call time (tests and callers may swap sys.stderr)


class BatchError(errors.UsageError):
    """The batch cannot start as asked (no inputs, an unknown or unavailable engine); ``str`` is for
    the user. The output folder's trouble (read-only, full) is ``errors.OutputUnwritable`` instead."""


@dataclass(frozen=True)
class Planned:
    """One input file and the key of its result."""

    path: Path
    key: Key

    @property
    def document(self) -> str:
        return str(self.path)


def run_batch(
    inputs: Sequence[str | Path],
    settings: Settings,
    out_dir: str | Path,
    workers: int = 2,
    engine: str | Engine = "local",
    store: Any = None,
    progress: TextIO | str | None = STDERR,
    *,
    extract_fn: ExtractFn = extract,
    enqueue: Enqueue = review_bridge.enqueue,
    clock: Callable[[], float] = time.monotonic,
) -> BatchSummary:
    """Extract every input not already done into ``out_dir``; never raises for a bad document."""
    out = Path(out_dir)
    started = clock()
    found = collect(inputs, exclude=[out])
    if not found.files:
        raise BatchError("no input files found" + (f" (nothing matched: {', '.join(found.unmatched)})"
                                                   if found.unmatched else ""))
    runner = _engine(engine, workers, settings.document_timeout)
    summary = BatchSummary(out_dir=str(out), total=len(found.files), unmatched=found.unmatched)
    with _output_trouble(out):
        _check_writable(out)
        atomic.remove_stale(out)
        with _journal(out, summary) as (manifest, damaged):
            try:
                plan = _plan(found.files, settings)
                if damaged:
                    _rebuild(manifest, plan, out, summary)
                jobs = _due(plan, manifest, out)
                summary.skipped = _skipped(plan, jobs)
                task = functools.partial(run_job, settings=settings, out_dir=str(out), extract_fn=extract_fn)
                temporary: dict[Key, Outcome] = {}
                try:
                    _execute(runner, jobs, task, manifest, out, summary,
                             Progress(len(jobs), summary.skipped, _stream(progress), clock), store, enqueue,
                             temporary)
                except EngineUnavailable as exc:  # finished results stay journaled for the next run
                    raise BatchError(str(exc)) from None
                _finish(plan, out, summary, temporary)
            except KeyboardInterrupt:
                summary.interrupted = True
        summary.seconds = round(clock() - started, 3)
        if not summary.interrupted:
            atomic.write_text(out / "summary.json", summary.to_json_text())
    return summary


@contextlib.contextmanager
def _output_trouble(out: Path) -> Iterator[None]:
    """A folder that cannot be written, a full disk, a journal that fails: one message, exit 3."""
    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        raise errors.OutputUnwritable(output_message(out, exc)) from None


def output_message(out: Path, exc: OSError | sqlite3.Error) -> str:
    text = str(exc) if isinstance(exc, sqlite3.Error) else (exc.strerror or str(exc))
    if _disk_full(exc):
        return (f"the disk holding {out} is full ({text}): finished results are kept; free some space and "
                "run the same command again to go on")
    where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
    return f"cannot write to the output folder {out}{where}: {text}"


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in DISK_FULL
    return "full" in str(exc).lower()  # sqlite3: "database or disk is full"


def _check_writable(out: Path) -> None:
    """Before anything else: a read-only or unusable output folder is one message, not a traceback
    half-way through (atomic.write_bytes creates the folder and cleans up after itself)."""
    probe = out / ".write-test"
    try:
        atomic.write_bytes(probe, b"")
        probe.unlink()
    except OSError as exc:
        exc.filename = None  # the probe's name would only confuse
        raise errors.OutputUnwritable(output_message(out, exc)) from None


@contextlib.contextmanager
def _journal(out: Path, summary: BatchSummary) -> Iterator[tuple[Manifest, bool]]:
    """The journal, or, when the one there is damaged or foreign, a fresh one (the old one set aside)."""
    try:
        manifest, damaged = Manifest(out), False
    except JournalDamaged as exc:
        aside = exc.set_aside()
        summary.notes.append(f"the journal {exc.path.name} could not be used ({exc}); it was set aside as "
                             f"{aside.name} and rebuilt from the result files in {out / 'documents'}")
        manifest, damaged = Manifest(out), True
    with manifest:
        yield manifest, damaged


def _rebuild(manifest: Manifest, plan: Sequence[Planned], out: Path, summary: BatchSummary) -> None:
    """Journal every planned key whose result files are there and whole (the files are written
    atomically and only for final results, so a whole pair is a finished document)."""
    rebuilt = 0
    for item in {i.key: i for i in plan}.values():
        try:
            result = load_result(out, item.key)
            json.loads(flat_path(out, item.key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        manifest.record(Entry(item.key, result.status, result.error, item.document))
        rebuilt += 1
    summary.notes.append(f"{rebuilt} finished documents recovered from their result files")


def _stream(progress: TextIO | str | None) -> TextIO | None:
    return sys.stderr if progress == STDERR else progress  # type: ignore[return-value]


def _engine(engine: str | Engine, workers: int, timeout: float) -> Engine:
    if not isinstance(engine, str):
        return engine
    try:
        return engine_for(engine, workers, timeout)
    except EngineUnavailable as exc:
        raise BatchError(str(exc)) from None


def _plan(files: Sequence[Path], settings: Settings) -> list[Planned]:
    versions = versions_text(run_versions(settings))
    return [Planned(path, Key(content_sha256(path), versions)) for path in files]


def _due(plan: Sequence[Planned], manifest: Manifest, out: Path) -> list[Job]:
    """One job per key that is neither journaled nor has its result file (a deleted result is redone)."""
    done = {key for key in manifest.done_keys() if flat_path(out, key).exists()}
    jobs: dict[Key, Job] = {}
    for item in plan:
        if item.key not in done and item.key not in jobs:
            jobs[item.key] = Job(key=item.key, document=item.document)
    return list(jobs.values())


def _skipped(plan: Sequence[Planned], jobs: Sequence[Job]) -> int:
    due = {job.key for job in jobs}
    return sum(1 for item in plan if item.key not in due)


def _execute(runner: Engine, jobs: list[Job], task: Callable[[Job], Outcome], manifest: Manifest, out: Path,
             summary: BatchSummary, progress: Progress, store: Any, enqueue: Enqueue,
             temporary: dict[Key, Outcome]) -> None:
    queue: dict[str, Any] = {"enqueued": 0, "errors": []}
    try:
        with contextlib.closing(runner.run(jobs, task)) as outcomes:
            for outcome in outcomes:
                summary.extracted += 1
                progress.advance(outcome.status)
                if outcome.retry is not None:  # no result files, not journaled: tried again next run
                    temporary[outcome.job.key] = outcome
                    if outcome.retry == "disk_full":
                        raise OSError(errno.ENOSPC, "No space left on device")
                    continue
                if store is not None and review_bridge.wants_review(outcome.status):
                    _enqueue(store, enqueue, out, outcome, queue)
                manifest.record(Entry(outcome.job.key, outcome.status, outcome.error, outcome.job.document))
    finally:
        progress.close()
        if store is not None:
            summary.review_queue = queue


def _enqueue(store: Any, enqueue: Enqueue, out: Path, outcome: Outcome, queue: dict[str, Any]) -> None:
    """Before journaling, so a kill in between re-queues rather than loses (the queue de-duplicates)."""
    try:
        enqueue(store, load_result(out, outcome.job.key))
        queue["enqueued"] += 1
    except Exception as exc:  # the store is a collaborator: its trouble is reported, not fatal
        queue["errors"].append(f"{outcome.job.document}: {exc}")


def _finish(plan: Sequence[Planned], out: Path, summary: BatchSummary, temporary: dict[Key, Outcome]) -> None:
    read = [_row(item, out, temporary.get(item.key)) for item in plan]
    rows = [row for row, _ in read]
    paths = outputs.write_all(rows, [detail for _, detail in read], out)
    atomic.write_bytes(out / "index.jsonl", _index_bytes(plan))
    cross = cross_checks([Doc(i.document, i.key.sha256, r["status"], r.get("values") or {})
                          for i, r in zip(plan, rows, strict=True)])
    cross_json = cross.to_json()
    atomic.write_text(out / "cross_checks.json", json.dumps(cross_json, ensure_ascii=False, indent=1) + "\n")
    counts = Counter(r["status"] for r in rows)
    summary.counts = {status: counts[status] for status in STATUSES if counts[status]}
    summary.problems = [Problem(r["document"], r["status"], r.get("error") or "")
                        for r in rows if r["status"] in ("failed", "not_a_report")]
    summary.to_review = [r["document"] for r in rows if r["status"] == "needs_review"]
    summary.temporary = sum(1 for item in plan if item.key in temporary)
    summary.review_reasons = review_reasons(rows)
    summary.cross = {k: v for k, v in cross_json.items() if k != "findings"}
    summary.outputs = [p.name for p in paths] + ["index.jsonl", "cross_checks.json", "summary.json"]


def _row(item: Planned, out: Path, temporary: Outcome | None) -> tuple[dict[str, Any], outputs.Detail]:
    """The flat result of one input, under the input's own name (a shared result carries the name of
    whichever file was extracted first), and what its rich result adds; this run's temporary
    failure when it had one."""
    detail = outputs.Detail()
    if temporary is not None:
        row = _failed_row(item, temporary.error or "failed")
    else:
        try:
            row = json.loads(flat_path(out, item.key).read_text(encoding="utf-8"))
            detail = outputs.Detail.of(json.loads(rich_path(out, item.key).read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            row = _failed_row(item, f"its result file is missing or damaged ({type(exc).__name__}); "
                                    "run the batch again")
    row["document"] = item.document
    return row, detail


def _failed_row(item: Planned, error: str) -> dict[str, Any]:
    return {"document": item.document, "status": "failed", "template": {"table2": None, "table3": None},
            "values": {}, "flags": {}, "findings": [], "error": error}


def _index_bytes(plan: Sequence[Planned]) -> bytes:
    lines = [json.dumps({"document": i.document, "sha256": i.key.sha256, "result": i.key.stem + ".json"},
                        ensure_ascii=False) for i in plan]
    return ("\n".join(lines) + "\n").encode("utf-8")
