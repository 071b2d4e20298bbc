"""One unit of batch work: extract one document and put its result files in place.

``run_job`` is the function every engine runs (in a worker process or a Ray task). It never raises
for a bad document (``extract`` turns those into a Result) and returns a small ``Outcome`` rather than
the Result itself, so little crosses the process boundary. Each key has two files: the rich Result
(``<stem>.json``, as ``extractor extract`` prints it) and its flat form (``<stem>.flat.json``) from
which the batch's table files are rebuilt.

A failure is either the document's own (final: journaled, never retried for these versions) or
**temporary** (``Outcome.retry`` says why): the input could not be read or changed while the batch
ran, the result could not be written (a full disk), the worker crashed or the document ran out of
time. A temporary failure writes no result files and is not journaled, so the next run tries again.
"""
from __future__ import annotations

import errno
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..flat import flat
from ..pipeline import shared_extractor
from ..report import Result
from ..settings import Settings, limit_name
from . import atomic
from .manifest import Key, content_sha256

ExtractFn = Callable[[str, Settings], Result]
# why a failure is temporary: the worker died, the document ran out of time, the input could not be
# read (or changed under the batch), the result could not be written, the output disk is full
Retry = Literal["crash", "timeout", "read", "write", "disk_full"]
CRASH_MESSAGE = "the worker process died while reading this document (a crash in a reader, or out of memory)"
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def extract(path: str, settings: Settings) -> Result:
    """The worker process's one Extractor (``extractor.pipeline.shared_extractor``) on ``path``."""
    return shared_extractor(settings).extract(path)


@dataclass(frozen=True)
class Job:
    key: Key
    document: str  # the input path, as the batch names the document


@dataclass(frozen=True)
class Outcome:
    job: Job
    status: str
    error: str | None
    retry: Retry | None = None  # set: a temporary failure, with no result files, tried again next run

    @classmethod
    def temporary(cls, job: Job, retry: Retry, message: str) -> Outcome:
        return cls(job=job, status="failed", error=f"{message} (temporary: tried again on the next run)", retry=retry)

    @classmethod
    def crash(cls, job: Job, message: str = CRASH_MESSAGE) -> Outcome:
        return cls.temporary(job, "crash", message)

    @classmethod
    def timed_out(cls, job: Job, seconds: float) -> Outcome:
        return cls.temporary(job, "timeout", f"timed out: not done within {seconds:g} s "
                                             f"({limit_name('document_timeout')})")


def run_job(job: Job, settings: Settings, out_dir: str, extract_fn: ExtractFn = extract) -> Outcome:
    result = extract_fn(job.document, settings)
    if result.status == "failed" and not _as_planned(job):
        return Outcome.temporary(job, "read", f"{result.error or 'failed'}; the file could not be read as it was "
                                              "when the batch started")
    try:
        write_result(Path(out_dir), job.key, result)
    except OSError as exc:
        retry: Retry = "disk_full" if exc.errno in DISK_FULL else "write"
        return Outcome.temporary(job, retry, f"cannot write its result into {out_dir}: {exc.strerror or exc}")
    return Outcome(job=job, status=result.status, error=result.error)


def _as_planned(job: Job) -> bool:
    """The input still reads, with the bytes the batch planned for: a failure is then the document's."""
    return job.key.readable and content_sha256(Path(job.document)) == job.key.sha256


def write_result(out_dir: Path, key: Key, result: Result) -> None:
    """Both files of a key; the flat one last, because its presence is what marks the key done."""
    stem = out_dir / key.stem
    atomic.write_text(stem.with_name(stem.name + ".json"), result.model_dump_json(indent=1, exclude_none=True))
    atomic.write_text(stem.with_name(stem.name + ".flat.json"), json.dumps(flat(result), ensure_ascii=False))


def rich_path(out_dir: Path, key: Key) -> Path:
    stem = out_dir / key.stem
    return stem.with_name(stem.name + ".json")


def flat_path(out_dir: Path, key: Key) -> Path:
    stem = out_dir / key.stem
    return stem.with_name(stem.name + ".flat.json")


def load_result(out_dir: Path, key: Key) -> Result:
    return Result.model_validate_json(rich_path(out_dir, key).read_text(encoding="utf-8"))

