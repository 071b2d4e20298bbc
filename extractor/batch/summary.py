"""What a batch run says at the end: counts by status, the reasons behind failures, what the review
queue and the cross-year checks found; printed for a person and written as ``summary.json``.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .outputs import review_reasons as reasons_of

STATUSES = ("ok", "needs_review", "not_a_report", "failed")
# a finished run's exit code: 0 no document failed, 1 some did, 130 interrupted (the errors that end a
# run, usage 2 and an unwritable output folder 3, are mapped in extractor.cli.EXIT_CODES)
EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130
SHOWN_PROBLEMS = 20  # the printed summary lists this many problems and documents to review; summary.json all


@dataclass(frozen=True)
class Problem:
    document: str
    status: str  # failed | not_a_report
    reason: str


@dataclass
class BatchSummary:
    out_dir: str
    total: int  # input files in the batch
    extracted: int = 0  # documents extracted by this run
    skipped: int = 0  # files whose result an earlier run had already made
    seconds: float = 0.0
    interrupted: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # by status, over every file of the batch
    problems: list[Problem] = field(default_factory=list)  # failed and not_a_report, with the reason
    to_review: list[str] = field(default_factory=list)  # the documents that need review, in input order
    temporary: int = 0  # failed for a temporary reason (crash, timeout, I/O): tried again on the next run
    notes: list[str] = field(default_factory=list)  # what the batch did about its own trouble (a damaged journal)
    review_reasons: dict[str, int] = field(default_factory=dict)  # what sent documents to needs_review
    review_queue: dict[str, Any] = field(default_factory=dict)  # enqueued count, store errors
    cross: dict[str, Any] = field(default_factory=dict)  # bodies, pairs_checked, counts by rule
    unmatched: list[str] = field(default_factory=list)  # inputs that named no file
    outputs: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_FAILED if self.counts.get("failed") else EXIT_OK

    @property
    def rate(self) -> float:
        return self.extracted / self.seconds if self.seconds > 0 else 0.0

    def reason_counts(self, status: str) -> dict[str, int]:
        """Problems of one status grouped by the general part of their message (before any ':')."""
        counts = Counter(p.reason.split(":", 1)[0].strip() for p in self.problems if p.status == status)
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["exit_code"] = self.exit_code
        data["rate_docs_per_second"] = round(self.rate, 2)
        data["reasons"] = {s: self.reason_counts(s) for s in ("failed", "not_a_report")}
        return data

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n"

    def render(self) -> str:
        notes = [f"note: {n}" for n in self.notes]
        if self.interrupted:
            return "\n".join([*notes, f"interrupted: {self.extracted} documents extracted in this run "
                               f"({self.skipped} were already done); finished results are kept in {self.out_dir}.",
                               "Run the same command again to resume."])
        return "\n".join([*notes, *self._render_lines()])

    def _render_lines(self) -> Iterable[str]:
        speed = f" — {self.rate:.1f} docs/s" if self.extracted else ""
        yield (f"batch: {self.total} documents ({self.extracted} extracted, {self.skipped} already done) "
               f"in {self.seconds:.1f} s{speed}")
        for status in STATUSES:
            yield f"  {status:<13} {self.counts.get(status, 0):>6}" + self._status_note(status)
        yield from _problem_lines(self.problems)
        if self.temporary:
            yield (f"  {self.temporary} of these failed for a temporary reason (a crash, a timeout, a file or "
                   "disk that could not be used): run the same command again to try them again")
        if self.unmatched:
            yield "  inputs that matched no file: " + ", ".join(self.unmatched)
        if self.review_queue:
            yield _queue_line(self.review_queue)
        if self.cross:
            yield _cross_line(self.cross)
        if self.to_review:
            yield from _review_lines(self.to_review)
        if self.outputs:
            yield f"outputs in {self.out_dir}: " + ", ".join(self.outputs)

    def _status_note(self, status: str) -> str:
        if status == "needs_review" and self.review_reasons:
            top = list(self.review_reasons.items())[:6]
            return "   (" + ", ".join(f"{r} {n}" for r, n in top) + ")"
        if status in ("failed", "not_a_report"):
            reasons = self.reason_counts(status)
            return "   (" + "; ".join(f"{r}: {n}" for r, n in reasons.items()) + ")" if reasons else ""
        return ""


def review_reasons(flat_rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Finding rules and flag reasons of the needs_review documents, counted once per document."""
    counts: Counter[str] = Counter()
    for row in flat_rows:
        counts.update(reasons_of(row))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _review_lines(documents: Sequence[str]) -> Iterable[str]:
    yield f"  to review ({len(documents)}; values.csv says which values and why):"
    for document in documents[:SHOWN_PROBLEMS]:
        yield f"    {document}"
    if len(documents) > SHOWN_PROBLEMS:
        yield f"    … and {len(documents) - SHOWN_PROBLEMS} more (see summary.json)"


def _problem_lines(problems: Sequence[Problem]) -> Iterable[str]:
    for p in problems[:SHOWN_PROBLEMS]:
        yield f"    {p.status:<13} {p.document}: {p.reason}"
    if len(problems) > SHOWN_PROBLEMS:
        yield f"    … and {len(problems) - SHOWN_PROBLEMS} more (see summary.json)"


def _queue_line(queue: dict[str, Any]) -> str:
    line = f"review queue: {queue.get('enqueued', 0)} documents enqueued"
    errors = queue.get("errors") or []
    return line + (f"; {len(errors)} could not be: {errors[0]}" if errors else "")


def _cross_line(cross: dict[str, Any]) -> str:
    counts = cross.get("counts") or {}
    found = ", ".join(f"{rule} {n}" for rule, n in counts.items()) or "no findings"
    return (f"cross-report checks: {cross.get('bodies', 0)} bodies, {cross.get('pairs_checked', 0)} "
            f"consecutive-year pairs: {found} (cross_checks.json)")
