"""The format-independent document: headings, paragraphs and tables with merged cells.

Layout builds one ``Document`` per report; every renderer draws the same ``Document``, so a quirk
(a dropped row, a typo, a blank cell) is decided once and shows identically in every format. Tables
are described the way HTML and Word describe them: each row lists the cells that *start* in it,
with row and column spans; ``Table.grid`` expands that into the full rectangle for the renderers
that have no spans (tab-separated text, one cell per line, markdown).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class Slot:
    """One position of the expanded grid: the cell covering it and the offset into that cell."""

    cell: Cell
    row_offset: int
    col_offset: int

    @property
    def origin(self) -> bool:
        return self.row_offset == 0 and self.col_offset == 0


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Cell, ...], ...]

    @property
    def width(self) -> int:
        return sum(cell.colspan for cell in self.rows[0])

    def grid(self) -> list[list[Slot]]:
        """The rectangle of slots, placing cells left to right around the spans of earlier rows."""
        slots: list[list[Slot | None]] = [[None] * self.width for _ in self.rows]
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while slots[r][c] is not None:
                    c += 1
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        if slots[r + dr][c + dc] is not None:
                            raise ValueError(f"cells overlap at row {r + dr}, column {c + dc}")
                        slots[r + dr][c + dc] = Slot(cell, dr, dc)
                c += cell.colspan
        for r, row_slots in enumerate(slots):
            if any(slot is None for slot in row_slots):
                raise ValueError(f"row {r} leaves positions uncovered")
        return [[slot for slot in row_slots if slot is not None] for row_slots in slots]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: a section (一、总体情况); 2: a part inside a section (（一）主动公开)


@dataclass(frozen=True)
class Paragraph:
    text: str


Block = Heading | Paragraph | Table


@dataclass(frozen=True)
class Document:
    title: str
    org: str
    year: int
    blocks: tuple[Block, ...]
