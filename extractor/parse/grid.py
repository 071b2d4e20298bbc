"""Readings of table rows and the joint choice between them.

A row of printed slots can often be read more than one way: a dropped cell could be any column, a
glued digit run can be cut several ways. Each way is a ``Reading``; the solver picks one reading per
row so that the identities hold, infers the cells the document does not show, and reports where
more than one choice fits (those cells are flagged with the candidates, never silently decided).
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..document import Where
from ..identities import Equation, evaluate, propagate

COMBINATION_LIMIT = 20_000


@dataclass
class CellRead:
    value: int | None  # None: not known from the print (blank or missing)
    raw: str | None  # printed text; None when the document does not show the cell
    where: Where | None
    kind: str  # printed | blank | missing
    glued: bool = False  # cut out of a run of digits that lost its separators
    note: str | None = None
    interior: bool = False  # a blank between printed numbers (a "blank zero" when identities agree)
    flags: list[str] = field(default_factory=list)  # reasons for a look found while reading


@dataclass
class Reading:
    cells: dict[str, CellRead]  # canonical key → cell
    penalty: int = 0  # how unusual this reading is (0: the plain one)
    desc: str = ""


@dataclass
class Solution:
    cells: dict[str, CellRead]
    values: dict[str, int]  # every cell's final value
    inferred: dict[str, int]  # unknown cells fixed by an identity
    free: list[str]  # unknown cells nothing fixed (set to 0)
    violations: list[Equation]
    alternatives: dict[str, list[int]] = field(default_factory=dict)  # cell → other values that fit as well
    ambiguous_rows: list[str] = field(default_factory=list)
    exhausted: bool = False  # too many combinations to try them all


def solve(rows: dict[str, list[Reading]], equations: Sequence[Equation]) -> Solution:
    names = list(rows)
    choices = [rows[n] if rows[n] else [Reading({})] for n in names]
    variable = [i for i, c in enumerate(choices) if len(c) > 1]
    total = 1
    for i in variable:
        total *= len(choices[i])
    exhausted = total > COMBINATION_LIMIT
    if exhausted:
        combos = [_descend(choices, variable, equations)]
    else:
        combos = list(itertools.product(*[range(len(c)) for c in choices]))
    scored: list[tuple[tuple[int, int], tuple[int, ...], Solution]] = []
    for combo in combos:
        cells: dict[str, CellRead] = {}
        penalty = 0
        for i, pick in enumerate(combo):
            reading = choices[i][pick]
            cells.update(reading.cells)
            penalty += reading.penalty
        sol = _evaluate(cells, equations)
        scored.append(((len(sol.violations) + len(sol.free), penalty), combo, sol))
    scored.sort(key=lambda s: s[0])
    best_score, best_combo, best = scored[0]
    best.exhausted = exhausted
    # Other combinations that fit the identities equally well make their differing cells ambiguous.
    ties = [s for s in scored[1:] if s[0][0] == best_score[0] and s[0][0] == 0]
    for _, combo, sol in ties:
        for i in variable:
            if combo[i] != best_combo[i] and names[i] not in best.ambiguous_rows:
                best.ambiguous_rows.append(names[i])
        for key, value in sol.values.items():
            if best.values.get(key) != value:
                alts = best.alternatives.setdefault(key, [])
                if value not in alts:
                    alts.append(value)
    return best


def _descend(choices: list[list[Reading]], variable: list[int], equations: Sequence[Equation]) -> tuple[int, ...]:
    """Too many combinations to try: improve one row at a time from the plainest readings. The
    result is a best effort; the caller flags every glued cell as unsettled."""
    combo = [0] * len(choices)

    def score(c: list[int]) -> int:
        cells: dict[str, CellRead] = {}
        for i, pick in enumerate(c):
            cells.update(choices[i][pick].cells)
        sol = _evaluate(cells, equations)
        return len(sol.violations) + len(sol.free)

    best = score(combo)
    for _ in range(3):
        improved = False
        for i in variable:
            for pick in range(len(choices[i])):
                trial = combo[:i] + [pick] + combo[i + 1:]
                s = score(trial)
                if s < best:
                    best, combo, improved = s, trial, True
        if not improved:
            break
    return tuple(combo)


def _evaluate(cells: dict[str, CellRead], equations: Sequence[Equation]) -> Solution:
    values: dict[str, int | None] = {k: c.value for k, c in cells.items()}
    unknown = {k for k, c in cells.items() if c.value is None}
    prop = propagate(values, unknown, equations)
    final: dict[str, int] = {}
    for key, cell in cells.items():
        if cell.value is not None:
            final[key] = cell.value
        elif key in prop.solved:
            final[key] = prop.solved[key]
        else:
            final[key] = 0
    violations = []
    for eq in equations:
        lr = evaluate(eq, final)
        if lr is not None and lr[0] != lr[1]:
            violations.append(eq)
    return Solution(cells, final, prop.solved, prop.free, violations)
