"""``extractor eval``: runs over the labelled sets, agrees with shared/tools/score.py, catches a broken
extractor, diffs against a baseline, refuses broken sets, and renders a report a browser can show."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from extractor import __version__
from extractor.cli import main
from extractor.evaluate.measure import usage_counts
from extractor.evaluate.metrics import bucket_index, calibration, section_of
from extractor.evaluate.run import run_eval
from extractor.evaluate.scoring import KeyRow, score_document
from extractor.evaluate.sets import LabelledDocument, SetError, discover
from extractor.flat import flat
from extractor.pipeline import Extractor, extract
from extractor.report import Result
from extractor.settings import Settings

from .conftest import ROOT, SAMPLES, SYNTHETIC, needs_chromium

REAL_SET = ROOT / "evals" / "real"
OFFICE_SET = ROOT / "evals" / "office"
SCRIPT = ROOT / "scripts" / "eval_screenshot.py"


class EvalRun:
    """One run_eval call: its exit code, what it printed, and what it wrote."""

    def __init__(self, code: int, stdout: str, stderr: str, out: Path) -> None:
        self.code, self.stdout, self.stderr, self.out = code, stdout, stderr, out

    @property
    def record(self) -> dict[str, Any]:
        return json.loads((self.out / "run.json").read_text(encoding="utf-8"))

    @property
    def html(self) -> str:
        return (self.out / "report.html").read_text(encoding="utf-8")

    def document(self, name: str) -> dict[str, Any]:
        return next(d for d in self.record["documents"] if d["document"] == name)


@dataclass(frozen=True)
class Standin(Extractor):
    """The one Extractor with its extraction replaced by ``fn`` (a deliberate bug, a crash, …)."""

    fn: Callable[[Path, Settings], Result] = extract

    def extract(self, path: str | Path) -> Result:
        return self.fn(Path(path), self.settings)


def evaluate(sets: list[Path], out: Path, extract_fn: Callable[[Path, Settings], Result] | None = None,
             extractor: Extractor | None = None, **kwargs: Any) -> EvalRun:
    stdout, stderr = io.StringIO(), io.StringIO()
    if extractor is None:
        extractor = Standin(Settings(), fn=extract_fn) if extract_fn else Extractor(Settings())
    code = run_eval(sets, extractor, out_dir=out, stdout=stdout, stderr=stderr, **kwargs)
    return EvalRun(code, stdout.getvalue(), stderr.getvalue(), out)


def swap_person_and_total(result: Result) -> Result:
    """The deliberate bug: table 三's natural_person and total columns read the wrong way round."""
    values = result.report.values if result.report else {}
    for key in [k for k in values if k.startswith("requests.") and k.endswith(".natural_person")]:
        other = key.removesuffix("natural_person") + "total"
        if other in values and values[key].value != values[other].value:
            values[key].value, values[other].value = values[other].value, values[key].value
    return result


def broken_extract(path: Path, settings: Settings) -> Result:
    return swap_person_and_total(extract(path, settings))


def labelled(folder: Path) -> list[LabelledDocument]:
    return list(discover(folder).documents)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> EvalRun:
    return evaluate([SAMPLES, REAL_SET], tmp_path_factory.mktemp("eval") / "good")


@pytest.fixture(scope="module")
def broken(good: EvalRun, tmp_path_factory: pytest.TempPathFactory) -> EvalRun:
    out = tmp_path_factory.mktemp("eval") / "broken"
    return evaluate([SAMPLES, REAL_SET], out, extract_fn=broken_extract, baseline=good.out / "run.json")


# --- the run over samples and real --------------------------------------------------------------


def test_good_run_passes_its_thresholds(good: EvalRun) -> None:
    assert good.code == 0, good.stdout + good.stderr
    assert good.record["passed"] and good.record["exit_code"] == 0
    thresholds = json.loads((ROOT / "evals" / "thresholds.json").read_text(encoding="utf-8"))
    for name in ("samples", "real"):
        stored = good.record["thresholds"][name]
        for limit in ("min_accuracy", "max_silent"):
            assert stored[limit] == thresholds[name].get(limit)


