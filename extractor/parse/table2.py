"""Table 二 (主动公开政府信息情况): labelled rows of one to three values, no identities.

With no identity to choose between readings, a value is certain only when the print fixes it: the
header binding pins it to its column, or the row prints exactly as many values as it has columns.
A row that prints fewer (``规章 | 22 | 235`` under three headers) gets no benefit of the doubt: every
cell of it is flagged ``short_row``, whatever order placed the values. A glued run (``行政规范性文件
77132470``) is cut every possible way; the cells the cuts disagree on are flagged with the candidates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..document import Document, Where
from ..template import ActiveRow, active_rows
from .binding import TABLE2, Bindings
from .records import Record
from .splits import splits
from .tokens import Piece, squash


@dataclass
class ActiveCell:
    key: str
    value: int | str | None
    raw: str | None
    where: Where | None
    note: str | None = None
    candidates: list[int | str] = field(default_factory=list)  # other readings of a glued run
    blank: bool = False
    flags: list[str] = field(default_factory=list)


@dataclass
class Table2:
    version: str
    cells: dict[str, ActiveCell]
    missing: list[str]


def detect_version(records: list[Record]) -> str:
    text = "".join(r.key_text for r in records)
    if any(w in text for w in ("本年新制作", "上一年项目数量", "对外公开总数量", "采购总金额")):
        return "2019"
    return "2021"


def _match(label: str, rows: tuple[ActiveRow, ...]) -> ActiveRow | None:
    text = squash(label)
    best: tuple[int, ActiveRow] | None = None
    for row in rows:
        for pattern in row.patterns:
            m = re.search(pattern.lstrip("^"), text)
            if m and m.end() == len(text) and (best is None or m.end() - m.start() > best[0]):
                best = (m.end() - m.start(), row)
    return best[1] if best else None


def read_table2(records: list[Record], doc: Document) -> Table2 | None:
    version = detect_version(records)
    rows = active_rows(version)
    bindings = Bindings(doc, TABLE2)
    cells: dict[str, ActiveCell] = {}
    for rec in records:
        if not rec.slots:
            continue
        # an unlabeled row right after a label printed alone is that label's values (detached)
        row = _match(rec.label if rec.labeled else rec.label_hint, rows)
        if row is None or f"{row.prefix}.{row.columns[0]}" in cells:
            continue
        columns = bindings.row_columns(doc, *rec.source) if rec.source is not None else None
        for cell in _row_cells(row, rec.slots, columns):
            cells[cell.key] = cell
    if not cells:
        return None
    expected = [f"{r.prefix}.{c}" for r in rows for c in r.columns]
    return Table2(version, cells, [k for k in expected if k not in cells])


def _row_cells(row: ActiveRow, slots: list[Piece], columns: dict[int, str] | None) -> list[ActiveCell]:
    keys = [f"{row.prefix}.{c}" for c in row.columns]
    if columns is not None:
        pinned = _pinned(row, slots, columns)
        if pinned is not None:
            return pinned
    values = _values(slots)
    if not values:
        return []
    if len(values) < len(keys) and any(s.glued for s in values):
        return _glued(row, keys, values)
    out = [_cell(row, key, col, slot) for key, slot, col in zip(keys, values, row.columns)]
    if len(values) > len(keys):
        for cell in out:
            cell.flags.append("extra_cells")
    elif len(values) < len(keys):
        # which columns the printed values stand in is not known: every cell of the row is doubtful
        out += [ActiveCell(key, None, None, None) for key in keys[len(values):]]
        for cell in out:
            cell.flags.append("short_row")
    return out


def _values(slots: list[Piece]) -> list[Piece]:
    """The row's values in print order: numbers and the blanks between or before them; a blank after
    the last number is the line's end, not a cell."""
    values = [s for s in slots if s.kind in ("num", "blank")]
    while values and values[-1].kind == "blank":
        values.pop()
    return values


