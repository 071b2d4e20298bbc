"""Response models: what the model must answer for each region, and the validators that check it.

Roles: ``table3`` (the 25-row × 7-column grid, rows keyed as in ``template``), ``table4`` (15 cells),
``table2`` (the cells of the 2021 or 2019 form), ``prose`` (org name, year and the three prose
figures, each with the sentence quoted from the report) and ``sections56`` (problems, improvements
and the fee statement). JSON keys are the canonical row keys and field keys of fields.md.

Validators raise ``ValueError`` with a message naming the exact failing identity and its cells, or
the quote that is not in the report; instructor sends that message back as a re-ask. A table whose
printed numbers really break an identity is answered as printed, with the identity named in
``printed_inconsistencies``: the model is never pushed to change a printed number to make sums work
(fields.md). ``parse_lenient`` reads a last, still-invalid answer without the checks, for flagging.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
    model_validator,
)

from ..identities import Equation, appeal_equations, evaluate, table3_equations
from ..parse.tokens import squash
from ..report import Scalar
from ..template import (
    APPEAL_BLOCKS,
    APPEAL_OUTCOMES,
    COLUMN_LABELS,
    COLUMNS,
    ActiveRow,
    active_rows,
    request_key,
    table3_rows,
)

Count = Annotated[int, Field(ge=0)] | None
MAX_LISTED_FAILURES = 8
LENIENT = {"lenient": True}  # validation context: parse without the checks (never sent to instructor)


def _decimal_text(value: Any) -> Any:
    """行政事业性收费 in 万元 is kept as printed: a decimal string, every digit."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().replace(",", "").replace("，", "")
    try:
        Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    return text


DecimalText = Annotated[str | None, BeforeValidator(_decimal_text)]


class RegionAnswer(BaseModel):
    """An answer about one region: canonical key → value, for reconciliation with the parser."""

    model_config = ConfigDict(populate_by_name=True)

    def values(self) -> dict[str, Scalar]:
        return {}

    def quotes(self) -> dict[str, str]:
        return {}

    def acknowledged(self) -> list[str]:
        return []

    def equations(self) -> list[Equation]:
        return []


# ---- identities --------------------------------------------------------------------------------

def identity_id(eq: Equation) -> str:
    return f"{eq.rule} {eq.name}"


def failing(equations: list[Equation], values: dict[str, Scalar], acknowledged: Sequence[str] = ()) -> list[Equation]:
    """Identities that evaluate and fail, less those the answer says the report itself breaks."""
    numeric = {k: v if isinstance(v, int) and not isinstance(v, bool) else None for k, v in values.items()}
    named = " | ".join(a.lower() for a in acknowledged)
    out = []
    for eq in equations:
        lr = evaluate(eq, numeric)
        if lr is not None and lr[0] != lr[1] and identity_id(eq).lower() not in named:
            out.append(eq)
    return out


def identity_message(broken: list[Equation], values: dict[str, Scalar]) -> str:
    lines = ["The table breaks these identities (勾稽关系):"]
    for eq in broken[:MAX_LISTED_FAILURES]:
        left = " + ".join(f"{k} ({values.get(k)})" for k in eq.lhs)
        right = " + ".join(f"{k} ({values.get(k)})" for k in eq.rhs)
        lsum = sum(int(values[k] or 0) for k in eq.lhs)
        rsum = sum(int(values[k] or 0) for k in eq.rhs)
        lines.append(f"- {identity_id(eq)}: {left} = {lsum}, but {right} = {rsum} (difference {lsum - rsum})")
    if len(broken) > MAX_LISTED_FAILURES:
        lines.append(f"- … and {len(broken) - MAX_LISTED_FAILURES} more")
    lines.append("Re-read exactly these cells in the report text. If the report really prints these numbers, "
                 "keep them as printed and add each identity's name (e.g. \"" + identity_id(broken[0]) + "\") to "
                 "printed_inconsistencies. Never change a printed number only to make the sums work.")
    return "\n".join(lines)


class TableAnswer(RegionAnswer):
    printed_inconsistencies: list[str] = Field(
        default_factory=list,
        description="names of identities the report's own printed numbers break (from an error message); "
                    "normally empty")

    def acknowledged(self) -> list[str]:
        return list(self.printed_inconsistencies)

    @model_validator(mode="after")
    def _identities_hold(self, info: ValidationInfo) -> TableAnswer:
        if info.context and info.context.get("lenient"):
            return self
        values = self.values()
        broken = failing(self.equations(), values, self.printed_inconsistencies)
        if broken:
            raise ValueError(identity_message(broken, values))
        return self


# ---- table 三 ------------------------------------------------------------------------------------

