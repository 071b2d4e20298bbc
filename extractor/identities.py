"""The arithmetic identities (勾稽关系) as data, and the propagation that fills unknown cells.

An ``Equation`` is Σ sign·cell = 0 over canonical keys. The same equations serve the parser (to
choose between readings of glued digits, and to infer cells the document does not show) and the
checker (to report every identity that fails). Keeping them in one place keeps the two honest.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property

from .template import APPEAL_BLOCKS, APPLICANT_COLUMNS, COLUMNS, outcome_row_keys, request_key, table3_rows


@dataclass(frozen=True)
class Equation:
    rule: str  # row_sum | outcome_total | balance | appeal_sum
    name: str  # human label, e.g. "row 予以公开" or "column 自然人"
    lhs: tuple[str, ...]  # cells summed on the left
    rhs: tuple[str, ...]  # cells summed on the right

    @property
    def cells(self) -> tuple[str, ...]:
        return self.lhs + self.rhs

    @cached_property
    def signed(self) -> tuple[tuple[str, int], ...]:
        return tuple((k, 1) for k in self.lhs) + tuple((k, -1) for k in self.rhs)

    def terms(self) -> list[tuple[str, int]]:
        return list(self.signed)


@cache
def table3_equations(version: str) -> tuple[Equation, ...]:
    return tuple(_table3_equations(version))


def _table3_equations(version: str) -> list[Equation]:
    eqs: list[Equation] = []
    for row in table3_rows(version):
        eqs.append(Equation("row_sum", f"row {row.key}", (request_key(row.key, "total"),),
                            tuple(request_key(row.key, c) for c in APPLICANT_COLUMNS)))
    outcomes = outcome_row_keys(version)
    for col in COLUMNS:
        eqs.append(Equation("outcome_total", f"column {col}", (request_key("total", col),),
                            tuple(request_key(r, col) for r in outcomes)))
        eqs.append(Equation("balance", f"column {col}",
                            (request_key("new_received", col), request_key("carried_over", col)),
                            (request_key("total", col), request_key("carried_forward", col))))
    return eqs


@cache
def appeal_equations() -> tuple[Equation, ...]:
    return tuple(
        Equation("appeal_sum", f"block {b}", (f"appeals.{b}.total",),
                 tuple(f"appeals.{b}.{o}" for o in ("upheld", "corrected", "other", "pending")))
        for b in APPEAL_BLOCKS
    )


def evaluate(eq: Equation, values: Mapping[str, int | None]) -> tuple[int, int] | None:
    """(left, right) when every cell is known, else None."""
    try:
        left = sum(_int(values[k]) for k in eq.lhs)
        right = sum(_int(values[k]) for k in eq.rhs)
    except (KeyError, TypeError):
        return None
    return left, right


def _int(v: int | None) -> int:
    if v is None or isinstance(v, bool):
        raise TypeError
    return int(v)


@dataclass
class Propagation:
    solved: dict[str, int]  # unknown cell → value fixed by the identities
    free: list[str]  # unknown cells no identity could fix
    contradictions: list[Equation]  # identities that would need a negative cell


def propagate(values: Mapping[str, int | None], unknown: set[str], eqs: Sequence[Equation]) -> Propagation:
    """Fix unknown cells from the identities, never touching known ones.

    Two moves, repeated to a fixpoint: an equation with one unknown solves it; an equation whose
    unknowns all stand on one side and whose known cells already balance forces them all to 0
    (counts are never negative). A solution that would be negative is a contradiction, not a value.
    """
    current: dict[str, int | None] = dict(values)
    solved: dict[str, int] = {}
    contradictions: list[Equation] = []
    open_unknown = set(unknown)
    progress = True
    while progress and open_unknown:
        progress = False
        for eq in eqs:
            terms = eq.signed
            unk = [(k, s) for k, s in terms if k in open_unknown]
            if not unk:
                continue
            if any(current.get(k) is None for k, _ in terms if k not in open_unknown):
                continue  # a cell of this identity is absent altogether
            rest = sum(s * int(current[k]) for k, s in terms if k not in open_unknown)  # type: ignore[arg-type]
            if len(unk) == 1:
                key, sign = unk[0]
                value = -rest * sign
                if value < 0:
                    if eq not in contradictions:
                        contradictions.append(eq)
                    continue
                current[key] = value
                solved[key] = value
                open_unknown.discard(key)
                progress = True
            elif rest == 0 and len({s for _, s in unk}) == 1:
                for key, _ in unk:
                    current[key] = 0
                    solved[key] = 0
                    open_unknown.discard(key)
                progress = True
    return Propagation(solved, sorted(open_unknown), contradictions)
