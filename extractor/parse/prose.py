"""Figures stated in the prose: org name and year (title), proactive items, requests received
(section 一), and the 信息处理费 (section 六).

Prose is searched in a compacted form (line breaks and markdown marks removed) because PDFs and
converted Markdown break sentences mid-word; every match maps back to its source offsets.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_DROP = set("\n*#|")
_SPACE = set("\t")  # a cell boundary: keeps 名称 | 沭阳县… from reading as one name


@dataclass
class Compact:
    text: str
    index: list[int]  # compact offset → source offset

    @classmethod
    def of(cls, source: str, start: int = 0, end: int | None = None) -> "Compact":
        end = len(source) if end is None else end
        chars, index = [], []
        for i in range(start, end):
            ch = source[i]
            if ch in _DROP:
                continue
            chars.append(" " if ch in _SPACE else ch)
            index.append(i)
        return cls("".join(chars), index)

    def span(self, m: re.Match[str], group: int | str = 0) -> tuple[int, int]:
        a, b = m.span(group)
        return self.index[a], self.index[max(a, b - 1)] + 1


@dataclass
class ProseFigure:
    key: str
    value: int | str
    raw: str
    span: tuple[int, int]  # source offsets
    pattern: int  # which pattern matched (0 = the most specific)


_N = r"(?P<n>\d[\d,]*)\s*(余)?"
_NUM_CN = r"[一二三四五六七八九十]"

_REPORT = r"(?:政府信息公开|政务公开|信息公开)\s*(?:工作)?\s*(?:年度)?\s*(?:报告|年报)"
TITLE_PATTERNS = (
    re.compile(r"(?P<org>[\u4e00-\u9fff（）()]{2,40}?)\s*(?P<year>20\d{2})\s*年\s*度?\s*" + _REPORT),
    # year first (上海市科委-style): the name must be followed by the full 政府信息公开, or
    # "2024年政府信息公开…" would read 政府 as the name
    re.compile(r"(?P<year>20\d{2})\s*年\s*度?\s*(?P<org>[\u4e00-\u9fff（）()]{2,40}?)\s*"
               r"(?:政府信息公开|政务公开)\s*(?:工作)?\s*(?:年度)?\s*(?:报告|年报)"),
)
PERIOD = re.compile(r"(20\d{2})\s*年\s*1\s*月\s*1\s*日")

# A figure is the number before its unit; "2222余条" is 2222.
_EXCLUDED_BEFORE = re.compile(r"其中|上年|去年|结转|较|同比|比上年|增长|减少")
_YEAR = re.compile(r"(20\d{2})\s*年")

PROACTIVE_PATTERNS = (
    re.compile(r"主动公开(?P<mid>[^。；;，,\d]{0,12}?)(?:政府)?信息\s*(?:共计|共|累计)?\s*" + _N + r"\s*[条件篇]"),
    re.compile(r"(?:公开|发布|公布)(?P<mid>[^。；;，,\d]{0,12}?)政府信息\s*(?:共计|共|累计)?\s*" + _N + r"\s*[条件篇]"),
    re.compile(r"(?:主动)?公开(?P<mid>[^。；;，,\d]{0,6}?)信息\s*(?:共|累计|共计)?\s*" + _N + r"\s*条"),
)
# 新收 / 收到 / 受理 / 接到 / 接收 … 申请 (or 事项) … N 件: the verb, then what was received
_RECEIVE = r"(?:新收到?|共收到?|收到|受理|接到|接收)"
REQUEST_PATTERNS = (
    re.compile(_RECEIVE + r"(?P<mid>[^。；;，,\d]{0,30}?(?:申请|事项|公开件)[^。；;，,\d]{0,8}?)"
               r"(?:数量)?(?:共计|共|合计|为)?\s*" + _N + r"\s*[件项个]"),
    re.compile(_RECEIVE + r"(?P<mid>)\s*" + _N + r"\s*件[^。；;]{0,6}申请"),
)
# what a received count must not be about: appeals, licensing, petitions, proposals
_NOT_REQUESTS = re.compile(r"复议|诉讼|许可|信访|投诉|举报|建议|提案|审批")
_NOT_PROACTIVE = re.compile(r"解读|文件|规章|回应|图片|视频")
REQUESTS_NONE = re.compile(r"(?:未|没有)(?:新?收到|受理|接到)[^。；;，,\d]{0,20}?(?:申请|事项)")
FEE_ZERO = re.compile(
    r"(?:未|没有|无|不)[^。；;]{0,12}?(?:收取|收费|发生)[^。；;]{0,16}?(?:费|情况|事项)"
    r"|(?:信息处理费|收费)[^。；;]{0,8}?(?:为|共计|共)?\s*(?<![\d.])0\s*元"
)
FEE_AMOUNT = re.compile(r"(?:收取|收费)[^。；;]{0,20}?(?:信息处理费|费用)?[^。；;\d]{0,8}?(\d[\d,]*(?:\.\d+)?)\s*元")


def title(source: str, limit: int = 1500) -> tuple[str, int, tuple[int, int]] | None:
    """(org name, year, span) from the first title-like line of the document.

    A title is looked for within one line, then across two consecutive lines (titles are often
    broken after the name or the year); never further, so the cells of a metadata table above the
    title do not run into the name."""
    head = source[: min(len(source), limit)]
    starts = [0] + [i + 1 for i, ch in enumerate(head) if ch == "\n"]
    for width in (1, 2):  # a whole title on one line is the stronger evidence
        for i, start in enumerate(starts):
            if i + width > len(starts):
                break
            end = starts[i + width] - 1 if i + width < len(starts) else len(head)
            found = _title_in(Compact.of(head, start, end))
            if found:
                return found
    return None


def _title_in(region: Compact) -> tuple[str, int, tuple[int, int]] | None:
    for pattern in TITLE_PATTERNS:
        m = pattern.search(region.text)
        if m:
            org = re.sub(r"^(?:文件名称|标题|名称|题目|正文)", "", m.group("org")).strip("（）() ")
            return org, int(m.group("year")), region.span(m)
    return None


def period_year(source: str) -> int | None:
    m = PERIOD.search(source)
    return int(m.group(1)) if m else None


def first_figure(key: str, source: str, start: int, end: int, patterns, year: int | None = None,
                 excluded: re.Pattern[str] | None = None) -> ProseFigure | None:
    """The earliest match of the two most specific patterns (the headline figure comes first;
    breakdowns follow it), else the earliest match of the looser ones. A match is skipped when its
    clause is about something else: another year, a share (其中), a change (较上年), or words of
    ``excluded`` between the verb and the number."""
    region = Compact.of(source, start, end)
    for offset, tier in ((0, patterns[:2]), (2, patterns[2:])):
        hits = []
        for rank, pattern in enumerate(tier):
            for m in pattern.finditer(region.text):
                if _relevant(region.text, m, year, excluded):
                    hits.append((m.start(), offset + rank, m))
                    break
        if hits:
            _, rank, m = min(hits, key=lambda h: h[:2])
            value = int(m.group("n").replace(",", ""))
            return ProseFigure(key, value, m.group(0), region.span(m, "n"), rank)
    return None


def _clause_before(text: str, at: int) -> str:
    """The clause a match starts in, up to the match (a clause ends at 。；;，,)."""
    cut = max(text.rfind(ch, 0, at) for ch in "。；;，,")
    return text[cut + 1:at]


def _relevant(text: str, m: re.Match[str], year: int | None, excluded: re.Pattern[str] | None) -> bool:
    before = _clause_before(text, m.start())
    if _EXCLUDED_BEFORE.search(before):
        return False
    mentioned = _YEAR.search(before)
    if year is not None and mentioned and int(mentioned.group(1)) != year:
        return False
    mid = m.groupdict().get("mid") or ""
    return not (excluded is not None and excluded.search(mid))


def proactive_items(source: str, start: int, end: int, year: int | None = None) -> ProseFigure | None:
    return first_figure("narrative.proactive_items", source, start, end, PROACTIVE_PATTERNS, year, _NOT_PROACTIVE)


def requests_received(source: str, start: int, end: int, year: int | None = None) -> ProseFigure | None:
    found = first_figure("narrative.requests_received", source, start, end, REQUEST_PATTERNS, year, _NOT_REQUESTS)
    if found is not None:
        return found
    region = Compact.of(source, start, end)
    for m in REQUESTS_NONE.finditer(region.text):
        if _relevant(region.text, m, year, None):
            return ProseFigure("narrative.requests_received", 0, m.group(0), region.span(m), 0)
    return None


def info_fee(source: str, start: int, end: int, year: int | None = None) -> ProseFigure | None:
    region = Compact.of(source, start, end)
    amount = FEE_AMOUNT.search(region.text)
    zero = FEE_ZERO.search(region.text)
    if amount and (zero is None or amount.start() < zero.start()):
        text = amount.group(1).replace(",", "")
        value: int | str = int(text) if "." not in text else text
        return ProseFigure("fees.info_processing_fee_yuan", value, amount.group(0), region.span(amount, 1), 1)
    if zero:
        return ProseFigure("fees.info_processing_fee_yuan", 0, zero.group(0), region.span(zero), 0)
    return None


# Soft cross-checks: what the prose says of the tables (fields.md, "Prose vs table").
STATED = {
    # "同意公开答复 9 件" is an outcome, not the number completed
    # "同意公开答复 9 件" is an outcome and "转下一年度办理答复" a carry-over, not the number completed
    "narrative.requests_completed": re.compile(r"(?<![开理])(?:办结|答复)[^。；;，,]{0,10}?(\d+)\s*件"),
    "narrative.requests_carried_forward": re.compile(
        r"(?:(?<!上年)(?<!上年度)结转(?:下|至|到)|转下一?年度)[^。；;，,]{0,10}?(\d+)\s*件"),
    "narrative.reviews": re.compile(r"行政复议(?:申请|案件)?[^。；;，,\d]{0,6}?(\d+)\s*[件起]"),
}


def stated_figures(source: str, start: int, end: int) -> list[ProseFigure]:
    region = Compact.of(source, start, end)
    out = []
    for key, pattern in STATED.items():
        m = pattern.search(region.text)
        if m:
            out.append(ProseFigure(key, int(m.group(1)), m.group(0), region.span(m, 1), 0))
    return out
