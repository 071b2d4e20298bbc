"""Batch runs: statuses and summary of a mixed batch, resume, kill -9 and Ctrl-C safety, byte-identical
outputs, cross-year checks, a crashing worker, and the Ray engine."""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractor.batch.crossyear import Doc, cross_checks, normalise_org
from extractor.batch.engines import CRASH_MESSAGE
from extractor.batch.inputs import collect
from extractor.batch.jobs import extract
from extractor.batch.progress import Progress
from extractor.batch.runner import BatchError, run_batch
from extractor.cli import main
from extractor.report import Result
from extractor.settings import Settings

from .conftest import ROOT, SAMPLES

SAMPLE_FILES = sorted(SAMPLES.glob("*.txt"))
OUTPUTS = ("results.jsonl", "results.csv", "results.parquet", "values.csv", "fields.csv")
ARTICLE = "今天天气晴朗，市民纷纷外出踏青。公园里游人如织，春意盎然。\n".encode()


def _mixed(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for sample in SAMPLE_FILES:
        shutil.copy(sample, folder / sample.name)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    (folder / "random.bin").write_bytes(os.urandom(4096))
    (folder / "article.txt").write_bytes(ARTICLE)
    return folder


def _copies(folder: Path, n: int) -> Path:
    """n reports: the samples with a small edit each, so every file has its own hash."""
    folder.mkdir(parents=True)
    texts = [p.read_text(encoding="utf-8") for p in SAMPLE_FILES]
    for i in range(n):
        (folder / f"doc{i:03d}.txt").write_text(texts[i % len(texts)] + f"\n（副本 {i}）\n", encoding="utf-8")
    return folder


def _cli(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "extractor.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, **kw)


def _wait_for_results(out: Path, proc: subprocess.Popen, at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((out / "documents").rglob("*.flat.json"))) >= at_least if out.exists() else False:
            return
        time.sleep(0.005)


def _group_alive(pgid: int) -> bool:
    """Any live (non-zombie) process left in the group."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs"


# ---- a mixed batch ---------------------------------------------------------------------------


def test_mixed_batch_statuses_summary_and_files(tmp_path: Path, capsys) -> None:
    inputs, out = _mixed(tmp_path / "in"), tmp_path / "out"
    code = main(["batch", str(inputs), "--out", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert code == 1, "a failed document makes the exit code 1"
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    status = {Path(r["document"]).name: r["status"] for r in rows}
    assert [Path(r["document"]).name for r in rows] == sorted(status), "rows are in input-path order"
    assert status["empty.txt"] == status["corrupt.pdf"] == status["random.bin"] == "failed"
    assert status["article.txt"] == "not_a_report"
    assert all(status[p.name] in ("ok", "needs_review") for p in SAMPLE_FILES)

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["failed"] == 3 and summary["counts"]["not_a_report"] == 1
    assert summary["exit_code"] == 1 and summary["extracted"] == 9
    reasons = {Path(p["document"]).name: p["reason"] for p in summary["problems"]}
    assert "empty" in reasons["empty.txt"] and "damaged" in reasons["corrupt.pdf"]
    assert "binary" in reasons["random.bin"] and "does not look like" in reasons["article.txt"]
    assert "failed" in printed and "empty" in printed and "Traceback" not in printed

    header = (out / "results.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header[:4] == ["document", "status", "error", "template"]
    assert "requests.total.total" in header and "active2019.procurement.amount" in header
    import pyarrow.parquet as pq

    table = pq.read_table(out / "results.parquet")
    assert table.num_rows == 9 and table.column("status").to_pylist() == [r["status"] for r in rows]
    assert str(table.schema.field("requests.total.total").type) == "int64"


def test_second_run_skips_everything_and_rewrites_the_same_bytes(tmp_path: Path) -> None:
    inputs, out = _copies(tmp_path / "in", 6), tmp_path / "out"
    first = run_batch([inputs], Settings(), out, progress=None)
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    second = run_batch([inputs], Settings(), out, progress=io.StringIO())
    assert (first.extracted, first.skipped) == (6, 0)
    assert (second.extracted, second.skipped) == (0, 6)
    assert second.counts == first.counts and second.exit_code == 0
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before


def test_same_bytes_under_two_names_are_extracted_once_and_reported_twice(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SAMPLE_FILES[0], inputs / "a.txt")
    shutil.copy(SAMPLE_FILES[0], inputs / "b.txt")
    summary = run_batch([inputs], Settings(), tmp_path / "out", progress=None)
    rows = (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert summary.extracted == 1 and len(rows) == 2
    assert summary.cross["counts"].get("duplicate_file") == 1


def test_inputs_folders_globs_order_and_own_output_skipped(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    for name in ("b.txt", "a.html", "sub/c.pdf", ".hidden", "x.txt.gold.json"):
        (root / name).write_text("x")
    out = root / "results"
    out.mkdir()
    (out / "old.json").write_text("{}")
    other = root / "older-run"
    other.mkdir()
    (other / "manifest.sqlite").write_text("")
    (other / "r.json").write_text("{}")
    found = collect([root, str(root / "*.txt"), str(tmp_path / "nothing*")], exclude=[out])
    assert [p.relative_to(root).as_posix() for p in found.files] == ["a.html", "b.txt", "sub/c.pdf"]
    assert found.unmatched == [str(tmp_path / "nothing*")]


def test_no_inputs_is_a_usage_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(BatchError):
        run_batch([tmp_path / "missing"], Settings(), tmp_path / "out", progress=None)
    assert main(["batch", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    assert "no input files" in capsys.readouterr().err


def test_progress_line_has_counts_rate_and_eta() -> None:
    now = [0.0]
    stream = io.StringIO()
    progress = Progress(total=10, skipped=3, stream=stream, clock=lambda: now[0], log_every=1.0)
    for _ in range(4):
        now[0] += 0.5
        progress.advance("ok")
    line = progress.line()
    assert "4/10 (40%)" in line and "2.0 docs/s" in line and "ETA 0:03" in line and "3 already done" in line
    assert stream.getvalue().count("\n") == 2  # drawn once a second into a non-terminal

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    live = Progress(total=2, stream=screen, clock=lambda: now[0])
    now[0] += 1
    live.advance("failed")
    live.close()
    assert screen.getvalue().startswith("\r") and screen.getvalue().endswith("\n"), "redrawn in place"


# ---- kill -9 and Ctrl-C ----------------------------------------------------------------------


def test_sigkill_then_resume_gives_byte_identical_outputs(tmp_path: Path) -> None:
    inputs = _copies(tmp_path / "in", 60)
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    proc = _cli("batch", str(inputs), "--out", str(killed), "--workers", "1", "--quiet")
    try:
        _wait_for_results(killed, proc, at_least=5)
        assert proc.poll() is None, "the batch finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, as `kill -9 PID` does
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _group_alive(proc.pid), "workers outlived their killed parent"
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    done_before = len(list((killed / "documents").rglob("*.flat.json")))
    assert 5 <= done_before < 60
    assert not (killed / "results.jsonl").exists()

    resumed = _cli("batch", str(inputs), "--out", str(killed), "--quiet")
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err.decode()
    assert "already done" in out.decode()
    uninterrupted = _cli("batch", str(inputs), "--out", str(clean), "--quiet")
    uninterrupted.communicate(timeout=120)
    assert uninterrupted.returncode == 0
    _same_outputs(killed, clean)
    assert not list(killed.rglob("*.tmp")), "no temporary files are left behind"


def test_ctrl_c_stops_cleanly_with_130_and_resumes(tmp_path: Path) -> None:
    inputs, out = _copies(tmp_path / "in", 60), tmp_path / "out"
    proc = _cli("batch", str(inputs), "--out", str(out), "--workers", "1")
    try:
        _wait_for_results(out, proc, at_least=5)
        assert proc.poll() is None, "the batch finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole process group
        printed, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err
    assert "interrupted" in printed.decode() and "resume" in printed.decode()
    with sqlite3.connect(out / "manifest.sqlite") as db:
        journaled = db.execute("SELECT count(*) FROM done").fetchone()[0]
    assert 0 < journaled < 60, "finished results are kept"
    summary = run_batch([inputs], Settings(), out, progress=None)
    assert (summary.skipped, summary.extracted, summary.exit_code) == (journaled, 60 - journaled, 0)


# ---- a worker that dies ------------------------------------------------------------------------


def crashing_extract(path: str, settings: Settings) -> Result:
    """Stands in for a reader that segfaults on one hostile file (imported by spawned workers)."""
    if "hostile" in str(path):
        os._exit(70)
    return extract(path, settings)


def test_a_worker_crash_fails_that_document_only_and_for_this_run_only(tmp_path: Path) -> None:
    inputs, out = _copies(tmp_path / "in", 3), tmp_path / "out"
    (inputs / "hostile.txt").write_text("boom", encoding="utf-8")
    summary = run_batch([inputs], Settings(), out, workers=1, progress=None, extract_fn=crashing_extract)
    rows = _rows(out)
    assert rows["hostile.txt"]["status"] == "failed" and rows["hostile.txt"]["error"].startswith(CRASH_MESSAGE)
    assert "temporary" in rows["hostile.txt"]["error"]
    assert all(rows[f"doc{i:03d}.txt"]["status"] in ("ok", "needs_review") for i in range(3))
    assert summary.exit_code == 1 and summary.temporary == 1
    assert _journaled(out) == 3, "a crash is not the document's final result"
    again = run_batch([inputs], Settings(), out, workers=1, progress=None)
    assert (again.extracted, again.skipped, again.temporary) == (1, 3, 0), "tried again on the next run"
    assert _rows(out)["hostile.txt"]["status"] == "not_a_report"


def _rows(out: Path) -> dict[str, dict]:
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return {Path(json.loads(line)["document"]).name: json.loads(line) for line in lines}


def _journaled(out: Path) -> int:
    with sqlite3.connect(out / "manifest.sqlite") as db:
        return db.execute("SELECT count(*) FROM done").fetchone()[0]


# ---- cross-year ------------------------------------------------------------------------------


def test_cross_year_carry_mismatch_stock_and_copy_are_found(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    text = SAMPLE_FILES[0].read_text(encoding="utf-8")  # 卢氏县人民政府 2024: carried_over all 0
    (inputs / "lushi_2024.txt").write_text(text, encoding="utf-8")
    # the same report as 2023: its 结转下年度 (natural_person 1, total 1) ≠ 2024's 上年结转 (0)
    (inputs / "lushi_2023.txt").write_text(text.replace("2024", "2023"), encoding="utf-8")
    summary = run_batch([inputs], Settings(), tmp_path / "out", progress=None)
    report = json.loads((tmp_path / "out" / "cross_checks.json").read_text(encoding="utf-8"))
    carry = [f for f in report["findings"] if f["rule"] == "cross_year_carry"]
    assert {f["cells"][0] for f in carry} == {"requests.carried_over.natural_person", "requests.carried_over.total"}
    assert all(f["severity"] == "error" and f["years"] == [2023, 2024] for f in carry)
    assert carry[0]["left"] == "0" and carry[0]["right"] == "1"
    stock = [f for f in report["findings"] if f["rule"] == "cross_year_in_force"]
    assert stock and stock[0]["severity"] == "warning"  # 36 ≠ 36 + 6 − 28
    assert report["counts"].get("copied_from_previous_year") == 1
    assert summary.cross["counts"]["cross_year_carry"] == 2


def test_cross_year_checks_are_quiet_when_the_years_agree() -> None:
    base = {"meta.org_name": "某县 人民政府", "requests.carried_forward.total": 4, "active.rules.in_force": 10}
    y1 = Doc("a", "h1", "ok", {**base, "meta.year": 2022})
    y2 = Doc("b", "h2", "ok", {"meta.org_name": "某县人民政府", "meta.year": 2023, "requests.carried_over.total": 4,
                               "active.rules.in_force": 12, "active.rules.issued": 3, "active.rules.repealed": 1})
    report = cross_checks([y1, y2])
    assert report.pairs == 1 and report.findings == []
    assert normalise_org("某县（人民政府）") == normalise_org("某县人民政府")


# ---- Ray -------------------------------------------------------------------------------------


def test_ray_engine_gives_the_same_results_as_local(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the ray package is not installed: the ray engine cannot be tested")
    inputs = tmp_path / "in"
    inputs.mkdir()
    for sample in SAMPLE_FILES[:3]:
        shutil.copy(sample, inputs / sample.name)
    (inputs / "empty.txt").write_bytes(b"")
    ray_summary = run_batch([inputs], Settings(), tmp_path / "ray", engine="ray", progress=None)
    local_summary = run_batch([inputs], Settings(), tmp_path / "local", engine="local", progress=None)
    assert ray_summary.extracted == 4 and ray_summary.counts == local_summary.counts
    _same_outputs(tmp_path / "ray", tmp_path / "local")


# ---- absent values ---------------------------------------------------------------------------


def test_a_report_with_an_absent_value_reaches_the_review_queue(tmp_path: Path) -> None:
    """Issue 11: `batch --db` could not enqueue a result holding a value the document does not give."""
    pytest.importorskip("extractor.review.queue", reason="the review package is not installed")
    from extractor.batch.review import open_store

    inputs = tmp_path / "in"
    inputs.mkdir()
    text = SAMPLE_FILES[0].read_text(encoding="utf-8")
    (inputs / "no-licensing.txt").write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("行政许可")), encoding="utf-8")
    store = open_store(tmp_path / "review.sqlite")
    summary = run_batch([inputs], Settings(), tmp_path / "out", store=store, progress=None)
    assert summary.review_queue == {"enqueued": 1, "errors": []}
    [queued] = store.documents()
    assert queued.name == "no-licensing.txt"
    assert store.current(queued.id).result().report.values["active.licensing.decisions"].value is None


# ---- temporary failures: never a document's final result --------------------------------------------


def slow_extract(path: str, settings: Settings) -> Result:
    """Stands in for a reader that hangs on one file (imported by spawned workers)."""
    if "slow" in str(path):
        time.sleep(3600)
    return extract(path, settings)


def test_a_document_past_its_timeout_fails_for_this_run_only(tmp_path: Path) -> None:
    inputs, out = _copies(tmp_path / "in", 3), tmp_path / "out"
    (inputs / "slow.txt").write_text(SAMPLE_FILES[0].read_text(encoding="utf-8"), encoding="utf-8")
    started = time.monotonic()
    summary = run_batch([inputs], Settings(document_timeout=2), out, workers=2, progress=None,
                        extract_fn=slow_extract)
    assert time.monotonic() - started < 60, "the hung worker was stopped"
    rows = _rows(out)
    assert rows["slow.txt"]["status"] == "failed" and "timed out" in rows["slow.txt"]["error"]
    assert "EXTRACTOR_DOCUMENT_TIMEOUT" in rows["slow.txt"]["error"]
    assert all(rows[f"doc{i:03d}.txt"]["status"] in ("ok", "needs_review") for i in range(3))
    assert summary.temporary == 1 and _journaled(out) == 3
    again = run_batch([inputs], Settings(), out, progress=None)
    assert (again.extracted, again.skipped, again.exit_code) == (1, 3, 0)
    assert _rows(out)["slow.txt"]["status"] in ("ok", "needs_review")


def vanishing_extract(path: str, settings: Settings) -> Result:
    """The input changes after the batch planned it (rewritten, or the share it lives on hiccups)."""
    if "vanishing" in str(path):
        Path(path).write_bytes(b"")
    return extract(path, settings)


def test_an_input_that_cannot_be_read_as_planned_is_tried_again(tmp_path: Path) -> None:
    inputs, out = _copies(tmp_path / "in", 2), tmp_path / "out"
    (inputs / "vanishing.txt").write_text(SAMPLE_FILES[1].read_text(encoding="utf-8"), encoding="utf-8")
    (inputs / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")  # listed, but cannot be read
    summary = run_batch([inputs], Settings(), out, workers=1, progress=None, extract_fn=vanishing_extract)
    rows = _rows(out)
    assert rows["vanishing.txt"]["status"] == rows["dangling.txt"]["status"] == "failed"
    assert "could not be read as it was" in rows["vanishing.txt"]["error"]
    assert "temporary" in rows["dangling.txt"]["error"]
    assert summary.temporary == 2 and _journaled(out) == 2
    again = run_batch([inputs], Settings(), out, progress=None)
    assert (again.extracted, again.skipped) == (2, 2)


# ---- the output folder: read-only, full, a damaged journal ------------------------------------------


def _in_namespace(script: str) -> subprocess.CompletedProcess:
    """Run ``script`` (sh) as root of a private user and mount namespace, where it may mount tmpfs."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces are not available: {probe.stderr.decode().strip()}")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PY": sys.executable}
    return subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_a_read_only_output_folder_is_a_message_and_exit_3(tmp_path: Path) -> None:
    inputs, out = _copies(tmp_path / "in", 2), tmp_path / "out"
    out.mkdir()
    done = _in_namespace(f'mount -t tmpfs -o ro tmpfs "{out}" && "$PY" -m extractor.cli batch "{inputs}" '
                         f'--out "{out}" --quiet')
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert f"cannot write to the output folder {out}" in done.stderr and "Read-only" in done.stderr


def test_a_full_disk_stops_the_batch_with_a_message_and_the_next_run_goes_on(tmp_path: Path) -> None:
    inputs, out = _copies(tmp_path / "in", 12), tmp_path / "out"
    out.mkdir()
    batch = f'"$PY" -m extractor.cli batch "{inputs}" --out "{out}" --quiet --workers 1'
    done = _in_namespace(f'mount -t tmpfs -o size=400k tmpfs "{out}" && {{ {batch}; echo "first=$?"; }} && '
                         f'mount -o remount,size=50m "{out}" && {{ {batch}; echo "second=$?"; }} && '
                         f'cat "{out}/summary.json"')
    assert "first=3" in done.stdout and "second=0" in done.stdout, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "is full" in done.stderr and "run the same command again" in done.stderr
    summary = json.loads(done.stdout[done.stdout.index("{"):])
    assert summary["skipped"] > 0 and summary["skipped"] + summary["extracted"] == 12
    assert summary["counts"].get("failed", 0) == 0, "nothing the full disk did is a document's result"


@pytest.mark.parametrize("damage", ["truncated", "random", "foreign"])
def test_a_damaged_or_foreign_journal_is_set_aside_and_rebuilt(tmp_path: Path, damage: str, capsys) -> None:
    inputs, out = _copies(tmp_path / "in", 5), tmp_path / "out"
    run_batch([inputs], Settings(), out, progress=None)
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    journal = out / "manifest.sqlite"
    with sqlite3.connect(journal) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if damage == "truncated":
        journal.write_bytes(journal.read_bytes()[:3000])
    elif damage == "random":
        journal.write_bytes(os.urandom(8192))
    else:
        journal.unlink()
        with sqlite3.connect(journal) as db:
            db.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, caption TEXT)")
    code = main(["batch", str(inputs), "--out", str(out), "--quiet"])
    printed = capsys.readouterr()
    assert code == 0 and "Traceback" not in printed.err
    assert "manifest.sqlite could not be used" in printed.out and "rebuilt from the result files" in printed.out
    assert "5 finished documents recovered" in printed.out and "(0 extracted, 5 already done)" in printed.out
    assert len([p for p in out.glob("manifest.sqlite.damaged-*") if not p.name.endswith(("-wal", "-shm"))]) == 1
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before
    assert _journaled(out) == 5


