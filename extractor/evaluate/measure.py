"""One labelled document: run the extractor, time it, score it → a ``DocumentRecord``.

An extractor that raises is measured too: the exception becomes a ``failed`` result with no values,
scored like any other output (every gold key wrong, and silent), so a batch never stops on one
document and a crash can never look better than a wrong answer.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..flat import flat
from ..report import Result
from ..settings import Settings
from .metrics import tally
from .records import DocumentRecord
from .scoring import KeyDetail, score_document
from .sets import LabelledDocument

ExtractFn = Callable[[Path, Settings], Result]

# Format names of extractor.ingest for a document that was never read (its Result has no source).
FORMAT_OF_SUFFIX = MappingProxyType(
    {"txt": "text", "md": "markdown", "markdown": "markdown", "htm": "html", "html": "html", "shtml": "html",
     "xhtml": "html", "png": "image", "jpg": "image", "jpeg": "image", "tif": "image", "tiff": "image"}
)


def run_extractor(extract_fn: ExtractFn, path: Path, settings: Settings) -> tuple[Result, float]:
    """The result and the seconds it took (the result's own timing when it has one)."""
    started = time.perf_counter()
    try:
        result = extract_fn(path, settings)
    except Exception as exc:  # an extractor bug is a finding of the eval, not the end of it
        result = Result(document=str(path), status="failed", error=f"extractor raised {type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - started
    return result, result.seconds if result.seconds is not None else round(elapsed, 4)


def format_of(result: Result, path: Path) -> str:
    if result.source is not None:
        return result.source.format
    suffix = path.suffix.lower().lstrip(".")
    return FORMAT_OF_SUFFIX.get(suffix, suffix or "none")


def usage_counts(usage: Mapping[str, Any]) -> tuple[int, int]:
    """(LLM calls, tokens) from ``Result.usage``; providers name tokens differently, so take any."""
    calls = _int(usage.get("calls"))
    if "total_tokens" in usage or "tokens" in usage:
        return calls, _int(usage.get("total_tokens", usage.get("tokens")))
    parts = ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens")
    return calls, sum(_int(usage.get(p)) for p in parts)


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def details_of(result: Result) -> dict[str, KeyDetail]:
    """Confidence and method of each key the rich result holds."""
    if result.report is None:
        return {}
    return {k: KeyDetail(confidence=v.confidence, method=v.method) for k, v in result.report.values.items()}


def measure(doc: LabelledDocument, extract_fn: ExtractFn, settings: Settings) -> DocumentRecord:
    result, seconds = run_extractor(extract_fn, doc.path, settings)
    score = score_document(doc.gold, flat(result), details_of(result))
    calls, tokens = usage_counts(result.usage)
    return DocumentRecord(
        set=doc.set_name,
        document=doc.ident,
        path=str(doc.path),
        format=format_of(result, doc.path),
        status=result.status,
        error=result.error,
        seconds=seconds,
        llm_calls=calls,
        llm_tokens=tokens,
        usage=result.usage,
        versions=result.versions,
        keys=score.keys,
        correct=score.correct,
        accuracy=score.accuracy,
        silent_errors=score.silent_errors,
        flagged_share=score.flagged_share,
        metrics=tally(score.rows, documents=1),
        rows=score.rows,
    )
