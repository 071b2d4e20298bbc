"""Quirks: the ways real reports depart from the clean form, as named switches that compose.

Each ``Quirk`` says which formats it applies to, which quirks it cannot be combined with (because
together they would make the document ambiguous, not just hard), and what the values must look like
for the quirk to be recoverable (a dropped row must hold zeros). A ``Variant`` is one document's set
of quirks, read by the layout and the renderers through named properties. The functions at the end
serve the quirks that touch the values rather than the layout: values drawn to fit the quirks, a
misprinted total, and the keys whose cells the document no longer shows.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..template import COLUMNS, request_key, table3_rows
from .values import Values, make_values

FORMATS: tuple[str, ...] = ("text_tabs", "text_cells", "markdown", "html", "docx")


def _query_row_zero(values: Mapping[str, int | str]) -> bool:
    return all(values[request_key("withheld.query_matter", c)] == 0 for c in COLUMNS)


def _has_large_table2_count(values: Mapping[str, int | str]) -> bool:
    return any(isinstance(v, int) and abs(v) >= 1000 for k, v in values.items() if k.startswith("active"))


def _issued_has_revisions(values: Mapping[str, int | str]) -> bool:
    return int(values.get("active.normative_docs.issued", 0)) >= 2


@dataclass(frozen=True)
class Quirk:
    name: str
    note: str  # what the document shows, for the gold notes
    formats: tuple[str, ...] = FORMATS
    conflicts: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    fits: Callable[[Mapping[str, int | str]], bool] | None = None  # values the quirk needs


# The identity-breaking quirk (wrong_total) stays apart from the ones that hide cells: a hidden cell
# is recovered through the identities, and a misprinted total would make that recovery ambiguous.
QUIRKS: tuple[Quirk, ...] = (
    Quirk("typo_fagui", "Table 三 prints row 2.其他法律行政法规禁止公开 as 2.其他法律法规禁止公开.",
          conflicts=("typo_zhi",)),
    Quirk("typo_zhi", "Table 三 prints row 2.其他法律行政法规禁止公开 with the typo 2.其他法律行政止公开.",
          conflicts=("typo_fagui",)),
    Quirk("enum_comma", "Numbered rows of table 三 use 1、 instead of 1."),
    Quirk("no_other_col", "The 其他 applicant column is absent from the header and from every row of table 三; "
          "its cells (listed in implied) follow from the row sums.",
          conflicts=("blank_zeros", "wrong_total")),
    Quirk("no_query_row", "Row 8.属于行政查询事项 is absent from table 三; its cells (all 0, listed in implied) "
          "follow from the column sums.",
          conflicts=("wrong_total",), fits=_query_row_zero),
    Quirk("single_other", "Table 三 uses the single row （六）其他处理 (2019 layout) in a 2021 report: "
          "requests.other.total.* instead of the three （六） sub-rows.",
          conflicts=("format_2019",)),
    Quirk("format_2019", "2019 format: table 二 with 本年新制作/新公开/对外公开总数量, 上一年项目数量/本年增减 "
          "and 第（九）项 政府集中采购 (active2019.*); table 三 with the single row （六）其他处理.",
          conflicts=("single_other", "cell_note")),
    Quirk("thousands", "Table 二 counts of 1000 or more are printed with thousands separators (32,583).",
          fits=_has_large_table2_count),
    Quirk("fullwidth", "Table counts are printed in full-width digits (３２５８３); amounts and prose stay ASCII."),
    Quirk("blank_zeros", "Zeros in the 法人或其他组织 columns of table 三 are blank cells; the row sums confirm "
          "them as 0 (not implied).",
          conflicts=("no_other_col", "wrong_total")),
    Quirk("wrong_total", "One printed total of table 三 is off by 1-3; gold keeps the printed value and lists "
          "it in must_flag.",
          conflicts=("no_other_col", "no_query_row", "blank_zeros")),
    Quirk("cell_note", "active.normative_docs.issued carries a note inside its cell (N（其中修订 M 件）); "
          "the value is the leading number.",
          conflicts=("format_2019",), fits=_issued_has_revisions),
    Quirk("other_label", "The （六） label of table 三 is printed （六）其他 instead of （六）其他处理."),
    Quirk("shanghai", "Shanghai-style layout: six custom prose parts 一..六, then the tables under "
          "一、/二、/三、, then 四、存在的主要问题及改进情况 and 五、其他需要报告的事项."),
    Quirk("span_split", "HTML: digits and labels are split across <span> runs.", formats=("html",)),
    Quirk("blank_nbsp", "HTML: blank cells hold &nbsp;.", formats=("html",), requires=("blank_zeros",)),
    Quirk("gbk", "HTML encoded in GBK, declared by <meta charset=\"gbk\">.", formats=("html",)),
    Quirk("chrome", "HTML: site chrome around the <article> (navigation, a metadata table, related links, "
          "footer).", formats=("html",)),
)
QUIRK_BY_NAME: dict[str, Quirk] = {q.name: q for q in QUIRKS}


def compatible(name: str, chosen: tuple[str, ...]) -> bool:
    """Whether quirk ``name`` can join ``chosen`` (conflicts are checked both ways)."""
    quirk = QUIRK_BY_NAME[name]
    return all(other not in quirk.conflicts and name not in QUIRK_BY_NAME[other].conflicts for other in chosen)


@dataclass(frozen=True)
class Variant:
    """One document's quirks, as the switches layout and renderers read."""

    quirks: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = self.quirks - QUIRK_BY_NAME.keys()
        if unknown:
            raise ValueError(f"unknown quirks: {sorted(unknown)}")

    def has(self, name: str) -> bool:
        return name in self.quirks

    @property
    def table2(self) -> str:
        return "2019" if self.has("format_2019") else "2021"

    @property
    def table3(self) -> str:
        return "2019" if self.has("format_2019") or self.has("single_other") else "2021"

    @property
    def law_label(self) -> str:
        if self.has("typo_fagui"):
            return "其他法律法规禁止公开"
        if self.has("typo_zhi"):
            return "其他法律行政止公开"
        return "其他法律行政法规禁止公开"

    @property
    def enum_separator(self) -> str:
        return "、" if self.has("enum_comma") else "."

    @property
    def other_group_label(self) -> str:
        return "（六）其他" if self.has("other_label") else "（六）其他处理"

    @property
    def printed_columns(self) -> tuple[str, ...]:
        """The table 三 columns the document prints, 总计 included."""
        return tuple(c for c in COLUMNS if not (c == "other_org" and self.has("no_other_col")))

    @property
    def dropped_rows(self) -> tuple[str, ...]:
        return ("withheld.query_matter",) if self.has("no_query_row") else ()