def _pinned(row: ActiveRow, slots: list[Piece], columns: dict[int, str]) -> list[ActiveCell] | None:
    """Cells placed by the header binding; None when the binding does not fit this row's columns."""
    wanted = set(row.columns)
    if not set(columns.values()) & wanted:
        return None
    out: dict[str, ActiveCell] = {}
    for p in slots:
        name = columns.get(p.where.col) if p.where.col is not None else None
        if name is None or name not in wanted:
            if p.kind == "num":
                return None  # a number outside the row's columns: the binding does not describe it
            continue
        key = f"{row.prefix}.{name}"
        if key in out:
            if p.kind == "num":
                return None  # two values in one column: not this binding
            continue  # a spanning value cell's copies
        out[key] = _cell(row, key, name, p)
    for col in row.columns:
        key = f"{row.prefix}.{col}"
        if key not in out:
            out[key] = ActiveCell(key, None, None, None, flags=["missing"])
    return [out[f"{row.prefix}.{c}"] for c in row.columns]


def _cell(row: ActiveRow, key: str, col: str, slot: Piece) -> ActiveCell:
    if slot.kind == "blank":
        return ActiveCell(key, None, slot.text, slot.where, blank=True)
    return ActiveCell(key, _value(row, col, slot.text, slot.unit), slot.text, slot.where, note=slot.note)


def _value(row: ActiveRow, col: str, text: str, unit: str | None) -> int | str:
    if row.decimal_last and col == row.columns[-1]:
        return text
    if row.amount_with_unit and col == row.columns[-1]:
        return text + (unit or "")
    return int(float(text))


def _glued(row: ActiveRow, keys: list[str], slots: list[Piece]) -> list[ActiveCell]:
    """Cut the glued runs into the row's cells; the cells the cuts disagree on are uncertain."""
    runs = [s.text for s in slots]
    where = slots[0].where
    unit = next((s.unit for s in slots if s.unit), None)
    joined: list[list[str]] = []
    _cut(runs, len(keys), [], joined, decimal_last=row.decimal_last or row.amount_with_unit)
    if not joined:
        return []
    joined.sort(key=_preference)
    best = joined[0]
    fewer: list[list[str]] = []
    for parts in range(len(runs), len(keys)):
        _cut(runs, parts, [], fewer, decimal_last=row.decimal_last or row.amount_with_unit)
    out = []
    for i, (key, col) in enumerate(zip(keys, row.columns)):
        value = _value(row, col, best[i], unit)
        alts = []
        for cand in joined[1:]:
            v = _value(row, col, cand[i], unit)
            if v != value and v not in alts:
                alts.append(v)
        cell = ActiveCell(key, value, "".join(runs), where, candidates=alts[:12])
        if len(joined) > 500:
            cell.flags.append("search_incomplete")
        if fewer:  # the run may as well hold fewer cells (others not printed): nothing fixes the cut
            cell.flags.append("short_row")
        out.append(cell)
    return out


def _cut(runs: list[str], parts: int, acc: list[str], out: list[list[str]], decimal_last: bool) -> None:
    if len(out) > 500:
        return
    if not runs:
        if parts == 0:
            out.append(list(acc))
        return
    run, rest = runs[0], runs[1:]
    negative = run.startswith("-")
    body = run.lstrip("-")
    for k in range(1, parts - len(rest) + 1):
        if decimal_last and not rest and "." in body:
            head, _, frac = body.partition(".")
            cuts = [c[:-1] + [c[-1] + "." + frac] for c in splits(head, k, max_digits=12)]
        elif "." in body:
            continue
        else:
            cuts = list(splits(body, k, max_digits=8))
        for c in cuts:
            if negative:
                c = ["-" + c[0], *c[1:]]
            _cut(rest, parts - k, acc + c, out, decimal_last)


def _preference(parts: list[str]) -> tuple[int, ...]:
    """Among cuts nothing can decide: prefer stocks not smaller than flows (现行有效 ≥ 本年制发),
    then lengths as even as possible — a stated guess, always flagged with the alternatives."""
    nums = [float(p.rstrip("元万").lstrip("-") or 0) for p in parts]
    stock_ok = 0 if len(nums) < 3 or nums[-1] >= max(nums[:-1]) else 1
    lengths = [len(p) for p in parts]
    return (stock_ok, max(lengths) - min(lengths))
