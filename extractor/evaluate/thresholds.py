"""Pass/fail limits of an eval run, per labelled set.

The limits live in one file, ``evals/thresholds.json``, keyed by set name (the set folder's name)::

    {"samples": {"min_accuracy": 1.0, "max_silent": 0}, "real": {"max_silent": 0}}

Keys starting with ``_`` are comments. A command-line limit (``--fail-under``, ``--max-silent``)
replaces the file's limit of the same kind for every set; a set the file does not name, with no
command-line limit, has none and always passes.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from .. import errors
from .metrics import Tally

THRESHOLDS_FILE = "thresholds.json"


class ThresholdError(errors.ConfigError):
    """The thresholds file cannot be used; the message says why."""


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)  # a typo must not silently disable a limit

    min_accuracy: float | None = None
    max_silent: int | None = None
    source: str | None = None  # where the limits came from: the file, "command line", or both


def load_thresholds(path: Path) -> dict[str, Threshold]:
    """The limits per set name in ``path``."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ThresholdError(f"{path} is unreadable: {exc}") from None
    if not isinstance(raw, dict):
        raise ThresholdError(f"{path} must hold an object keyed by set name")
    table = {}
    for name, limits in raw.items():
        if name.startswith("_"):
            continue
        try:
            table[name] = Threshold.model_validate({**limits, "source": str(path)})
        except (ValidationError, TypeError) as exc:
            raise ThresholdError(f"{path}: set {name!r}: {exc}") from None
    return table


def default_file(set_folder: Path) -> Path:
    """By convention the thresholds of ``evals/<set>`` are ``evals/thresholds.json``."""
    return set_folder.resolve().parent / THRESHOLDS_FILE


def effective(
    set_name: str, table: Mapping[str, Threshold], fail_under: float | None, max_silent: int | None
) -> Threshold:
    """The file's limits for ``set_name`` with the command line's on top."""
    base = table.get(set_name, Threshold())
    if fail_under is None and max_silent is None:
        return base
    sources = [s for s in (base.source, "command line") if s]
    return Threshold(
        min_accuracy=fail_under if fail_under is not None else base.min_accuracy,
        max_silent=max_silent if max_silent is not None else base.max_silent,
        source=" + ".join(sources),
    )


def failures(metrics: Tally, limit: Threshold) -> list[str]:
    """Why ``metrics`` break ``limit`` (empty when they pass)."""
    found = []
    accuracy = metrics.accuracy or 0.0
    if limit.min_accuracy is not None and accuracy < limit.min_accuracy:
        found.append(f"accuracy {accuracy:.4f} < {limit.min_accuracy}")
    if limit.max_silent is not None and metrics.silent > limit.max_silent:
        found.append(f"silent errors {metrics.silent} > {limit.max_silent}")
    return found
