"""Uploads and their results on disk, keyed by the SHA-256 of the upload (its id).

    <root>/documents/<id>/source.<ext>   the upload's bytes
                          meta.json      filename, size, format, received
                          running.json   when its extraction started (while it runs)
                          result.json    the rich Result, once extracted
                          brief.json     status, org, year, finished: what listings and filters read

The same bytes uploaded twice are one document. Every file is written atomically, so a reader (or
a restart) sees a document either without a result (pending) or with a whole one (done). The
folder is the only state: a restarted service finds its pending work by looking.
"""
from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..batch import atomic
from ..ingest import FORMATS, Format
from ..report import Result

_ID = re.compile(r"^[0-9a-f]{64}$")
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


def valid_id(doc_id: str) -> bool:
    """Ids come from URLs: only a well-formed hash may become a path."""
    return bool(_ID.match(doc_id))


class UploadStore:
    def __init__(self, root: Path, clock: Callable[[], float] = time.time) -> None:
        self.root = Path(root)
        self.folder = self.root / "documents"
        self.folder.mkdir(parents=True, exist_ok=True)
        self._clock = clock

    def save(self, doc_id: str, data: bytes, filename: str, fmt: str) -> bool:
        """Store an upload; False when these bytes were already here."""
        home = self.folder / doc_id
        if (home / "meta.json").exists():
            return False
        source = home / ("source" + _suffix(filename, fmt))
        atomic.write_bytes(source, data)
        meta = {"id": doc_id, "filename": _display_name(filename), "size": len(data), "format": fmt,
                "source": source.name, "received": round(self._clock(), 3)}
        atomic.write_text(home / "meta.json", json.dumps(meta, ensure_ascii=False))
        return True

    def meta(self, doc_id: str) -> dict[str, Any] | None:
        return _read_json(self.folder / doc_id / "meta.json") if valid_id(doc_id) else None

    def source_path(self, doc_id: str) -> Path:
        meta = self.meta(doc_id) or {}
        return self.folder / doc_id / str(meta.get("source", "source"))

    def result(self, doc_id: str) -> dict[str, Any] | None:
        return _read_json(self.folder / doc_id / "result.json") if valid_id(doc_id) else None

    def brief(self, doc_id: str) -> dict[str, Any] | None:
        return _read_json(self.folder / doc_id / "brief.json") if valid_id(doc_id) else None

    def is_done(self, doc_id: str) -> bool:
        return (self.folder / doc_id / "brief.json").exists()

    def mark_running(self, doc_id: str) -> None:
        atomic.write_text(self.folder / doc_id / "running.json", json.dumps({"started": round(self._clock(), 3)}))

    def started(self, doc_id: str) -> float | None:
        """When the running extraction of this document started; None when none runs."""
        if not valid_id(doc_id) or self.is_done(doc_id):
            return None
        marker = _read_json(self.folder / doc_id / "running.json")
        return float(marker["started"]) if marker and "started" in marker else None

    def clear_running(self, doc_id: str) -> None:
        """A restart: whatever ran before is pending again."""
        (self.folder / doc_id / "running.json").unlink(missing_ok=True)

    def write_result(self, doc_id: str, result: Result) -> None:
        home = self.folder / doc_id
        atomic.write_text(home / "result.json", result.model_dump_json(exclude_none=True))
        values = result.report.values if result.report else {}
        org, year = values.get("meta.org_name"), values.get("meta.year")
        brief = {"status": result.status, "org": org.value if org else None, "year": year.value if year else None,
                 "error": result.error, "finished": round(self._clock(), 3)}
        # written last: its presence is what marks the document done
        atomic.write_text(home / "brief.json", json.dumps(brief, ensure_ascii=False))
        (home / "running.json").unlink(missing_ok=True)

    def delete(self, doc_id: str) -> bool:
        """Remove an upload and its result; False when there was none. meta.json goes first, so a
        reader (or a crash half-way) sees no document, never part of one."""
        home = self.folder / doc_id
        if not valid_id(doc_id) or not (home / "meta.json").exists():
            return False
        (home / "meta.json").unlink()
        shutil.rmtree(home, ignore_errors=True)
        return True

    def ids(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir() if valid_id(p.name) and (p / "meta.json").exists())


def _suffix(filename: str, fmt: str) -> str:
    # the reader looks at the suffix too (.md, .html), so keep the client's when it is sane
    suffix = Path(filename).suffix.lower()
    if _SUFFIX.match(suffix):
        return suffix
    return FORMATS[Format(fmt)].suffix if fmt in set(Format) else ".bin"


def _display_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name.strip()
    return name[:255] or "upload"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
