"""The shape of ``run.json``: everything one eval run measured, per document down to each key.

A later run reads it back as a baseline (see ``baseline``), so documents are named by ``set/name``
(stable across machines) and each key keeps its gold, its output value and its outcome.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from .metrics import Bucket, LLMUsage, Tally, Timing
from .scoring import KeyRow
from .thresholds import Threshold

SCHEMA = "extractor-eval-run/1"
NO_RENDERING = "-"  # the rendering group of documents whose gold does not name one (real reports, samples)


class DocumentRecord(BaseModel):
    set: str
    document: str  # set/name
    path: str
    format: str
    rendering: str = NO_RENDERING  # the gold's "rendering" (how a generated set printed it), if it says
    status: str
    error: str | None = None
    seconds: float
    llm_calls: int = 0
    llm_tokens: int = 0
    llm_failed_calls: int = 0  # calls that brought no valid answer (a down endpoint: every call)
    llm_problems: list[str] = Field(default_factory=list)  # the helper's llm_* findings
    usage: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)
    # the four numbers shared/tools/score.py reports, for this document
    keys: int
    correct: int
    accuracy: float
    silent_errors: int
    flagged_share: float
    metrics: Tally
    rows: list[KeyRow]


class SilentError(BaseModel):
    document: str
    key: str
    gold: Any
    got: Any


class SetRecord(BaseModel):
    name: str
    path: str
    root: str
    metrics: Tally
    timing: Timing
    llm: LLMUsage
    threshold: Threshold
    failures: list[str]  # why the set broke its threshold; empty when it passed
    skipped: str | None = None  # why the set was not run on this machine (a system tool it needs is absent)

    @property
    def passed(self) -> bool:
        return not self.failures


class Change(BaseModel):
    """One key whose outcome moved between the baseline and this run."""

    document: str
    key: str
    gold: Any
    before: Any
    after: Any
    before_outcome: str
    after_outcome: str


class MetricDelta(BaseModel):
    metric: str  # e.g. "accuracy", "samples.silent"
    before: int | float | None  # int first: counts (silent errors, calls) stay integers
    after: int | float | None
    delta: int | float | None


class BaselineDiff(BaseModel):
    baseline: str  # the run.json compared against
    better: list[Change]
    worse: list[Change]
    metric_deltas: list[MetricDelta]
    documents_added: list[str]
    documents_removed: list[str]


class RunRecord(BaseModel):
    schema_: str = Field(default=SCHEMA, alias="schema")
    started: str
    finished: str
    out_dir: str
    settings: dict[str, Any]
    versions: dict[str, list[str]]
    thresholds: dict[str, Threshold]
    passed: bool
    exit_code: int
    overall: Tally
    timing: Timing
    llm: LLMUsage
    sets: list[SetRecord]
    by_family: dict[str, Tally]
    by_section: dict[str, Tally]
    by_format: dict[str, Tally]
    by_rendering: dict[str, Tally]
    by_method: dict[str, Tally]
    by_status: dict[str, Tally]
    calibration: list[Bucket]
    silent_errors: list[SilentError]
    baseline: BaselineDiff | None = None
    documents: list[DocumentRecord]

    model_config = {"populate_by_name": True}

    def to_json(self) -> str:
        return self.model_dump_json(indent=1, by_alias=True)
