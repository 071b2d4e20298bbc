"""Table 四 (行政复议、行政诉讼): fifteen cells, three blocks of five.

A grid or separated row under a bound header pins each value to its block and outcome; otherwise the
values are read in print order as one row of fifteen, with the placements and glued cuts the appeal
identities admit (``readings``, ``solver``).
"""
from __future__ import annotations

from ..document import Document
from ..identities import appeal_equations
from ..template import APPEAL_KEYS
from .binding import TABLE4, Bindings
from .readings import CellRead, Reading, Slot, cell_of, missing, placements
from .records import Record
from .solver import Solution, solve
from .splits import split_runs
from .table3 import ordered_slots
from .tokens import Piece

_COLUMNS = tuple(k.removeprefix("appeals.") for k in APPEAL_KEYS)  # review.upheld … suit_after_review.total
GLUED_LIMIT = 500


def read_table4(records: list[Record], doc: Document) -> tuple[Solution, bool] | None:
    """(solution, every reading was tried), or None when the region holds no values."""
    bindings = Bindings(doc, TABLE4)
    slots: list[Slot] = []
    for rec in records:
        if rec.source is not None and bindings.is_header(*rec.source):
            continue
        columns = bindings.row_columns(doc, *rec.source) if rec.source is not None else None
        pinned = _pinned(rec.slots, columns) if columns else None
        slots += pinned if pinned is not None else ordered_slots(rec.slots)
    slots = _trim(slots)
    if not any(s.piece.kind == "num" or s.piece.text or s.pin for s in slots):
        return None  # no value, no printed mark, no cell the header binds: nothing of table 四 is here
    readings, complete = _readings(slots)
    if not readings:
        return None
    return solve({"appeals": readings}, appeal_equations()), complete


def _pinned(pieces: list[Piece], columns: dict[int, str]) -> list[Slot] | None:
    out = []
    for p in pieces:
        name = columns.get(p.where.col) if p.where.col is not None else None
        if name is None:
            if p.kind == "num":
                return None  # a number under no outcome: the binding does not describe this row
            continue
        out.append(Slot(p, pin=name))
    return out


def _trim(slots: list[Slot]) -> list[Slot]:
    """Optional blanks between rows of an unbound table are not cells of table 四's single row."""
    out = [s for s in slots if s.pin is not None or not s.optional]
    return out


def _readings(slots: list[Slot]) -> tuple[list[Reading], bool]:
    nums = [s.piece for s in slots if s.piece.kind == "num"]
    n = len(_COLUMNS)
    if any(p.glued for p in nums) and (len(nums) < n or any(len(p.text) > 1 and p.text.startswith("0") for p in nums)):
        return _glued(nums)
    if sum(1 for s in slots if not s.optional) > n:
        cells = {}
        for key, s in zip(APPEAL_KEYS, slots):
            cell = cell_of(s.piece)
            cell.flags.append("extra_cells")  # more numbers than the table has cells: a guess
            cells[key] = cell
        return [Reading(cells, 5, "extra cells ignored")], True
    assignments, complete = placements(slots, _COLUMNS)
    readings = []
    for a in assignments:
        cells = {key: missing() for key in APPEAL_KEYS}
        for slot, ci in zip(slots, a):
            if ci is not None:
                cells[APPEAL_KEYS[ci]] = cell_of(slot.piece)
        gaps = [i for i in range(n) if i not in a]
        readings.append(Reading(cells, sum(2 if i % 5 == 4 else 3 for i in gaps), "in order"))
    return readings, complete


def _glued(nums: list[Piece]) -> tuple[list[Reading], bool]:
    runs = [p.text for p in nums]
    if not all(r.isdigit() for r in runs):
        return [], True
    found = split_runs(runs, len(APPEAL_KEYS), _blocks_hold, max_digits=5, prefix_ok=_finished_blocks_hold,
                       limit=GLUED_LIMIT)
    where = nums[0].where
    return [Reading({k: CellRead(int(p), p, where, "printed", glued=True) for k, p in zip(APPEAL_KEYS, parts)},
                    0, "glued") for parts in found], len(found) < GLUED_LIMIT


def _finished_blocks_hold(parts: list[str]) -> bool:
    """Prune a partial cut as soon as a completed block's total fails."""
    if len(parts) % 5:
        return True
    nums = [int(p) for p in parts[-5:]]
    return sum(nums[:4]) == nums[4]


def _blocks_hold(parts: list[str]) -> bool:
    nums = [int(p) for p in parts]
    return all(sum(nums[b:b + 4]) == nums[b + 4] for b in (0, 5, 10))