def test_terminal_table_is_printed_and_aligned(good: EvalRun) -> None:
    lines = good.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("set ") and "accuracy" in line)
    header, rule, *rows = lines[head : head + 5]
    assert set(rule) <= {"-", " "}
    assert [r.split()[0] for r in rows] == ["samples", "real", "ALL"]
    end = header.index("accuracy") + len("accuracy")  # numbers are right-aligned under their header
    for row in rows:
        assert re.fullmatch(r"\d\.\d{4}", row[end - 6 : end]), row
    assert "silent" in header and "review load" in header
    assert lines[-2] == "PASS" and "run.json" in lines[-1]


def test_run_json_holds_every_document_and_metric(good: EvalRun, scorer) -> None:
    record = good.record
    expected = labelled(SAMPLES) + labelled(REAL_SET)
    assert len(record["documents"]) == len(expected)
    scores = [scorer(d.gold, flat(extract(d.path, Settings()))) for d in expected]
    keys = sum(s["keys"] for s in scores)
    overall = record["overall"]
    assert overall["keys"] == keys
    assert overall["correct"] == sum(s["correct"] for s in scores)
    assert overall["accuracy"] == pytest.approx(sum(s["correct"] for s in scores) / keys)
    assert overall["silent"] == sum(s["silent_errors"] for s in scores) == 0
    flagged = sum(round(s["flagged_share"] * s["keys"]) for s in scores)
    assert overall["review_load"] == pytest.approx(flagged / keys)
    wrong_flagged = sum(sum(w[3] == "flagged" for w in s["wrong"]) for s in scores)
    assert overall["flag_precision"] == pytest.approx(wrong_flagged / flagged)
    assert overall["flag_recall"] == pytest.approx(1.0)  # no silent errors: every wrong key was flagged
    assert sum(b["keys"] for b in record["calibration"]) == keys
    assert sum(t["keys"] for t in record["by_family"].values()) == keys
    assert sum(t["keys"] for t in record["by_section"].values()) == keys
    assert set(record["by_format"]) == {"text", "markdown", "html", "pdf"}
    assert record["versions"]["extractor"] == [__version__]
    assert record["timing"]["documents"] == len(expected) and record["timing"]["seconds_mean"] > 0
    assert record["llm"]["calls"] == 0  # no endpoint configured: parser + checker only
    assert all(d["seconds"] > 0 and d["rows"] for d in record["documents"])


def test_each_document_record_agrees_with_score_py(good: EvalRun, scorer) -> None:
    for doc in labelled(SAMPLES) + labelled(REAL_SET):
        s = scorer(doc.gold, flat(extract(doc.path, Settings())))
        d = good.document(doc.ident)
        assert (d["keys"], d["correct"], d["silent_errors"]) == (s["keys"], s["correct"], s["silent_errors"])
        assert d["accuracy"] == s["accuracy"] and d["flagged_share"] == s["flagged_share"]


@pytest.mark.parametrize("folder", [SAMPLES, REAL_SET], ids=["samples", "real"])
def test_scoring_agrees_with_score_py_on_every_document(folder: Path, scorer) -> None:
    for doc in labelled(folder):
        for result in (extract(doc.path, Settings()), broken_extract(doc.path, Settings())):
            out = flat(result)
            assert score_document(doc.gold, out).as_score_py() == scorer(doc.gold, out), doc.name


def test_report_html_is_self_contained(good: EvalRun) -> None:
    page = good.html
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 3  # accuracy by format, calibration, review load
    for title in ("Accuracy by format", "Calibration", "Review load per set / format", "Silent errors",
                  "Worst documents"):
        assert title in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "pingtan_2019.txt" in page


# --- a broken extractor -------------------------------------------------------------------------


def test_broken_extractor_fails_the_thresholds(good: EvalRun, broken: EvalRun) -> None:
    before, after = good.record, broken.record
    assert broken.code == 1
    assert after["overall"]["accuracy"] < before["overall"]["accuracy"]
    assert after["overall"]["silent"] > 0 and after["silent_errors"]
    assert {e["key"].rsplit(".", 1)[1] for e in after["silent_errors"]} <= {"natural_person", "total"}
    samples = next(s for s in after["sets"] if s["name"] == "samples")
    assert any("silent errors" in f for f in samples["failures"])
    assert any("accuracy" in f for f in samples["failures"])
    assert "FAIL" in broken.stdout.splitlines()[-2] and "silent errors (" in broken.stdout
    assert "Silent errors" in broken.html and "FAIL" in broken.html


