"""The pipeline's Assistant: ask the model about the regions the parser could not settle.

For each region chosen by ``regions.select`` (the parser's unsettled ones with ``fallback``, all of
them with ``always``): render its prompt, take the answer from the cache or the model, and reconcile
it with the parser's values in place on ``parsed.report``. Endpoint trouble never raises: it becomes
the finding ``llm_unavailable`` and the parser's result stands. Usage (calls, tokens over every
attempt, cache hits) goes into ``result.usage``; prompt versions, model and mode into
``result.versions``.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from .. import errors
from ..document import Document, Where
from ..parse import Parsed
from ..report import Finding, Report, Result
from ..settings import Settings
from ..template import APPEAL_BLOCKS, APPEAL_OUTCOMES, active_rows, table3_rows
from .cache import ResponseCache, cache_key, input_hash
from .client import LLMClient
from .deadline import Clock, Deadline
from .injection import describe, suspicions
from .prompts import Prompt, PromptLibrary
from .reconcile import Outcome, Reading, reconcile, verified
from .regions import Region, select
from .schemas import RegionAnswer, column_labels, parse_lenient, response_model
from .usage import Usage

log = logging.getLogger(__name__)

DEADLINE_TIMEOUTS = 5  # a document may take this many request timeouts in all
MAX_QUOTE_CHARS = 200


@dataclass
class Visit:
    """One document's pass through the assistant: what every region of it shares."""

    parsed: Parsed
    result: Result
    deadline: Deadline
    trusted: bool  # False when the document is suspected of prompt injection
    usage: Usage = field(default_factory=Usage)
    prompts: dict[str, str] = field(default_factory=dict)  # template name → version used

    def warn(self, rule: str, message: str) -> None:
        self.result.findings.append(Finding(rule=rule, severity="warning", cells=[], message=message))


