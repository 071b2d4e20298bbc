"""The three national tables (二 主动公开, 三 依申请, 四 复议诉讼) as ``model.Table``s, quirks applied.

Labels, headers and spans follow the official form as Word exports it: table 三 has three label
columns (三、本年度办理结果 spans the outcome rows, （三）不予公开 spans its numbered rows), the
header spans three rows, and table 四 has a two-level header over one data row. Cell texts are the
printed texts: the number formatting quirks (thousands separators, full-width digits, blank zeros,
notes inside cells) are applied here, once, for every format.
"""
from __future__ import annotations

import random
import re
from collections.abc import Mapping

from ..template import APPEAL_KEYS, COLUMN_LABELS, RowSpec, outcome_row_keys, request_key, table3_rows
from .model import Cell, Table
from .variants import Variant

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_LEGAL_PERSON_COLUMNS = ("commercial", "research", "social_welfare", "legal_service", "other_org")
_BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_GROUP_LABELS = {"withheld": "（三）不予公开", "unavailable": "（四）无法提供", "not_processed": "（五）不予处理"}
_APPEAL_OUTCOME_LABELS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
_NUMBERED = re.compile(r"^(\d)\.")


def count_text(n: int, variant: Variant, *, separators: bool = False) -> str:
    """A count as the document prints it."""
    text = f"{n:,}" if separators and variant.has("thousands") and abs(n) >= 1000 else str(n)
    return text.translate(_FULLWIDTH) if variant.has("fullwidth") else text


def _block_title(item: str, width: int) -> tuple[Cell, ...]:
    return (Cell(f"第二十条第（{item}）项", colspan=width),)


# ---- table 二 ---------------------------------------------------------------------------------


def table2(values: Mapping[str, int | str], variant: Variant, rng: random.Random) -> Table:
    return _table2_2019(values, variant) if variant.table2 == "2019" else _table2_2021(values, variant, rng)


def _table2_2021(values: Mapping[str, int | str], variant: Variant, rng: random.Random) -> Table:
    def count(key: str) -> str:
        return count_text(int(values[key]), variant, separators=True)

    issued = count("active.normative_docs.issued")
    if variant.has("cell_note"):
        revised = rng.randint(1, int(values["active.normative_docs.issued"]) - 1)
        issued = f"{issued}（其中修订 {revised} 件）"
    decisions = Cell("本年处理决定数量", colspan=3)
    return Table((
        _block_title("一", 4),
        (Cell("信息内容"), Cell("本年制发件数"), Cell("本年废止件数"), Cell("现行有效件数")),
        (Cell("规章"), Cell(count("active.rules.issued")), Cell(count("active.rules.repealed")),
         Cell(count("active.rules.in_force"))),
        (Cell("行政规范性文件"), Cell(issued), Cell(count("active.normative_docs.repealed")),
         Cell(count("active.normative_docs.in_force"))),
        _block_title("五", 4),
        (Cell("信息内容"), decisions),
        (Cell("行政许可"), Cell(count("active.licensing.decisions"), colspan=3)),
        _block_title("六", 4),
        (Cell("信息内容"), decisions),
        (Cell("行政处罚"), Cell(count("active.penalty.decisions"), colspan=3)),
        (Cell("行政强制"), Cell(count("active.coercion.decisions"), colspan=3)),
        _block_title("八", 4),
        (Cell("信息内容"), Cell("本年收费金额（单位：万元）", colspan=3)),
        # The amount keeps its printed digits: no separators, no full-width, whatever the quirks.
        (Cell("行政事业性收费"), Cell(str(values["active.admin_fees.amount_10k_yuan"]), colspan=3)),
    ))


