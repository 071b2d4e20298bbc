"""The checker: re-verifies a report on its values alone and decides its status.

It does not trust the parser: every identity is evaluated again on the final values, the value
domain and units are checked, prose figures are compared with the tables, and low-confidence
values are flagged. It never changes a value; it only adds findings and flags.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from .identities import Equation, appeal_equations, evaluate, table3_equations
from .ocr_repairs import single_substitution_repairs
from .report import Finding, Report, Status, Value
from .template import ADMIN_FEE_IMPLAUSIBLE_10K_YUAN, ADMIN_FEE_KEY

LOW_CONFIDENCE = 0.6


def check(report: Report) -> list[Finding]:
    findings: list[Finding] = []
    values = {k: v.value if isinstance(v.value, int) else None for k, v in report.values.items()}
    equations: list[Equation] = []
    if report.template.table3:
        equations += table3_equations(report.template.table3)
    if any(k.startswith("appeals.") for k in values):
        equations += appeal_equations()
    for eq in equations:
        findings += _identity(eq, values)
    _flag_weak_ocr(report, values, equations)
    _suggest_ocr_repairs(report, findings, values, equations)
    findings += _domain(report)
    findings += _admin_fee(report)
    findings += _prose_vs_tables(report)
    findings += _restated(report)
    for v in report.values.values():
        if v.confidence < LOW_CONFIDENCE and not v.flags:
            v.flag("low_confidence")
    return findings


def _identity(eq: Equation, values: dict[str, int | None]) -> list[Finding]:
    lr = evaluate(eq, values)
    if lr is None or lr[0] == lr[1]:
        return []
    left, right = lr
    return [Finding(
        rule=eq.rule, severity="error", cells=list(eq.cells),
        left=str(left), right=str(right), delta=str(left - right),
        message=f"{eq.rule} fails for {eq.name}: {' + '.join(eq.lhs)} = {left} but "
                f"{' + '.join(eq.rhs)} = {right} (difference {left - right})",
    )]


OCR_TRUSTED = 0.9  # below this OCR confidence a digit no identity confirms gets a person's look
OCR_REPAIR_CONFIDENCE = 0.95  # a digit read more surely than this was printed wrong, not read wrong


def _ocr_confidence(v: Value) -> float | None:
    """The weakest OCR confidence among the places a value was read from; None if not OCR-read."""
    ocr = [w.confidence for w in v.where if w.route == "ocr"]
    if not ocr:
        return None
    return min((c for c in ocr if c is not None), default=OCR_TRUSTED)


def _flag_weak_ocr(report: Report, values: dict[str, int | None], equations: Sequence[Equation]) -> None:
    """A weakly read OCR digit is flagged unless an identity through it holds with every cell known:
    the arithmetic then vouches for it better than the engine's score."""
    confirmed = {k for eq in equations if (lr := evaluate(eq, values)) is not None and lr[0] == lr[1] for k in eq.cells}
    for key, v in report.values.items():
        conf = _ocr_confidence(v)
        if conf is None or v.method != "parsed":
            continue
        v.confidence = min(v.confidence, conf)
        if conf < OCR_TRUSTED and key not in confirmed:
            v.flag("ocr_low_confidence")


def _suggest_ocr_repairs(report: Report, findings: list[Finding], values: dict[str, int | None],
                         equations: Sequence[Equation]) -> None:
    """When identities fail and exactly one confusable-digit substitution in one OCR-read cell makes
    every identity hold, say so in the findings (the value itself stays as read)."""
    ocr_cells = {k: c for k, v in report.values.items() if (c := _ocr_confidence(v)) is not None}
    repairs = single_substitution_repairs(values, equations, ocr_cells, max_confidence=OCR_REPAIR_CONFIDENCE)
    if len(repairs) != 1:
        return
    key, printed, candidate = repairs[0]
    for f in findings:
        if key in f.cells:
            f.message += (f"; reading {key} as {candidate} instead of {printed} (an OCR digit confusion) "
                          f"would satisfy every identity")
    report.values[key].flag("ocr_suspect")
    report.values[key].candidates = [candidate]


def _domain(report: Report) -> list[Finding]:
    out = []
    for key, v in report.values.items():
        if not isinstance(v.value, int) or key.endswith(".change") or key == "meta.year":
            continue
        if v.value < 0:
            out.append(Finding(rule="value_domain", severity="error", cells=[key],
                               message=f"{key} = {v.value}: counts cannot be negative"))
    return out


def _admin_fee(report: Report) -> list[Finding]:
    v = report.values.get(ADMIN_FEE_KEY)
    if v is None or v.value is None:
        return []
    try:
        amount = Decimal(str(v.value))
    except InvalidOperation:
        return [Finding(rule="value_domain", severity="error", cells=[ADMIN_FEE_KEY],
                        message=f"行政事业性收费 '{v.value}' is not a number")]
    if amount > ADMIN_FEE_IMPLAUSIBLE_10K_YUAN:
        v.flag("implausible_unit")
        return [Finding(
            rule="implausible_unit", severity="warning", cells=[ADMIN_FEE_KEY], left=str(amount),
            right=str(ADMIN_FEE_IMPLAUSIBLE_10K_YUAN),
            message=f"行政事业性收费 {amount} 万元 is {amount / 10000:.1f} 亿元: almost surely 元 printed as 万元",
        )]
    return []


def _prose_vs_tables(report: Report) -> list[Finding]:
    out = []
    stated = report.get("narrative.requests_received")
    new = report.get("requests.new_received.total")
    carried = report.get("requests.carried_over.total")
    if isinstance(stated, int) and isinstance(new, int):
        allowed = {new, new + (carried if isinstance(carried, int) else 0)}
        if stated not in allowed:
            report.values["narrative.requests_received"].flag("prose_table_mismatch")
            out.append(Finding(
                rule="prose_vs_table", severity="warning",
                cells=["narrative.requests_received", "requests.new_received.total"],
                left=str(stated), right=str(new), delta=str(stated - new),
                message=f"the prose says {stated} applications received; table 三 has 新收 {new}"
                        + (f" and 上年结转 {carried}" if carried else "")
                        + " (the prose may describe a different scope, e.g. only the office itself)",
            ))
    return out


# stated figure → the table cell it restates (fields.md, "Prose vs table (soft)")
RESTATED = {
    "narrative.requests_completed": "requests.total.total",
    "narrative.requests_carried_forward": "requests.carried_forward.total",
    "narrative.reviews": "appeals.review.total",
}


def _restated(report: Report) -> list[Finding]:
    out = []
    for prose_key, cell in RESTATED.items():
        stated, table = report.get(prose_key), report.get(cell)
        if isinstance(stated, int) and isinstance(table, int) and stated != table:
            report.values[prose_key].flag("prose_table_mismatch")
            out.append(Finding(
                rule="prose_vs_table", severity="warning", cells=[prose_key, cell],
                left=str(stated), right=str(table), delta=str(stated - table),
                message=f"the prose says {stated} ({report.values[prose_key].raw}); the table has {table} in {cell}",
            ))
    return out


def status_of(report: Report, findings: list[Finding]) -> Status:
    flagged = any(v.flags for v in report.values.values())
    failed = any(f.severity in ("error", "warning") for f in findings)
    return "needs_review" if flagged or failed else "ok"