class LLMAssistant:
    def __init__(self, settings: Settings, client: LLMClient, cache: ResponseCache | None, *,
                 prompts: PromptLibrary | None = None, clock: Clock = time.monotonic,
                 document_seconds: float | None = None):
        self.use = "always" if settings.llm_use == "always" else "fallback"  # auto = fallback
        self._client = client
        self._cache = cache
        self._prompts = prompts or PromptLibrary()
        self._clock = clock
        self._document_seconds = document_seconds or settings.llm_timeout * DEADLINE_TIMEOUTS

    def __repr__(self) -> str:
        return f"LLMAssistant(use={self.use!r}, client={self._client!r})"

    def assist(self, doc: Document, parsed: Parsed, result: Result) -> None:
        regions = select(parsed, self.use)
        if not regions:
            return
        found = suspicions([r.text for r in regions], doc.warnings)
        visit = Visit(parsed, result, Deadline(self._document_seconds, self._clock), trusted=not found)
        if found:
            visit.warn("prompt_injection_suspected", describe(found))
        for region in regions:
            try:
                self._settle(region, visit)
            except errors.LLMUnavailable as exc:
                visit.warn("llm_unavailable", f"the model could not be asked ({exc}); the parser's result stands")
                break  # the endpoint is down for this document: the other regions would fail too
        result.usage.update(visit.usage.as_dict())
        result.versions.update(self._versions(visit.prompts))

    # ---- one region --------------------------------------------------------------------------

    def _settle(self, region: Region, visit: Visit) -> None:
        model = response_model(region.role, region.version, region.text)
        prompt = self._prompts.render(region.template, region.text, **_variables(region))
        visit.prompts[prompt.name] = prompt.version
        calls = visit.usage.calls
        try:
            answer, cached = self._answer(model, prompt, visit.deadline, visit.usage)
        except errors.LLMBadResponse as exc:
            visit.usage.record_answer(region.role, cached=False, calls=visit.usage.calls - calls, outcome="invalid")
            visit.warn("llm_bad_response", f"no valid model answer for {region.role}: {exc}")
            lenient = parse_lenient(model, getattr(exc, "last_text", None))
            if lenient is not None:
                self._reconcile(region, visit, lenient, checked=False)
            return
        visit.usage.record_answer(region.role, cached=cached, calls=visit.usage.calls - calls, outcome="valid")
        self._reconcile(region, visit, answer, checked=True)

    def _reconcile(self, region: Region, visit: Visit, answer: RegionAnswer, checked: bool) -> None:
        report = visit.parsed.report
        outcome = reconcile(report, self._reading(region, visit.parsed, answer, checked, visit.trusted))
        _settle_template(report, region, outcome)
        if region.role == "sections56" and checked and visit.trusted:
            _note_sections(report, answer)

    def _answer(self, model: type[RegionAnswer], prompt: Prompt, deadline: Deadline,
                usage: Usage) -> tuple[RegionAnswer, bool]:
        key = cache_key(self._client.model, prompt.version, input_hash(prompt.messages, model.model_json_schema()))
        if self._cache is not None:
            hit = self._cache.get(key)
            if hit is not None:
                try:
                    return model.model_validate_json(hit.answer, strict=False), True
                except ValidationError:
                    log.info("cached answer no longer validates; asking again")
        tokens = (usage.prompt_tokens, usage.completion_tokens)
        answer = self._client.ask(model, prompt.messages, deadline, usage)
        if self._cache is not None:
            self._cache.put(key, model=self._client.model, prompt_version=prompt.version, answer=answer.json,
                            prompt_tokens=usage.prompt_tokens - tokens[0],
                            completion_tokens=usage.completion_tokens - tokens[1])
        return answer.value, False

    def _reading(self, region: Region, parsed: Parsed, answer: RegionAnswer, checked: bool,
                 trusted: bool) -> Reading:
        values = {k: v for k, v in answer.values().items() if region.keys is None or k in region.keys}
        whole = parsed.flow.where(region.start, region.end)
        quotes = {k: q for k, q in answer.quotes().items() if q and k in values}
        where: dict[str, Where] = {key: whole for key in values}
        for key, quote in quotes.items():
            span = locate(parsed.flow.text, quote)
            if span is not None:
                where[key] = parsed.flow.where(*span)
        return Reading(role=region.role, values=values, equations=answer.equations(),
                       verified=verified(answer, region.text, checked), trusted=trusted, where=where, raws=quotes)

    def _versions(self, prompts: dict[str, str]) -> dict[str, str]:
        out = {"llm.model": self._client.model, "llm.mode": self._client.mode, "llm.use": self.use}
        out.update({f"prompt.{name}": version for name, version in sorted(prompts.items())})
        return out


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """Where a quoted sentence sits in the flow text, whatever whitespace or line breaks it crosses."""
    chars = [re.escape(ch) for ch in quote[:MAX_QUOTE_CHARS] if not ch.isspace()]
    if not chars:
        return None
    m = re.search(r"[\s*#|]*".join(chars), text)
    return m.span() if m else None


def _variables(region: Region) -> dict[str, Any]:
    """What a template lists besides the text: rows, columns and blocks from ``template`` (trusted)."""
    if region.role == "table3":
        return {"version": region.version, "rows": [(r.key, r.label) for r in table3_rows(region.version or "2021")],
                "columns": column_labels()}
    if region.role == "table2":
        version = region.version or "2021"
        return {"version": version,
                "rows": [(r.prefix.split(".", 1)[1], list(r.columns)) for r in active_rows(version)]}
    if region.role == "table4":
        return {"blocks": list(APPEAL_BLOCKS), "outcomes": list(APPEAL_OUTCOMES)}
    return {}


def _settle_template(report: Report, region: Region, outcome: Outcome) -> None:
    """A table the parser could not place takes the form the model was asked about, so the checker
    verifies the model's values against that form's identities."""
    if not outcome.added or region.version is None:
        return
    if region.role == "table3" and report.template.table3 is None:
        report.template.table3 = region.version  # type: ignore[assignment]
    if region.role == "table2" and report.template.table2 is None:
        report.template.table2 = region.version  # type: ignore[assignment]


def _note_sections(report: Report, answer: RegionAnswer) -> None:
    problems = getattr(answer, "problems", [])
    improvements = getattr(answer, "improvements", [])
    if problems:
        report.notes.append("section 五 problems (model): " + "；".join(problems))
    if improvements:
        report.notes.append("section 五 improvements (model): " + "；".join(improvements))
