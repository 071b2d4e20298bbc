"""The document view's model: tables 二, 三 and 四 as labelled grids, the identities as data.

Everything here is plain data for the templates and the page script: labels come from
``template.py``, values and states from the report and its review items. Nothing is rendered here,
so nothing here can be tricked into markup by document text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..document import Where
from ..identities import Equation, appeal_equations, table3_equations
from ..report import Report, Value
from ..template import (
    APPEAL_BLOCKS,
    APPEAL_OUTCOMES,
    COLUMN_LABELS,
    COLUMNS,
    active_rows,
    request_key,
    table3_rows,
)
from .groups import EQUATION_RULES
from .records import ItemRecord

GROUP_LABELS = {"withheld": "（三）不予公开", "unavailable": "（四）无法提供", "not_processed": "（五）不予处理",
                "other": "（六）其他处理"}
ACTIVE_ROW_LABELS = {
    "rules": "规章", "normative_docs": "行政规范性文件", "licensing": "行政许可", "penalty": "行政处罚",
    "coercion": "行政强制", "admin_fees": "行政事业性收费", "other_services": "其他对外管理服务事项",
    "procurement": "政府集中采购",
}
ACTIVE_COLUMN_LABELS = {
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
    "decisions": "本年处理决定数量", "amount_10k_yuan": "本年收费金额（万元）",
    "new_made": "本年新制作数量", "new_published": "本年新公开数量", "total_published": "对外公开总数量",
    "prev_items": "上一年项目数量", "change": "本年增/减", "items": "采购项目数量", "amount": "采购总金额",
}
APPEAL_BLOCK_LABELS = {"review": "行政复议", "suit_direct": "行政诉讼 · 未经复议直接起诉",
                       "suit_after_review": "行政诉讼 · 复议后起诉"}
APPEAL_OUTCOME_LABELS = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结",
                         "total": "总计"}
OTHER_LABELS = {
    "meta.org_name": "机关名称", "meta.year": "年度", "narrative.proactive_items": "主动公开信息（条）",
    "narrative.requests_received": "正文：收到申请（件）", "fees.info_processing_fee_yuan": "信息处理费（元）",
    "narrative.requests_completed": "正文：办结（件）", "narrative.requests_carried_forward": "正文：结转（件）",
    "narrative.reviews": "正文：行政复议（件）",
}


@dataclass(frozen=True)
class GridCell:
    key: str
    text: str  # the value as shown ('' when absent)
    classes: str  # review state (``cell_classes``), or absent
    caption: str = ""  # the column label, where rows have columns of their own (table 二)


@dataclass(frozen=True)
class GridRow:
    label: str
    cells: list[GridCell]
    group: str | None = None  # group label, on the first row of its group only
    group_span: int = 0
    in_group: bool = False  # the row sits under a group label (its own or one above)


@dataclass(frozen=True)
class Grid:
    title: str
    columns: list[str]
    rows: list[GridRow]
    grouped: bool = False  # a group-label column precedes the row labels
    notes: list[str] = field(default_factory=list)


def grids(report: Report, items: list[ItemRecord]) -> list[Grid]:
    states = cell_classes(report, items)
    out = []
    if report.template.table2:
        out.append(_table2(report, states))
    if report.template.table3:
        out.append(_table3(report, states))
    if any(k.startswith("appeals.") for k in report.values):
        out.append(_table4(report, states))
    out.append(_others(report, states))
    return out


def equations_of(report: Report) -> list[Equation]:
    """The identities ``check()`` evaluates for this report, in the same order."""
    eqs: list[Equation] = []
    if report.template.table3:
        eqs += table3_equations(report.template.table3)
    if any(k.startswith("appeals.") for k in report.values):
        eqs += appeal_equations()
    return eqs


def labels(report: Report) -> dict[str, str]:
    """A short human label for every key of the report (for equations and the side panel)."""
    out = {k: OTHER_LABELS.get(k, k) for k in report.values}
    for row in table3_rows(report.template.table3 or "2021"):
        for col in COLUMNS:
            out[request_key(row.key, col)] = f"{_short(row.label)} · {COLUMN_LABELS[col]}"
    for block in APPEAL_BLOCKS:
        for outcome in APPEAL_OUTCOMES:
            out[f"appeals.{block}.{outcome}"] = f"{APPEAL_BLOCK_LABELS[block]} · {APPEAL_OUTCOME_LABELS[outcome]}"
    for active in active_rows(report.template.table2 or "2021"):
        name = ACTIVE_ROW_LABELS.get(active.prefix.rsplit(".", 1)[1], active.prefix)
        for col in active.columns:
            out[f"{active.prefix}.{col}"] = f"{name} · {ACTIVE_COLUMN_LABELS.get(col, col)}"
    return out


def equation_data(report: Report) -> list[dict[str, Any]]:
    return [{"rule": eq.rule, "name": eq.name, "title": _equation_title(eq, report), "lhs": list(eq.lhs),
             "rhs": list(eq.rhs)}
            for eq in equations_of(report)]


def where_data(report: Report) -> dict[str, dict[str, Any]]:
    """Where each value sits in the source; an inferred cell points at its row's printed cells."""
    out = {}
    for key, value in report.values.items():
        where = _where(report, key, value)
        if where is not None:
            out[key] = where
    return out


def value_data(report: Report) -> dict[str, Any]:
    return {k: v.value for k, v in report.values.items()}


def detail_data(report: Report) -> dict[str, dict[str, Any]]:
    """Per key: what was printed and how the value was obtained (for the side panel)."""
    return {k: {"raw": v.raw, "method": v.method, "flags": v.flags, "confidence": v.confidence, "note": v.note,
                "candidates": v.candidates} for k, v in report.values.items()}


# ---- the three tables ---------------------------------------------------------------------------

