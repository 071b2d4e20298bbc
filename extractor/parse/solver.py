"""The joint choice between row readings, and which cells it proves (the certainty rule).

A *solution* picks one reading per row and a value ≥ 0 for every cell the print leaves open (blank
or missing). The admissible solutions are those that break the fewest identities: an identity the
print itself breaks is dropped, never repaired by moving a printed number. A cell is **certain** when
every admissible solution gives it the same value; the solver returns the other values it found for
every cell that is not, so that the cell is flagged whatever a preference chose to show.

How: most tables need no search. When every row has one reading, propagation fixes the open cells
and, if every identity then holds, the values are unique (each was forced by an equation). Otherwise
the rows, cells and identities go to a constraint solver (OR-Tools CP-SAT): one boolean per reading,
an integer per open cell, an "identity broken" boolean per equation; minimise broken identities, then
the readings' penalties, then the open cells' values (a blank shown as 0 when nothing says more).
Certainty is then the *backbone* of the admissible set: ask for an admissible solution that differs
from the shown one in some still-unproven cell; every answer removes the cells it changed (they are
ambiguous), and "no such solution" proves the rest. A solve that runs out of time proves nothing:
every cell it could not settle is returned as unproven.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..identities import Equation, evaluate, propagate
from .readings import CellRead, Reading

UPPER = 10_000_000  # no count of applications or cases comes near this
SOLVE_SECONDS = 5.0  # per CP-SAT call; a call that runs out proves nothing
MAX_ROUNDS = 400  # backbone rounds; each removes at least one cell, so this is never the binding limit


@dataclass
class Solution:
    cells: dict[str, CellRead]  # the shown reading of every cell
    values: dict[str, int]  # the shown value of every cell
    open_values: dict[str, int]  # shown values of cells the print leaves open (blank or missing)
    alternatives: dict[str, list[int]] = field(default_factory=dict)  # cell → other admissible values
    violations: list[Equation] = field(default_factory=list)  # identities the shown solution breaks
    incomplete: list[str] = field(default_factory=list)  # cells the search could not settle
    readings: dict[str, str] = field(default_factory=dict)  # row → description of the shown reading

    def certain(self, key: str) -> bool:
        return key not in self.alternatives and key not in self.incomplete


def solve(rows: Mapping[str, Sequence[Reading]], equations: Sequence[Equation]) -> Solution:
    names = [n for n in rows if rows[n]]
    if all(len(rows[n]) == 1 for n in names):
        simple = _propagated(rows, names, equations)
        if simple is not None:
            return simple
    return _searched(rows, names, equations)


def _propagated(rows: Mapping[str, Sequence[Reading]], names: list[str],
                equations: Sequence[Equation]) -> Solution | None:
    """One reading per row: the solution when propagation fixes every open cell and every identity
    holds (then no other solution exists); None when a search is needed."""
    cells: dict[str, CellRead] = {}
    for name in names:
        cells.update(rows[name][0].cells)
    known: dict[str, int | None] = {k: c.value for k, c in cells.items()}
    open_cells = {k for k, c in cells.items() if c.value is None}
    prop = propagate(known, open_cells, equations)
    if prop.free or prop.contradictions:
        return None
    values = {k: (c.value if c.value is not None else prop.solved[k]) for k, c in cells.items()}
    if any((lr := evaluate(eq, values)) is not None and lr[0] != lr[1] for eq in equations):
        return None
    return Solution(cells, values, {k: values[k] for k in open_cells},
                    readings={n: rows[n][0].desc for n in names})


def _searched(rows: Mapping[str, Sequence[Reading]], names: list[str], equations: Sequence[Equation]) -> Solution:
    from ortools.sat.python import cp_model  # imported on first need: most tables never get here

    model = cp_model.CpModel()
    terms: dict[str, cp_model.IntVar | int] = {}
    choices: dict[str, list[cp_model.IntVar]] = {}
    open_vars: dict[str, cp_model.IntVar] = {}
    for name in names:
        readings = rows[name]
        if len(readings) == 1:
            for key, cell in readings[0].cells.items():
                terms[key] = cell.value if cell.value is not None else _open(model, open_vars, key)
            continue
        picks = [model.NewBoolVar(f"{name}#{i}") for i in range(len(readings))]
        model.AddExactlyOne(picks)
        choices[name] = picks
        keys = dict.fromkeys(k for r in readings for k in r.cells)
        for key in keys:
            printed = [r.cells[key].value if key in r.cells else None for r in readings]
            if None not in printed and len(set(printed)) == 1:
                terms[key] = printed[0]  # type: ignore[assignment]
                continue
            var = model.NewIntVar(0, UPPER, key)
            for pick, value in zip(picks, printed):
                if value is not None:
                    model.Add(var == value).OnlyEnforceIf(pick)
            terms[key] = var
            if any(v is None for v in printed):
                open_vars[key] = var
    broken: list[cp_model.IntVar] = []
    fixed_broken = 0
    for i, eq in enumerate(equations):
        if any(k not in terms for k, _ in eq.signed):
            continue  # a cell of this identity is absent from the table altogether
        expr = [(terms[k], s) for k, s in eq.signed]
        if all(isinstance(t, int) for t, _ in expr):
            fixed_broken += int(sum(int(t) * s for t, s in expr) != 0)
            continue
        flag = model.NewBoolVar(f"broken{i}")
        model.Add(sum(t * s for t, s in expr) == 0).OnlyEnforceIf(flag.Not())
        broken.append(flag)
    penalty = [p * pick for name, picks in choices.items() for p, pick in
               zip((r.penalty for r in rows[name]), picks) if p]
    # lexicographic: broken identities, then penalties, then the open cells' values
    model.Minimize(sum(broken) * 10**12 + sum(penalty) * 10**9 + sum(open_vars.values()))
    solver = _solver()
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _unsolved(rows, names, equations)
    shown = {k: (t if isinstance(t, int) else solver.Value(t)) for k, t in terms.items()}
    picked = {n: next(i for i, p in enumerate(ps) if solver.Value(p)) for n, ps in choices.items()}
    cells: dict[str, CellRead] = {}
    descs: dict[str, str] = {}
    for name in names:
        reading = rows[name][picked.get(name, 0)]
        cells.update(reading.cells)
        descs[name] = reading.desc
    least_broken = sum(solver.Value(b) for b in broken)
    proven_optimal = status == cp_model.OPTIMAL
    model.ClearObjective()
    if broken:
        model.Add(sum(broken) <= least_broken)
    variables = {k: t for k, t in terms.items() if not isinstance(t, int)}
    alternatives, incomplete = _backbone(model, variables, shown)
    if not proven_optimal:
        incomplete = sorted(set(incomplete) | set(variables))
    values = {k: shown[k] for k in cells}
    open_values = {k: values[k] for k, c in cells.items() if c.value is None}
    violations = [eq for eq in equations
                  if (lr := evaluate(eq, values)) is not None and lr[0] != lr[1]]
    del fixed_broken  # counted only to keep the model small; the shown values say which identities fail
    return Solution(cells, values, open_values, alternatives, violations, incomplete, descs)


def _open(model, open_vars: dict, key: str):
    var = model.NewIntVar(0, UPPER, key)
    open_vars[key] = var
    return var


def _solver():
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # deterministic, and the machine's other core serves the batch
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = SOLVE_SECONDS
    return solver


def _backbone(model, variables: dict, shown: dict[str, int]) -> tuple[dict[str, list[int]], list[str]]:
    """Cells of ``variables`` on which admissible solutions disagree (with the other values found), and
    the cells left unsettled if a solve ran out of time."""
    from ortools.sat.python import cp_model

    alternatives: dict[str, list[int]] = {}
    differs = {}
    for key, var in variables.items():
        d = model.NewBoolVar(f"differs:{key}")
        model.Add(var != shown[key]).OnlyEnforceIf(d)
        differs[key] = d
    if not differs:
        return {}, []
    model.AddBoolOr(list(differs.values()))
    unsettled = set(variables)
    solver = _solver()
    for _ in range(MAX_ROUNDS):
        status = solver.Solve(model)
        if status == cp_model.INFEASIBLE:
            return alternatives, []
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return alternatives, sorted(unsettled)
        changed = [k for k in unsettled if solver.Value(variables[k]) != shown[k]]
        for key in changed:
            alternatives.setdefault(key, []).append(solver.Value(variables[key]))
            unsettled.discard(key)
            model.Add(differs[key] == 0)
        if not unsettled:
            return alternatives, []
    return alternatives, sorted(unsettled)


def _unsolved(rows: Mapping[str, Sequence[Reading]], names: list[str], equations: Sequence[Equation]) -> Solution:
    """The solver gave no answer in time: show the plainest readings, prove nothing."""
    cells: dict[str, CellRead] = {}
    descs = {}
    for name in names:
        best = min(rows[name], key=lambda r: r.penalty)
        cells.update(best.cells)
        descs[name] = best.desc
    values = {k: (c.value if c.value is not None else 0) for k, c in cells.items()}
    uncertain = sorted(k for n in names if len(rows[n]) > 1 for k in rows[n][0].cells)
    uncertain += [k for k, c in cells.items() if c.value is None and k not in uncertain]
    violations = [eq for eq in equations if (lr := evaluate(eq, values)) is not None and lr[0] != lr[1]]
    return Solution(cells, values, {k: values[k] for k, c in cells.items() if c.value is None}, {},
                    violations, uncertain, descs)
