"""``report.html``: one self-contained page for people (inline CSS and SVG; no JavaScript, no CDN).

Every string that may come from a document, a gold file or a path goes through ``html.escape``: a
file name or an extracted value is data, never markup.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .metrics import Tally
from .records import BaselineDiff, Change, RunRecord
from .svg import Bar, Point, bar_chart, calibration_chart
from .terminal import limit_text, worst_documents

STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1d2733;max-width:1150px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2e8}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border:1px solid #dde2e8;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f8} td.n{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#fff;background:#2f8a4b;padding:2px 8px;border-radius:3px}
.fail{color:#fff;background:#c0392b;padding:2px 8px;border-radius:3px}
.charts{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
.charts svg{border:1px solid #dde2e8;background:#fff}
.meta{color:#5a6675;font-size:13px} .silent{color:#c0392b;font-weight:600}
"""
TALLY_HEADERS = ("docs", "keys", "accuracy", "silent", "review load", "flag precision", "flag recall")


def fmt(value: Any) -> str:
    """A cell's text, escaped: rates with 4 decimals, None as '-', other values as JSON when not str."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, (int, str)):
        return escape(str(value))
    return escape(json.dumps(value, ensure_ascii=False))


def value_cell(value: Any) -> str:
    return "<i>absent</i>" if value is None else escape(json.dumps(value, ensure_ascii=False))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool] | None = None) -> str:
    """Rows are already-escaped cell HTML; ``numeric`` right-aligns columns."""
    numeric = numeric or [False] * len(headers)
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td class='n'>{c}</td>" if numeric[i] else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def tally_cells(t: Tally) -> list[str]:
    return [fmt(v) for v in (t.documents, t.keys, t.accuracy, t.silent, t.review_load, t.flag_precision, t.flag_recall)]


def grouped(name: str, groups: Mapping[str, Tally]) -> str:
    rows = [[escape(g), *tally_cells(t)] for g, t in groups.items()]
    return table((name, *TALLY_HEADERS), rows, [False] + [True] * len(TALLY_HEADERS))


def _badge(passed: bool) -> str:
    return "<span class='pass'>PASS</span>" if passed else "<span class='fail'>FAIL</span>"


def header(run: RunRecord) -> str:
    verdict = _badge(run.passed)
    versions = "; ".join(f"{escape(k)} {escape(', '.join(v))}" for k, v in run.versions.items())
    return (f"<h1>Extractor eval {verdict}</h1>"
            f"<p class='meta'>started {escape(run.started)} · finished {escape(run.finished)} · "
            f"output {escape(run.out_dir)}<br>versions: {versions}<br>"
            f"LLM: {_llm_text(run)}</p>")


def _llm_text(run: RunRecord) -> str:
    settings = run.settings
    if not settings.get("llm_enabled"):
        return "off (parser + checker only)"
    u = run.llm
    text = (f"{fmt(settings.get('llm_use'))}, model {fmt(settings.get('llm_model'))}: {fmt(u.calls)} calls "
            f"({fmt(u.failed_calls)} failed), {fmt(u.tokens)} tokens")
    if u.documents_with_problems:
        text += f"; the model could not be used for {fmt(u.documents_with_problems)} documents"
    return text


def sets_section(run: RunRecord) -> str:
    rows = []
    for s in run.sets:
        verdict = _badge(s.passed) + ("" if s.passed else " " + escape("; ".join(s.failures)))
        if s.skipped:
            verdict = f"<span class='fail'>SKIPPED</span> {escape(s.skipped)}"
        rows.append([escape(s.name), *tally_cells(s.metrics), fmt(s.timing.seconds_mean), fmt(s.llm.calls),
                     fmt(s.llm.tokens), escape(limit_text(s.threshold)), verdict])
    rows.append(["<b>all</b>", *tally_cells(run.overall), fmt(run.timing.seconds_mean), fmt(run.llm.calls),
                 fmt(run.llm.tokens), "", ""])
    headers = ("set", *TALLY_HEADERS, "s/doc", "LLM calls", "tokens", "threshold", "result")
    numeric = [False] + [True] * (len(TALLY_HEADERS) + 3) + [False, False]
    return "<h2>Sets</h2>" + table(headers, rows, numeric)


def charts_section(run: RunRecord) -> str:
    by_format = [Bar(f, t.accuracy, f"({t.keys} keys)") for f, t in run.by_format.items()]
    review = [Bar(f"set {s.name}", s.metrics.review_load) for s in run.sets]
    review += [Bar(f"format {f}", t.review_load) for f, t in run.by_format.items()]
    review_max = max([b.value or 0.0 for b in review] + [0.05])  # review loads are small: use the room
    points = [Point(b.mean_confidence if b.mean_confidence is not None else (b.low or 0.0) + 0.1,
                    b.accuracy or 0.0, b.keys, f"{b.label}: {b.keys} keys, accuracy {b.accuracy:.3f}")
              for b in run.calibration if b.keys and b.low is not None]
    return ("<h2>Charts</h2><div class='charts'>"
            + bar_chart("Accuracy by format", by_format)
            + calibration_chart("Calibration: confidence vs accuracy", points)
            + bar_chart("Review load per set / format", review, max_value=review_max, color="#d89b3b")
            + "</div>")


def calibration_section(run: RunRecord) -> str:
    rows = [[escape(b.label), fmt(b.keys), fmt(b.accuracy), fmt(b.mean_confidence)] for b in run.calibration]
    return "<h2>Confidence calibration</h2>" + table(("confidence", "keys", "accuracy", "mean confidence"), rows,
                                                     [False, True, True, True])


def silent_section(run: RunRecord) -> str:
    if not run.silent_errors:
        return "<h2>Silent errors</h2><p>None: every wrong key was flagged.</p>"
    rows = [[escape(e.document), escape(e.key), value_cell(e.gold), value_cell(e.got)] for e in run.silent_errors]
    return (f"<h2>Silent errors <span class='silent'>({len(run.silent_errors)})</span></h2>"
            + table(("document", "key", "gold", "got"), rows))


def worst_section(run: RunRecord, limit: int) -> str:
    rows = [[escape(d.document), escape(d.format), escape(d.status), fmt(d.keys), fmt(d.accuracy),
             fmt(d.silent_errors), fmt(d.flagged_share), fmt(d.seconds), escape(d.error or "")]
            for d in worst_documents(run, limit)]
    headers = ("document", "format", "status", "keys", "accuracy", "silent", "review load", "seconds", "error")
    return "<h2>Worst documents</h2>" + table(headers, rows, [False] * 3 + [True] * 5 + [False])


def documents_section(run: RunRecord) -> str:
    rows = [[escape(d.document), escape(d.format), escape(d.status), fmt(d.keys), fmt(d.accuracy),
             fmt(d.silent_errors), fmt(d.flagged_share), fmt(d.metrics.flag_precision), fmt(d.seconds),
             fmt(d.llm_calls), fmt(d.llm_failed_calls), fmt(d.llm_tokens)] for d in run.documents]
    headers = ("document", "format", "status", "keys", "accuracy", "silent", "review load", "flag precision",
               "seconds", "LLM calls", "failed", "tokens")
    return "<h2>All documents</h2>" + table(headers, rows, [False] * 3 + [True] * 9)


def diff_section(d: BaselineDiff) -> str:
    deltas = [[escape(m.metric), fmt(m.before), fmt(m.after), fmt(m.delta)] for m in d.metric_deltas]
    parts = [f"<h2>Diff against baseline</h2><p class='meta'>{escape(d.baseline)}: "
             f"{len(d.better)} keys better, {len(d.worse)} worse</p>",
             table(("metric", "before", "after", "delta"), deltas, [False, True, True, True])]
    for title, changes in (("Worse", d.worse), ("Better", d.better)):
        if changes:
            parts.append(f"<h3>{title} ({len(changes)})</h3>" + _changes(changes))
    for title, docs in (("Documents added", d.documents_added), ("Documents removed", d.documents_removed)):
        if docs:
            parts.append(f"<p>{title}: {escape(', '.join(docs))}</p>")
    return "".join(parts)


def _changes(changes: Sequence[Change]) -> str:
    rows = [[escape(c.document), escape(c.key), value_cell(c.gold),
             f"{value_cell(c.before)} ({escape(c.before_outcome)})",
             f"{value_cell(c.after)} ({escape(c.after_outcome)})"] for c in changes]
    return table(("document", "key", "gold", "before", "after"), rows)


def render_report(run: RunRecord, worst: int = 10) -> str:
    """The whole page."""
    body = [
        header(run),
        sets_section(run),
        charts_section(run),
        "<h2>By section</h2>" + grouped("section", run.by_section),
        "<h2>By field family</h2>" + grouped("family", run.by_family),
        "<h2>By format</h2>" + grouped("format", run.by_format),
        "<h2>By rendering</h2>" + grouped("rendering", run.by_rendering),
        "<h2>By method</h2>" + grouped("method", run.by_method),
        "<h2>By status</h2>" + grouped("status", run.by_status),
        calibration_section(run),
        silent_section(run),
        worst_section(run, worst),
    ]
    if run.baseline is not None:
        body.append(diff_section(run.baseline))
    body.append(documents_section(run))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Extractor eval {escape(run.started)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")
