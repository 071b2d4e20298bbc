"""Tables as a report prints them: cells with spans, each value cell tagged with its canonical key.

This is the fuzz generator's model (``fuzz``): the three national tables built from canonical values
with *printing choices* applied cell by cell — zeros printed blank or as a mark, a column or a row
left out, a cell dropped from a row (rows of unequal length, as conversions leave them), notes and
units inside cells, thousands separators, full-width digits, a total printed wrong. Every choice is
recorded, so the gold label follows from what was printed, not from what a parser expects:
``printed`` holds the text of every value cell the document shows, keys absent from it are not shown.
"""
from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..template import (
    APPEAL_KEYS,
    COLUMN_LABELS,
    COLUMNS,
    RowSpec,
    active_rows,
    outcome_row_keys,
    request_key,
    table3_rows,
)

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_GROUPS = {"withheld": "（三）不予公开", "unavailable": "（四）无法提供", "not_processed": "（五）不予处理"}
_APPEAL_OUTCOMES = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
_ORG_COLUMNS = ("commercial", "research", "social_welfare", "legal_service", "other_org")


@dataclass
class PCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    key: str | None = None  # the canonical key of a value cell


@dataclass
class PTable:
    kind: str  # table2 | table3 | table4
    rows: list[list[PCell]]  # the cells that start in each row (rows may be ragged)
    header_rows: int  # leading rows that form the header (repeated after a page break)

    def grid(self) -> list[list[tuple[PCell, bool] | None]]:
        """Each position's (cell, is its origin); None where a short row leaves a position empty."""
        width = max((sum(c.colspan for c in row) for row in self.rows), default=0)
        out: list[list[tuple[PCell, bool] | None]] = [[None] * (width + 8) for _ in self.rows]
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while c < len(out[r]) and out[r][c] is not None:
                    c += 1
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        if r + dr < len(out) and c + dc < len(out[r + dr]) and out[r + dr][c + dc] is None:
                            out[r + dr][c + dc] = (cell, dr == 0 and dc == 0)
                c += cell.colspan
        for line in out:
            while line and line[-1] is None:
                line.pop()
        return out


@dataclass(frozen=True)
class PrintChoices:
    """How numbers and cells are printed (format-independent)."""

    blank_rate: float = 0.0  # share of zero value cells printed blank
    blank_mark: str = ""  # what a blank shows: "", "—", "-", "/", "无"
    blank_tables: tuple[str, ...] = ("table3",)
    no_other_col: bool = False
    no_query_row: bool = False
    single_other: bool = False
    dropped_cells: int = 0  # table-三 rows that lose one value cell
    note: bool = False  # 行政规范性文件 本年制发件数 with a note inside the cell
    units: bool = False  # table-三 counts printed with 件
    thousands: bool = False
    fullwidth: bool = False
    wrong_total: bool = False
    typo: str = ""  # "" | "fagui" | "zhi"
    enum_comma: bool = False
    other_label: bool = False


@dataclass
class Printed:
    """The three tables and what they show."""

    tables: list[PTable]
    printed: dict[str, str] = field(default_factory=dict)  # value key → printed text ("" or a mark: blank)
    misprint: tuple[str, int] | None = None  # (key, printed value) of a total printed wrong
    table3_version: str = "2021"
    table2_version: str = "2021"


def print_tables(values: Mapping[str, int | str], choices: PrintChoices, rng: random.Random,
                 table2: str, table3: str) -> Printed:
    out = Printed([], table2_version=table2, table3_version=table3)
    shown = dict(values)
    if choices.wrong_total:
        key = _misprint_key(values, table3, rng)
        wrong = int(values[key]) + rng.randint(1, 3)
        shown[key] = wrong
        out.misprint = (key, wrong)
    out.tables = [
        _table2(shown, choices, rng, table2, out),
        _table3(shown, choices, rng, table3, out),
        _table4(shown, choices, rng, out),
    ]
    return out


def _misprint_key(values: Mapping[str, int | str], table3: str, rng: random.Random) -> str:
    rows = [r.key for r in table3_rows(table3) if r.key not in ("new_received", "carried_over", "total")]
    filled = [r for r in rows if values[request_key(r, "total")]]
    row = "total" if rng.random() < 0.4 else rng.choice(filled or rows)
    return request_key(row, "total")


