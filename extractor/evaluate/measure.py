"""One labelled document: run the extractor, time it, score it → a ``DocumentRecord``.

An extractor that raises is measured too: the exception becomes a ``failed`` result with no values,
scored like any other output (every gold key wrong, and silent), so a batch never stops on one
document and a crash can never look better than a wrong answer.
"""
from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from ..flat import flat
from ..ingest import format_of_name
from ..report import Result
from .metrics import tally
from .records import NO_RENDERING, DocumentRecord
from .scoring import KeyDetail, score_document
from .sets import LabelledDocument

# the rules of the LLM helper's findings (extractor.llm.assistant): the model could not be used
LLM_PROBLEMS = ("llm_unavailable", "llm_bad_response")


class Extracts(Protocol):
    """What the eval measures: ``extractor.Extractor``, or a stand-in in tests."""

    def extract(self, path: str | Path) -> Result: ...


def run_extractor(extractor: Extracts, path: Path) -> tuple[Result, float]:
    """The result and the seconds it took (the result's own timing when it has one)."""
    started = time.perf_counter()
    try:
        result = extractor.extract(path)
    except Exception as exc:  # an extractor bug is a finding of the eval, not the end of it
        result = Result(document=str(path), status="failed", error=f"extractor raised {type(exc).__name__}: {exc}")
    elapsed = time.perf_counter() - started
    return result, result.seconds if result.seconds is not None else round(elapsed, 4)


def format_of(result: Result, path: Path) -> str:
    if result.source is not None:
        return str(result.source.format)
    known = format_of_name(path.name)  # never read: the registry's guess from the name
    return str(known) if known is not None else (path.suffix.lower().lstrip(".") or "none")


def rendering_of(gold: Mapping[str, Any]) -> str:
    """How the gold says its document was printed (generated sets: ``tabs_grid``, ``pdf_plain``,
    ``glued``, ``libreoffice_pdf``…); ``NO_RENDERING`` when it does not say. A value that is not a
    string is shown as JSON rather than dropped, so a malformed gold stays visible in the table."""
    value = gold.get("rendering")
    if value is None or value == "":
        return NO_RENDERING
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def usage_counts(usage: Mapping[str, Any]) -> tuple[int, int]:
    """(LLM calls, tokens) from ``Result.usage``; providers name tokens differently, so take any."""
    calls = _int(usage.get("calls"))
    if "total_tokens" in usage or "tokens" in usage:
        return calls, _int(usage.get("total_tokens", usage.get("tokens")))
    parts = ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens")
    return calls, sum(_int(usage.get(p)) for p in parts)


def failed_calls(usage: Mapping[str, Any]) -> int:
    """Calls that brought no valid answer: every call but the one behind each valid, uncached answer
    (retries after a timeout, re-asks after an invalid answer, and every call to a down endpoint)."""
    raw = usage.get("answers")
    answers = raw if isinstance(raw, list) else []
    succeeded = sum(1 for a in answers if isinstance(a, Mapping) and a.get("outcome") == "valid"
                    and not a.get("cached"))
    return max(0, _int(usage.get("calls")) - succeeded)


def llm_problems(result: Result) -> list[str]:
    """What the LLM helper reported as going wrong for this document, one message each."""
    return [f"{f.rule}: {f.message}" for f in result.findings if f.rule in LLM_PROBLEMS]


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def details_of(result: Result) -> dict[str, KeyDetail]:
    """Confidence and method of each key the rich result holds."""
    if result.report is None:
        return {}
    return {k: KeyDetail(confidence=v.confidence, method=v.method) for k, v in result.report.values.items()}


def measure(doc: LabelledDocument, extractor: Extracts) -> DocumentRecord:
    result, seconds = run_extractor(extractor, doc.path)
    score = score_document(doc.gold, flat(result), details_of(result))
    calls, tokens = usage_counts(result.usage)
    return DocumentRecord(
        set=doc.set_name,
        document=doc.ident,
        path=str(doc.path),
        format=format_of(result, doc.path),
        rendering=rendering_of(doc.gold),
        status=result.status,
        error=result.error,
        seconds=seconds,
        llm_calls=calls,
        llm_tokens=tokens,
        llm_failed_calls=failed_calls(result.usage),
        llm_problems=llm_problems(result),
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
