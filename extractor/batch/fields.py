"""The field dictionary: what each column of the batch's tables means, written as ``fields.csv``.

One row per canonical key (../shared/spec/fields.md): its Chinese label, the table, row and column
it comes from, its unit and its type. Table 三's labels come from ``template`` (what the parser
matches); the other tables' few labels are named here. A test checks that the dictionary covers
exactly the columns of ``results.csv``.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from ..template import (
    ACTIVE_2019,
    ACTIVE_2021,
    ADMIN_FEE_KEY,
    APPEAL_BLOCKS,
    APPEAL_OUTCOMES,
    COLUMN_LABELS,
    COLUMNS,
    OTHER_ROW_2019,
    request_key,
    table3_rows,
)

Kind = str  # "int" | "decimal" | "text"
FIELD_COLUMNS = ("key", "label", "table", "row", "column", "unit", "type")
DECIMAL_KEYS = frozenset({ADMIN_FEE_KEY})
TEXT_KEYS = frozenset({"meta.org_name", "active2019.procurement.amount"})

_ACTIVE_ROWS = MappingProxyType({
    "rules": "规章", "normative_docs": "行政规范性文件", "licensing": "行政许可", "penalty": "行政处罚",
    "coercion": "行政强制", "admin_fees": "行政事业性收费", "other_services": "其他对外管理服务事项",
    "procurement": "政府集中采购",
})
_ACTIVE_COLUMNS = MappingProxyType({
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数", "decisions": "本年处理决定数量",
    "amount_10k_yuan": "本年收费金额", "new_made": "本年新制作数量", "new_published": "本年新公开数量",
    "total_published": "对外公开总数量", "prev_items": "上一年项目数量", "change": "本年增/减", "items": "采购项目数量",
    "amount": "采购总金额",
})
_APPEAL_BLOCKS = MappingProxyType({"review": "行政复议", "suit_direct": "行政诉讼 未经复议直接起诉",
                                   "suit_after_review": "行政诉讼 复议后起诉"})
_APPEAL_OUTCOMES = MappingProxyType({"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果",
                                     "pending": "尚未审结", "total": "总计"})
_SINGLE = (
    ("meta.org_name", "报告机关", "", "", "", "", "text"),
    ("meta.year", "报告年度", "", "", "", "年", "int"),
    ("narrative.proactive_items", "主动公开政府信息条数（正文）", "一、总体情况", "", "", "条", "int"),
    ("narrative.requests_received", "收到政府信息公开申请数（正文）", "一、总体情况", "", "", "件", "int"),
    ("fees.info_processing_fee_yuan", "信息处理费", "六、其他需要报告的事项", "", "", "元", "int"),
)
TABLE2, TABLE3, TABLE4 = "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、行政复议、行政诉讼情况"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    table: str
    row: str
    column: str
    unit: str
    type: Kind

    def cells(self) -> tuple[str, ...]:
        return (self.key, self.label, self.table, self.row, self.column, self.unit, self.type)


def dictionary() -> dict[str, Field]:
    """Every canonical key of both formats → its field."""
    fields = [Field(*row) for row in _SINGLE]
    for version, rows in (("2021", ACTIVE_2021), ("2019", ACTIVE_2019)):
        for spec in rows:
            name = spec.prefix.split(".", 1)[1]
            for col in spec.columns:
                key = f"{spec.prefix}.{col}"
                fields.append(Field(key, f"{_ACTIVE_ROWS[name]} {_ACTIVE_COLUMNS[col]}", f"{TABLE2} ({version})",
                                    _ACTIVE_ROWS[name], _ACTIVE_COLUMNS[col], _active_unit(key), kind(key)))
    for row in (*table3_rows("2021"), OTHER_ROW_2019):  # 2021's rows and the 2019 single 其他处理 row
        for col in COLUMNS:
            key = request_key(row.key, col)
            fields.append(Field(key, f"{row.label} {COLUMN_LABELS[col]}", TABLE3, row.label, COLUMN_LABELS[col],
                                "件", "int"))
    for block in APPEAL_BLOCKS:
        for outcome in APPEAL_OUTCOMES:
            key = f"appeals.{block}.{outcome}"
            fields.append(Field(key, f"{_APPEAL_BLOCKS[block]} {_APPEAL_OUTCOMES[outcome]}", TABLE4,
                                _APPEAL_BLOCKS[block], _APPEAL_OUTCOMES[outcome], "件", "int"))
    return {f.key: f for f in fields}


def kind(key: str) -> Kind:
    if key in DECIMAL_KEYS:
        return "decimal"
    return "text" if key in TEXT_KEYS else "int"


def _active_unit(key: str) -> str:
    if key == ADMIN_FEE_KEY:
        return "万元"
    if key.endswith("procurement.amount"):
        return "as printed (元 or 万元)"
    return "项" if ".prev_items" in key or ".change" in key or key.endswith(".items") else "件"