class Table3Row(BaseModel):
    natural_person: Count = Field(description="自然人")
    commercial: Count = Field(description="商业企业")
    research: Count = Field(description="科研机构")
    social_welfare: Count = Field(description="社会公益组织")
    legal_service: Count = Field(description="法律服务机构")
    other_org: Count = Field(description="其他 (法人或其他组织); null when the table has no 其他 column")
    total: Count = Field(description="总计")


def field_name(key: str) -> str:
    """``withheld.state_secret`` → ``withheld__state_secret`` (the JSON key stays the canonical one)."""
    return key.replace(".", "__")


class Table3Answer(TableAnswer):
    VERSION: ClassVar[str] = "2021"

    def values(self) -> dict[str, Scalar]:
        out: dict[str, Scalar] = {}
        for row in table3_rows(self.VERSION):
            cells = getattr(self, field_name(row.key))
            for col in COLUMNS:
                out[request_key(row.key, col)] = getattr(cells, col)
        return out

    def equations(self) -> list[Equation]:
        return list(table3_equations(self.VERSION))


@functools.cache
def table3_model(version: str) -> type[Table3Answer]:
    fields: dict[str, Any] = {
        field_name(row.key): (Table3Row, Field(alias=row.key, description=row.label)) for row in table3_rows(version)
    }
    model = create_model(f"Table3Grid{version}", __base__=Table3Answer, **fields)
    model.VERSION = version
    return model


# ---- table 四 ------------------------------------------------------------------------------------

class AppealBlock(BaseModel):
    upheld: Count = Field(description="结果维持")
    corrected: Count = Field(description="结果纠正")
    other: Count = Field(description="其他结果")
    pending: Count = Field(description="尚未审结")
    total: Count = Field(description="总计")


class Table4Cells(TableAnswer):
    review: AppealBlock = Field(description="行政复议")
    suit_direct: AppealBlock = Field(description="行政诉讼 · 未经复议直接起诉")
    suit_after_review: AppealBlock = Field(description="行政诉讼 · 复议后起诉")

    def values(self) -> dict[str, Scalar]:
        return {f"appeals.{b}.{o}": getattr(getattr(self, b), o) for b in APPEAL_BLOCKS for o in APPEAL_OUTCOMES}

    def equations(self) -> list[Equation]:
        return list(appeal_equations())


# ---- table 二 ------------------------------------------------------------------------------------

class Table2Answer(RegionAnswer):
    VERSION: ClassVar[str] = "2021"

    def values(self) -> dict[str, Scalar]:
        out: dict[str, Scalar] = {}
        for row in active_rows(self.VERSION):
            cells = getattr(self, _row_name(row))
            for col in row.columns:
                out[f"{row.prefix}.{col}"] = getattr(cells, col)
        return out


def _row_name(row: ActiveRow) -> str:
    return row.prefix.split(".", 1)[1]


def _column_type(row: ActiveRow, col: str) -> Any:
    last = col == row.columns[-1]
    if last and row.decimal_last:
        return DecimalText
    if last and row.amount_with_unit:
        return str | None  # 2019 procurement amount keeps its unit, e.g. "251000元"
    if col in row.signed:
        return int | None  # 本年增/减 may be negative
    return Count


@functools.cache
def table2_model(version: str) -> type[Table2Answer]:
    fields: dict[str, Any] = {}
    for row in active_rows(version):
        columns: dict[str, Any] = {col: (_column_type(row, col), Field()) for col in row.columns}
        row_model = create_model(f"{_row_name(row).title().replace('_', '')}Row{version}", **columns)
        fields[_row_name(row)] = (row_model, Field())
    model = create_model(f"Table2Cells{version}", __base__=Table2Answer, **fields)
    model.VERSION = version
    return model


# ---- prose figures and sections 五/六 --------------------------------------------------------------

def compact(text: str) -> str:
    """Text for quote matching: no whitespace or markdown marks, half-width forms, no thousands commas."""
    return squash(text).replace(",", "")


class TextFigure(BaseModel):
    value: str | None = Field(description="the value; null when the report does not state it")
    quote: str | None = Field(description="the report's exact words that state the value")


class CountFigure(BaseModel):
    value: Count = Field(description="the number as an integer; null when the report does not state it")
    quote: str | None = Field(description="the report's exact words that state the number")


class SourceBound(RegionAnswer):
    """An answer whose quotes must occur in the region text it was asked about (bound per question)."""

    SOURCE: ClassVar[str | None] = None

    def _quote_problems(self) -> Iterator[str]:
        yield from ()

    @model_validator(mode="after")
    def _quotes_occur(self, info: ValidationInfo) -> SourceBound:
        if self.SOURCE is None or (info.context and info.context.get("lenient")):
            return self
        problems = list(self._quote_problems())
        if problems:
            raise ValueError("Quotes must be copied exactly from the report text:\n- " + "\n- ".join(problems))
        return self