def draw_values(rng: random.Random, variant: Variant, attempts: int = 500) -> Values:
    """Values for this variant's templates that every quirk can live with (redrawn until they fit)."""
    fits = [f for q in sorted(variant.quirks) if (f := QUIRK_BY_NAME[q].fits) is not None]
    for _ in range(attempts):
        values = make_values(rng, variant.table2, variant.table3)
        if all(fit(values) for fit in fits):
            return values
    raise RuntimeError(f"no values fit quirks {sorted(variant.quirks)} in {attempts} draws")


def hidden_keys(variant: Variant) -> list[str]:
    """Keys whose cells the document does not show: their values follow from the identities."""
    hidden: list[str] = []
    for row in table3_rows(variant.table3):
        for col in COLUMNS:
            if row.key in variant.dropped_rows or col not in variant.printed_columns:
                hidden.append(request_key(row.key, col))
    return hidden


@dataclass(frozen=True)
class Misprint:
    key: str
    true_value: int
    printed: int


def misprint_total(rng: random.Random, values: Values, table3: str) -> Misprint:
    """Pick the 总计 cell to print wrong: the grand total or one row's total, off by 1-3.

    New and carried-over requests stay right: the prose repeats new_received, and a wrong figure
    there would break a prose check too, not just the one identity the gold names."""
    rows = [r.key for r in table3_rows(table3) if r.key not in ("new_received", "carried_over", "total")]
    # Slips happen where there are numbers to add up: prefer a row that has requests.
    filled = [row for row in rows if values[request_key(row, "total")]]
    row = "total" if rng.random() < 0.4 else rng.choice(filled or rows)
    key = request_key(row, "total")
    true_value = int(values[key])
    return Misprint(key, true_value, true_value + rng.randint(1, 3))