def _table3(report: Report, states: dict[str, str]) -> Grid:
    rows: list[GridRow] = []
    specs = table3_rows(report.template.table3 or "2021")
    for i, spec in enumerate(specs):
        span = sum(1 for s in specs if s.group == spec.group) if spec.group else 0
        grouped = span > 1  # a one-row group (2019's （六）其他处理) is its own label
        first_of_group = grouped and (i == 0 or specs[i - 1].group != spec.group)
        cells = [_cell(report, request_key(spec.key, col), states) for col in COLUMNS]
        group = GROUP_LABELS.get(spec.group or "") if first_of_group else None
        rows.append(GridRow(_short(spec.label), cells, group, span if first_of_group else 0, in_group=grouped))
    return Grid("三、收到和处理政府信息公开申请情况", [COLUMN_LABELS[c] for c in COLUMNS], rows, grouped=True)


def _table2(report: Report, states: dict[str, str]) -> Grid:
    rows = []
    for row in active_rows(report.template.table2 or "2021"):
        name = ACTIVE_ROW_LABELS.get(row.prefix.rsplit(".", 1)[1], row.prefix)
        cells = [_cell(report, f"{row.prefix}.{col}", states, ACTIVE_COLUMN_LABELS.get(col, col))
                 for col in row.columns]
        rows.append(GridRow(name, cells))
    width = max(len(r.cells) for r in rows)
    return Grid("二、主动公开政府信息情况", ["" for _ in range(width)], rows)


def _table4(report: Report, states: dict[str, str]) -> Grid:
    rows = [GridRow(APPEAL_BLOCK_LABELS[b], [_cell(report, f"appeals.{b}.{o}", states) for o in APPEAL_OUTCOMES])
            for b in APPEAL_BLOCKS]
    return Grid("四、行政复议、行政诉讼情况", [APPEAL_OUTCOME_LABELS[o] for o in APPEAL_OUTCOMES], rows)


def _others(report: Report, states: dict[str, str]) -> Grid:
    keys = [k for k in report.values if not k.startswith(("requests.", "appeals.", "active.", "active2019."))]
    rows = [GridRow(OTHER_LABELS.get(k, k), [_cell(report, k, states)]) for k in keys]
    return Grid("机关、年度与正文数字", ["值"], rows)


def _cell(report: Report, key: str, states: dict[str, str], caption: str = "") -> GridCell:
    value = report.values.get(key)
    if value is None:
        return GridCell(key, "", "absent", caption)
    text = "" if value.value is None else str(value.value)
    return GridCell(key, text, states.get(key, ""), caption)


def cell_classes(report: Report, items: list[ItemRecord]) -> dict[str, str]:
    """Each cell's look, as CSS classes: how its value was obtained (inferred) and where its review
    stands, told apart: flagged (open), skipped, accepted, corrected, source-error. Failing equations
    are marked live by the page script; other multi-cell findings (prose vs table) mark each cell."""
    states: dict[str, str] = {}
    for item in sorted(items, key=lambda i: _STATE_RANK[i.status]):
        if item.kind == "identity" and (item.rule in EQUATION_RULES or item.status == "settled"):
            continue
        state = {"open": "flagged", "skipped": "skipped"}.get(item.status) or _RESOLVED.get(item.resolution or "", "")
        for key in item.keys:
            states.setdefault(key, state)
    out = {}
    for key, value in report.values.items():
        classes = [states.get(key, "")]
        if value.method == "inferred":
            classes.append("inferred")
        if value.method == "corrected" and "corrected" not in classes:
            classes.append("corrected")
        if "source_error" in value.flags and "source-error" not in classes:
            classes.append("source-error")
        out[key] = " ".join(c for c in classes if c)
    return out


_STATE_RANK = {"open": 0, "skipped": 1, "settled": 2}  # a cell shows its most pressing item's state
_RESOLVED = {"accepted": "accepted", "corrected": "corrected", "source_error": "source-error"}


# ---- labels and provenance ----------------------------------------------------------------------

def _short(label: str) -> str:
    """The row label without the long parenthetical (（二）部分公开（区分处理的…） → （二）部分公开)."""
    head, sep, _ = label.partition("（区分")
    return head if sep else label


def _equation_title(eq: Equation, report: Report) -> str:
    kind, _, ident = eq.name.partition(" ")
    if kind == "row":
        spec = next((r for r in table3_rows(report.template.table3 or "2021") if r.key == ident), None)
        return f"行 {_short(spec.label) if spec else ident}：总计 = 各申请人之和"
    if kind == "column":
        col = COLUMN_LABELS.get(ident, ident)
        if eq.rule == "balance":
            return f"列 {col}：新收 + 上年结转 = 总计 + 结转下年度"
        return f"列 {col}：（七）总计 = 各办理结果之和"
    if kind == "block":
        return f"{APPEAL_BLOCK_LABELS.get(ident, ident)}：总计 = 维持 + 纠正 + 其他 + 尚未审结"
    return eq.name


def _where(report: Report, key: str, value: Value) -> dict[str, Any] | None:
    if value.where:
        return _where_dict(value.where[0])
    prefix = key.rsplit(".", 1)[0]
    siblings = [w for k, v in report.values.items() if k.rsplit(".", 1)[0] == prefix for w in v.where[:1]]
    if not siblings:
        return None
    merged = siblings[0]
    for w in siblings[1:]:
        merged = merged.merged(w)
    return {**_where_dict(merged), "approximate": True}


def _where_dict(where: Where) -> dict[str, Any]:
    return {"page": where.page, "line": where.line, "line_end": where.line_end or where.line,
            "bbox": list(where.bbox) if where.bbox else None, "route": where.route,
            "table": where.table, "row": where.row, "col": where.col}
