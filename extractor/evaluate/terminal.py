"""What the terminal shows of a run: the summary tables, silent errors, worst documents, the diff.

Long lists are cut at ``limit`` lines; run.json and report.html always hold everything.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .metrics import Tally
from .records import BaselineDiff, Change, DocumentRecord, RunRecord, SetRecord
from .table import render, titled
from .thresholds import Threshold

TALLY_HEADERS = ("docs", "keys", "accuracy", "silent", "review load", "flag prec", "flag rec")


def tally_cells(t: Tally) -> list[Any]:
    return [t.documents, t.keys, t.accuracy, t.silent, t.review_load, t.flag_precision, t.flag_recall]


def limit_text(limit: Threshold) -> str:
    parts = []
    if limit.min_accuracy is not None:
        parts.append(f"acc>={limit.min_accuracy}")
    if limit.max_silent is not None:
        parts.append(f"silent<={limit.max_silent}")
    return " ".join(parts) or "none"


def value_text(value: Any) -> str:
    """Gold and output values as JSON, so a string "0" and a number 0 stay distinguishable."""
    return "(absent)" if value is None else json.dumps(value, ensure_ascii=False)


def sets_table(run: RunRecord) -> str:
    headers = ("set", *TALLY_HEADERS, "s/doc", "llm calls", "tokens", "threshold", "result")
    rows = [_set_row(s) for s in run.sets]
    rows.append(["ALL", *tally_cells(run.overall), run.timing.seconds_mean, run.llm.calls, run.llm.tokens, "", ""])
    return render(headers, rows)


def _set_row(s: SetRecord) -> list[Any]:
    verdict = "SKIPPED" if s.skipped else "PASS" if s.passed else "FAIL"
    return [s.name, *tally_cells(s.metrics), s.timing.seconds_mean, s.llm.calls, s.llm.tokens,
            limit_text(s.threshold), verdict]


def grouped_table(name: str, groups: Mapping[str, Tally]) -> str:
    return render((name, *TALLY_HEADERS), [[g, *tally_cells(t)] for g, t in groups.items()])


def calibration_table(run: RunRecord) -> str:
    rows = [[b.label, b.keys, b.accuracy, b.mean_confidence] for b in run.calibration if b.keys]
    return render(("confidence", "keys", "accuracy", "mean conf"), rows)


def silent_table(run: RunRecord, limit: int) -> str:
    rows = [[e.document, e.key, value_text(e.gold), value_text(e.got)] for e in run.silent_errors[:limit]]
    text = render(("document", "key", "gold", "got"), rows, numeric_from=4)
    return text + _more(len(run.silent_errors), limit)


def worst_documents(run: RunRecord, limit: int) -> list[DocumentRecord]:
    """Most silent errors first, then lowest accuracy, then most to review: the order a person should
    look in."""
    return sorted(run.documents, key=lambda d: (-d.silent_errors, d.accuracy, -d.flagged_share, d.document))[:limit]


def worst_table(run: RunRecord, limit: int) -> str:
    rows = [[d.document, d.format, d.status, d.keys, d.accuracy, d.silent_errors, d.flagged_share, d.seconds]
            for d in worst_documents(run, limit)]
    return render(("document", "format", "status", "keys", "accuracy", "silent", "review load", "seconds"), rows,
                  numeric_from=3)


def diff_text(d: BaselineDiff, limit: int) -> str:
    deltas = [[m.metric, m.before, m.after, m.delta] for m in d.metric_deltas if m.delta]
    parts = [f"baseline {d.baseline}: {len(d.better)} keys better, {len(d.worse)} worse"]
    if deltas:
        parts.append(render(("metric", "before", "after", "delta"), deltas))
    for title, changes in (("worse", d.worse), ("better", d.better)):
        if changes:
            parts.append(titled(f"{title}:", _changes_table(changes, limit)).rstrip())
    for title, docs in (("documents added", d.documents_added), ("documents removed", d.documents_removed)):
        if docs:
            parts.append(f"{title}: " + ", ".join(docs))
    return "\n".join(parts)


def _changes_table(changes: list[Change], limit: int) -> str:
    rows = [[c.document, c.key, value_text(c.gold), f"{value_text(c.before)} ({c.before_outcome})",
             f"{value_text(c.after)} ({c.after_outcome})"] for c in changes[:limit]]
    return render(("document", "key", "gold", "before", "after"), rows, numeric_from=5) + _more(len(changes), limit)


def _more(total: int, limit: int) -> str:
    return f"\n... {total - limit} more in run.json" if total > limit else ""


def summary(run: RunRecord, limit: int = 20) -> str:
    """The whole terminal report of ``run``."""
    parts = [
        titled(f"eval {run.started}  ->  {run.out_dir}", sets_table(run)),
        titled("by format", grouped_table("format", run.by_format)),
        titled("by rendering", grouped_table("rendering", run.by_rendering)),
        titled("by section", grouped_table("section", run.by_section)),
        titled("by field family", grouped_table("family", run.by_family)),
        titled("confidence calibration", calibration_table(run)),
    ]
    if run.silent_errors:
        parts.append(titled(f"silent errors ({len(run.silent_errors)})", silent_table(run, limit)))
    parts.append(titled("worst documents", worst_table(run, min(limit, 10))))
    if run.baseline is not None:
        parts.append(titled("diff against baseline", diff_text(run.baseline, limit)))
    if run.settings.get("llm_enabled"):
        parts.append(llm_line(run))
    parts += skipped_lines(run)
    parts.append(verdict_line(run))
    return "\n".join(parts)


def llm_line(run: RunRecord) -> str:
    """What the model cost, and whether it could be used at all."""
    u = run.llm
    line = (f"LLM {run.settings.get('llm_model')} at {run.settings.get('llm_base_url')}: {u.calls} calls "
            f"({u.failed_calls} failed), {u.tokens} tokens over {u.documents} documents")
    if u.documents_with_problems:
        first = next(d for d in run.documents if d.llm_problems)
        line += (f"; the model could not be used for {u.documents_with_problems} documents "
                 f"(first: {first.document}: {first.llm_problems[0]})")
    return line


def skipped_lines(run: RunRecord) -> list[str]:
    """One loud line per set this machine could not run."""
    return [f"SKIPPED set {s.name}: {s.skipped}" for s in run.sets if s.skipped]


def verdict_line(run: RunRecord) -> str:
    failed = [f"{s.name}: {'; '.join(s.failures)}" for s in run.sets if not s.passed]
    skipped = [s.name for s in run.sets if s.skipped]
    note = f" ({len(skipped)} set(s) skipped: {', '.join(skipped)})" if skipped else ""
    return ("PASS" if not failed else "FAIL  " + " | ".join(failed)) + note
