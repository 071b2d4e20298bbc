"""The national report format as data: canonical keys, row labels and the identities between cells.

Everything the parser matches against and the checker verifies is declared here once, so that the
two agree. Keys follow ../shared/spec/fields.md exactly.
"""
from __future__ import annotations

from dataclasses import dataclass

# ---- table 三 -------------------------------------------------------------------------------
COLUMNS: tuple[str, ...] = (
    "natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total",
)
APPLICANT_COLUMNS = COLUMNS[:-1]
COLUMN_LABELS = {
    "natural_person": "自然人", "commercial": "商业企业", "research": "科研机构",
    "social_welfare": "社会公益组织", "legal_service": "法律服务机构", "other_org": "其他", "total": "总计",
}


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str  # canonical label (2021)
    patterns: tuple[str, ...]  # regexes matched against a row's label text (whitespace removed)
    group: str | None = None  # the group label the row sits under: withheld, unavailable, …


def _row(key: str, label: str, *patterns: str, group: str | None = None) -> RowSpec:
    return RowSpec(key, label, patterns, group)


OUTCOME_ROWS_COMMON: tuple[RowSpec, ...] = (
    _row("granted", "（一）予以公开", r"予以公开", r"同意公开"),
    _row("partly_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", r"部分公开"),
    _row("withheld.state_secret", "1.属于国家秘密", r"国家秘密", group="withheld"),
    _row("withheld.prohibited_by_law", "2.其他法律行政法规禁止公开", r"禁止公开", r"其他法律", r"法律行政止", group="withheld"),
    _row("withheld.three_safeties", "3.危及“三安全一稳定”", r"三安全", r"一稳定", group="withheld"),
    _row("withheld.third_party_rights", "4.保护第三方合法权益", r"第三方", group="withheld"),
    _row("withheld.internal_affairs", "5.属于三类内部事务信息", r"内部事务", group="withheld"),
    _row("withheld.process_info", "6.属于四类过程性信息", r"过程性", group="withheld"),
    _row("withheld.enforcement_files", "7.属于行政执法案卷", r"执法案卷", group="withheld"),
    _row("withheld.query_matter", "8.属于行政查询事项", r"查询事项", r"行政查询?$", group="withheld"),
    _row("unavailable.not_held", "1.本机关不掌握相关政府信息", r"不掌握", group="unavailable"),
    _row("unavailable.needs_creation", "2.没有现成信息需要另行制作", r"另行制作", r"没有现成", group="unavailable"),
    _row("unavailable.unclear", "3.补正后申请内容仍不明确", r"仍不明确", r"补正后", group="unavailable"),
    _row("not_processed.petition", "1.信访举报投诉类申请", r"信访", r"举报投诉", group="not_processed"),
    _row("not_processed.repeated", "2.重复申请", r"重复申请", group="not_processed"),
    _row("not_processed.publication", "3.要求提供公开出版物", r"出版物", group="not_processed"),
    _row("not_processed.excessive", "4.无正当理由大量反复申请", r"大量反复", group="not_processed"),
    _row("not_processed.confirm_or_reissue", "5.要求行政机关确认或重新出具已获取信息", r"重新出具", r"确认或", group="not_processed"),
)
OTHER_ROWS_2021: tuple[RowSpec, ...] = (
    _row("other.overdue_amendment", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
         r"逾期不补正", r"申请人无正?当?", group="other"),
    _row("other.unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
         r"缴纳费用", r"收费通知", r"逾期未按", group="other"),
    _row("other.other", "3.其他", r"^(?:（六）|\(六\))?[3３][.、．]?其他$", r"^其他$", group="other"),
)
OTHER_ROW_2019 = _row("other.total", "（六）其他处理", r"其他处理$", r"^[（(]六[）)]其他$", group="other")
HEAD_ROWS = (
    _row("new_received", "一、本年新收政府信息公开申请数量", r"本年新收", r"新收"),
    _row("carried_over", "二、上年结转政府信息公开申请数量", r"上年结转", r"上年度结转"),
)
TAIL_ROWS = (
    _row("total", "（七）总计", r"总计$", r"^[（(]七[）)]"),
    _row("carried_forward", "四、结转下年度继续办理", r"结转下", r"下年度继续", r"下一年度"),
)


