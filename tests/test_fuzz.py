"""A property-based search for silent errors: draw a report, a way of printing it and a rendering,
freely combined; extract it; every wrong value must be flagged, and every value the document does not
show (``implied``) or prints wrong (``must_flag``) must be flagged too.

The search is seeded and derandomized, so CI sees the same cases every run. ``make test`` runs
``FUZZ_CASES`` cases (2,000 by default); ``make fuzz`` runs 50,000 and prints one summary line.
Cases are drawn by hypothesis first and then checked in parallel (``FUZZ_WORKERS`` processes), so
the failures are collected rather than raised at the first one and the summary counts them all; each
failing case is written to ``runs/fuzz/failures.jsonl`` with everything needed to rebuild it
(``FuzzCase.from_dict``).
"""
from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import pytest

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from extractor.flat import flat
from extractor.pipeline import extract
from extractor.settings import Settings
from extractor.synthetic.fuzz import FuzzCase, choose_case, make_case

CASES = int(os.environ.get("FUZZ_CASES", "2000"))
WORKERS = int(os.environ.get("FUZZ_WORKERS", str(os.cpu_count() or 1)))
OUT = Path(os.environ.get("FUZZ_OUT", Path(__file__).resolve().parent.parent / "runs" / "fuzz"))


@st.composite
def cases(draw) -> FuzzCase:
    return choose_case(lambda options: draw(st.sampled_from(options)), draw(st.integers(0, 2**31 - 1)))


def check_case(case: FuzzCase) -> dict | None:
    """Score one case; None when it is right, else what went wrong (JSON-ready)."""
    generated = make_case(case)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz.{generated.suffix}"
        path.write_bytes(generated.data)
        out = flat(extract(path, Settings()))
    score = _scorer()(generated.gold, out)
    silent = [w for w in score["wrong"] if w[3] == "SILENT"]
    if not silent:
        return None
    must = set(generated.gold["implied"]) | set(generated.gold["must_flag"])
    return {"case": case.describe(), "status": out["status"], "silent": silent[:20],
            "wrong_values": sum(1 for w in silent if w[0] not in must or w[1] != w[2]),
            "unflagged": sum(1 for w in silent if w[0] in must and w[1] == w[2])}


_SCORE = None


def _scorer():
    """../shared/tools/score.py, loaded once per worker process."""
    global _SCORE
    if _SCORE is None:
        path = Path(__file__).resolve().parent.parent.parent / "shared" / "tools" / "score.py"
        spec = importlib.util.spec_from_file_location("shared_score", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        _SCORE = module.score
    return _SCORE


def _draw_cases(n: int) -> list[FuzzCase]:
    """The first ``n`` cases of the derandomized search (drawn only; checked in parallel after)."""
    drawn: list[FuzzCase] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
    @given(cases())
    def draw(case: FuzzCase) -> None:
        drawn.append(case)

    draw()
    return drawn


@pytest.mark.timeout(0)
def test_no_silent_errors() -> None:
    started = time.perf_counter()
    drawn = _draw_cases(CASES)
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        failures = [f for f in pool.imap_unordered(check_case, drawn, chunksize=4) if f is not None]
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "failures.jsonl").open("w", encoding="utf-8") as fh:
        for failure in failures:
            fh.write(json.dumps(failure, ensure_ascii=False) + "\n")
    line = (f"fuzz: {len(drawn)} cases, {sum(f['wrong_values'] for f in failures)} silent errors, "
            f"{sum(f['unflagged'] for f in failures)} unflagged implied/ambiguous values, "
            f"{len(failures)} failing cases, {time.perf_counter() - started:.0f} s")
    (OUT / "summary.txt").write_text(line + "\n", encoding="utf-8")
    print("\n" + line)
    assert not failures, f"{line}; first: {failures[0]} (all in {OUT / 'failures.jsonl'})"