def _count(n: int, choices: PrintChoices, separators: bool = False) -> str:
    text = f"{n:,}" if separators and choices.thousands and abs(n) >= 1000 else str(n)
    return text.translate(_FULLWIDTH) if choices.fullwidth else text


def _value_cell(key: str, n: int, choices: PrintChoices, rng: random.Random, table: str, out: Printed,
                separators: bool = False, colspan: int = 1) -> PCell:
    if n == 0 and table in choices.blank_tables and rng.random() < choices.blank_rate:
        text = choices.blank_mark
    else:
        text = _count(n, choices, separators)
        if choices.units and table == "table3" and rng.random() < 0.5:
            text += "件"
    out.printed[key] = text
    return PCell(text, colspan=colspan, key=key)


# ---- table 二 ---------------------------------------------------------------------------------

def _table2(values: Mapping[str, int | str], choices: PrintChoices, rng: random.Random, version: str,
            out: Printed) -> PTable:
    rows: list[list[PCell]] = []
    blocks = _table2_blocks(version)
    for item, header_cells, row_keys in blocks:
        rows.append([PCell(f"第二十条第（{item}）项", colspan=4)])
        rows.append([PCell("信息内容"), *header_cells])
        for spec in row_keys:
            label = spec.prefix.split(".")[-1]
            cells = [PCell(_TABLE2_LABELS[version][label])]
            span = 4 - len(spec.columns)
            for i, col in enumerate(spec.columns):
                key = f"{spec.prefix}.{col}"
                colspan = 1 + span if i == len(spec.columns) - 1 else 1
                value = values[key]
                if isinstance(value, str):  # amounts keep their printed digits
                    out.printed[key] = value
                    cells.append(PCell(value, colspan=colspan, key=key))
                    continue
                cell = _value_cell(key, int(value), choices, rng, "table2", out, separators=True, colspan=colspan)
                if choices.note and key == "active.normative_docs.issued" and int(value) >= 2 and cell.text:
                    cell.text += f"（其中修订{rng.randint(1, int(value) - 1)}件）"
                    out.printed[key] = cell.text
                cells.append(cell)
            rows.append(cells)
    return PTable("table2", rows, 0)


_TABLE2_LABELS = {
    "2021": {"rules": "规章", "normative_docs": "行政规范性文件", "licensing": "行政许可", "penalty": "行政处罚",
             "coercion": "行政强制", "admin_fees": "行政事业性收费"},
    "2019": {"rules": "规章", "normative_docs": "规范性文件", "licensing": "行政许可",
             "other_services": "其他对外管理服务事项", "penalty": "行政处罚", "coercion": "行政强制",
             "admin_fees": "行政事业性收费", "procurement": "政府集中采购"},
}


def _table2_blocks(version: str):
    rows = {r.prefix.split(".")[-1]: r for r in active_rows(version)}
    if version == "2021":
        return (
            ("一", [PCell("本年制发件数"), PCell("本年废止件数"), PCell("现行有效件数")],
             [rows["rules"], rows["normative_docs"]]),
            ("五", [PCell("本年处理决定数量", colspan=3)], [rows["licensing"]]),
            ("六", [PCell("本年处理决定数量", colspan=3)], [rows["penalty"], rows["coercion"]]),
            ("八", [PCell("本年收费金额（单位：万元）", colspan=3)], [rows["admin_fees"]]),
        )
    items = [PCell("上一年项目数量"), PCell("本年增/减"), PCell("处理决定数量")]
    return (
        ("一", [PCell("本年新制作数量"), PCell("本年新公开数量"), PCell("对外公开总数量")],
         [rows["rules"], rows["normative_docs"]]),
        ("五", items, [rows["licensing"], rows["other_services"]]),
        ("六", [PCell(c.text) for c in items], [rows["penalty"], rows["coercion"]]),
        ("八", [PCell("上一年项目数量"), PCell("本年增/减", colspan=2)], [rows["admin_fees"]]),
        ("九", [PCell("采购项目数量"), PCell("采购总金额", colspan=2)], [rows["procurement"]]),
    )


