"""One unit of batch work: extract one document and put its result files in place.

``run_job`` is the function every engine runs (in a worker process or a Ray task). It never raises
for a bad document (``extract`` turns those into a Result) and returns a small ``Outcome`` rather than
the Result itself, so little crosses the process boundary. Each key has two files: the rich Result
(``<stem>.json``, as ``extractor extract`` prints it) and its flat form (``<stem>.flat.json``) from
which the batch's table files are rebuilt.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..flat import flat
from ..pipeline import shared_extractor
from ..report import Result
from ..settings import Settings
from . import atomic
from .manifest import Key

ExtractFn = Callable[[str, Settings], Result]


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
    crashed: bool = False  # the worker died: no result files were written for this job

    @classmethod
    def crash(cls, job: Job, message: str) -> Outcome:
        return cls(job=job, status="failed", error=message, crashed=True)


def run_job(job: Job, settings: Settings, out_dir: str, extract_fn: ExtractFn = extract) -> Outcome:
    result = extract_fn(job.document, settings)
    write_result(Path(out_dir), job.key, result)
    return Outcome(job=job, status=result.status, error=result.error)


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