def _table2_2019(values: Mapping[str, int | str], variant: Variant) -> Table:
    def cells(prefix: str, *columns: str) -> tuple[Cell, ...]:
        texts = [count_text(int(values[f"{prefix}.{c}"]), variant, separators=True) for c in columns]
        return tuple(Cell(t, colspan=2 if i == 1 and len(texts) == 2 else 1) for i, t in enumerate(texts))

    items_header = (Cell("信息内容"), Cell("上一年项目数量"), Cell("本年增/减"), Cell("处理决定数量"))
    items = ("prev_items", "change", "decisions")
    published = ("new_made", "new_published", "total_published")
    return Table((
        _block_title("一", 4),
        (Cell("信息内容"), Cell("本年新制作数量"), Cell("本年新公开数量"), Cell("对外公开总数量")),
        (Cell("规章"), *cells("active2019.rules", *published)),
        (Cell("规范性文件"), *cells("active2019.normative_docs", *published)),
        _block_title("五", 4),
        items_header,
        (Cell("行政许可"), *cells("active2019.licensing", *items)),
        (Cell("其他对外管理服务事项"), *cells("active2019.other_services", *items)),
        _block_title("六", 4),
        items_header,
        (Cell("行政处罚"), *cells("active2019.penalty", *items)),
        (Cell("行政强制"), *cells("active2019.coercion", *items)),
        _block_title("八", 4),
        (Cell("信息内容"), Cell("上一年项目数量"), Cell("本年增/减", colspan=2)),
        (Cell("行政事业性收费"), *cells("active2019.admin_fees", "prev_items", "change")),
        _block_title("九", 4),
        (Cell("信息内容"), Cell("采购项目数量"), Cell("采购总金额", colspan=2)),
        (Cell("政府集中采购"), Cell(count_text(int(values["active2019.procurement.items"]), variant, separators=True)),
         Cell(str(values["active2019.procurement.amount"]), colspan=2)),
    ))


# ---- table 三 ---------------------------------------------------------------------------------


def table3(values: Mapping[str, int | str], variant: Variant) -> Table:
    columns = variant.printed_columns
    orgs = [c for c in columns if c in _LEGAL_PERSON_COLUMNS]
    specs = {spec.key: spec for spec in table3_rows(variant.table3)}
    outcomes = [specs[k] for k in outcome_row_keys(variant.table3) if k not in variant.dropped_rows]

    def numbers(row: str) -> tuple[Cell, ...]:
        return tuple(Cell(_request_text(int(values[request_key(row, c)]), c, variant)) for c in columns)

    rows: list[tuple[Cell, ...]] = [
        (Cell(_BALANCE_NOTE, rowspan=3, colspan=3), Cell("申请人情况", colspan=len(columns))),
        (Cell("自然人", rowspan=2), Cell("法人或其他组织", colspan=len(orgs)), Cell("总计", rowspan=2)),
        tuple(Cell(COLUMN_LABELS[c]) for c in orgs),
        (Cell(specs["new_received"].label, colspan=3), *numbers("new_received")),
        (Cell(specs["carried_over"].label, colspan=3), *numbers("carried_over")),
    ]
    group_sizes = _group_sizes(outcomes)
    seen_groups: set[str] = set()
    for i, spec in enumerate(outcomes):
        lead = [Cell("三、本年度办理结果", rowspan=len(outcomes) + 1)] if i == 0 else []
        if spec.group is None or spec.key == "other.total":
            lead.append(Cell(_row_label(spec, variant), colspan=2))
        else:
            if spec.group not in seen_groups:
                seen_groups.add(spec.group)
                lead.append(Cell(_group_label(spec.group, variant), rowspan=group_sizes[spec.group]))
            lead.append(Cell(_row_label(spec, variant)))
        rows.append((*lead, *numbers(spec.key)))
    rows.append((Cell(specs["total"].label, colspan=2), *numbers("total")))
    rows.append((Cell(specs["carried_forward"].label, colspan=3), *numbers("carried_forward")))
    return Table(tuple(rows))


def _request_text(n: int, column: str, variant: Variant) -> str:
    if n == 0 and variant.has("blank_zeros") and column in _LEGAL_PERSON_COLUMNS:
        return ""
    return count_text(n, variant)


def _group_sizes(outcomes: list[RowSpec]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for spec in outcomes:
        if spec.group is not None and spec.key != "other.total":
            sizes[spec.group] = sizes.get(spec.group, 0) + 1
    return sizes


def _group_label(group: str, variant: Variant) -> str:
    return variant.other_group_label if group == "other" else _GROUP_LABELS[group]


def _row_label(spec: RowSpec, variant: Variant) -> str:
    if spec.key == "other.total":
        return variant.other_group_label
    label = spec.label.replace("其他法律行政法规禁止公开", variant.law_label)
    return _NUMBERED.sub(lambda m: m.group(1) + variant.enum_separator, label)


# ---- table 四 ---------------------------------------------------------------------------------


def table4(values: Mapping[str, int | str], variant: Variant) -> Table:
    return Table((
        (Cell("行政复议", colspan=5), Cell("行政诉讼", colspan=10)),
        (*(Cell(label, rowspan=2) for label in _APPEAL_OUTCOME_LABELS),
         Cell("未经复议直接起诉", colspan=5), Cell("复议后起诉", colspan=5)),
        tuple(Cell(label) for label in _APPEAL_OUTCOME_LABELS * 2),
        tuple(Cell(count_text(int(values[key]), variant)) for key in APPEAL_KEYS),
    ))
