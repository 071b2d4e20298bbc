"""Atomic file writes: the content appears whole under its final name, or not at all.

A batch may be killed at any instant (SIGKILL, power button, OOM killer). Writing to a temporary
file in the same folder and renaming it over the target with ``os.replace`` (atomic on POSIX and
Windows) means a reader never sees half a file; a kill leaves at most a stray temporary file, which
``remove_stale`` clears on the next run.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

TMP_SUFFIX = ".tmp"


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # the temporary name is unique per writer, so two processes never share one
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}{TMP_SUFFIX}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    write_bytes(path, text.encode(encoding))


def remove_stale(folder: Path) -> int:
    """Delete temporary files a killed run left behind; returns how many."""
    if not folder.is_dir():
        return 0
    stale = [p for p in folder.rglob(f".*{TMP_SUFFIX}") if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)
