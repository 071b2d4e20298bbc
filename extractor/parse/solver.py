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

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..identities import Equation, evaluate, propagate
from .readings import CellRead, Reading

UPPER = 10_000_000  # no count of applications or cases comes near this


def _upper(rows: Mapping[str, Sequence[Reading]]) -> int:
    """A bound on any cell: where the identities hold, a cell is a sum or difference of printed
    values, so never above all of them together. Tight domains keep the search small."""
    total = 0
    for readings in rows.values():
        total += max((sum(c.value for c in r.cells.values() if c.value is not None) for r in readings), default=0)
    return min(UPPER, max(10, 2 * total))
# Limits are CP-SAT's deterministic time (about a second of work each), not the clock: the same
# document gets the same answer on a busy machine as on an idle one.
SOLVE_WORK = 5.0  # per CP-SAT call; a call that runs out proves nothing
SOLVE_SECONDS = 10.0  # per CP-SAT call, wall clock
MAX_ROUNDS = 20  # backbone rounds (each settles at least one cell); past them, unsettled cells are flagged
# (at 60, a glued-digit table spent 120 solves of 20 ms settling one cell each; at 20 evals/synthetic
# reads the same values, review load 0.2052 → 0.2071, 0.19 → 0.13 s per document)
MISPRINT_ROUNDS = 12  # a misprint can be in one cell per solution: past these, every candidate is in doubt
BACKBONE_WORK = 3.0  # the whole backbone search of one table; past it, unsettled cells are flagged
OTHER_WORLD_WORK = 1.0  # each backbone of the world where blanks are 0; past it, unsettled cells are flagged
# and its wall clock: its answers only add flags, so a busy machine costs review, never a silent error;
# a glued table's other world ran into its second every time at 1.0, and flags the same at 0.5
OTHER_WORLD_SECONDS = 0.5
# a backbone round's search for the most different solution; any answer will do, so a short one: at
# 0.2 four rounds of sample 001 took 1.1 s of its 1.3 s, at 0.01 they take 0.06 s and settle the same cells
ROUND_WORK = 0.01


