"""Parser and model values side by side: which one stands, and what is flagged.

- Agreement: confidence rises to at least 0.95; no flag is added (a stale ``low_confidence`` goes).
- A key only the model produced: method ``llm``, flag ``llm_only`` (and ``llm_unverified`` when the
  answer did not pass every check). Where the parser has no value (null) the model's fills in; a
  placeholder *value* the parser put for a cell it could not find (method ``default``, flag
  ``missing``) is taken over only by a verified answer; an unverified one only disputes it.
- Disagreement: flag ``parser_llm_disagree``, both readings kept (value and candidates). The parser's
  value stands unless all of these hold: the document is not suspected of prompt injection; the
  model's answer is *verified* (it passed the validators, every identity evaluates and holds, none is
  excused as a printed inconsistency, and every non-zero number it gives is printed in the region);
  and the parser's own values for the region break an identity, i.e. the parser demonstrably
  misread. Then the model's reading is used, still flagged. A model value therefore never silently
  replaces a parser value, and never replaces one that satisfies the identities.
- A suspect document: the model may only flag (disagreements); it adds and replaces nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..document import Where
from ..identities import Equation
from ..parse.tokens import normalize
from ..report import Report, Scalar, Value
from .schemas import RegionAnswer, compact, failing

AGREED_CONFIDENCE = 0.95
VERIFIED_CONFIDENCE = 0.8
UNVERIFIED_CONFIDENCE = 0.5
DISPUTED_CONFIDENCE = 0.5
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


@dataclass
class Reading:
    """One model answer about one region, ready to be set beside the parser's values."""

    role: str
    values: dict[str, Scalar]  # canonical key → model value (None: the model did not give it)
    equations: list[Equation]
    verified: bool
    trusted: bool  # False on a document suspected of prompt injection
    where: dict[str, Where]  # per key: the quoted sentence, else the whole region
    raws: dict[str, str] = field(default_factory=dict)  # per key: the quote, when there is one


@dataclass
class Outcome:
    agreed: list[str] = field(default_factory=list)
    disagreed: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)


def verified(answer: RegionAnswer, region_text: str, checked: bool) -> bool:
    """Whether an answer may replace a parser value that breaks an identity (see the module doc)."""
    if not checked or answer.acknowledged():
        return False
    values = answer.values()
    equations = answer.equations()
    if equations:
        keys = {k for eq in equations for k in eq.cells}
        if any(not isinstance(values.get(k), int) for k in keys) or failing(equations, values):
            return False
    return _all_printed(values, region_text)


def reconcile(report: Report, reading: Reading) -> Outcome:
    outcome = Outcome()
    may_replace = reading.trusted and reading.verified and _parser_breaks_identity(report, reading.equations)
    for key, theirs in reading.values.items():
        if theirs is None:
            continue
        ours = report.values.get(key)
        if ours is None or ours.value is None or (not produced(ours) and reading.verified):
            if reading.trusted:
                report.values[key] = _model_value(key, theirs, reading, ours)
                outcome.added.append(key)
        elif same(ours.value, theirs):
            if reading.trusted:
                ours.confidence = max(ours.confidence, AGREED_CONFIDENCE)
                if "low_confidence" in ours.flags:
                    ours.flags.remove("low_confidence")
            outcome.agreed.append(key)
        elif may_replace:
            report.values[key] = _replacement(key, theirs, reading, ours)
            outcome.replaced.append(key)
        else:
            _dispute(ours, theirs)
            outcome.disagreed.append(key)
    return outcome


def produced(v: Value) -> bool:
    """Whether the parser gave this key a value of its own (not a placeholder for a missing cell)."""
    return v.value is not None and not (v.method == "default" and "missing" in v.flags)


def same(a: Scalar, b: Scalar) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        da, db = _decimal(a), _decimal(b)
        if da is not None and db is not None:
            return da == db
        return compact(str(a)) == compact(str(b))
    return a == b


def _parser_breaks_identity(report: Report, equations: list[Equation]) -> bool:
    if not equations:
        return False  # no identity can show the parser wrong: its value stands
    return bool(failing(equations, {k: v.value for k, v in report.values.items()}))


def _model_value(key: str, value: Scalar, reading: Reading, placeholder: Value | None) -> Value:
    v = Value(key=key, value=value, raw=reading.raws.get(key, str(value)), where=_where(reading, key),
              method="llm", confidence=VERIFIED_CONFIDENCE if reading.verified else UNVERIFIED_CONFIDENCE)
    v.flag("llm_only")
    if not reading.verified:
        v.flag("llm_unverified")
    if placeholder is not None and placeholder.value is not None:
        v.candidates = [placeholder.value]
    return v


def _replacement(key: str, value: Scalar, reading: Reading, ours: Value) -> Value:
    candidates = [c for c in [ours.value, *ours.candidates] if c is not None and not same(c, value)]
    v = Value(key=key, value=value, raw=reading.raws.get(key, str(value)), where=_where(reading, key),
              method="llm", confidence=VERIFIED_CONFIDENCE, candidates=list(dict.fromkeys(candidates)),
              note=f"read by the model; the parser read {ours.value!r} (its table breaks an identity)")
    v.flag("parser_llm_disagree")
    return v


def _dispute(ours: Value, theirs: Scalar) -> None:
    ours.flag("parser_llm_disagree")
    if not any(same(c, theirs) for c in ours.candidates if c is not None):
        ours.candidates.append(theirs)
    ours.confidence = min(ours.confidence, DISPUTED_CONFIDENCE)


def _where(reading: Reading, key: str) -> list[Where]:
    where = reading.where.get(key)
    return [where] if where is not None else []


def _decimal(x: Scalar) -> Decimal | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        return Decimal(str(x).replace(",", "").strip())
    except InvalidOperation:
        return None


def _all_printed(values: dict[str, Scalar], text: str) -> bool:
    """Every non-zero number of the answer appears in the region text (no invented numbers)."""
    printed = {_decimal(m.group(0)) for m in _NUMBER.finditer(normalize(text))}
    for value in values.values():
        if isinstance(value, bool) or value is None:
            continue
        number = _decimal(value) if isinstance(value, (int, str)) else None
        if isinstance(value, str) and number is None:
            continue  # a name, not a number
        if number is not None and number != 0 and number not in printed:
            return False
    return True
