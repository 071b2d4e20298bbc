"""The one flow: file → ingest → Document → parse → draft Report → (llm) → check → Result.

``extract`` never raises for a bad document: errors become a Result with status ``failed`` or
``not_a_report`` and a message, so a batch goes on. Nothing after ``ingest.load`` reads the file.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Protocol

from . import __version__, errors
from .causes import group_causes
from .check import check, status_of
from .document import Document
from .ingest import load
from .parse import Parsed, parse
from .report import Result
from .settings import Settings

log = logging.getLogger(__name__)


class Assistant(Protocol):
    """What the pipeline needs from an LLM helper (see ``extractor.llm``): settle what the parser
    left unsettled, in place, recording usage; never raising for endpoint trouble."""

    def assist(self, doc: Document, parsed: Parsed, result: Result) -> None: ...


def extract(path: str | Path, settings: Settings, assistant: Assistant | None = None) -> Result:
    started = time.perf_counter()
    name = str(path)
    versions = {"extractor": __version__}
    try:
        doc = load(path, settings)
        result = extract_document(doc, settings, assistant)
    except errors.NotAReport as exc:
        result = Result(document=name, status="not_a_report", error=str(exc))
    except errors.ExtractorError as exc:
        result = Result(document=name, status="failed", error=str(exc))
    except Exception as exc:  # a bug of ours must not stop a batch: report it as data
        log.exception("internal error on %s", name)
        result = Result(document=name, status="failed", error=f"internal error: {type(exc).__name__}: {exc}")
    result.document = name
    result.versions = {**versions, **result.versions}
    result.seconds = round(time.perf_counter() - started, 4)
    return result


def extract_document(doc: Document, settings: Settings, assistant: Assistant | None = None) -> Result:
    parsed = parse(doc)
    result = Result(document=doc.source.path, status="ok", source=doc.source, report=parsed.report)
    if assistant is not None:
        assistant.assist(doc, parsed, result)
    result.findings = [*result.findings, *check(parsed.report)]  # the assistant's findings stay
    result.status = status_of(parsed.report, result.findings)
    result.causes = group_causes(parsed.report, result.findings)
    return result
