"""Pieces → records: a row label and the value slots that follow it.

Works the same on real grids, tab rows, one cell per line and glued text:
- text starts a record (consecutive text pieces, e.g. a label broken over lines, join into one label);
- numbers and blanks after a label are its slots. Every blank is kept: in a grid or a separated row
  it is a cell at a position; whether a blank next to the label is a cell or label padding is for the
  table reader to decide (with the header binding, or as a reading);
- a source row holding several numbers and no text (or, in a grid, several cells) is an *unlabeled*
  record: either values detached from a label printed alone just before it (kept as
  ``label_hint``) or a row whose label was lost in conversion; the table reader decides, and places
  the latter by template order;
- a source row holding a single number or a blank continues the current record (one cell per line);
- a line of bare text after a row's values and before an enumerated label ends the previous row's
  label: text without geometry prints a wrapped label cell around its row's values
  (``3、要求提供公开出版`` / values / ``物``).

A record built from the cells of exactly one table row remembers that row (``source``), so the
table reader can ask the header binding where each of its cells stands.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..document import Where
from .tokens import Piece, squash


@dataclass
class Record:
    label: str = ""
    label_where: Where | None = None
    slots: list[Piece] = field(default_factory=list)
    labeled: bool = True
    source: tuple[int, int] | None = None  # (table block, row) when every piece came from that row
    label_hint: str = ""  # unlabeled: the text of a label printed alone on the line before

    @property
    def numbers(self) -> int:
        return sum(1 for s in self.slots if s.kind == "num")

    @property
    def key_text(self) -> str:
        return squash(self.label)


# a row label's enumerator: 一、 （三） 3、 3.
_ENUMERATED = re.compile(r"[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[、.．]")


def _rows(items: list[Piece]) -> list[list[Piece]]:
    rows: list[list[Piece]] = []
    for p in items:
        if p.row_start or not rows:
            rows.append([])
        rows[-1].append(p)
    return rows


def _row_of(p: Piece) -> tuple[int, int] | None:
    w = p.where
    return (w.table, w.row) if w.table is not None and w.row is not None else None


class _Builder:
    def __init__(self) -> None:
        self.records: list[Record] = []
        self.current: Record | None = None
        self.rows: set[tuple[int, int] | None] = set()

    def close(self) -> None:
        rec = self.current
        if rec is not None and (rec.label.strip() or rec.slots):
            rows = self.rows
            rec.source = next(iter(rows)) if len(rows) == 1 and None not in rows else None
            self.records.append(rec)
        self.current = None
        self.rows = set()

    def start(self, labeled: bool = True, where: Where | None = None) -> Record:
        self.close()
        self.current = Record(label_where=where, labeled=labeled)
        return self.current

    def is_label_tail(self, p: Piece) -> bool:
        """The current record is a bare line of text after a row's values and before an enumerated
        label (``1、…``, ``（六）…``): the end of the previous row's label, wrapped below its values
        (text without geometry prints a cell's lines around the row's vertical centre)."""
        cur = self.current
        if cur is None or not cur.labeled or cur.slots or p.grid or not self.records:
            return False
        prev = self.records[-1]
        return (prev.labeled and prev.numbers > 0 and prev.source is None
                and _ENUMERATED.match(squash(p.text)) is not None and _ENUMERATED.match(cur.key_text) is None)

    def attach_tail(self) -> None:
        cur, prev = self.current, self.records[-1]
        assert cur is not None
        prev.label += cur.label
        if cur.label_where is not None:
            prev.label_where = cur.label_where if prev.label_where is None else prev.label_where.merged(cur.label_where)
        self.current = None
        self.rows = set()

    def take(self, p: Piece) -> None:
        assert self.current is not None
        self.current.slots.append(p)
        self.rows.add(_row_of(p))


def build_records(items: list[Piece]) -> list[Record]:
    b = _Builder()
    for row in _rows(items):
        texts = [i for i, p in enumerate(row) if p.kind == "text" and squash(p.text)]
        values = [p for p in row if p.kind in ("num", "blank")]
        nums = [p for p in values if p.kind == "num"]
        if not texts:
            # a grid row is a row of the table whatever it holds: all blank, it is still its cells
            if len(nums) >= 2 or (len(values) >= 2 and all(p.grid for p in values)):
                cur = b.current
                hint = cur.label if cur is not None and cur.labeled and not cur.numbers else ""
                b.start(labeled=False).label_hint = hint
                for p in values:
                    b.take(p)
                b.close()
            elif b.current is not None and b.current.label.strip() and values:
                if any(p.in_text for p in values):
                    for p in values:  # a line of marks and numbers in free text: every one a cell
                        b.take(p)
                else:
                    # one cell per line: the line is one cell, its value or an empty value cell; a
                    # blank before a number on the same line is that line's indentation
                    b.take(nums[0] if nums else values[0])
            continue
        for i, p in enumerate(row):
            if i < texts[0]:
                if p.kind == "num" and b.current is not None:
                    b.take(p)  # a number printed before this row's label belongs to the row above
                continue  # blanks before a label are its padding (merged label cells left empty)
            if p.kind == "text":
                if not squash(p.text):
                    continue
                cur = b.current
                if i == texts[0] or cur is None or cur.numbers or not cur.labeled:
                    if i == texts[0] and b.is_label_tail(p):
                        b.attach_tail()
                        cur = b.start(where=p.where)
                    elif i == texts[0] and cur is not None and cur.labeled and not cur.numbers and not cur.slots \
                            and not p.grid:
                        pass  # a label continued on the next line (split labels, one cell per line)
                    else:
                        cur = b.start(where=p.where)
                elif cur.slots:  # blanks between two label cells of one row: label padding
                    cur.slots.clear()
                cur.label += p.text
                cur.label_where = p.where if cur.label_where is None else cur.label_where.merged(p.where)
                b.rows.add(_row_of(p))
            elif b.current is not None:
                b.take(p)
    b.close()
    return b.records