# ---- table 三 ---------------------------------------------------------------------------------

def _table3(values: Mapping[str, int | str], choices: PrintChoices, rng: random.Random, version: str,
            out: Printed) -> PTable:
    columns = [c for c in COLUMNS if not (c == "other_org" and choices.no_other_col)]
    orgs = [c for c in columns if c in _ORG_COLUMNS]
    specs = {s.key: s for s in table3_rows(version)}
    outcomes = [specs[k] for k in outcome_row_keys(version)
                if not (choices.no_query_row and k == "withheld.query_matter")]
    rows: list[list[PCell]] = [
        [PCell(BALANCE_NOTE, rowspan=3, colspan=3), PCell("申请人情况", colspan=len(columns))],
        [PCell("自然人", rowspan=2), PCell("法人或其他组织", colspan=len(orgs)), PCell("总计", rowspan=2)],
        [PCell(COLUMN_LABELS[c]) for c in orgs],
    ]

    def numbers(row: str) -> list[PCell]:
        return [_value_cell(request_key(row, c), int(values[request_key(row, c)]), choices, rng, "table3", out)
                for c in columns]

    data: list[list[PCell]] = [
        [PCell(specs["new_received"].label, colspan=3), *numbers("new_received")],
        [PCell(specs["carried_over"].label, colspan=3), *numbers("carried_over")],
    ]
    sizes: dict[str, int] = {}
    for spec in outcomes:
        if spec.group is not None and spec.key != "other.total":
            sizes[spec.group] = sizes.get(spec.group, 0) + 1
    seen: set[str] = set()
    for i, spec in enumerate(outcomes):
        lead = [PCell("三、本年度办理结果", rowspan=len(outcomes) + 1)] if i == 0 else []
        if spec.group is None or spec.key == "other.total":
            lead.append(PCell(_row_label(spec, choices), colspan=2))
        else:
            if spec.group not in seen:
                seen.add(spec.group)
                lead.append(PCell(_group_label(spec.group, choices), rowspan=sizes[spec.group]))
            lead.append(PCell(_row_label(spec, choices)))
        data.append([*lead, *numbers(spec.key)])
    data.append([PCell(specs["total"].label, colspan=2), *numbers("total")])
    data.append([PCell(specs["carried_forward"].label, colspan=3), *numbers("carried_forward")])
    for row in rng.sample(range(len(data)), min(choices.dropped_cells, len(data))):
        value_cells = [i for i, c in enumerate(data[row]) if c.key is not None]
        drop = rng.choice(value_cells)
        out.printed.pop(data[row][drop].key or "", None)
        del data[row][drop]
    return PTable("table3", rows + data, 3)


def _row_label(spec: RowSpec, choices: PrintChoices) -> str:
    if spec.key == "other.total":
        return "（六）其他" if choices.other_label else "（六）其他处理"
    law = {"fagui": "其他法律法规禁止公开", "zhi": "其他法律行政止公开"}.get(choices.typo, "其他法律行政法规禁止公开")
    label = spec.label.replace("其他法律行政法规禁止公开", law)
    if choices.enum_comma and label[:1].isdigit() and label[1:2] == ".":
        label = label[0] + "、" + label[2:]
    return label


def _group_label(group: str, choices: PrintChoices) -> str:
    if group == "other":
        return "（六）其他" if choices.other_label else "（六）其他处理"
    return _GROUPS[group]


# ---- table 四 ---------------------------------------------------------------------------------

def _table4(values: Mapping[str, int | str], choices: PrintChoices, rng: random.Random, out: Printed) -> PTable:
    return PTable("table4", [
        [PCell("行政复议", colspan=5), PCell("行政诉讼", colspan=10)],
        [*(PCell(label, rowspan=2) for label in _APPEAL_OUTCOMES),
         PCell("未经复议直接起诉", colspan=5), PCell("复议后起诉", colspan=5)],
        [PCell(label) for label in _APPEAL_OUTCOMES * 2],
        [_value_cell(key, int(values[key]), choices, rng, "table4", out) for key in APPEAL_KEYS],
    ], 3)
