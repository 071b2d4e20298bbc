"""Table 三 (收到和处理政府信息公开申请情况): records → row readings → solved, proven grid."""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..document import Document
from ..identities import table3_equations
from ..template import COLUMNS, OTHER_ROW_2019, OTHER_ROWS_2021, RowSpec, request_key, table3_rows
from .binding import TABLE3, Bindings
from .readings import CellRead, Reading, Slot, cell_of, missing, placements
from .records import Record
from .solver import Solution, solve
from .splits import splits
from .tokens import Piece, squash

MIN_SLOTS = 4  # fewer values than this after a label is a stray number, not a table-三 row
SPLIT_LIMIT = 500  # cuts of one glued row beyond which the row is flagged rather than solved
VANISH_LIMIT = 60  # readings with vanished cells of one glued row beyond which it is not solved


@dataclass
class Table3:
    version: str
    solution: Solution
    header_columns: list[str]
    placed_by_order: list[str] = field(default_factory=list)
    missing_rows: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unproven_rows: list[str] = field(default_factory=list)  # rows with too many readings to try
    version_shown: bool = True  # False: no row of （六） was found, the year chose the version


def match_row(label: str, specs: tuple[RowSpec, ...]) -> RowSpec | None:
    """The data row a label names: the pattern matching furthest right wins, because group labels
    (（三）不予公开) and displaced text come before the sub-row's own words."""
    text = re.split(r"[。；;]", squash(label))[-1]  # a sentence before the label is prose, not label
    best: tuple[int, int, RowSpec] | None = None
    for spec in specs:
        for pattern in spec.patterns:
            for m in re.finditer(pattern, text):
                score = (m.end(), m.end() - m.start())
                if best is None or score > best[:2]:
                    best = (score[0], score[1], spec)
    return best[2] if best else None


def _all_specs() -> tuple[RowSpec, ...]:
    return table3_rows("2021") + (OTHER_ROW_2019,)


def header_columns(records: list[Record]) -> list[str]:
    """Columns the header text shows, for text that has no header binding. Only 其他 is ever found
    dropped in the wild; the others are assumed. A preference only: readings decide."""
    head = ""
    for rec in records:
        spec = match_row(rec.label, _all_specs()) if rec.labeled else None
        # the first row: 一、本年新收 (its values may follow on the next line), or any row with values
        # (a header cell 总计 alone names no row)
        if spec is not None and (spec.key == "new_received" or _capacity(rec) >= MIN_SLOTS):
            head += rec.key_text.split("本年新收")[0]  # the first row (its values may follow on the next line)
            break
        # the header is the text right before the first row: restart after anything with numbers
        head = "" if rec.numbers else head + rec.key_text
    head = head.replace("法人或其他组织", "")
    if ("法律服务" in head or "科研机构" in head) and "其他" not in head:
        return [c for c in COLUMNS if c != "other_org"]
    return list(COLUMNS)


def _capacity(rec: Record, pinned: bool = False) -> int:
    """How many cells the record can fill: its numbers (a glued run may hold a digit per cell) and the
    blanks between them; in a pinned row every blank cell."""
    nums = [i for i, s in enumerate(rec.slots) if s.kind == "num"]
    cells = 0
    for i, s in enumerate(rec.slots):
        if s.kind == "num":
            cells += len(s.text) if s.glued else 1
        elif pinned or s.text or (nums and nums[0] < i < nums[-1]):
            cells += 1  # a blank cell: pinned, printed as a mark, or between two values
    return cells


