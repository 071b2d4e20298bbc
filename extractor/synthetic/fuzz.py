"""Fuzz cases: a report's values, how its tables are printed and how it is rendered, freely combined.

A ``FuzzCase`` is a handful of primitive choices (so that hypothesis can draw and shrink them);
``make_case`` turns one into file bytes and the gold label of spec/output.md, derived from what was
printed: a value cell the document does not show (a column or row left out, a dropped cell, a blank
that vanishes in this format) is in ``implied``, a total printed wrong is in ``must_flag`` with the
printed value, and a table-二 cell that does not show is in ``must_flag`` (no identity can restore it).
Nothing here avoids a combination because it is hard: when the print admits several readings, the
extractor must flag what it cannot prove, and the property test checks exactly that.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..template import all_keys, request_key, table3_rows
from . import prose
from .model import Heading
from .printed import PrintChoices, Printed, print_tables
from .renderings import FORMATS, TEXT_FORMATS, FuzzDocument, RenderChoices, Rendered, render
from .values import Values, make_values


@dataclass(frozen=True)
class FuzzCase:
    seed: int
    render: RenderChoices
    print: PrintChoices
    dense: bool = False  # every outcome row used (large, busy tables) rather than realistic sparsity
    format_2019: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FuzzCase":
        """The case ``describe`` wrote (to rebuild a failing case from failures.jsonl)."""
        printing = {k: tuple(v) if isinstance(v, list) else v for k, v in data["print"].items()}
        return cls(data["seed"], RenderChoices(**data["render"]), PrintChoices(**printing), data["dense"],
                   data["format_2019"])

    def describe(self) -> dict[str, Any]:
        return {"seed": self.seed, "dense": self.dense, "format_2019": self.format_2019,
                "render": asdict(self.render), "print": asdict(self.print)}


@dataclass
class Generated:
    data: bytes
    suffix: str
    gold: dict[str, Any]


def choose_case(pick: Callable[[Sequence[Any]], Any], seed: int) -> FuzzCase:
    """A case from the choice space: ``pick(options)`` returns one of the options (hypothesis's
    ``sampled_from`` in the property test, ``random.choice`` for the labelled set). Repeated options
    weigh the common printings; every combination is reachable."""
    fmt = pick(FORMATS)
    text = fmt in TEXT_FORMATS
    yes_no = (False, True)
    render = RenderChoices(
        fmt=fmt,
        page_break=pick((0, 0, 1, 2)),
        break_at=pick((0.2, 0.5, 0.8)),
        detached=text and pick(yes_no),
        split_spans=fmt == "html" and pick(yes_no),
        gbk=fmt == "html" and pick(yes_no),
        nbsp=fmt == "html" and pick(yes_no),
        cell_indent=pick(yes_no) if fmt == "cells" else True,
        one_line=fmt == "glued" and pick(yes_no),
    )
    format_2019 = pick((False, False, False, True))
    printing = PrintChoices(
        blank_rate=pick((0.0, 0.0, 0.3, 1.0)),
        blank_mark=pick(("", "", "—", "-", "/", "无")),
        blank_tables=pick((("table3",), ("table3", "table4"), ("table2", "table3", "table4"))),
        no_other_col=pick(yes_no),
        no_query_row=pick((False, False, True)),
        single_other=not format_2019 and pick((False, False, True)),
        dropped_cells=pick((0, 0, 0, 1, 2)) if fmt not in ("docx", "pdf") else 0,  # grids keep every cell
        note=pick(yes_no),
        units=pick((False, False, True)),
        thousands=pick(yes_no),
        fullwidth=pick((False, False, True)),
        wrong_total=pick((False, False, False, True)),
        typo=pick(("", "", "fagui", "zhi")),
        enum_comma=pick(yes_no),
        other_label=pick(yes_no),
    )
    return FuzzCase(seed=seed, render=render, print=printing, dense=pick((False, False, True)),
                    format_2019=format_2019)


def make_case(case: FuzzCase) -> Generated:
    rng = random.Random(case.seed)
    table2 = "2019" if case.format_2019 else "2021"
    table3 = "2019" if case.format_2019 or case.print.single_other else "2021"
    values = dense_values(rng, table2, table3) if case.dense else make_values(rng, table2, table3)
    choices = case.print
    if choices.no_query_row:  # a dropped row must hold zeros, or nothing could restore it
        values = _move_out_of(values, "withheld.query_matter")
    printed = print_tables(values, choices, rng, table2, table3)
    doc = _document(values, printed, rng)
    rendered = render(doc, case.render, rng)
    return Generated(rendered.data, rendered.suffix, _gold(values, printed, rendered, table2, table3, case))


def _move_out_of(values: Values, row: str) -> Values:
    """The same report with ``row`` emptied into 予以公开, column by column (identities still hold)."""
    out = dict(values)
    for col in ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"):
        n = int(out[request_key(row, col)])
        out[request_key(row, col)] = 0
        out[request_key("granted", col)] = int(out[request_key("granted", col)]) + n
    return out


def dense_values(rng: random.Random, table2: str, table3: str) -> Values:
    """Values with every outcome row and applicant column in use: busy tables where cells cannot be
    told apart by being zero."""
    values = make_values(rng, table2, table3)
    outcomes = [r.key for r in table3_rows(table3)
                if r.key not in ("new_received", "carried_over", "total", "carried_forward")]
    columns = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")
    for col in columns:
        counts = {row: rng.randint(0, 30) for row in outcomes}
        processed = sum(counts.values())
        carried_forward = rng.randint(0, 9)
        carried_over = rng.randint(0, min(9, processed + carried_forward))
        new = processed + carried_forward - carried_over
        for row, n in counts.items():
            values[request_key(row, col)] = n
        values[request_key("total", col)] = processed
        values[request_key("carried_forward", col)] = carried_forward
        values[request_key("carried_over", col)] = carried_over
        values[request_key("new_received", col)] = new
    for r in table3_rows(table3):
        values[request_key(r.key, "total")] = sum(int(values[request_key(r.key, c)]) for c in columns)
    values["narrative.requests_received"] = values[request_key("new_received", "total")]
    return values


def _document(values: Mapping[str, int | str], printed: Printed, rng: random.Random) -> FuzzDocument:
    org, year = str(values["meta.org_name"]), int(values["meta.year"])
    t2, t3, t4 = printed.tables
    blocks: list = [
        Heading("一、总体情况"), prose.opening(values, rng),
        Heading("（一）主动公开", 2), prose.proactive(values, rng),
        Heading("（二）依申请公开", 2), prose.requests(values, rng, state_outcome=printed.misprint is None),
        Heading("二、主动公开政府信息情况"), t2,
        Heading("三、收到和处理政府信息公开申请情况"), t3,
        Heading("四、政府信息公开行政复议、行政诉讼情况"), t4,
        Heading("五、存在的主要问题及改进情况"), *prose.problems(rng),
        Heading("六、其他需要报告的事项"), prose.fee(values),
    ]
    return FuzzDocument(f"{org}{year}年政府信息公开工作年度报告", blocks)


def _consistent(values: Mapping[str, Any], shown: set[str], table3: str) -> bool:
    """Whether the table's printed numbers, where they truly stand, fit every identity with some
    values ≥ 0 in the cells the print leaves open. When they do, a misprint cannot be seen in the
    document (a dropped column or cell absorbs it) and is not a value anyone must flag."""
    from ortools.sat.python import cp_model

    from ..identities import appeal_equations, table3_equations

    model = cp_model.CpModel()
    cell: dict[str, Any] = {}
    for eq in [*table3_equations(table3), *appeal_equations()]:
        terms = []
        for key, sign in eq.signed:
            if key not in cell:
                cell[key] = int(values[key]) if key in shown else model.NewIntVar(0, 10**7, key)
            terms.append(cell[key] * sign)
        model.Add(sum(terms) == 0)
    return cp_model.CpSolver().Solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _gold(values: Values, printed: Printed, rendered: Rendered, table2: str, table3: str,
          case: FuzzCase) -> dict[str, Any]:
    gold_values: dict[str, Any] = {k: values[k] for k in all_keys(table2, table3)}
    implied: list[str] = []
    must_flag: list[str] = []
    if printed.misprint is not None:
        key, wrong = printed.misprint
        gold_values[key] = wrong
        shown = {k for k, t in printed.printed.items() if k not in rendered.vanished and any(c.isdigit() for c in t)}
        if not _consistent(gold_values, shown, table3):
            must_flag.append(key)  # the print breaks an identity: the misprint can be seen
    for key in gold_values:
        if not key.startswith(("requests.", "appeals.", "active")):
            continue
        shows = key in printed.printed and key not in rendered.vanished
        if shows:
            continue
        (implied if key.startswith(("requests.", "appeals.")) else must_flag).append(key)
    return {
        "document": f"fuzz_{case.seed}.{rendered.suffix}",
        "template": table3,
        "values": gold_values,
        "implied": implied,
        "must_flag": must_flag,
        "notes": [str(case.describe())],
    }
