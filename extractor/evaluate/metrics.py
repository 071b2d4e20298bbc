"""Aggregates over scored keys: accuracy, silent errors, review load, flag precision/recall, calibration.

Every aggregate is micro-averaged over gold keys (a long report weighs more than a short one), which
is what makes a set's accuracy the share of numbers a user gets right. Rows arrive as
``(group, document, row)`` triples so one function serves every grouping (family, section, format,
set, method, document).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from types import MappingProxyType

from pydantic import BaseModel, computed_field

from .scoring import KeyRow

# The part of the report a key family lives in (shared/spec/fields.md); read-only by construction.
SECTION_OF_FAMILY = MappingProxyType(
    {
        "meta": "meta",
        "active": "table2",
        "active2019": "table2",
        "requests": "table3",
        "appeals": "table4",
        "narrative": "prose",
        "fees": "prose",
    }
)
BUCKETS = 5  # confidence buckets 0-0.2, …, 0.8-1.0


def family_of(key: str) -> str:
    return key.split(".", 1)[0]


def section_of(key: str) -> str:
    return SECTION_OF_FAMILY.get(family_of(key), "other")


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


class Tally(BaseModel):
    """Counts over a group of gold keys, with the rates derived from them."""

    documents: int = 0
    keys: int = 0
    correct: int = 0
    flagged: int = 0  # keys flagged (a flag or a finding), right or wrong
    silent: int = 0  # wrong and not flagged
    wrong_flagged: int = 0  # wrong and flagged: the flags that earned their keep

    @computed_field  # type: ignore[prop-decorator]
    @property
    def wrong(self) -> int:
        return self.keys - self.correct

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float | None:
        return _ratio(self.correct, self.keys)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def review_load(self) -> float | None:
        """Flagged keys / gold keys: what a person must look at."""
        return _ratio(self.flagged, self.keys)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def flag_precision(self) -> float | None:
        """Flagged keys that were wrong / flagged keys (None when nothing was flagged)."""
        return _ratio(self.wrong_flagged, self.flagged)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def flag_recall(self) -> float | None:
        """Wrong keys that were flagged / wrong keys (None when nothing was wrong)."""
        return _ratio(self.wrong_flagged, self.wrong)


def tally(rows: Iterable[KeyRow], documents: int = 0) -> Tally:
    t = Tally(documents=documents)
    for row in rows:
        t.keys += 1
        t.correct += row.correct
        t.flagged += row.flagged
        t.silent += row.outcome == "silent"
        t.wrong_flagged += (not row.correct) and row.flagged
    return t


def tally_by(items: Iterable[tuple[str, str, KeyRow]]) -> dict[str, Tally]:
    """One Tally per group, from ``(group, document, row)`` triples; groups sorted by name."""
    rows: dict[str, list[KeyRow]] = {}
    docs: dict[str, set[str]] = {}
    for group, document, row in items:
        rows.setdefault(group, []).append(row)
        docs.setdefault(group, set()).add(document)
    return {g: tally(rows[g], documents=len(docs[g])) for g in sorted(rows)}


class Bucket(BaseModel):
    """Keys whose rich-result confidence falls in [low, high) (the last bucket includes 1.0)."""

    label: str
    low: float | None  # None for keys the output does not have (no confidence to speak of)
    high: float | None
    keys: int = 0
    correct: int = 0
    confidence_sum: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float | None:
        return _ratio(self.correct, self.keys)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mean_confidence(self) -> float | None:
        return self.confidence_sum / self.keys if self.keys and self.low is not None else None


def bucket_index(confidence: float) -> int:
    """0..BUCKETS-1; rounding first so 0.6 lands in 0.6-0.8 despite binary floats."""
    clamped = min(max(confidence, 0.0), 1.0)
    return min(math.floor(round(clamped * BUCKETS, 9)), BUCKETS - 1)


def calibration(rows: Iterable[KeyRow]) -> list[Bucket]:
    """Accuracy per confidence bucket, then one bucket of keys with no value at all."""
    width = 1.0 / BUCKETS
    buckets = [
        Bucket(label=f"{i * width:.1f}-{(i + 1) * width:.1f}", low=round(i * width, 6), high=round((i + 1) * width, 6))
        for i in range(BUCKETS)
    ]
    absent = Bucket(label="absent", low=None, high=None)
    for row in rows:
        bucket = absent if row.confidence is None else buckets[bucket_index(row.confidence)]
        bucket.keys += 1
        bucket.correct += row.correct
        bucket.confidence_sum += row.confidence or 0.0
    return [*buckets, absent]


class Timing(BaseModel):
    documents: int
    seconds_total: float
    seconds_mean: float | None
    seconds_median: float | None
    seconds_max: float | None


def timing(seconds: list[float]) -> Timing:
    ordered = sorted(seconds)
    n = len(ordered)
    median = None
    if n:
        mid = n // 2
        median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return Timing(
        documents=n,
        seconds_total=round(sum(ordered), 4),
        seconds_mean=round(sum(ordered) / n, 4) if n else None,
        seconds_median=round(median, 4) if median is not None else None,
        seconds_max=round(ordered[-1], 4) if n else None,
    )


class LLMUsage(BaseModel):
    documents: int
    calls: int
    tokens: int
    failed_calls: int = 0  # calls that brought no valid answer
    documents_with_problems: int = 0  # documents for which the model could not be used (llm_* findings)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def calls_per_document(self) -> float | None:
        return _ratio(self.calls, self.documents)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tokens_per_document(self) -> float | None:
        return _ratio(self.tokens, self.documents)


def llm_usage(per_document: Iterable[tuple[int, int, int, bool]]) -> LLMUsage:
    """Totals from ``(calls, tokens, failed calls, had a problem)`` per document."""
    rows = list(per_document)
    return LLMUsage(documents=len(rows), calls=sum(r[0] for r in rows), tokens=sum(r[1] for r in rows),
                    failed_calls=sum(r[2] for r in rows), documents_with_problems=sum(1 for r in rows if r[3]))