def read_table3(records: list[Record], year: int | None, doc: Document) -> Table3 | None:
    specs = _all_specs()
    bindings = Bindings(doc, TABLE3)
    header = _bound_header(records, doc, bindings) or header_columns(records)
    assigned: dict[str, Record] = {}
    sequence: list[tuple[str | None, Record]] = []  # (row key or None for unlabeled, record)
    for rec in _split_multi_row_records(records):
        if rec.source is not None and bindings.is_header(*rec.source):
            continue
        pinned = rec.source is not None and bindings.row_columns(doc, *rec.source) is not None
        if not rec.numbers and not pinned and not any(p.text for p in rec.slots):
            continue  # empty cells alone are a row only where the geometry says they are cells
        if not rec.labeled:
            if rec.numbers:  # a row of empty cells and no label is no template row (a spacer)
                sequence.append((None, rec))
            continue
        spec = match_row(rec.label, specs)
        if spec is None or spec.key in assigned or _capacity(rec, pinned) < MIN_SLOTS:
            continue
        assigned[spec.key] = rec
        sequence.append((spec.key, rec))
    hinted = {spec.key for _, rec in sequence if not rec.labeled and (spec := match_row(rec.label_hint, specs))}
    version = _version(assigned.keys() | hinted, year)
    row_keys = [r.key for r in table3_rows(version)]
    if version == "2019":
        for r in OTHER_ROWS_2021:
            assigned.pop(r.key, None)
    sequence = _take_hints(sequence, assigned, row_keys, specs)
    if len(assigned) < 3:
        return None
    notes: list[str] = list(bindings.evidence)
    placed = _place_by_order(sequence, assigned, row_keys, notes)
    absent = set(COLUMNS) - set(header)
    slots = {key: _slots(rec, doc, bindings) for key, rec in assigned.items()}
    # Digits that lost their separators: a blank cell prints nothing, so a run may hold fewer cells
    # than the row has. Readings with such vanished cells are many; they are admitted for the whole
    # table as soon as one glued row cannot be read without them (then this print drops cells).
    separated = _separated(slots.values())
    vanish = any(_glued(s, separated, absent) and not row_readings(k, s, absent, separated=separated)[0]
                 for k, s in slots.items())
    readings: dict[str, list[Reading]] = {}
    missing_rows: list[str] = []
    unproven: list[str] = []
    for key in row_keys:
        rec = assigned.get(key)
        if rec is None:
            missing_rows.append(key)
            # a row not found may be printed where the reader could not see it: unknown, not blank
            readings[key] = [Reading({request_key(key, c): CellRead(None, None, None, "missing", free=True)
                                      for c in COLUMNS}, desc="row not printed")]
            continue
        found, complete = row_readings(key, slots[key], absent, vanish, separated)
        if not complete:
            # not every reading was tried: the row must not prove anything about the others, so it
            # enters the solve as not printed; its cells are flagged whatever the identities say
            unproven.append(key)
            found = [Reading({request_key(key, c): CellRead(None, None, rec.label_where, "missing", free=True)
                              for c in COLUMNS}, desc="too many readings to try")]
        readings[key] = found or [_unreadable(key, rec)]
    solution = solve(readings, table3_equations(version))
    shown = bool(set(assigned) & {r.key for r in OTHER_ROWS_2021 + (OTHER_ROW_2019,)})
    return Table3(version, solution, header, placed, missing_rows, notes, unproven, shown)


def _bound_header(records: list[Record], doc: Document, bindings: Bindings) -> list[str] | None:
    """The columns a bound header shows, from the first pinned row of the table."""
    for rec in records:
        if rec.source is None or not rec.numbers:
            continue
        if bindings.row_columns(doc, *rec.source):
            names = bindings.shown(*rec.source)
            return [c for c in COLUMNS if c in names]
    return None


def _slots(rec: Record, doc: Document, bindings: Bindings) -> list[Slot]:
    """The record's values as slots: pinned to their columns when the row keeps its geometry, else in
    print order with the blanks next to the label or at the line end optional."""
    columns = bindings.row_columns(doc, *rec.source) if rec.source is not None else None
    if columns is not None:
        pinned = _pinned(rec.slots, columns)
        if pinned is not None:
            return pinned
    return ordered_slots(rec.slots)


def _pinned(pieces: list[Piece], columns: dict[int, str]) -> list[Slot] | None:
    out: list[Slot] = []
    seen: set[int] = set()
    for p in pieces:
        col = p.where.col
        if col is None or col in seen or p.glued:
            return None  # two numbers in one cell, or a piece without a position: geometry lost
        seen.add(col)
        name = columns.get(col)
        if name is None:
            if p.kind == "num":
                out.append(Slot(p))  # a number under no column word: placed by order between pins
            continue  # a blank outside the bound columns is padding, not a cell
        out.append(Slot(p, pin=name))
    return out


def ordered_slots(pieces: list[Piece]) -> list[Slot]:
    """Slots in print order: numbers and the blanks between them are cells; blanks before the first
    number (label padding?) and after the last (a line end?) may or may not be."""
    nums = [i for i, p in enumerate(pieces) if p.kind == "num" or p.text]
    if not nums:
        return []
    first, last = nums[0], nums[-1]
    # an empty cell next to the label or at the line's end may be padding; a printed mark is a cell
    return [Slot(p, optional=not p.text and not first <= i <= last, leading=i < first)
            for i, p in enumerate(pieces)]


