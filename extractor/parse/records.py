"""Pieces → records: a row label and the value slots that follow it.

Works the same on real grids, tab rows, one cell per line and glued text:
- text starts a record (consecutive text pieces, e.g. a label broken over lines, join into one label);
- numbers and blanks after a label are its slots (blanks before the first number are label-cell
  padding and are dropped);
- a source row holding several numbers and no text is an *unlabeled* record (labels lost in
  conversion); the table reader places those by template order;
- a source row holding a single number continues the current record (one cell per line).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..document import Where
from .tokens import Piece, squash


@dataclass
class Record:
    label: str = ""
    label_where: Where | None = None
    slots: list[Piece] = field(default_factory=list)
    labeled: bool = True

    @property
    def numbers(self) -> int:
        return sum(1 for s in self.slots if s.kind == "num")

    @property
    def key_text(self) -> str:
        return squash(self.label)


def _rows(items: list[Piece]) -> list[list[Piece]]:
    rows: list[list[Piece]] = []
    for p in items:
        if p.row_start or not rows:
            rows.append([])
        rows[-1].append(p)
    return rows


def build_records(items: list[Piece]) -> list[Record]:
    records: list[Record] = []
    current: Record | None = None

    def close() -> None:
        nonlocal current
        if current is not None and (current.label.strip() or current.slots):
            records.append(current)
        current = None

    for row in _rows(items):
        texts = [p for p in row if p.kind == "text" and squash(p.text)]
        nums = [p for p in row if p.kind == "num"]
        if not texts and len(nums) >= 2:
            close()
            current = Record(labeled=False)
            current.slots = _slots_after_first_number(row)
            close()
            continue
        if not texts:
            if current is not None and current.label.strip():
                if nums:  # one cell per line: the value, without the empty padding cells before it
                    current.slots.extend(_slots_after_first_number(row))
                elif current.numbers and any(p.kind == "blank" for p in row):
                    current.slots.append(next(p for p in row if p.kind == "blank"))  # an empty value cell
            continue
        for p in row:
            if p.kind == "text":
                if not squash(p.text):
                    continue
                if current is None or current.slots:
                    close()
                    current = Record(label_where=p.where)
                current.label += p.text
                current.label_where = p.where if current.label_where is None else current.label_where.merged(p.where)
            elif current is not None:
                if p.kind == "num" or current.numbers:
                    current.slots.append(p)
    close()
    return records


def _slots_after_first_number(row: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for p in row:
        if p.kind == "num" or (p.kind == "blank" and out):
            out.append(p)
    return out