@dataclass
class Solution:
    cells: dict[str, CellRead]  # the shown reading of every cell
    values: dict[str, int]  # the shown value of every cell
    open_values: dict[str, int]  # shown values of cells the print leaves open (blank or missing)
    alternatives: dict[str, list[int]] = field(default_factory=dict)  # cell → other admissible values
    # cells certain in value that some admissible reading prints and another leaves out (then the
    # identities fix it): the print does not say which of a row's cells it dropped
    placement: set[str] = field(default_factory=set)
    # cells of an identity that some admissible solution breaks (the print may be wrong there)
    doubted: list[str] = field(default_factory=list)
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
    upper = _upper(rows)
    terms: dict[str, cp_model.IntVar | int] = {}
    choices: dict[str, list[cp_model.IntVar]] = {}
    open_vars: dict[str, cp_model.IntVar] = {}
    blanks: list[str] = []  # cells printed blank, or of a row not printed at all (one reading each)
    for name in names:
        readings = rows[name]
        if len(readings) == 1:
            unprinted_row = all(c.kind == "missing" and not c.free for c in readings[0].cells.values())
            for key, cell in readings[0].cells.items():
                terms[key] = cell.value if cell.value is not None else _open(model, open_vars, key, upper)
                if cell.kind == "blank" or unprinted_row or cell.kind == "missing" and not cell.free:
                    blanks.append(key)
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
            var = model.NewIntVar(0, upper, key)
            for pick, value in zip(picks, printed):
                if value is not None:
                    model.Add(var == value).OnlyEnforceIf(pick)
            terms[key] = var
            if any(v is None for v in printed):
                open_vars[key] = var
    broken: list[cp_model.IntVar] = []
    broken_eqs: list[Equation] = []
    printed_broken: list[Equation] = []  # printed in full and broken by the print, whatever the readings
    for i, eq in enumerate(equations):
        if any(k not in terms for k, _ in eq.signed):
            continue  # a cell of this identity is absent from the table altogether
        expr = [(terms[k], s) for k, s in eq.signed]
        if all(isinstance(t, int) for t, _ in expr):
            if sum(int(t) * s for t, s in expr) != 0:
                printed_broken.append(eq)
            continue
        flag = model.NewBoolVar(f"broken{i}")
        model.Add(sum(t * s for t, s in expr) == 0).OnlyEnforceIf(flag.Not())
        broken.append(flag)
        broken_eqs.append(eq)
    variables = {k: t for k, t in terms.items() if not isinstance(t, int)}
    printed = _printedness(model, rows, choices)
    suspect_model, suspects = _one_misprint(model, rows, choices, terms, printed, broken, broken_eqs, printed_broken)

    # 1. The admissible solutions: those that break no identity, when there are any (the common
    # case). Otherwise the print is wrong somewhere, most often in one cell (a total mistyped): then
    # the identities through that cell do not hold and the rest do, so the admissible solutions are
    # those whose broken identities all pass through one printed cell, whichever it is; and when
    # not even that is possible (several misprints), those breaking the fewest identities.
    hard = model.clone()
    for b in broken:
        hard.Add(b == 0)
    tracked_suspects: dict = {}
    bound, proven = hard, True
    first = _feasible(hard) if not printed_broken else None
    if first is None:
        bound = suspect_model
        first = _feasible(suspect_model)
        tracked_suspects = {f"{_SUSPECT}{k}": v for k, v in suspects.items()}
    if first is None:
        least, first = _least_broken(model, broken)
        if first is None:
            return _unsolved(rows, names, equations)
        proven = least is not None
        bound = model.clone()
        if broken:
            bound.Add(sum(broken) <= (least if least is not None else sum(first.Value(b) for b in broken)))
        tracked_suspects = {}
    tracked = {**variables, **{f"{_PRINTED}{k}": v for k, v in printed.items()}, **tracked_suspects}
    s0 = {k: first.Value(t) for k, t in tracked.items()}
    # 2. which cells every admissible solution agrees on: in value, in being printed, and in being
    # the one a misprint would be in
    alternatives, incomplete = _backbone(bound.clone(), tracked, s0)
    placement = {k.removeprefix(_PRINTED) for k in [*alternatives, *incomplete] if k.startswith(_PRINTED)}
    if tracked_suspects:
        doubted = {k.removeprefix(_SUSPECT) for k in [*alternatives, *incomplete] if k.startswith(_SUSPECT)}
        doubted |= {k.removeprefix(_SUSPECT) for k, v in s0.items() if k.startswith(_SUSPECT) and v}
    else:  # several misprints: every cell of an identity the shown solution breaks is in doubt
        doubted = {k for i, b in enumerate(broken) if first.Value(b) for k in broken_eqs[i].cells}
        doubted |= {k for eq in printed_broken for k in eq.cells}
    alternatives = {k: v for k, v in alternatives.items() if not k.startswith((_PRINTED, _SUSPECT))}
    incomplete = [k for k in incomplete if not k.startswith((_PRINTED, _SUSPECT))]
    if not proven:
        incomplete = sorted(set(incomplete) | set(variables))
    # 3. what to show: the admissible solution the readings' penalties prefer (a preference only:
    # every cell it could change is flagged by step 2)
    shown_solver = _preferred(bound, choices, rows, variables, s0, broken) or first
    shown = {k: (t if isinstance(t, int) else shown_solver.Value(t)) for k, t in terms.items()}
    vanished = _vanished(rows, choices, terms)
    nonzero: list[tuple[str, object | None]] = [(k, None) for k in blanks if shown[k]]
    nonzero += [(k, p) for k, p in vanished if shown[k] and shown_solver.Value(p)]
    if bound is hard and nonzero:
        # The shown solution gives a blank cell, or a cell its reading leaves unprinted, a value
        # other than 0. If one of them is the 0 a blank means (the others may be numbers a
        # conversion dropped), the print would be wrong in one cell instead: that world is
        # admissible too. The cells that could be its misprint are in doubt, and so is every value
        # (and placement) that differs between the two worlds.
        zero = _blanks_zero(suspect_model, suspects, terms, nonzero)
        misprints: set[str] | None = _misprint_suspects(zero, suspects)
        if misprints is None:  # the other world could not be searched: nothing it could change is proven
            incomplete = sorted(set(incomplete) | set(variables))
            doubted |= set(suspects)
        else:
            doubted |= misprints
    if bound is hard and nonzero and misprints is not None:
        tracked_zero = {**variables, **{f"{_PRINTED}{k}": v for k, v in printed.items()}}
        shown_tracked = {k: shown_solver.Value(v) for k, v in tracked_zero.items()}
        other, unsettled = _backbone(zero.clone(), tracked_zero, shown_tracked, rounds=MISPRINT_ROUNDS,
                                     work=OTHER_WORLD_WORK, seconds=OTHER_WORLD_SECONDS)
        for key, found in other.items():
            if key.startswith(_PRINTED):
                placement.add(key.removeprefix(_PRINTED))
            else:
                alternatives.setdefault(key, []).extend(v for v in found if v not in alternatives.get(key, []))
        incomplete = sorted(set(incomplete) | {k for k in unsettled if not k.startswith(_PRINTED)})
    picked = {n: next((i for i, p in enumerate(ps) if shown_solver.Value(p)), 0) for n, ps in choices.items()}
    cells: dict[str, CellRead] = {}
    descs: dict[str, str] = {}
    for name in names:
        reading = rows[name][picked.get(name, 0)]
        cells.update(reading.cells)
        descs[name] = reading.desc
    values = {k: shown[k] for k in cells}
    open_values = {k: values[k] for k, c in cells.items() if c.value is None}
    violations = [eq for eq in equations
                  if (lr := evaluate(eq, values)) is not None and lr[0] != lr[1]]
    return Solution(cells, values, open_values, alternatives=alternatives, violations=violations,
                    incomplete=incomplete, readings=descs, placement=placement - set(alternatives),
                    doubted=sorted(k for k in doubted if k in cells))