def _split_multi_row_records(records: list[Record]) -> list[Record]:
    """A record holding exactly k×7 separate numbers swallowed the rows after it (their labels were
    lost): keep the first seven with the label and let the rest be placed by template order."""
    out: list[Record] = []
    width = len(COLUMNS)
    for rec in records:
        nums = [s for s in rec.slots if s.kind == "num"]
        n = len(nums)
        if n >= 2 * width and n % width == 0 and n == len(rec.slots) and not any(s.glued for s in nums):
            out.append(Record(rec.label, rec.label_where, nums[:width], rec.labeled))
            for i in range(width, n, width):
                out.append(Record(slots=nums[i:i + width], labeled=False))
        else:
            out.append(rec)
    return out


def _version(assigned: Iterable[str], year: int | None) -> str:
    assigned = set(assigned)
    if any(r.key in assigned for r in OTHER_ROWS_2021):
        return "2021"
    if OTHER_ROW_2019.key in assigned:
        return "2019"
    return "2019" if year is not None and year < 2021 else "2021"


def _take_hints(sequence: list[tuple[str | None, Record]], assigned: dict[str, Record], row_keys: list[str],
                specs: tuple[RowSpec, ...]) -> list[tuple[str | None, Record]]:
    """An unlabeled row printed right after a label that stands alone (values detached from their
    label) takes that label, when the label names a row that print order allows there: between the
    labeled rows before and after it. Scrambled conversions put labels far from their values; a hint
    that breaks print order is ignored and the row is placed by order (or not at all)."""
    order = {k: i for i, k in enumerate(row_keys)}
    out = list(sequence)
    for i, (key, rec) in enumerate(out):
        if key is not None or not rec.label_hint:
            continue
        spec = match_row(rec.label_hint, specs)
        if spec is None or spec.key in assigned or spec.key not in order or len(_named(rec.label_hint, specs)) > 1:
            continue  # a run of labels printed together names several rows: which one is this?
        before = [order[k] for k, _ in out[:i] if k is not None and k in order]
        after = [order[k] for k, _ in out[i + 1:] if k is not None and k in order]
        if max(before, default=-1) < order[spec.key] < min(after, default=len(row_keys)):
            assigned[spec.key] = rec
            out[i] = (spec.key, rec)
    return out


def _named(label: str, specs: tuple[RowSpec, ...]) -> set[str]:
    text = squash(label)
    return {spec.key for spec in specs for pattern in spec.patterns if re.search(pattern, text)}


def _place_by_order(sequence, assigned: dict[str, Record], row_keys: list[str], notes: list[str]) -> list[str]:
    """Unlabeled number rows (labels lost in conversion) fill the template rows missing between two
    labeled rows, in template order, when their counts agree exactly: then print order admits one
    placement and no other."""
    placed: list[str] = []
    order = {k: i for i, k in enumerate(row_keys)}
    prev = -1
    pending: list[Record] = []
    for key, rec in sequence + [("<end>", None)]:
        if key is None:
            pending.append(rec)
            continue
        if key != "<end>" and key not in order:
            continue
        nxt = order[key] if key != "<end>" else len(row_keys)
        if nxt <= prev:
            continue
        gap = [k for k in row_keys[prev + 1: nxt] if k not in assigned]
        if pending and len(gap) == len(pending):
            for k, r in zip(gap, pending):
                assigned[k] = r
                placed.append(k)
        elif pending:
            notes.append(f"{len(pending)} unlabeled number row(s) could not be placed between template rows")
        pending = []
        prev = nxt
    return placed


def _unreadable(key: str, rec: Record) -> Reading:
    return Reading({request_key(key, c): CellRead(None, None, rec.label_where, "missing", flags=["extra_cells"])
                    for c in COLUMNS}, penalty=10, desc="unreadable")


# ---- readings of one row --------------------------------------------------------------------

