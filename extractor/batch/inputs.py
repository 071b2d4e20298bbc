"""Which files a batch reads: files, folders (recursively) and glob patterns, in a stable order.

Every format is taken: the extractor itself decides what it can read, and a file it cannot read is
an answer (status ``failed``), not something to filter out silently here. A file named explicitly or
matched by a pattern is always taken. Walking a folder skips what is never a document: hidden files
and folders and the gold-label sidecars of our labelled sets (``*.gold.json``). The output folders
of batch runs (this run's, and any other's, recognised by their journal file) are always skipped, so
a batch over a folder that contains its own results does not read them back in.
"""
from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import MANIFEST_NAME

LABEL_SUFFIX = ".gold.json"


@dataclass(frozen=True)
class Inputs:
    files: list[Path]  # sorted by their path text, duplicates removed
    unmatched: list[str] = field(default_factory=list)  # specs that named nothing


def collect(specs: Sequence[str | Path], exclude: Iterable[Path] = ()) -> Inputs:
    """Expand ``specs`` (files, folders, glob patterns) into the files of a batch."""
    excluded = [_resolved(p) for p in exclude]
    seen: dict[Path, Path] = {}
    unmatched: list[str] = []
    for spec in specs:
        found = [p for p in _expand(str(spec)) if not _skipped(p, excluded)]
        if not found:
            unmatched.append(str(spec))
        for path in found:
            seen.setdefault(_resolved(path), path)  # the first spelling of a file wins
    files = sorted(seen.values(), key=sort_key)
    return Inputs(files=files, unmatched=unmatched)


def sort_key(path: Path) -> str:
    """The order of every batch file: the path as given, compared as text."""
    return path.as_posix()


def _expand(spec: str) -> list[Path]:
    path = Path(spec)
    if path.is_file():
        return [path]
    if path.is_dir():
        return _walk(path)
    if glob.has_magic(spec):
        matches = sorted(glob.glob(spec, recursive=True))
        out: list[Path] = []
        for match in matches:
            p = Path(match)
            out += _walk(p) if p.is_dir() else [p] if p.is_file() else []
        return out
    return []


def _walk(folder: Path) -> list[Path]:
    out: list[Path] = []
    for root, dirs, files in os.walk(folder):
        if MANIFEST_NAME in files:  # a batch output folder: its JSON files are results, not inputs
            dirs.clear()
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out += [Path(root) / name for name in sorted(files) if not _ignored_name(name)]
    return out


def _ignored_name(name: str) -> bool:
    return name.startswith(".") or name.endswith(LABEL_SUFFIX)


def _skipped(path: Path, excluded: list[Path]) -> bool:
    resolved = _resolved(path)
    return any(resolved == ex or ex in resolved.parents for ex in excluded)


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path))