def test_a_review_store_that_cannot_be_opened_is_a_message(tmp_path: Path, capsys) -> None:
    pytest.importorskip("extractor.review.store", reason="the review package is not installed")
    inputs = _copies(tmp_path / "in", 1)
    code = main(["batch", str(inputs), "--out", str(tmp_path / "out"), "--db", str(tmp_path / "no" / "such" / "x.db")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot open the review store" in err and "Traceback" not in err


# ---- issue 13: outputs an analyst can use -------------------------------------------------------


def test_tables_carry_format_reasons_flags_pages_types_and_a_field_dictionary(tmp_path: Path, capsys) -> None:
    import csv

    import pyarrow.parquet as pq

    from extractor.batch.outputs import value_columns

    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    for sample in SAMPLE_FILES[:3]:  # 000 and 001 need review: inferred values
        shutil.copy(sample, inputs / sample.name)
    pdf = sorted((ROOT / "evals" / "pdf_native").glob("*.pdf"))[0]
    shutil.copy(pdf, inputs / pdf.name)
    assert main(["batch", str(inputs), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out

    results = list(csv.DictReader((out / "results.csv").read_text(encoding="utf-8-sig").splitlines()))
    by_name = {Path(r["document"]).name: r for r in results}
    assert by_name[pdf.name]["format"] == "pdf" and by_name[SAMPLE_FILES[0].name]["format"] == "text"
    flagged = by_name[SAMPLE_FILES[0].name]
    assert flagged["status"] == "needs_review" and "inferred" in flagged["review_reasons"]
    assert by_name[pdf.name]["review_reasons"] == ""

    values = list(csv.DictReader((out / "values.csv").read_text(encoding="utf-8-sig").splitlines()))
    inferred = [v for v in values if Path(v["document"]).name == SAMPLE_FILES[0].name and v["method"] == "inferred"]
    assert inferred and all("inferred" in v["flags"] for v in inferred), "an inferred value never passes for printed"
    fee = next(v for v in values if v["key"] == "active.admin_fees.amount_10k_yuan"
               and Path(v["document"]).name == SAMPLE_FILES[0].name)
    assert fee["value"] == "5268464.2119" and fee["unit"] == "万元" and fee["label"] == "行政事业性收费 本年收费金额"
    assert {v["page"] for v in values if Path(v["document"]).name == pdf.name} - {""}, "a PDF's values have pages"

    fields = list(csv.DictReader((out / "fields.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [f["key"] for f in fields] == value_columns(), "the dictionary covers every column of results.csv"
    assert all(f["label"] and f["type"] in ("int", "decimal", "text") for f in fields)

    table = pq.read_table(out / "results.parquet")
    assert str(table.schema.field("active.admin_fees.amount_10k_yuan").type) == "decimal128(38, 6)"
    assert str(table.schema.field("requests.total.total").type) == "int64"
    fees = dict(zip(table.column("document").to_pylist(),
                    table.column("active.admin_fees.amount_10k_yuan").to_pylist()))
    assert str(fees[str(inputs / SAMPLE_FILES[0].name)]) == "5268464.211900"

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [Path(d).name for d in summary["to_review"]] == [p.name for p in SAMPLE_FILES[:2]]
    assert "to review (2" in printed and SAMPLE_FILES[0].name in printed
    assert f"outputs in {out}:" in printed and "values.csv" in printed and "fields.csv" in printed


def test_an_amount_that_is_not_a_decimal_keeps_the_column_text() -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from extractor.batch.outputs import Detail, parquet_bytes

    rows = [{"document": d, "status": "ok", "values": {"active.admin_fees.amount_10k_yuan": v}}
            for d, v in (("a", "12.5"), ("b", "约5")) ]
    fee = "active.admin_fees.amount_10k_yuan"
    table = pq.read_table(pa.BufferReader(parquet_bytes(rows, [Detail(), Detail()], [fee])))
    assert table.column("active.admin_fees.amount_10k_yuan").to_pylist() == ["12.5", "约5"]
