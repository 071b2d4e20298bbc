"""Comparing a run with an earlier ``run.json``: which keys got better or worse, and metric deltas.

A key's outcome ranks correct > flagged (wrong, but a person will look) > silent (wrong and trusted).
A move up the ranking is better, a move down is worse. The baseline is read as plain JSON, leniently,
so a run.json of an older schema still compares as long as documents carry their key rows.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .. import errors
from .records import BaselineDiff, Change, DocumentRecord, MetricDelta, RunRecord

RANK = MappingProxyType({"silent": 0, "flagged": 1, "correct": 2})
OVERALL_METRICS = ("accuracy", "silent", "review_load", "flag_precision", "flag_recall")


class BaselineError(errors.ConfigError):
    """The baseline cannot be used; the message says why."""


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BaselineError(f"baseline {path} is unreadable: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("documents"), list):
        raise BaselineError(f"baseline {path} is not a run.json (no 'documents' list)")
    return raw


def diff(baseline: Mapping[str, Any], baseline_path: str, run: RunRecord) -> BaselineDiff:
    before = {str(d["document"]): d for d in baseline["documents"] if isinstance(d, dict) and d.get("document")}
    after = {d.document: d for d in run.documents}
    better: list[Change] = []
    worse: list[Change] = []
    for name in sorted(set(before) & set(after)):
        for change in _changes(name, before[name].get("rows") or [], after[name]):
            (better if RANK[change.after_outcome] > RANK[change.before_outcome] else worse).append(change)
    return BaselineDiff(
        baseline=baseline_path,
        better=better,
        worse=worse,
        metric_deltas=_metric_deltas(baseline, run),
        documents_added=sorted(set(after) - set(before)),
        documents_removed=sorted(set(before) - set(after)),
    )


def _changes(name: str, before_rows: Iterable[Mapping[str, Any]], after: DocumentRecord) -> list[Change]:
    old = {r.get("key"): r for r in before_rows if isinstance(r, Mapping)}
    changes = []
    for row in after.rows:
        prev = old.get(row.key)
        if prev is None or prev.get("outcome") not in RANK or prev["outcome"] == row.outcome:
            continue  # a key new to the gold has no "before"; an unchanged outcome is no news
        changes.append(
            Change(
                document=name,
                key=row.key,
                gold=row.gold,
                before=prev.get("got"),
                after=row.got,
                before_outcome=prev["outcome"],
                after_outcome=row.outcome,
            )
        )
    return changes


def _metric_deltas(baseline: Mapping[str, Any], run: RunRecord) -> list[MetricDelta]:
    pairs: list[tuple[str, Any, Any]] = []
    old_overall = baseline.get("overall") or {}
    new_overall = run.overall.model_dump()
    pairs += [(m, old_overall.get(m), new_overall.get(m)) for m in OVERALL_METRICS]
    pairs.append(("seconds_per_document", (baseline.get("timing") or {}).get("seconds_mean"), run.timing.seconds_mean))
    pairs.append(("llm_calls", (baseline.get("llm") or {}).get("calls"), run.llm.calls))
    pairs.append(("llm_tokens", (baseline.get("llm") or {}).get("tokens"), run.llm.tokens))
    old_sets = {s.get("name"): s.get("metrics") or {} for s in baseline.get("sets") or [] if isinstance(s, dict)}
    for s in run.sets:
        new_metrics = s.metrics.model_dump()
        old_metrics = old_sets.get(s.name, {})
        pairs += [(f"{s.name}.{m}", old_metrics.get(m), new_metrics.get(m)) for m in OVERALL_METRICS]
    return [MetricDelta(metric=m, before=b, after=a, delta=_delta(b, a)) for m, b, a in pairs]


def _delta(before: Any, after: Any) -> float | None:
    if isinstance(before, (int, float)) and isinstance(after, (int, float)):
        return round(after - before, 6)
    return None