_PRINTED = "printed:"
_SUSPECT = "misprint:"


def _one_misprint(model, rows, choices: dict, terms: dict, printed: dict, broken: list, broken_eqs: list,
                  printed_broken: list):
    """A copy of the model allowing at most one misprinted cell: a boolean per printed cell of an
    identity ("this cell is printed wrong"), at most one of them true, and an identity may break only
    through it. Returns (model, the booleans by cell)."""
    out = model.clone()
    keys = dict.fromkeys(k for eq in [*broken_eqs, *printed_broken] for k in eq.cells)
    suspects = {}
    for key in keys:
        term = terms.get(key)
        if term is None:
            continue
        if isinstance(term, int):
            suspects[key] = out.NewBoolVar(f"{_SUSPECT}{key}")  # printed in every reading
        elif key in printed:
            var = out.NewBoolVar(f"{_SUSPECT}{key}")
            out.AddImplication(var, printed[key])  # only a printed cell can be printed wrong
            suspects[key] = var
        elif any(key in r.cells and r.cells[key].kind == "printed" for name in choices for r in rows[name]):
            suspects[key] = out.NewBoolVar(f"{_SUSPECT}{key}")  # printed in every reading of its row
    if suspects:
        out.AddAtMostOne(list(suspects.values()))
    for flag, eq in zip(broken, broken_eqs):
        out.AddBoolOr([flag.Not(), *(suspects[k] for k in eq.cells if k in suspects)])
    for eq in printed_broken:
        out.AddBoolOr([suspects[k] for k in eq.cells if k in suspects] or [out.NewConstant(0)])
    return out, suspects