def row_readings(row: str, slots: list[Slot], absent: Iterable[str] = (),
                 vanish: bool = False, separated: bool = False) -> tuple[list[Reading], bool]:
    """Every way to map a row's slots onto the seven columns; (readings, all of them were tried)."""
    if not slots:
        return [], True
    pieces = [s.piece for s in slots if s.piece.kind == "num"]
    if not pieces and all(s.pin is None and not s.piece.text for s in slots):
        return [], True
    absent = set(absent)
    if _glued(slots, separated, absent):
        return _glued_readings(row, slots, absent, vanish)
    required = [s for s in slots if not s.optional]
    if len(required) > len(COLUMNS):
        return [_extra(row, required)], True
    # A row printing no more values than the header has columns stands in the header's columns: a
    # cell under a column the header does not show is read only when the row prints more values.
    within = [c for c in COLUMNS if c not in absent]
    if absent and len(required) <= len(within) and all(s.pin is None or s.pin in within for s in slots):
        assignments, complete = placements(slots, within)
        index = {c: COLUMNS.index(c) for c in within}
        assignments = [[None if a is None else index[within[a]] for a in asg] for asg in assignments]
    else:
        assignments, complete = placements(slots, COLUMNS)
    if not assignments:
        return [_extra(row, required)], True
    readings = [_reading(row, slots, a, absent) for a in assignments]
    return _distinct(readings), complete


def _separated(rows: Iterable[list[Slot]]) -> bool:
    """Whether the table's free-text rows keep separators between cells (most print several runs of
    digits apart) rather than run every cell's digits together (most print one run, 平潭-style)."""
    free = [[s.piece for s in slots if s.piece.kind == "num"] for slots in rows
            if any(s.piece.kind == "num" and s.piece.glued for s in slots)]
    apart = [len(nums) >= 2 and all(p.spaced for p in nums[1:]) for nums in free]
    return sum(apart) > len(apart) / 2


def _glued(slots: list[Slot], separated: bool, absent: Iterable[str] = ()) -> bool:
    """A free-text row whose digit runs may hold several cells each: in a table that runs cells
    together, any row printing fewer cells than columns; in one that keeps separators, only a row
    with a run that cannot be one number ("05"). Marks for blank cells are cells of their own."""
    nums = [s.piece for s in slots if s.piece.kind == "num"]
    if not any(p.glued for p in nums) or any(s.pin is not None for s in slots):
        return False
    if any(len(p.text) > 1 and p.text.startswith("0") for p in nums):
        return True
    if separated:
        return False  # separators survive: a run is one cell
    printed = sum(1 for s in slots if not s.optional)
    # fewer cells than columns, or (under a header that lacks a column) not as many as it has
    return printed < len(COLUMNS) or bool(absent) and printed != len(COLUMNS) - len(absent)


def _reading(row: str, slots: list[Slot], assignment: list[int | None], absent: set[str]) -> Reading:
    cells = {request_key(row, c): missing() for c in COLUMNS}
    penalty = 0
    used: set[str] = set()
    for slot, ci in zip(slots, assignment):
        if ci is None:
            penalty += 1 if slot.leading else 0
            continue
        if slot.optional and not slot.leading:
            penalty += 3  # a blank at the line's end is seldom a cell: a total left unfilled is likelier
        col = COLUMNS[ci]
        used.add(col)
        cell = cell_of(slot.piece)
        if col in absent and slot.pin is None and slot.piece.kind == "num":
            cell.flags.append("column_not_in_header")  # the row prints a cell its header does not have
        cells[request_key(row, col)] = cell
    for col in COLUMNS:
        if col not in used:
            penalty += 0 if col in absent else (2 if col == "total" else 3)
            if col in absent:
                cells[request_key(row, col)].free = True
    desc = " ".join(f"{COLUMNS[c]}" if c is not None else "-" for c in assignment)
    return Reading(cells, penalty, desc)


def _distinct(readings: list[Reading]) -> list[Reading]:
    """Readings that give every cell the same value and kind are one reading (the lowest penalty)."""
    best: dict[tuple, Reading] = {}
    for r in readings:
        sig = tuple((k, c.value, c.kind) for k, c in sorted(r.cells.items()))
        if sig not in best or r.penalty < best[sig].penalty:
            best[sig] = r
    return sorted(best.values(), key=lambda r: r.penalty)


