"""How much reviewing costs, from the audit log: decisions and minutes per settled document.

A document is settled when it had something to review and every item of it is settled. Its
decisions are the reviewer actions in the log (one "accept" of a 40-cell group is one decision).
Its minutes are estimated from the gaps between a reviewer's consecutive decisions: the time from
one decision to the next is spent on the document of the next, unless the gap is longer than
``IDLE_SECONDS`` (a break, not work). The first decision after a break adds nothing, so the figure
is a lower bound; over a working session it is close.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from .records import CorrectionRecord, ItemRecord
from .store import ReviewStore

IDLE_SECONDS = 10 * 60


@dataclass(frozen=True)
class ReviewStats:
    documents: int
    settled: int  # documents whose every item is settled
    open: int  # documents with an open item
    decisions: int  # in the whole log
    decisions_per_document: float | None  # mean over settled documents
    minutes_per_document: float | None

    def summary(self) -> str:
        if not self.settled:
            return f"{self.documents} documents, none settled yet; {self.decisions} decision(s) so far"
        return (f"{self.settled} of {self.documents} documents settled: {self.decisions_per_document:.1f} "
                f"decisions and {self.minutes_per_document:.1f} minutes per document")


def settled(items: list[ItemRecord]) -> bool:
    return bool(items) and all(i.status == "settled" for i in items)


def review_stats(store: ReviewStore) -> ReviewStats:
    documents = store.documents()
    items = {d.id: store.items(d.id) for d in documents}
    done = [d.id for d in documents if settled(items[d.id])]
    log = store.corrections()
    decisions = _decisions(log)
    per_doc: dict[int, int] = defaultdict(int)
    for document_id, _, _ in decisions.values():
        per_doc[document_id] += 1
    seconds = _seconds_per_document(decisions)
    return ReviewStats(
        documents=len(documents), settled=len(done),
        open=sum(1 for d in documents if any(i.status == "open" for i in items[d.id])),
        decisions=len(decisions),
        decisions_per_document=sum(per_doc[d] for d in done) / len(done) if done else None,
        minutes_per_document=sum(seconds[d] for d in done) / len(done) / 60 if done else None,
    )


def _decisions(log: list[CorrectionRecord]) -> dict[object, tuple[int, str, float]]:
    """decision → (document, reviewer, time of its first row); rows before decisions existed count alone."""
    out: dict[object, tuple[int, str, float]] = {}
    for row in log:
        ident = row.decision if row.decision is not None else f"row{row.id}"
        out.setdefault(ident, (row.document_id, row.reviewer, datetime.fromisoformat(row.at).timestamp()))
    return out


def _seconds_per_document(decisions: dict[object, tuple[int, str, float]]) -> dict[int, float]:
    by_reviewer: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for document_id, reviewer, at in decisions.values():
        by_reviewer[reviewer].append((at, document_id))
    seconds: dict[int, float] = defaultdict(float)
    for timeline in by_reviewer.values():
        timeline.sort()
        for (before, _), (at, document_id) in zip(timeline, timeline[1:]):
            if at - before <= IDLE_SECONDS:
                seconds[document_id] += at - before
    return seconds
