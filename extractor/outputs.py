"""Writing results of ``extractor extract``: rich or flat JSON, to stdout or one file per document.

On stdout, ``--flat`` is always JSON Lines: one flat object per line, one line per document, however
many documents (so ``extract a.pdf --flat | jq`` and a loop over files read the same shape). The
rich result is pretty-printed for one document and JSON Lines for several.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from . import errors
from .flat import flat
from .pipeline import Extractor
from .report import Result


def to_json(result: Result, as_flat: bool, indent: int | None = None) -> str:
    if as_flat:
        return json.dumps(flat(result), ensure_ascii=False, indent=indent)
    return result.model_dump_json(indent=indent, exclude_none=True)


def extract_to(paths: Iterable[Path], extractor: Extractor, flat: bool, out_dir: Path | None, stdout: TextIO) -> int:
    """Extract each file; every document yields a JSON object whatever its status (exit 0).
    An ``out_dir`` that cannot be written is ``errors.OutputUnwritable`` (exit 3), like a batch's:
    the documents written before it are kept."""
    paths = list(paths)
    if out_dir is not None:
        with _writing(out_dir):
            out_dir.mkdir(parents=True, exist_ok=True)
    pretty = 1 if (out_dir is not None or (len(paths) == 1 and not flat)) else None
    for path in paths:
        result = extractor.extract(path)
        text = to_json(result, flat, pretty)
        if out_dir is not None:
            with _writing(out_dir):
                (out_dir / f"{Path(path).name}.json").write_text(text, encoding="utf-8")
            print(f"{result.status:13} {path}" + (f"  ({result.error})" if result.error else ""), file=stdout)
        else:
            print(text, file=stdout, flush=True)
    return 0


@contextmanager
def _writing(out_dir: Path) -> Iterator[None]:
    """An OSError inside (read-only, disk full, a file where the folder should be) becomes
    ``errors.OutputUnwritable`` naming the folder, not a traceback."""
    try:
        yield
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename and Path(exc.filename) != out_dir else ""
        raise errors.OutputUnwritable(f"cannot write to the output folder {out_dir}{where}: "
                                      f"{exc.strerror or exc}") from None