def table3_rows(version: str) -> tuple[RowSpec, ...]:
    other = OTHER_ROWS_2021 if version == "2021" else (OTHER_ROW_2019,)
    return HEAD_ROWS + OUTCOME_ROWS_COMMON + other + TAIL_ROWS


def outcome_row_keys(version: str) -> tuple[str, ...]:
    other = OTHER_ROWS_2021 if version == "2021" else (OTHER_ROW_2019,)
    return tuple(r.key for r in OUTCOME_ROWS_COMMON + other)


def request_key(row: str, col: str) -> str:
    return f"requests.{row}.{col}"


# ---- table 四 -------------------------------------------------------------------------------
APPEAL_BLOCKS = ("review", "suit_direct", "suit_after_review")
APPEAL_OUTCOMES = ("upheld", "corrected", "other", "pending", "total")
APPEAL_KEYS = tuple(f"appeals.{b}.{o}" for b in APPEAL_BLOCKS for o in APPEAL_OUTCOMES)

# ---- table 二 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveRow:
    prefix: str  # key prefix, e.g. active.rules
    patterns: tuple[str, ...]
    columns: tuple[str, ...]
    decimal_last: bool = False  # the last column is a decimal amount kept as a string
    signed: tuple[str, ...] = ()  # columns that may be negative
    amount_with_unit: bool = False  # 2019 procurement amount: keep the unit


ACTIVE_2021: tuple[ActiveRow, ...] = (
    ActiveRow("active.rules", (r"^规章$",), ("issued", "repealed", "in_force")),
    ActiveRow("active.normative_docs", (r"规范性文件$",), ("issued", "repealed", "in_force")),
    ActiveRow("active.licensing", (r"行政许可$",), ("decisions",)),
    ActiveRow("active.penalty", (r"行政处罚$",), ("decisions",)),
    ActiveRow("active.coercion", (r"行政强制$",), ("decisions",)),
    ActiveRow("active.admin_fees", (r"行政事业性收费$",), ("amount_10k_yuan",), decimal_last=True),
)
_ITEMS = ("prev_items", "change", "decisions")
ACTIVE_2019: tuple[ActiveRow, ...] = (
    ActiveRow("active2019.rules", (r"^规章$",), ("new_made", "new_published", "total_published")),
    ActiveRow("active2019.normative_docs", (r"规范性文件$",), ("new_made", "new_published", "total_published")),
    ActiveRow("active2019.licensing", (r"行政许可$",), _ITEMS, signed=("change",)),
    ActiveRow("active2019.other_services", (r"其他对外管理服务事项$",), _ITEMS, signed=("change",)),
    ActiveRow("active2019.penalty", (r"行政处罚$",), _ITEMS, signed=("change",)),
    ActiveRow("active2019.coercion", (r"行政强制$",), _ITEMS, signed=("change",)),
    ActiveRow("active2019.admin_fees", (r"行政事业性收费$",), ("prev_items", "change"), signed=("change",)),
    ActiveRow("active2019.procurement", (r"政府集中采购$",), ("items", "amount"), amount_with_unit=True),
)


def active_rows(version: str) -> tuple[ActiveRow, ...]:
    return ACTIVE_2021 if version == "2021" else ACTIVE_2019


# ---- everything -----------------------------------------------------------------------------
META_KEYS = ("meta.org_name", "meta.year")
PROSE_KEYS = ("narrative.proactive_items", "narrative.requests_received", "fees.info_processing_fee_yuan")
ADMIN_FEE_KEY = "active.admin_fees.amount_10k_yuan"
# 行政事业性收费 above this many 万元 (10 billion yuan) is almost surely 元 printed as 万元.
ADMIN_FEE_IMPLAUSIBLE_10K_YUAN = 1_000_000


def all_keys(table2: str, table3: str) -> list[str]:
    """Every canonical key a report of this template pair covers, in document order."""
    keys = list(META_KEYS)
    for row in active_rows(table2):
        keys += [f"{row.prefix}.{c}" for c in row.columns]
    for row in table3_rows(table3):
        keys += [request_key(row.key, c) for c in COLUMNS]
    keys += list(APPEAL_KEYS)
    keys += list(PROSE_KEYS)
    return keys