def test_broken_extractor_scores_agree_with_score_py(broken: EvalRun, scorer) -> None:
    for doc in labelled(SAMPLES):
        s = scorer(doc.gold, flat(broken_extract(doc.path, Settings())))
        d = broken.document(doc.ident)
        assert (d["correct"], d["silent_errors"], d["flagged_share"]) == (s["correct"], s["silent_errors"],
                                                                          s["flagged_share"])


def test_baseline_diff_lists_the_broken_fields_as_worse(good: EvalRun, broken: EvalRun) -> None:
    diff = broken.record["baseline"]
    assert diff is not None and diff["better"] == []
    worse = {(c["document"], c["key"]) for c in diff["worse"]}
    swapped = set()
    for doc in good.record["documents"]:
        after = {r["key"]: r for r in broken.document(doc["document"])["rows"]}
        for row in doc["rows"]:
            if row["outcome"] == "correct" and after[row["key"]]["got"] != row["got"]:
                swapped.add((doc["document"], row["key"]))
    assert swapped and worse == swapped
    assert all(c["after"] != c["before"] for c in diff["worse"])
    deltas = {m["metric"]: m for m in diff["metric_deltas"]}
    assert deltas["accuracy"]["delta"] < 0 and deltas["silent"]["delta"] > 0
    assert deltas["samples.accuracy"]["delta"] < 0
    assert "diff against baseline" in broken.stdout and "worse:" in broken.stdout
    assert "Diff against baseline" in broken.html


def test_command_line_limits_override_the_thresholds_file(tmp_path: Path) -> None:
    run = evaluate([SAMPLES], tmp_path / "run", extract_fn=broken_extract, fail_under=0.0, max_silent=10_000)
    assert run.code == 0
    assert run.record["thresholds"]["samples"]["source"].endswith("command line")
    strict = evaluate([SAMPLES], tmp_path / "strict", fail_under=1.0, max_silent=0)
    assert strict.code == 0


def test_an_extractor_that_raises_is_measured_not_fatal(tmp_path: Path) -> None:
    def crash(path: Path, settings: Settings) -> Result:
        raise RuntimeError("boom")

    run = evaluate([SAMPLES], tmp_path / "run", extract_fn=crash)
    assert run.code == 1
    doc = run.record["documents"][0]
    assert doc["status"] == "failed" and "boom" in doc["error"] and doc["format"] == "text"
    assert doc["silent_errors"] == doc["keys"]


def test_llm_usage_is_counted_per_document(tmp_path: Path) -> None:
    def with_usage(path: Path, settings: Settings) -> Result:
        result = extract(path, settings)
        result.usage = {"calls": 2, "prompt_tokens": 300, "completion_tokens": 50}
        return result

    run = evaluate([SAMPLES], tmp_path / "run", extract_fn=with_usage)
    record = run.record
    assert record["llm"]["calls"] == 10 and record["llm"]["tokens"] == 1750
    assert record["llm"]["tokens_per_document"] == 350
    assert all(d["llm_calls"] == 2 and d["llm_tokens"] == 350 for d in record["documents"])
    assert usage_counts({"calls": 1, "total_tokens": 99}) == (1, 99) and usage_counts({}) == (0, 0)


# --- broken sets, thresholds, escaping ------------------------------------------------------------


