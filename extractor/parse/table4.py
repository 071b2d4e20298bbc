"""Table 四 (行政复议、行政诉讼): fifteen numbers, three blocks of five, read in order."""
from __future__ import annotations

from ..identities import appeal_equations
from ..template import APPEAL_KEYS
from .grid import CellRead, Reading, Solution, solve
from .records import Record
from .splits import split_runs
from .tokens import Piece


def read_table4(records: list[Record]) -> Solution | None:
    slots: list[Piece] = []
    for rec in records:
        slots.extend(rec.slots)
    while slots and slots[-1].kind == "blank":
        slots.pop()
    if not slots:
        return None
    readings = _readings(slots)
    if not readings:
        return None
    return solve({"appeals": readings}, appeal_equations())


def _readings(slots: list[Piece]) -> list[Reading]:
    n = len(APPEAL_KEYS)
    if any(s.glued for s in slots) and (len(slots) < n or any(len(s.text) > 1 and s.text.startswith("0") for s in slots)):
        runs = [s.text for s in slots if s.kind == "num"]
        if all(r.isdigit() for r in runs):
            found = split_runs(runs, n, _blocks_hold, max_digits=5, prefix_ok=_finished_blocks_hold, limit=500)
            flags = ["ambiguous_split"] if len(found) >= 500 else []  # not every cut was tried
            return [
                Reading({k: CellRead(int(p), p, slots[0].where, "printed", glued=True, flags=list(flags))
                         for k, p in zip(APPEAL_KEYS, parts)},
                        0 if len(found) == 1 else 1, "glued")
                for parts in found
            ]
    cells: dict[str, CellRead] = {}
    for i, key in enumerate(APPEAL_KEYS):
        if i < len(slots):
            s = slots[i]
            value = int(float(s.text)) if s.kind == "num" else None
            cells[key] = CellRead(value, s.text, s.where, "printed" if s.kind == "num" else "blank")
        else:
            cells[key] = CellRead(None, None, None, "missing")
    if len(slots) > n:  # more numbers than the table has cells: the reading in order is a guess
        for cell in cells.values():
            cell.flags.append("extra_cells")
    return [Reading(cells, 0 if len(slots) == n else 5, "in order")]


def _finished_blocks_hold(parts: list[str]) -> bool:
    """Prune a partial cut as soon as a completed block's total fails."""
    if len(parts) % 5:
        return True
    nums = [int(p) for p in parts[-5:]]
    return sum(nums[:4]) == nums[4]


def _blocks_hold(parts: list[str]) -> bool:
    nums = [int(p) for p in parts]
    return all(sum(nums[b:b + 4]) == nums[b + 4] for b in (0, 5, 10))
