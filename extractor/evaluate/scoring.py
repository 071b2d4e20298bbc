"""Scoring one document: the flat output against its gold, key by key.

The rules are those of ``shared/tools/score.py`` (and ``shared/spec/output.md``), re-stated here so the
project's eval does not import the independent scorer it is tested against:

- a gold key is correct when the output's value equals it (numbers compared as decimals; strings
  exactly, after stripping the output, or via an alias); an absent key is wrong;
- a key in ``implied`` or ``must_flag`` is correct only when its value is right AND it is flagged;
- a key is flagged when it has a non-empty flag list or a finding names it;
- a wrong key nobody flagged is a silent error.

Beyond score.py, each row keeps what the rich result knows of the key (confidence, method), which the
metrics use for calibration.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, computed_field

Outcome = Literal["correct", "flagged", "silent"]  # flagged/silent: the two kinds of wrong


class KeyRow(BaseModel):
    """One gold key of one document, as scored."""

    key: str
    gold: Any
    got: Any = None
    present: bool  # the output has the key at all
    correct: bool
    flagged: bool
    must_flag: bool  # in gold implied/must_flag: right only when flagged
    confidence: float | None = None  # Value.confidence of the rich result; None when absent
    method: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> Outcome:
        if self.correct:
            return "correct"
        return "flagged" if self.flagged else "silent"


class DocumentScore(BaseModel):
    rows: list[KeyRow]
    status: str | None = None

    @property
    def keys(self) -> int:
        return len(self.rows)

    @property
    def correct(self) -> int:
        return sum(r.correct for r in self.rows)

    @property
    def silent_errors(self) -> int:
        return sum(r.outcome == "silent" for r in self.rows)

    @property
    def flagged(self) -> int:
        return sum(r.flagged for r in self.rows)

    @property
    def accuracy(self) -> float:
        return self.correct / self.keys if self.keys else 0.0

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.keys if self.keys else 0.0

    def as_score_py(self) -> dict[str, Any]:
        """The dict ``shared/tools/score.py`` returns for the same inputs (for cross-checking)."""
        return {
            "keys": self.keys,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "silent_errors": self.silent_errors,
            "flagged_share": self.flagged_share,
            "status": self.status,
            "wrong": [(r.key, r.gold, r.got, "flagged" if r.flagged else "SILENT") for r in self.rows if not r.correct],
        }


class KeyDetail(BaseModel):
    """What the rich result says of a key beyond its value."""

    confidence: float | None = None
    method: str | None = None


def score_document(
    gold: Mapping[str, Any], out: Mapping[str, Any], details: Mapping[str, KeyDetail] | None = None
) -> DocumentScore:
    """Score the flat output ``out`` (spec/output.md) against ``gold``."""
    values = out.get("values") or {}
    flagged_keys = flagged_keys_of(out)
    needs_flag = set(gold.get("implied", [])) | set(gold.get("must_flag", []))
    aliases = gold.get("aliases", {})
    details = details or {}
    rows = []
    for key, gold_value in gold["values"].items():
        got = values.get(key)
        flagged = key in flagged_keys
        right = key in values and same(gold_value, got, aliases.get(key, []))
        detail = details.get(key, KeyDetail())
        rows.append(
            KeyRow(
                key=key,
                gold=gold_value,
                got=got,
                present=key in values,
                correct=right and (flagged or key not in needs_flag),
                flagged=flagged,
                must_flag=key in needs_flag,
                confidence=detail.confidence,
                method=detail.method,
            )
        )
    return DocumentScore(rows=rows, status=out.get("status"))


def flagged_keys_of(out: Mapping[str, Any]) -> set[str]:
    """Keys with a non-empty flag list, and keys any finding names."""
    flags = out.get("flags") or {}
    named: set[str] = set()
    for finding in out.get("findings") or []:
        named.update(finding.get("cells") or [])
    return {k for k, v in flags.items() if v} | named


def num(x: Any) -> Decimal | None:
    """A number as a decimal (thousands separators and spaces dropped), or None."""
    if isinstance(x, bool) or x is None:
        return None
    try:
        return Decimal(str(x).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None


def same(gold: Any, got: Any, aliases: Iterable[str] = ()) -> bool:
    """Whether ``got`` equals ``gold``: a non-numeric gold string by text (or alias), else by decimal."""
    if isinstance(gold, str) and num(gold) is None:
        return isinstance(got, str) and got.strip() in {gold, *aliases}
    g, o = num(gold), num(got)
    return g is not None and o is not None and g == o