PROSE_FIELDS = (
    ("org_name", "meta.org_name"),
    ("year", "meta.year"),
    ("proactive_items", "narrative.proactive_items"),
    ("requests_received", "narrative.requests_received"),
    ("info_processing_fee_yuan", "fees.info_processing_fee_yuan"),
)


class ProseFiguresBase(SourceBound):
    org_name: TextFigure = Field(alias="meta.org_name", description="the reporting body, as in the title")
    year: CountFigure = Field(alias="meta.year", description="the report year")
    proactive_items: CountFigure = Field(
        alias="narrative.proactive_items",
        description="the headline count of items proactively disclosed in the year (主动公开政府信息 N 条)")
    requests_received: CountFigure = Field(
        alias="narrative.requests_received",
        description="the count of disclosure applications received, as the prose states it (收到/受理申请 N 件)")
    info_processing_fee_yuan: CountFigure = Field(
        alias="fees.info_processing_fee_yuan",
        description="信息处理费 charged in the year, in 元 (未收取 → 0)")

    def figures(self) -> Iterator[tuple[str, TextFigure | CountFigure]]:
        for name, key in PROSE_FIELDS:
            yield key, getattr(self, name)

    def values(self) -> dict[str, Scalar]:
        return {key: fig.value for key, fig in self.figures()}

    def quotes(self) -> dict[str, str]:
        return {key: fig.quote for key, fig in self.figures() if fig.value is not None and fig.quote}

    def _quote_problems(self) -> Iterator[str]:
        source = compact(self.SOURCE or "")
        for key, fig in self.figures():
            if fig.value is None:
                continue
            if not fig.quote or not fig.quote.strip():
                yield f"{key}: quote the report's words that state {fig.value!r}, or give null for both"
            elif compact(fig.quote) not in source:
                yield f"{key}: the quote {fig.quote[:80]!r} does not occur in the report text"
            elif not _states(fig.value, fig.quote):
                yield f"{key}: the quote {fig.quote[:80]!r} does not contain the value {fig.value!r}"


def _states(value: int | str, quote: str) -> bool:
    if value == 0:
        return True  # 未收取 / 没有 states a zero without a digit
    return compact(str(value)) in compact(quote)


class Sections56Base(SourceBound):
    problems: list[str] = Field(description="the problems section 五 names, one short item each, in the report's words")
    improvements: list[str] = Field(description="the improvements section 五 names, one short item each")
    fee_statement: str | None = Field(
        description="the sentence of section 六 about 信息处理费 (information-processing fees), copied exactly; "
                    "null when there is none")

    def _quote_problems(self) -> Iterator[str]:
        if self.fee_statement and compact(self.fee_statement) not in compact(self.SOURCE or ""):
            yield f"fee_statement: {self.fee_statement[:80]!r} does not occur in the report text"


def _bound(base: type[SourceBound], name: str, source: str) -> type[SourceBound]:
    model = create_model(name, __base__=base)
    model.SOURCE = source
    return model


# ---- by role -------------------------------------------------------------------------------------

ROLES = ("table3", "table4", "table2", "prose", "sections56")


def response_model(role: str, version: str | None, source: str) -> type[RegionAnswer]:
    """The model to ask for. Quotes are checked against ``source`` (the region text sent)."""
    if role == "table3":
        return table3_model(version or "2021")
    if role == "table4":
        return Table4Cells
    if role == "table2":
        return table2_model(version or "2021")
    if role == "prose":
        return _bound(ProseFiguresBase, "ProseFigures", source)
    if role == "sections56":
        return _bound(Sections56Base, "Sections56", source)
    raise ValueError(f"unknown role {role!r}")


def parse_lenient(model: type[RegionAnswer], text: str | None) -> RegionAnswer | None:
    """An answer that failed only the checks (identities, quotes), read for flagging; else None."""
    if not text:
        return None
    try:
        return model.model_validate_json(text, context=LENIENT, strict=False)
    except ValidationError:
        return None


def column_labels() -> list[tuple[str, str]]:
    return [(c, COLUMN_LABELS[c]) for c in COLUMNS]


__all__ = ["ROLES", "RegionAnswer", "TableAnswer", "Table3Answer", "Table4Cells", "Table2Answer",
           "ProseFiguresBase", "Sections56Base", "response_model", "parse_lenient", "failing", "identity_id",
           "table3_model", "table2_model", "compact", "column_labels"]