def _vanished(rows: Mapping[str, Sequence[Reading]], choices: dict, terms: dict) -> list[tuple[str, object]]:
    """(cell, the reading's pick) for every reading that leaves a cell of a column its header shows
    unprinted: where geometry is lost, a cell that vanished was a blank one."""
    out: list[tuple[str, object]] = []
    for name, picks in choices.items():
        for pick, reading in zip(picks, rows[name]):
            for key, cell in reading.cells.items():
                if cell.kind in ("missing", "blank") and not cell.free \
                        and not isinstance(terms.get(key, 0), int):
                    out.append((key, pick))
    return out


def _blanks_zero(suspect_model, suspects: dict, terms: dict, nonzero: list[tuple[str, object | None]]):
    """The one-misprint model in which one of the ``nonzero`` cells (blank, or left unprinted by the
    reading picked, and not 0 in the shown solution) is 0 after all, as a blank means; the misprint
    is in a printed number (a blank "misprinted" would be the other world again)."""
    zero = suspect_model.clone()
    choices = []
    for key, pick in nonzero:
        chosen = zero.NewBoolVar(f"zero:{key}")
        zero.Add(terms[key] == 0).OnlyEnforceIf(chosen)
        if pick is not None:
            zero.AddImplication(chosen, pick)
        if key in suspects:
            zero.AddImplication(chosen, suspects[key].Not())
        choices.append(chosen)
    zero.AddBoolOr(choices)
    return zero


def _misprint_suspects(zero, suspects: dict) -> set[str] | None:
    """The cells that could be the one misprint in the world where blanks are 0; None when the
    search could not tell whether that world has any solution (then nothing about it is proven)."""
    from ortools.sat.python import cp_model

    if not suspects:
        return set()
    first = _solver()
    first.parameters.cp_model_presolve = True  # measured: minutes without it on a glued table, 0.03 s with
    # and the LP relaxation in full: on another glued table this first solve ran out at 10 s without it
    # (36,000 conflicts) and is proven in 0.1 s with it; the sums of the identities are linear
    first.parameters.linearization_level = 2
    status = first.Solve(zero)
    if status == cp_model.INFEASIBLE:
        return set()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    tracked = {f"{_SUSPECT}{k}": v for k, v in suspects.items()}
    s0 = {k: first.Value(v) for k, v in tracked.items()}
    alternatives, incomplete = _backbone(zero.clone(), tracked, s0, rounds=MISPRINT_ROUNDS, work=OTHER_WORLD_WORK,
                                         seconds=OTHER_WORLD_SECONDS)
    found = {k for k, v in s0.items() if v} | set(alternatives) | set(incomplete)
    return {k.removeprefix(_SUSPECT) for k in found}


def _feasible(model):
    """A solver holding a solution of ``model``, or None (infeasible, or no answer in time)."""
    from ortools.sat.python import cp_model

    solver = _solver()
    status = solver.Solve(model)
    return solver if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def _printedness(model, rows: Mapping[str, Sequence[Reading]], choices: dict) -> dict:
    """For every cell that some readings of its row print and others leave out: a 0/1 expression,
    1 when the chosen reading prints it."""
    out = {}
    for name, picks in choices.items():
        readings = rows[name]
        for key in dict.fromkeys(k for r in readings for k in r.cells):
            flags = [int(key in r.cells and r.cells[key].kind != "missing") for r in readings]
            if 0 < sum(flags) < len(flags):
                var = model.NewBoolVar(f"{_PRINTED}{key}")
                model.Add(var == sum(f * p for f, p in zip(flags, picks)))
                out[key] = var
    return out


