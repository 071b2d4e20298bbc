"""Readings of one table row: every way its printed slots can stand in the row's columns.

A row whose geometry survives is pinned (``binding``): each slot has its column and there is one
reading. Where geometry is lost (space-separated text, one cell per line, a row shorter than the
header, cells of a pasted table whose merged labels were left out), the slots keep their print
order but not their columns: every order-preserving placement is a reading, cells left without a
slot are *missing* (not printed), and a blank that may be label padding or a line end rather than
a cell is *optional*. Which readings the identities admit is the solver's question; here they are
only enumerated, each with a penalty that states a preference (the reading shown when several fit,
never a reason to leave a cell unflagged).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..document import Where
from .tokens import Piece

PLACEMENT_LIMIT = 20_000  # placements of one row beyond which the row is flagged, not trusted


@dataclass
class Slot:
    piece: Piece
    pin: str | None = None  # the column the source's geometry puts this slot in
    optional: bool = False  # a blank that may not be a cell at all (label padding, line end)
    leading: bool = False  # an optional blank before the row's first number (else: after its last)


@dataclass
class CellRead:
    value: int | None  # None: not known from the print (blank or missing)
    raw: str | None  # printed text; None when the document does not show the cell
    where: Where | None
    kind: str  # printed | blank | missing
    glued: bool = False  # cut out of a run of digits that lost its separators
    note: str | None = None
    flags: list[str] = field(default_factory=list)  # reasons for a look found while reading
    # missing, and nothing says it is blank: a column the header does not have (a table printed
    # without 其他), or a row whose readings were too many to try. Nothing was printed there to
    # vanish, so the cell holds whatever value the identities give it (never assumed 0).
    free: bool = False


@dataclass
class Reading:
    cells: dict[str, CellRead]  # canonical key → cell
    penalty: int = 0  # how unusual this reading is (0: the plain one)
    desc: str = ""


def missing(where: Where | None = None) -> CellRead:
    return CellRead(None, None, where, "missing")


def placements(slots: Sequence[Slot], columns: Sequence[str],
               limit: int = PLACEMENT_LIMIT) -> tuple[list[list[int | None]], bool]:
    """Every assignment of slots to column indexes, strictly increasing in print order, pinned slots
    to their pin, optional slots possibly left out (None). Returns (assignments, complete)."""
    index = {c: i for i, c in enumerate(columns)}
    out: list[list[int | None]] = []
    acc: list[int | None] = []
    n_cols = len(columns)

    def walk(i: int, next_col: int) -> bool:
        if len(out) >= limit:
            return False
        if i == len(slots):
            out.append(list(acc))
            return True
        slot = slots[i]
        required_after = sum(1 for s in slots[i + 1:] if not s.optional)
        ok = True
        if slot.optional:
            acc.append(None)
            ok = walk(i + 1, next_col) and ok
            acc.pop()
        if slot.pin is not None:
            targets: Sequence[int] = [index[slot.pin]] if slot.pin in index else []
        else:
            targets = range(next_col, n_cols - required_after)
        for col in targets:
            if col < next_col or col > n_cols - 1 - required_after:
                continue
            acc.append(col)
            ok = walk(i + 1, col + 1) and ok
            acc.pop()
        return ok

    complete = walk(0, 0)
    return out, complete and len(out) < limit


def cell_of(piece: Piece, value: int | None = None, raw: str | None = None, glued: bool = False) -> CellRead:
    if piece.kind == "blank":
        return CellRead(None, piece.text, piece.where, "blank")
    v = value if value is not None else to_int(piece.text)
    return CellRead(v, raw if raw is not None else piece.text, piece.where, "printed", glued=glued, note=piece.note)


def to_int(text: str) -> int | None:
    try:
        return int(float(text)) if "." in text else int(text)
    except ValueError:
        return None