def _copy_sample(folder: Path, name: str, with_gold: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    source = SAMPLES / "002_bedebc31cbf810fe.txt"
    shutil.copy(source, folder / name)
    if with_gold:
        shutil.copy(source.with_name(source.name + ".gold.json"), folder / f"{name}.gold.json")


def test_a_document_without_gold_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "broken_set"
    _copy_sample(folder, "a.txt")
    _copy_sample(folder, "b.txt", with_gold=False)
    shutil.copy(SAMPLES / "004_d2a4fd40b0e98510.txt.gold.json", folder / "c.txt.gold.json")
    with pytest.raises(SetError) as err:
        discover(folder)
    assert err.value.problems == ["document b.txt has no gold file b.txt.gold.json",
                                  "gold c.txt.gold.json has no document c.txt beside it"]
    run = evaluate([folder, SAMPLES], tmp_path / "out")
    assert run.code == 2
    assert "b.txt has no gold file" in run.stderr and "c.txt.gold.json has no document" in run.stderr
    assert not (tmp_path / "out" / "run.json").exists()  # nothing was run on a partial set
    assert not (folder / "b.txt.gold.json").exists()  # and no gold was made up


def test_missing_and_empty_sets_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    run = evaluate([tmp_path / "empty", tmp_path / "absent"], tmp_path / "out")
    assert run.code == 2
    assert "no labelled documents" in run.stderr and "is not a folder" in run.stderr


def test_set_json_points_elsewhere(tmp_path: Path) -> None:
    _copy_sample(tmp_path / "store", "x.txt")
    (tmp_path / "store" / "unlabelled.txt").write_text("a report nobody labelled yet", encoding="utf-8")
    (tmp_path / "pointer").mkdir()
    (tmp_path / "pointer" / "set.json").write_text(json.dumps({"root": "../store", "documents": "*.gold.json"}))
    found = discover(tmp_path / "pointer")
    assert found.name == "pointer" and [d.ident for d in found.documents] == ["pointer/x.txt"]
    assert [d.name for d in discover(REAL_SET).documents] == sorted(
        p.name.removesuffix(".gold.json") for p in (ROOT.parent / "shared" / "real").glob("*.gold.json"))


def test_a_bad_thresholds_file_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "thresholds.json"
    bad.write_text(json.dumps({"samples": {"min_acuracy": 1.0}}))
    run = evaluate([SAMPLES], tmp_path / "out", thresholds_file=bad)
    assert run.code == 2 and "min_acuracy" in run.stderr


def test_document_strings_are_escaped_in_the_report(tmp_path: Path) -> None:
    folder = tmp_path / "odd"
    _copy_sample(folder, "<b>x&y.txt")
    run = evaluate([folder], tmp_path / "out", extract_fn=broken_extract)
    assert run.code == 0  # no thresholds for a set named "odd"
    assert "odd/&lt;b&gt;x&amp;y.txt" in run.html and "<b>x&y" not in run.html
    assert run.record["documents"][0]["document"] == "odd/<b>x&y.txt"


def test_accuracy_by_rendering_groups_documents_by_their_golds_rendering(tmp_path: Path) -> None:
    """Gold files of generated sets name their rendering; the rest group under "-", in the terminal
    summary, run.json and report.html alike, with the columns of the by-format table."""
    folder = tmp_path / "rendered"
    for name, rendering in (("a.txt", "tabs_grid"), ("b.txt", "tabs_grid"), ("c.txt", None), ("d.txt", "glued")):
        _copy_sample(folder, name)
        gold_path = folder / f"{name}.gold.json"
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        if rendering is not None:
            gold["rendering"] = rendering
        gold_path.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    run = evaluate([folder], tmp_path / "out")
    by_rendering = run.record["by_rendering"]
    assert list(by_rendering) == ["-", "glued", "tabs_grid"]
    assert [t["documents"] for t in by_rendering.values()] == [1, 1, 2]
    assert sum(t["keys"] for t in by_rendering.values()) == run.record["overall"]["keys"]
    assert by_rendering["tabs_grid"]["correct"] == 2 * by_rendering["glued"]["correct"]
    assert {d["document"]: d["rendering"] for d in run.record["documents"]} == {
        "rendered/a.txt": "tabs_grid", "rendered/b.txt": "tabs_grid", "rendered/c.txt": "-",
        "rendered/d.txt": "glued"}
    assert set(by_rendering["-"]) == set(run.record["by_format"]["text"])  # the same columns
    lines = run.stdout.splitlines()
    head = lines.index("by rendering")
    assert lines[head + 1].split()[:3] == ["rendering", "docs", "keys"]
    assert [line.split()[0] for line in lines[head + 3 : head + 6]] == ["-", "glued", "tabs_grid"]
    assert lines[head + 5].split()[1:3] == ["2", str(by_rendering["tabs_grid"]["keys"])]
    section = run.html.split("<h2>By rendering</h2>", 1)[1].split("<h2>", 1)[0]
    assert section.count("<tr>") == 4 and "<td>tabs_grid</td>" in section and "<td>-</td>" in section


def test_command_line_eval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", str(SAMPLES), "--out", str(tmp_path / "cli"), "--max-silent", "0"])
    assert code == 0
    assert "samples" in capsys.readouterr().out
    assert (tmp_path / "cli" / "run.json").exists() and (tmp_path / "cli" / "report.html").exists()


def test_workers_score_the_same_documents_the_same(good: EvalRun, tmp_path: Path) -> None:
    """Extraction in worker processes (what `make test` uses to halve the gate's time) changes who
    extracts, not what comes out: the same documents in the same order with the same scores."""
    parallel = evaluate([SAMPLES, REAL_SET], tmp_path / "w2", workers=2)
    assert parallel.code == good.code

    def scores(run: EvalRun) -> list[tuple[str, float, int, str]]:
        return [(d["document"], d["accuracy"], d["silent_errors"], d["status"]) for d in run.record["documents"]]

    assert scores(parallel) == scores(good)


# --- metric details -------------------------------------------------------------------------------


def test_confidence_buckets() -> None:
    assert [bucket_index(c) for c in (0.0, 0.19, 0.2, 0.6, 0.79, 0.8, 1.0)] == [0, 0, 1, 3, 3, 4, 4]
    rows = [KeyRow(key="k", gold=1, got=1, present=True, correct=True, flagged=False, must_flag=False, confidence=0.3),
            KeyRow(key="k", gold=1, got=2, present=True, correct=False, flagged=True, must_flag=False, confidence=0.3),
            KeyRow(key="k", gold=1, present=False, correct=False, flagged=False, must_flag=False)]
    buckets = {b.label: b for b in calibration(rows)}
    assert buckets["0.2-0.4"].keys == 2 and buckets["0.2-0.4"].accuracy == 0.5
    assert buckets["absent"].keys == 1 and buckets["absent"].accuracy == 0.0


def test_sections() -> None:
    assert [section_of(k) for k in ("meta.year", "active2019.rules.new_made", "requests.total.total",
                                    "appeals.review.total", "fees.info_processing_fee_yuan")] == [
        "meta", "table2", "table3", "table4", "prose"]


# --- the synthetic set, when its generator has produced it ----------------------------------------


def _synthetic_ready() -> bool:
    return SYNTHETIC.is_dir() and any(SYNTHETIC.glob("*.gold.json"))


@pytest.mark.skipif(not _synthetic_ready(), reason="evals/synthetic has no gold files yet")
def test_synthetic_set(tmp_path: Path, scorer) -> None:
    """The eval's scores agree with score.py on one document of every rendering (the whole set is the
    eval gate's, run by ``make test`` before pytest)."""
    subset = tmp_path / "synthetic"
    subset.mkdir()
    seen: set[str] = set()
    for gold in sorted(SYNTHETIC.glob("*.gold.json")):
        rendering = json.loads(gold.read_text(encoding="utf-8")).get("rendering") or gold.name.split(".")[-3]
        if rendering not in seen:
            seen.add(rendering)
            for path in (gold, gold.with_name(gold.name.removesuffix(".gold.json"))):
                (subset / path.name).symlink_to(path)
    run = evaluate([subset], tmp_path / "run")
    assert run.code in (0, 1), run.stderr  # 1 is a threshold verdict, reported in the table
    for doc in labelled(subset):
        out = flat(extract(doc.path, Settings()))
        s = scorer(doc.gold, out)
        assert score_document(doc.gold, out).as_score_py() == s, doc.name
        d = run.document(doc.ident)
        assert (d["keys"], d["correct"], d["silent_errors"]) == (s["keys"], s["correct"], s["silent_errors"])


# --- the report in a real browser -----------------------------------------------------------------


@needs_chromium
def test_report_screenshot_in_headless_chromium(good: EvalRun, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, str(SCRIPT), str(good.out), "--out", str(png)],
                          capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000, "a blank page compresses to a few KB; the report should not"


# --- the model, when --llm asks for it -------------------------------------------------------------

SAMPLE_004 = "004_d2a4fd40b0e98510.txt"


def _one_sample_set(tmp_path: Path) -> Path:
    folder = tmp_path / "one"
    folder.mkdir()
    for name in (SAMPLE_004, SAMPLE_004 + ".gold.json"):
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def test_eval_with_llm_asks_the_model_and_counts_calls_and_tokens(tmp_path: Path) -> None:
    from extractor.llm.factory import assistant_from_settings

    from .llm_server import ScriptedServer, compute
    from .test_llm import correct_model

    folder = _one_sample_set(tmp_path)
    gold = json.loads((folder / (SAMPLE_004 + ".gold.json")).read_text(encoding="utf-8"))["values"]
    sections = {"problems": ["公开内容不够全面"], "improvements": ["加强培训"], "fee_statement": None}
    model = correct_model(gold)
    with ScriptedServer(compute(lambda r: sections if r.schema_name == "Sections56" else model(r))) as server:
        settings = Settings(llm_base_url=server.base_url, llm_model="scripted-model", llm_use="always")
        helper = assistant_from_settings(settings, cache_path=tmp_path / "answers.sqlite", sleep=lambda s: None)
        run = evaluate([folder], tmp_path / "out", extractor=Extractor(settings, helper))
        asked = len(server.requests)
    record = run.record
    assert run.code == 0, run.stdout
    assert asked == 5 and record["settings"]["llm_enabled"] is True
    assert record["llm"]["calls"] == 5 and record["llm"]["tokens"] == 5 * 120  # the scripted usage per answer
    assert record["llm"]["failed_calls"] == 0 and record["llm"]["documents_with_problems"] == 0
    assert record["documents"][0]["llm_calls"] == 5 and record["sets"][0]["metrics"]["accuracy"] == 1.0
    assert "LLM scripted-model at " in run.stdout and ": 5 calls (0 failed), 600 tokens" in run.stdout


def test_eval_with_llm_against_a_down_endpoint_records_its_failed_calls(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the answer cache, away from the user's
    with socket.socket() as probe:  # a port nothing listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "out"
    code = main(["eval", str(SAMPLES), "--llm", "always", "--llm-base-url", f"http://127.0.0.1:{port}/v1",
                 "--llm-model", "m", "--out", str(out)])
    printed = capsys.readouterr().out
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert code == 0, printed  # the parser's values stand, so the gate still holds
    llm = record["llm"]
    assert record["settings"]["llm_enabled"] is True
    assert llm["calls"] > 0 and llm["failed_calls"] == llm["calls"] and llm["tokens"] == 0
    assert llm["documents_with_problems"] == len(record["documents"]) == 5
    assert all(d["llm_problems"][0].startswith("llm_unavailable: ") for d in record["documents"])
    assert f"{llm['calls']} calls ({llm['calls']} failed)" in printed
    assert "the model could not be used for 5 documents" in printed
    assert "LLM: always, model m" in (out / "report.html").read_text(encoding="utf-8")


def test_eval_without_llm_says_no_model_was_asked(good: EvalRun) -> None:
    assert good.record["settings"]["llm_enabled"] is False
    assert good.record["llm"]["calls"] == 0 and "LLM " not in good.stdout


# --- a set this machine cannot read -----------------------------------------------------------------


def test_a_set_needing_a_missing_tool_is_skipped_with_one_loud_line(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no soffice, no libreoffice
    run = evaluate([SAMPLES, OFFICE_SET], tmp_path / "out")
    assert run.code == 0, run.stdout
    loud = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(loud) == 1, loud
    assert loud[0].startswith("SKIPPED set office: 4 of its 5 documents need LibreOffice. ")
    assert "apt-get install libreoffice-writer-nogui" in loud[0]
    assert run.stdout.splitlines()[-2] == "PASS (1 set(s) skipped: office)"
    office = next(s for s in run.record["sets"] if s["name"] == "office")
    assert office["skipped"] and office["failures"] == [] and office["metrics"]["documents"] == 0
    assert {d["set"] for d in run.record["documents"]} == {"samples"}
    assert "SKIPPED" in run.html
