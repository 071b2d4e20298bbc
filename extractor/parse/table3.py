"""Table 三 (收到和处理政府信息公开申请情况): records → row readings → solved grid."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from ..identities import table3_equations
from ..template import COLUMNS, OTHER_ROW_2019, OTHER_ROWS_2021, RowSpec, request_key, table3_rows
from .grid import CellRead, Reading, Solution, solve
from .records import Record
from .splits import split_runs
from .tokens import Piece, squash

MIN_SLOTS = 4  # fewer values than this after a label is a stray number, not a table-三 row
SPLIT_LIMIT = 500  # cuts of one glued row beyond which the row is flagged rather than solved


@dataclass
class Table3:
    version: str
    solution: Solution
    header_columns: list[str]
    placed_by_order: list[str] = field(default_factory=list)
    missing_rows: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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
    """Columns the header shows. Only 其他 is ever found dropped in the wild; the others are assumed."""
    head = ""
    for rec in records:
        if _capacity(rec) >= MIN_SLOTS and match_row(rec.label, _all_specs()):
            head += rec.key_text.split("本年新收")[0]
            break
        # the header is the text right before the first row: restart after anything with numbers
        head = "" if rec.slots else head + rec.key_text
    head = head.replace("法人或其他组织", "")
    if ("法律服务" in head or "科研机构" in head) and "其他" not in head:
        return [c for c in COLUMNS if c != "other_org"]
    return list(COLUMNS)


def _capacity(rec: Record) -> int:
    return sum(len(s.text) if s.glued and s.kind == "num" else 1 for s in rec.slots)


def read_table3(records: list[Record], year: int | None) -> Table3 | None:
    specs = _all_specs()
    columns = header_columns(records)
    assigned: dict[str, Record] = {}
    sequence: list[tuple[str | None, Record]] = []  # (row key or None for unlabeled, record)
    for rec in _split_multi_row_records(records):
        if not rec.slots:
            continue
        if not rec.labeled:
            sequence.append((None, rec))
            continue
        spec = match_row(rec.label, specs)
        if spec is None or _capacity(rec) < MIN_SLOTS:
            continue
        if spec.key in assigned:
            continue
        assigned[spec.key] = rec
        sequence.append((spec.key, rec))
    if len(assigned) < 3:
        return None
    columns = _trust_rows_over_header(columns, assigned.values())
    version = _version(assigned, year)
    row_keys = [r.key for r in table3_rows(version)]
    notes: list[str] = []
    if version == "2019":
        for r in OTHER_ROWS_2021:
            assigned.pop(r.key, None)
    placed = _place_by_order(sequence, assigned, row_keys, notes)
    readings: dict[str, list[Reading]] = {}
    missing: list[str] = []
    for key in row_keys:
        rec = assigned.get(key)
        if rec is None:
            missing.append(key)
            readings[key] = [Reading({request_key(key, c): CellRead(None, None, None, "missing") for c in COLUMNS})]
        else:
            readings[key] = row_readings(key, rec.slots, columns) or [_unreadable(key, rec)]
    solution = solve(readings, table3_equations(version))
    return Table3(version, solution, columns, placed, missing, notes)


def _trust_rows_over_header(columns: list[str], rows) -> list[str]:
    """A header that lacks 其他 (dropped column, or a misread header on a scan) is believed only when
    most rows print six cells; rows of seven mean the column is there."""
    if len(columns) == len(COLUMNS):
        return columns
    counts = [len(_without_trailing_blanks(r.slots)) for r in rows if not any(s.glued for s in r.slots)]
    sevens = sum(1 for n in counts if n >= len(COLUMNS))
    sixes = sum(1 for n in counts if n == len(columns))
    return list(COLUMNS) if sevens > sixes else columns


def _split_multi_row_records(records: list[Record]) -> list[Record]:
    """A record holding exactly k×7 separate numbers swallowed the rows after it (their labels were
    lost): keep the first seven with the label and let the rest be placed by template order."""
    out: list[Record] = []
    width = len(COLUMNS)
    for rec in records:
        n = len(rec.slots)
        if n >= 2 * width and n % width == 0 and not any(s.glued for s in rec.slots):
            out.append(Record(rec.label, rec.label_where, rec.slots[:width], rec.labeled))
            for i in range(width, n, width):
                out.append(Record(slots=rec.slots[i:i + width], labeled=False))
        else:
            out.append(rec)
    return out


def _version(assigned: dict[str, Record], year: int | None) -> str:
    if any(r.key in assigned for r in OTHER_ROWS_2021):
        return "2021"
    if OTHER_ROW_2019.key in assigned:
        return "2019"
    return "2019" if year is not None and year < 2021 else "2021"


def _place_by_order(sequence, assigned: dict[str, Record], row_keys: list[str], notes: list[str]) -> list[str]:
    """Unlabeled number rows (labels lost in conversion) fill the template rows missing between two
    labeled rows, in template order, when their counts agree exactly."""
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
    return Reading({request_key(key, c): CellRead(None, None, rec.label_where, "missing") for c in COLUMNS},
                   penalty=10, desc="unreadable")


# ---- readings of one row --------------------------------------------------------------------

def row_readings(row: str, slots: list[Piece], header: list[str]) -> list[Reading]:
    """Every plausible way to map a row's printed slots onto the seven columns.

    Trailing blanks are dropped first: a tab-terminated line ends in an empty cell, and a truly
    blank last cell (总计 left unfilled) is then a missing cell that the identities fill and flag.
    """
    vs = _without_trailing_blanks(slots)
    if not vs:
        return []
    if any(s.glued for s in vs) and _needs_split(vs):
        return _glued_readings(row, vs)
    n = len(vs)
    if n == len(COLUMNS):
        reading = _mapped(row, vs, list(COLUMNS), 0, "direct")
        for col in COLUMNS:
            if col not in header:  # the row prints a cell its header does not have: say so
                reading.cells[request_key(row, col)].flags.append("column_not_in_header")
        return [reading]
    if n == len(header) and len(header) < len(COLUMNS):
        return [_mapped(row, vs, header, 0, "header columns")]
    if n > len(COLUMNS):
        reading = _mapped(row, vs[: len(COLUMNS)], list(COLUMNS), 5, "extra cells ignored")
        for cell in reading.cells.values():
            cell.flags.append("extra_cells")  # the row printed more numbers than there are columns
        return [reading]
    readings = _dropped_readings(row, vs, header)
    if all(s.kind != "num" or _to_int(s.text) == 0 for s in vs):
        # every printed value is 0: whichever zero was dropped, the values come out the same
        readings = readings[:1]
    return readings


def _without_trailing_blanks(slots: list[Piece]) -> list[Piece]:
    vs = list(slots)
    while vs and vs[-1].kind == "blank":
        vs.pop()
    return vs


def _needs_split(slots: list[Piece]) -> bool:
    return len(slots) < len(COLUMNS) or any(s.kind == "num" and len(s.text) > 1 and s.text.startswith("0") for s in slots)


def _cell(p: Piece, value: int | None = None, raw: str | None = None, glued: bool = False) -> CellRead:
    if p.kind == "blank":
        return CellRead(None, p.text, p.where, "blank")
    v = value if value is not None else _to_int(p.text)
    return CellRead(v, raw if raw is not None else p.text, p.where, "printed", glued=glued, note=p.note)


def _to_int(text: str) -> int | None:
    try:
        return int(float(text)) if "." in text else int(text)
    except ValueError:
        return None


def _mapped(row: str, slots: list[Piece], cols: list[str], penalty: int, desc: str) -> Reading:
    cells = {request_key(row, c): CellRead(None, None, None, "missing") for c in COLUMNS}
    printed_idx = [i for i, s in enumerate(slots) if s.kind == "num"]
    for i, (slot, col) in enumerate(zip(slots, cols)):
        cell = _cell(slot)
        if slot.kind == "blank" and printed_idx and printed_idx[0] < i < printed_idx[-1]:
            cell.interior = True
        cells[request_key(row, col)] = cell
    return Reading(cells, penalty, desc)


def _dropped_readings(row: str, slots: list[Piece], header: list[str]) -> list[Reading]:
    """Fewer slots than columns: some cells were dropped. Columns absent from the header go first;
    any further dropped cell is most often the row's last (总计 left unfilled)."""
    readings = []
    short = len(header) - len(slots)
    if short < 0:
        return [_mapped(row, slots, list(COLUMNS)[: len(slots)], 8, "unexplained")]
    for missing in itertools.combinations(range(len(header)), short):
        cols = [c for i, c in enumerate(header) if i not in missing]
        trailing = all(m >= len(header) - short for m in missing)
        readings.append(_mapped(row, slots, cols, (1 if trailing else 3) + short, f"dropped {missing}"))
    return sorted(readings, key=lambda r: r.penalty)


def _glued_readings(row: str, slots: list[Piece]) -> list[Reading]:
    runs = [s.text for s in slots if s.kind == "num"]
    if any(not r.isdigit() for r in runs) or len(runs) != len(slots):
        return []

    def row_sum_holds(parts: list[str]) -> bool:
        nums = [int(p) for p in parts]
        return sum(nums[:-1]) == nums[-1]

    found = split_runs(runs, len(COLUMNS), row_sum_holds, limit=SPLIT_LIMIT)
    readings = []
    truncated = len(found) >= SPLIT_LIMIT  # not every cut was tried: none of them can be trusted
    for parts in found:
        cells = {}
        where = slots[0].where
        for col, part in zip(COLUMNS, parts):
            cells[request_key(row, col)] = CellRead(int(part), part, where, "printed", glued=True,
                                                    flags=["ambiguous_split"] if truncated else [])
        readings.append(Reading(cells, 0 if len(found) == 1 else 1, "glued " + " ".join(parts)))
    return readings

