"""Batch throughput, memory and kill-safety on a generated mixed set (parser + checker, LLM off).

usage: python scripts/bench_batch.py [--n 500] [--workers 2] [--work DIR] [--keep] [--profile]

1. Generates N documents: the bundled samples with varied numbers and years, the synthetic
   generator's formats (``extractor.synthetic.build_set``: text, Markdown, HTML, DOCX) when it is
   installed, and a few bad files (empty, corrupt PDF, random bytes, a non-report article).
2. Runs ``extractor batch`` on them (a subprocess, as a user would) and reports documents/second,
   total time and peak RSS (the largest of the batch's processes, from getrusage over children);
   then the same over the text-family documents alone (the 50 docs/s target).
3. Starts the batch again into a fresh folder, SIGKILLs it once some results exist, resumes it, and
   checks results.jsonl/.csv/.parquet are byte-identical to the uninterrupted run's.
4. With --profile: cProfile of serial extraction of the text-family documents, top functions.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # a script of the checkout: import the checkout's package, installed or not
SAMPLES = ROOT / "evals" / "samples"
TEXT_SUFFIXES = {".txt", ".md", ".html", ".htm"}
OUTPUTS = ("results.jsonl", "results.csv", "results.parquet", "values.csv", "fields.csv")
DECISION_ROW = re.compile(r"^(行政许可|行政处罚|行政强制)(\t+)(\d+)", re.M)
ARTICLE = "今天天气晴朗，市民纷纷外出踏青。公园里游人如织，春意盎然。\n"


@dataclass(frozen=True)
class Run:
    seconds: float
    extracted: int
    exit_code: int
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.extracted / self.seconds if self.seconds else 0.0


# ---- the document set ------------------------------------------------------------------------


def generate(folder: Path, n: int, seed: int = 7) -> dict[str, int]:
    """Write n documents into folder; returns how many of each kind."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    bad = _bad_files(folder, rng, max(4, n // 100))
    synthetic = _synthetic(folder, (n - bad) // 5, seed)
    varied = _varied_samples(folder, n - bad - synthetic, rng)
    return {"varied samples": varied, "synthetic": synthetic, "bad": bad}


def _varied_samples(folder: Path, n: int, rng: random.Random) -> int:
    """Bodies of five years each (2020–2024), so the cross-year checks have real pairs: each body is
    a sample under a new name, each year with other 行政许可/处罚/强制 figures."""
    samples = sorted(SAMPLES.glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in samples]
    orgs = [_org_name(p) for p in samples]
    for i in range(n):
        body, year = i // 5, 2020 + i % 5
        s = body % len(texts)
        text = texts[s].replace("2024", str(year))
        org = orgs[s]
        if org:
            text = text.replace(org, _place(body) + org)
        text = DECISION_ROW.sub(lambda m: f"{m[1]}{m[2]}{rng.randint(0, 50000)}", text)
        (folder / f"sample_{i:04d}.txt").write_text(text, encoding="utf-8")
    return n


def _org_name(sample: Path) -> str | None:
    from extractor.pipeline import extract
    from extractor.settings import Settings

    report = extract(sample, Settings()).report
    name = report.get("meta.org_name") if report else None
    return name if isinstance(name, str) else None


def _place(index: int) -> str:
    first, second = "东西南北中上下前后左", "山河湖江城林原岭川塘"
    return first[index % 10] + second[(index // 10) % 10]


def _synthetic(folder: Path, n: int, seed: int) -> int:
    try:
        from extractor.synthetic import build_set
    except ImportError:
        return 0
    target = folder / "synthetic"
    files = build_set(target, n, seed)
    for gold in target.glob("*.gold.json"):  # labels are not documents
        gold.unlink()
    return len(files)


def _bad_files(folder: Path, rng: random.Random, n: int) -> int:
    makers = [lambda: b"", lambda: b"%PDF-1.7\n" + rng.randbytes(3000), lambda: rng.randbytes(4096),
              lambda: ARTICLE.encode()]
    names = ["empty.txt", "corrupt.pdf", "random.bin", "article.txt"]
    for i in range(n):
        (folder / f"bad_{i:03d}_{names[i % 4]}").write_bytes(makers[i % 4]())
    return n


def text_family(folder: Path, into: Path) -> int:
    """Copy the text/Markdown/HTML documents (not the bad ones) into a folder of their own."""
    into.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in TEXT_SUFFIXES and not path.name.startswith("bad_"):
            shutil.copy(path, into / f"{count:05d}_{path.name}")
            count += 1
    return count


# ---- running the batch -----------------------------------------------------------------------


def _command(inputs: Path, out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "extractor.cli", "batch", str(inputs), "--out", str(out),
            "--workers", str(workers), "--quiet"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def run_batch(inputs: Path, out: Path, workers: int) -> Run:
    """One complete batch in a subprocess. Peak RSS: ru_maxrss over waited-for descendants is the
    largest single process (the batch's main process or one of its workers)."""
    started = time.perf_counter()
    proc = subprocess.run(_command(inputs, out, workers), cwd=ROOT, env=_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"batch failed ({proc.returncode}):\n{proc.stderr}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Run(seconds, summary["extracted"], proc.returncode, peak_kb / 1024)


def kill_and_resume(inputs: Path, out: Path, reference: Path, workers: int) -> dict[str, object]:
    proc = subprocess.Popen(_command(inputs, out, workers), cwd=ROOT, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    total = sum(1 for _ in inputs.rglob("*") if _.is_file())
    while proc.poll() is None and _results(out) < total // 4:
        time.sleep(0.01)
    killed_after = _results(out)
    was_running = proc.poll() is None
    if was_running:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(1.5)  # orphaned workers notice their parent is gone within a second
    started = time.perf_counter()
    resumed = subprocess.run(_command(inputs, out, workers), cwd=ROOT, env=_env(), capture_output=True, text=True)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    identical = {name: (out / name).read_bytes() == (reference / name).read_bytes() for name in OUTPUTS}
    return {"killed_mid_run": was_running, "results_at_kill": killed_after, "resume_exit": resumed.returncode,
            "resume_skipped": summary["skipped"], "resume_extracted": summary["extracted"],
            "resume_seconds": round(time.perf_counter() - started, 2), "identical": identical}


def _results(out: Path) -> int:
    folder = out / "documents"
    return sum(1 for _ in folder.rglob("*.flat.json")) if folder.exists() else 0


# ---- profile ---------------------------------------------------------------------------------


def profile(folder: Path, top: int = 25) -> None:
    from extractor.pipeline import extract
    from extractor.settings import Settings

    files = sorted(p for p in folder.iterdir() if p.is_file())
    settings = Settings()
    for path in files[:10]:  # imports and caches out of the picture
        extract(path, settings)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for path in files:
        extract(path, settings)
    profiler.disable()
    seconds = time.perf_counter() - started
    print(f"\nprofile: {len(files)} text-family documents serially in {seconds:.2f} s "
          f"({len(files) / seconds:.1f} docs/s in one process, under the profiler)")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


# ---- main ------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the working folder")
    ap.add_argument("--profile", action="store_true", help="profile serial extraction of the text family")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_batch_"))
    try:
        report(work, args)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)


def report(work: Path, args: argparse.Namespace) -> None:
    kinds = generate(work / "mixed", args.n)
    text_n = text_family(work / "mixed", work / "text")
    print(f"generated {args.n} documents: " + ", ".join(f"{k} {v}" for k, v in kinds.items())
          + f"; text family {text_n}; {os.cpu_count()} CPUs, {args.workers} workers")
    mixed = run_batch(work / "mixed", work / "out-mixed", args.workers)
    print(f"mixed batch:  {mixed.extracted} docs in {mixed.seconds:.2f} s = {mixed.rate:.1f} docs/s "
          f"(exit {mixed.exit_code}; peak RSS so far {mixed.peak_rss_mb:.0f} MB)")
    text = run_batch(work / "text", work / "out-text", args.workers)
    print(f"text family:  {text.extracted} docs in {text.seconds:.2f} s = {text.rate:.1f} docs/s "
          f"(end to end: start-up, hashing, extraction, tables, cross-checks)")
    print(f"peak RSS of any one batch process: {max(mixed.peak_rss_mb, text.peak_rss_mb):.0f} MB; "
          f"this script: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    outcome = kill_and_resume(work / "mixed", work / "out-killed", work / "out-mixed", args.workers)
    print("kill -9 and resume: " + json.dumps(outcome, ensure_ascii=False))
    if not all(outcome["identical"].values()):  # type: ignore[attr-defined]
        raise SystemExit("resumed outputs differ from the uninterrupted run")
    if args.profile:
        profile(work / "text")


if __name__ == "__main__":
    main()