def _least_broken(model, broken: list) -> tuple[int | None, object | None]:
    """(the fewest identities an admissible solution breaks, a solver holding one such solution);
    the count is None when the search could not prove it (a solution may still be returned)."""
    from ortools.sat.python import cp_model

    hard = model.clone()
    for b in broken:
        hard.Add(b == 0)
    solver = _solver()
    status = solver.Solve(hard)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0, solver
    if status != cp_model.INFEASIBLE:
        return None, None
    soft = model.clone()
    soft.Minimize(sum(broken))
    solver = _solver()
    status = solver.Solve(soft)
    if status == cp_model.OPTIMAL:
        return int(solver.ObjectiveValue()), solver
    if status == cp_model.FEASIBLE:
        return None, solver
    return None, None


PREFERENCE_WORK = 0.5  # the shown solution is a preference: a short search is enough


def _preferred(bound, choices: dict, rows: Mapping[str, Sequence[Reading]], variables: dict, s0: dict[str, int],
               broken: list):
    """A solver holding the admissible solution with the smallest penalty (and open cells as small as
    the identities allow), or None when no better one was found in time."""
    from ortools.sat.python import cp_model

    penalty = [p * pick for name, picks in choices.items()
               for p, pick in zip((r.penalty for r in rows[name]), picks) if p]
    if not penalty and not broken:
        return None
    model = bound.clone()
    for key, var in variables.items():
        model.AddHint(var, s0[key])
    worst = sum(max(r.penalty for r in rows[name]) for name in choices) + 1
    model.Minimize(sum(broken) * worst + sum(penalty))  # a solution without a misprint first
    solver = _solver()
    solver.parameters.max_deterministic_time = PREFERENCE_WORK
    status = solver.Solve(model)
    return solver if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def _open(model, open_vars: dict, key: str, upper: int):
    var = model.NewIntVar(0, upper, key)
    open_vars[key] = var
    return var


def _solver(deadline: float | None = None):
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # deterministic, and the machine's other core serves the batch
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = SOLVE_WORK
    # a backstop only: CP-SAT's deterministic time can lag the clock by orders of magnitude on a
    # model it finds hard (measured: minutes for 5 units); a solve cut here proves nothing
    solver.parameters.max_time_in_seconds = SOLVE_SECONDS if deadline is None else \
        max(0.01, min(SOLVE_SECONDS, deadline - time.perf_counter()))
    # The models are small (hundreds of booleans): presolve and probing cost more than they save
    # (measured: 0.31 s → 0.035 s per optimisation on sample 001).
    solver.parameters.cp_model_presolve = False
    solver.parameters.cp_model_probing_level = 0
    return solver


def _backbone(model, variables: dict, shown: dict[str, int], rounds: int = MAX_ROUNDS,
              work: float = BACKBONE_WORK, seconds: float | None = None) -> tuple[dict[str, list[int]], list[str]]:
    """Cells of ``variables`` on which admissible solutions disagree (with the other values found), and
    the cells left unsettled if a solve ran out of time (``work`` in CP-SAT's deterministic units,
    and ``seconds`` of wall clock when given)."""
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
    # Each round asks for a solution differing from the shown one in as many unsettled cells as a
    # short search finds: every answer settles many ambiguous cells at once.
    model.Maximize(sum(differs.values()))
    unsettled = set(variables)
    spent = 0.0
    deadline = None if seconds is None else time.perf_counter() + seconds
    for _ in range(rounds):
        if spent > work or deadline is not None and time.perf_counter() > deadline:
            return alternatives, sorted(unsettled)  # out of work: what is left stays unproven
        solver = _solver(deadline)
        solver.parameters.max_deterministic_time = ROUND_WORK
        status = solver.Solve(model)
        spent += solver.deterministic_time
        if status == cp_model.UNKNOWN:  # no answer yet: ask again, for any answer, with the full time
            solver = _solver(deadline)
            status = solver.Solve(_feasibility(model))
            spent += solver.deterministic_time
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


def _feasibility(model):
    plain = model.clone()
    plain.ClearObjective()
    return plain


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
    return Solution(cells, values, {k: values[k] for k, c in cells.items() if c.value is None},
                    violations=violations, incomplete=uncertain, readings=descs)
