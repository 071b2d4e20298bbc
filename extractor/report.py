"""The report schema: what the extractor hands downstream (pydantic; JSON Schema in ../schemas/).

A ``Report`` maps canonical keys (../shared/spec/fields.md) to ``Value``s. Each value keeps its printed
text, where it came from, how it was obtained, a confidence and its flags. A ``Result`` wraps one
document's report with the checker's findings and a status; it is the unit of every output (rich
JSON, flat JSON, batch files, review store, eval scores).
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .document import Source, Where

Method = Literal["parsed", "inferred", "default", "llm", "corrected"]
Severity = Literal["error", "warning", "info"]
Status = Literal["ok", "needs_review", "not_a_report", "failed"]
Scalar = int | str | None


class Value(BaseModel):
    key: str
    # None when the document does not give the value (``not_found``). Every field that may be None
    # defaults to None, because results are written without their None fields (exclude_none) and
    # must load back into this schema (tests/test_roundtrip.py checks both).
    value: Scalar = None
    raw: str | None = None  # the printed text; None when the document does not show the cell
    where: list[Where] = Field(default_factory=list)
    method: Method = "parsed"
    confidence: float = 1.0
    flags: list[str] = Field(default_factory=list)
    candidates: list[Scalar] = Field(default_factory=list)  # other readings the source allows
    note: str | None = None  # text printed beside the number, e.g. 其中修订16件

    def flag(self, *reasons: str) -> None:
        for reason in reasons:
            if reason not in self.flags:
                self.flags.append(reason)


class Finding(BaseModel):
    """One failed check. ``cells`` are canonical keys; left/right are the two sides of the rule."""

    rule: str
    severity: Severity
    cells: list[str]
    message: str
    left: str | None = None
    right: str | None = None
    delta: str | None = None


class Cause(BaseModel):
    """One reason for review shared by several flagged values: the unit of a reviewer's decision
    (accept the group, or open a cell of it). Every flagged key belongs to exactly one cause."""

    id: str  # stable within a result, e.g. "inferred:column:other_org"
    flag: str  # the flag (``extractor.flags.Flag``) the grouped values share
    message: str  # what a reviewer is asked to decide, e.g. "其他 column not printed: 44 cells inferred"
    keys: list[str]


class Template(BaseModel):
    table2: Literal["2019", "2021"] | None = None
    table3: Literal["2019", "2021"] | None = None


class Section(BaseModel):
    key: str  # s1..s6
    heading: str
    where: Where


class Report(BaseModel):
    template: Template = Field(default_factory=Template)
    values: dict[str, Value] = Field(default_factory=dict)
    sections: list[Section] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # parser remarks that are not findings

    def get(self, key: str) -> Scalar:
        v = self.values.get(key)
        return v.value if v else None


class Result(BaseModel):
    document: str
    status: Status
    error: str | None = None
    source: Source | None = None
    report: Report | None = None
    findings: list[Finding] = Field(default_factory=list)
    causes: list[Cause] = Field(default_factory=list)  # flagged values grouped by shared reason
    # what the reader noticed about the file (a page read at reduced resolution, a skewed scan,
    # hidden text): not about any one value, but a user weighing the numbers should see it
    warnings: list[str] = Field(default_factory=list)
    versions: dict[str, str] = Field(default_factory=dict)  # extractor, prompts, model, …
    usage: dict[str, Any] = Field(default_factory=dict)  # LLM calls and tokens
    seconds: float | None = None
