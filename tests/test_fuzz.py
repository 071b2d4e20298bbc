"""A property-based search for silent errors: draw a report, a way of printing it and a rendering,
freely combined; extract it; every wrong value must be flagged, and every value the document does not
show (``implied``) or prints wrong (``must_flag``) must be flagged too.

The search is seeded and derandomized, so CI sees the same cases every run. ``make test`` runs
``FUZZ_CASES`` cases (2,000 by default); ``make fuzz`` runs 50,000 and prints one summary line.
Failures are collected rather than raised at the first one, so the summary counts them all; each
failing case is written to ``runs/fuzz/failures.jsonl`` with everything needed to rebuild it.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from extractor.flat import flat
from extractor.pipeline import extract
from extractor.settings import Settings
from extractor.synthetic.fuzz import FuzzCase, make_case
from extractor.synthetic.printed import PrintChoices
from extractor.synthetic.renderings import FORMATS, TEXT_FORMATS, RenderChoices

CASES = int(os.environ.get("FUZZ_CASES", "2000"))
OUT = Path(os.environ.get("FUZZ_OUT", Path(__file__).resolve().parent.parent / "runs" / "fuzz"))


@st.composite
def cases(draw) -> FuzzCase:
    fmt = draw(st.sampled_from(FORMATS))
    text = fmt in TEXT_FORMATS
    render = RenderChoices(
        fmt=fmt,
        page_break=draw(st.sampled_from((0, 0, 1, 2))),
        break_at=draw(st.sampled_from((0.2, 0.5, 0.8))),
        detached=text and draw(st.booleans()),
        split_spans=fmt == "html" and draw(st.booleans()),
        gbk=fmt == "html" and draw(st.booleans()),
        nbsp=fmt == "html" and draw(st.booleans()),
        cell_indent=draw(st.booleans()) if fmt == "cells" else True,
        one_line=fmt == "glued" and draw(st.booleans()),
    )
    format_2019 = draw(st.sampled_from((False, False, False, True)))
    blank_rate = draw(st.sampled_from((0.0, 0.0, 0.3, 1.0)))
    printing = PrintChoices(
        blank_rate=blank_rate,
        blank_mark=draw(st.sampled_from(("", "", "—", "-", "/", "无"))),
        blank_tables=draw(st.sampled_from((("table3",), ("table3", "table4"), ("table2", "table3", "table4")))),
        no_other_col=draw(st.booleans()),
        no_query_row=draw(st.sampled_from((False, False, True))),
        single_other=not format_2019 and draw(st.sampled_from((False, False, True))),
        dropped_cells=draw(st.sampled_from((0, 0, 0, 1, 2))) if fmt not in ("docx", "pdf") else 0,
        note=draw(st.booleans()),
        units=draw(st.sampled_from((False, False, True))),
        thousands=draw(st.booleans()),
        fullwidth=draw(st.sampled_from((False, False, True))),
        wrong_total=draw(st.sampled_from((False, False, False, True))),
        typo=draw(st.sampled_from(("", "", "fagui", "zhi"))),
        enum_comma=draw(st.booleans()),
        other_label=draw(st.booleans()),
    )
    return FuzzCase(seed=draw(st.integers(0, 2**31 - 1)), render=render, print=printing,
                    dense=draw(st.sampled_from((False, False, True))), format_2019=format_2019)


class Tally:
    def __init__(self) -> None:
        self.cases = 0
        self.silent = 0
        self.unflagged = 0  # implied / must_flag values left unflagged (certain-or-flagged breaches)
        self.failures: list[dict] = []
        self.started = time.perf_counter()


def check_case(case: FuzzCase, tally: Tally, scorer) -> None:
    generated = make_case(case)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz.{generated.suffix}"
        path.write_bytes(generated.data)
        out = flat(extract(path, Settings()))
    score = scorer(generated.gold, out)
    tally.cases += 1
    silent = [w for w in score["wrong"] if w[3] == "SILENT"]
    if silent:
        must = set(generated.gold["implied"]) | set(generated.gold["must_flag"])
        tally.silent += sum(1 for w in silent if w[0] not in must or w[1] != w[2])
        tally.unflagged += sum(1 for w in silent if w[0] in must and w[1] == w[2])
        tally.failures.append({"case": case.describe(), "status": out["status"], "silent": silent[:20]})


def test_no_silent_errors(scorer) -> None:
    tally = Tally()

    @settings(max_examples=CASES, derandomize=True, database=None, deadline=None,
              phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
    @given(cases())
    def search(case: FuzzCase) -> None:
        check_case(case, tally, scorer)

    search()
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "failures.jsonl").open("w", encoding="utf-8") as fh:
        for failure in tally.failures:
            fh.write(json.dumps(failure, ensure_ascii=False) + "\n")
    line = (f"fuzz: {tally.cases} cases, {tally.silent} silent errors, {tally.unflagged} unflagged "
            f"implied/ambiguous values, {len(tally.failures)} failing cases, "
            f"{time.perf_counter() - tally.started:.0f} s")
    (OUT / "summary.txt").write_text(line + "\n", encoding="utf-8")
    print("\n" + line)
    assert not tally.failures, f"{line}; first: {tally.failures[0]} (all in {OUT / 'failures.jsonl'})"
