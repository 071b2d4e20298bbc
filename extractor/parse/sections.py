"""Finding the six sections by heading text (numerals vary; Shanghai-style reports renumber them)."""
from __future__ import annotations

import re
from dataclasses import dataclass

# the mark after the numeral: 、 as printed, or what OCR and typists make of it (六·其他需要报告的事项 from a
# scan lost section 六 and its 信息处理费)
_NUM = r"[一二三四五六七八九十]{1,2}\s*[、.．·•丶，,]\s*"
_GAP = r"\s*"


def _loose(words: str) -> str:
    """A regex for ``words`` that tolerates whitespace and markdown marks between characters."""
    return r"[\s*#]*".join(re.escape(ch) if ch not in "()|?" else ch for ch in words)


SECTION_PATTERNS: dict[str, re.Pattern[str]] = {
    "s1": re.compile(_NUM + r"(?:" + _loose("总体情况") + "|" + _loose("概述") + ")"),
    "s2": re.compile(_NUM + _loose("主动公开政府信息") + r"的?" + _loose("情况")),
    "s3": re.compile(_NUM + _loose("收到和处理政府信息公开申请") + r"的?" + _loose("情况")),
    "s4": re.compile(_NUM + r"(?:政府信息公开)?\s*(?:因政府信息公开[^。\n]{0,12})?" + r"行\s*政\s*法?\s*复\s*议"),
    "s5": re.compile(_NUM + r"(?:政府信息公开工作)?\s*存\s*在\s*的?\s*(?:主\s*要)?\s*问\s*题"),
    "s6": re.compile(_NUM + _loose("其他需要报告的事项")),
}
ORDER = ("s1", "s2", "s3", "s4", "s5", "s6")


@dataclass(frozen=True)
class SectionSpan:
    key: str
    start: int  # offset of the heading in the flow text
    body: int  # offset just after the heading
    end: int  # offset of the next section's heading (or end of text)
    heading: str


def find_sections(text: str) -> dict[str, SectionSpan]:
    """Locate each section's heading, in order: a section is searched for after the previous one.

    A section that is not found is skipped, and the search for the next starts where the last found
    one was, so one lost heading (common in PDF→Markdown conversions) does not lose the rest.
    """
    found: list[tuple[str, int, int]] = []
    cursor = 0
    for key in ORDER:
        m = SECTION_PATTERNS[key].search(text, cursor)
        if not m:
            continue
        found.append((key, m.start(), m.end()))
        cursor = m.end()
    spans: dict[str, SectionSpan] = {}
    for i, (key, start, body) in enumerate(found):
        end = found[i + 1][1] if i + 1 < len(found) else len(text)
        line_end = text.find("\n", body)
        heading = text[start: line_end if 0 <= line_end - start < 60 else body].strip()
        spans[key] = SectionSpan(key, start, body, end, heading)
    return spans
