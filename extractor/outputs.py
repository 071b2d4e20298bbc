"""Writing results: rich or flat JSON, to stdout or one file per document."""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .flat import flat
from .llm.factory import assistant_from_settings
from .pipeline import extract
from .report import Result
from .settings import Settings


def to_json(result: Result, as_flat: bool) -> str:
    if as_flat:
        return json.dumps(flat(result), ensure_ascii=False, indent=1)
    return result.model_dump_json(indent=1, exclude_none=True)


def extract_to(paths: Iterable[Path], settings: Settings, flat: bool, out_dir: Path | None, stdout: TextIO) -> int:
    """Extract each file; every document yields a JSON object whatever its status (exit 0)."""
    paths = list(paths)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    assistant = assistant_from_settings(settings)  # None unless an LLM endpoint is configured
    for path in paths:
        result = extract(path, settings, assistant)
        text = to_json(result, flat)
        if out_dir is not None:
            (out_dir / f"{Path(path).name}.json").write_text(text, encoding="utf-8")
            print(f"{result.status:13} {path}" + (f"  ({result.error})" if result.error else ""), file=stdout)
        elif len(paths) == 1:
            print(text, file=stdout)
        else:
            print(json.dumps(json.loads(text), ensure_ascii=False), file=stdout)
    return 0