def _extra(row: str, slots: list[Slot]) -> Reading:
    """More values than columns: the first seven in order, every cell flagged (a guess)."""
    cells = {}
    for col, slot in zip(COLUMNS, slots):
        cell = cell_of(slot.piece)
        cell.flags.append("extra_cells")
        cells[request_key(row, col)] = cell
    for col in COLUMNS[len(cells):]:
        cells[request_key(row, col)] = CellRead(None, None, None, "missing", flags=["extra_cells"])
    return Reading(cells, 5, "extra cells ignored")


def _glued_readings(row: str, slots: list[Slot], absent: set[str], vanish: bool) -> tuple[list[Reading], bool]:
    """Cuts of the row's digit runs into cells (a printed mark is one blank cell). Every cell printed:
    cuts into seven parts whose row sum can hold. With ``vanish``: also cuts into fewer parts placed
    in any columns, the others blank cells the glued text does not show (the identities fix them)."""
    items: list[str | None] = []
    for slot in slots:
        if slot.optional:
            continue
        if slot.piece.kind == "num":
            if not slot.piece.text.isdigit():
                return [], True
            items.append(slot.piece.text)
        else:
            items.append(None)
    nums = [s.piece for s in slots if s.piece.kind == "num"]
    if not nums:
        return [], True
    where = nums[0].where
    runs = sum(1 for it in items if it is not None)
    exact = [parts for parts in _cuts(items, len(COLUMNS), SPLIT_LIMIT) if _fits(parts, tuple(range(len(COLUMNS))))]
    complete = len(exact) < SPLIT_LIMIT  # not every cut was tried: none of them can be trusted
    full = tuple(range(len(COLUMNS)))
    readings = [_cut_reading(row, parts, full, where, absent, _extra_parts(parts, runs)) for parts in exact]
    if not vanish:
        return readings, complete
    budget = VANISH_LIMIT
    for n in range(len(COLUMNS) - 1, len(items) - 1, -1):
        for parts in _cuts(items, n, budget + 1):
            for cols in itertools.combinations(range(len(COLUMNS)), n):
                if not _fits(parts, cols):
                    continue
                readings.append(_cut_reading(row, parts, cols, where, absent, _extra_parts(parts, runs)))
                budget -= 1
                if budget <= 0:
                    return readings, False
    return readings, complete


def _cuts(items: list[str | None], n: int, limit: int) -> list[list[str | None]]:
    """Every way to cut the runs of ``items`` into valid numbers, ``n`` parts in all; a None (a printed
    blank mark) is one part of its own."""
    out: list[list[str | None]] = []

    def walk(i: int, acc: list[str | None]) -> None:
        if len(out) >= limit:
            return
        if i == len(items):
            if len(acc) == n:
                out.append(list(acc))
            return
        rest = len(items) - i - 1
        item = items[i]
        if item is None:
            if len(acc) + 1 + rest <= n:
                walk(i + 1, acc + [None])
            return
        for k in range(1, min(len(item), n - len(acc) - rest) + 1):
            for parts in splits(item, k):
                walk(i + 1, acc + list(parts))

    walk(0, [])
    return out


def _extra_parts(parts: list[str | None], runs: int) -> int:
    return sum(1 for p in parts if p is not None) - runs


def _fits(parts: list[str | None], cols: tuple[int, ...]) -> bool:
    """The row sum can hold: with 总计 printed, the printed applicant cells cannot exceed it (blank and
    missing ones are ≥ 0), and equal it when all of them are printed."""
    if cols[-1] != len(COLUMNS) - 1 or parts[-1] is None:
        return True
    known = [int(p) for p in parts[:-1] if p is not None]
    total = int(parts[-1])
    if len(cols) == len(COLUMNS) and None not in parts:
        return sum(known) == total
    return sum(known) <= total


def _cut_reading(row: str, parts: list[str | None], cols: tuple[int, ...], where, absent: set[str], cuts: int) -> Reading:
    cells = {request_key(row, c): missing(where) for c in COLUMNS}
    for part, ci in zip(parts, cols):
        col = COLUMNS[ci]
        if part is None:
            cells[request_key(row, col)] = CellRead(None, "", where, "blank")
            continue
        cells[request_key(row, col)] = CellRead(int(part), part, where, "printed", glued=True,
                                                flags=["column_not_in_header"] if col in absent else [])
    gaps = [COLUMNS[i] for i in range(len(COLUMNS)) if i not in cols]
    penalty = cuts + sum(0 if c in absent else 5 for c in gaps)
    return Reading(cells, penalty, "glued " + " ".join(p if p is not None else "-" for p in parts))
