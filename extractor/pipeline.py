"""The one flow: file → ingest → Document → parse → draft Report → (llm) → check → Result.

``Extractor`` is what every entry point uses (extract, batch, serve, eval, review add): the settings
(with their input limits) and the LLM helper, built once from the settings, so a whole run shares
one helper (its circuit breaker, cache and usage accounting). ``Extractor.from_settings`` is the
only place the helper is built; ``shared_extractor`` keeps one per worker process.

``extract`` never raises for a bad document: errors become a Result with status ``failed`` or
``not_a_report`` and a message, so a batch goes on. Nothing after ``ingest.load`` reads the file.
"""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Extractor:
    """Settings (input limits included) + LLM helper: extract one file or one Document at a time."""

    settings: Settings
    assistant: Assistant | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Extractor:
        """The helper is built only when an endpoint is configured and ``llm_use`` is not off."""
        from .llm.factory import assistant_from_settings

        return cls(settings, assistant_from_settings(settings))

    @property
    def llm_enabled(self) -> bool:
        """Whether a model is asked at all (what run.json records as ``llm_enabled``)."""
        return self.assistant is not None

    def extract(self, path: str | Path) -> Result:
        return extract(path, self.settings, self.assistant)

    def extract_document(self, doc: Document) -> Result:
        return extract_document(doc, self.settings, self.assistant)


@functools.cache  # settings are frozen, hence hashable: one Extractor per process and settings
def shared_extractor(settings: Settings) -> Extractor:
    """The Extractor of a worker process (batch, service): built on its first document, then reused,
    so its LLM helper's breaker and cache span every document the process reads."""
    return Extractor.from_settings(settings)


def extract(path: str | Path, settings: Settings, assistant: Assistant | None = None) -> Result:
    started = time.perf_counter()
    name = str(path)
    versions = {"extractor": __version__}
    doc: Document | None = None
    try:
        doc = load(path, settings)
        result = extract_document(doc, settings, assistant)
    except errors.NotAReport as exc:  # what the reader noticed may be why (a page read at low resolution)
        result = Result(document=name, status="not_a_report", error=str(exc), warnings=doc.warnings if doc else [])
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
    result = Result(document=doc.source.path, status="ok", source=doc.source, report=parsed.report,
                    warnings=list(doc.warnings))
    if assistant is not None:
        assistant.assist(doc, parsed, result)
    result.findings = [*result.findings, *check(parsed.report)]  # the assistant's findings stay
    result.status = status_of(parsed.report, result.findings)
    result.causes = group_causes(parsed.report, result.findings)
    return result
