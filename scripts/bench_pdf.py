"""PDF throughput and OCR accuracy: seconds per page (native and scanned), peak memory, scores.

usage: python scripts/bench_pdf.py [--repeat N] [--sets native,scanned] [--huge]

With --repeat N each document is run N times and its fastest run kept (the others measure whatever
else the machine was doing).

For every PDF of evals/pdf_native and evals/scanned: ingestion time (PDF → Document, OCR included)
and end-to-end time (ingest + parse + check), per page, wall clock and CPU (all threads; on a busy
machine CPU time is the steadier figure), and the score of the flat output against the gold by the
independent scorer (../shared/tools/score.py). Peak memory is the process's maximum resident set
(resource.getrusage) at the end. Targets on the 2-core reference machine: native < 0.1 s/page,
scanned ≤ 1.5 s/page median, peak < 1 GB.

``--huge`` reads, in a fresh process each, a scanned page drawn 14,400 pt wide (a scan whose page
size was written in pixels) and one drawn 14,400 pt square, and prints their status, wall time and
peak memory (targets: within 60 s and under 1.5 GB, a clear status either way).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.document import Source  # noqa: E402
from extractor.flat import flat  # noqa: E402
from extractor.ingest import sniff  # noqa: E402
from extractor.ingest.ocr import OcrEngine, default_engine  # noqa: E402
from extractor.ingest.pdf import read_pdf  # noqa: E402
from extractor.pipeline import extract_document  # noqa: E402
from extractor.settings import Settings  # noqa: E402

SETS = {"native": ROOT / "evals" / "pdf_native", "scanned": ROOT / "evals" / "scanned"}
SCORER = ROOT.parent / "shared" / "tools" / "score.py"


@dataclass
class Run:
    name: str
    pages: int
    ingest: float  # seconds, wall
    ingest_cpu: float
    total: float
    score: dict


def _scorer() -> Callable[[dict, dict], dict]:
    spec = importlib.util.spec_from_file_location("shared_score", SCORER)
    assert spec is not None and spec.loader is not None, SCORER
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score


def run_one(path: Path, settings: Settings, engine: OcrEngine | None, score: Callable[[dict, dict], dict]) -> Run:
    data = path.read_bytes()
    source = Source(path=str(path), name=path.name, sha256="-", size=len(data), format=sniff(data, path.name))
    wall, cpu = time.perf_counter(), _cpu()
    doc = read_pdf(data, source, settings, engine)
    ingest, ingest_cpu = time.perf_counter() - wall, _cpu() - cpu
    result = extract_document(doc, settings)
    total = time.perf_counter() - wall
    gold = json.loads(path.with_name(path.name + ".gold.json").read_text(encoding="utf-8"))
    return Run(path.name, doc.source.pages or 1, ingest, ingest_cpu, total, score(gold, flat(result)))


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the Tesseract CLI), all threads."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def report(label: str, runs: list[Run]) -> None:
    pages = sum(r.pages for r in runs)
    keys = sum(r.score["keys"] for r in runs)
    correct = sum(r.score["correct"] for r in runs)
    silent = sum(r.score["silent_errors"] for r in runs)
    per_page = [r.ingest / r.pages for r in runs]
    print(f"\n{label}: {len(runs)} documents, {pages} pages")
    for r in runs:
        wrong = r.score["wrong"][:6]
        print(f"  {r.name[:60]:60s} {r.pages:2d} p  ingest {r.ingest / r.pages:6.3f} s/p "
              f"(cpu {r.ingest_cpu / r.pages:6.3f})  end-to-end {r.total / r.pages:6.3f} s/p  "
              f"acc {r.score['accuracy']:.4f}  silent "
              f"{r.score['silent_errors']}  {wrong if wrong else ''}")
    print(f"  ingest s/page: mean {sum(r.ingest for r in runs) / pages:.3f}, median {statistics.median(per_page):.3f}, "
          f"max {max(per_page):.3f}; cpu s/page {sum(r.ingest_cpu for r in runs) / pages:.3f}; "
          f"end-to-end s/page {sum(r.total for r in runs) / pages:.3f}")
    print(f"  accuracy {correct}/{keys} = {correct / keys:.4f}, silent errors {silent}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs of each set; the fastest run of each document is kept")
    ap.add_argument("--sets", default="native,scanned")
    ap.add_argument("--huge", action="store_true", help="only the 14,400 pt pages, each in a fresh process")
    ap.add_argument("--huge-one", help=argparse.SUPPRESS)  # the child process of --huge
    args = ap.parse_args()
    if args.huge_one:
        return huge_one(Path(args.huge_one))
    if args.huge:
        return huge()
    settings = Settings()
    score = _scorer()
    engine: OcrEngine = default_engine()
    print(f"OCR engine: {engine.name}; cores: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    for name in args.sets.split(","):
        files = sorted(p for p in SETS[name].glob("*.pdf"))
        if name == "scanned":  # load the model outside the timing, as a long-running process would have
            _warm(engine)
        rounds = [[run_one(f, settings, engine, score) for f in files] for _ in range(args.repeat)]
        # the fastest of the repeats per document: on a shared machine, the others measure the neighbours
        report(name, [min(runs, key=lambda r: r.ingest) for runs in zip(*rounds)])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    print(f"\npeak memory (max RSS): {peak:.0f} MB; load average now: {os.getloadavg()[0]:.2f}")


def _warm(engine: OcrEngine) -> None:
    import numpy as np

    image = np.full((100, 300), 255, np.uint8)
    image[40:60, 20:280:20] = 0
    engine.recognize(image, 150)
    engine.read_lines(image, [(0, 30, 300, 70)], 150)


def huge() -> None:
    import pymupdf

    page_png = _scan_page_png()
    for width, height in ((14_400, 842), (14_400, 14_400)):
        pdf = pymupdf.open()
        page = pdf.new_page(width=width, height=height)
        page.insert_image(page.rect, stream=page_png, keep_proportion=False)
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(pdf.tobytes())
            file.flush()
            out = subprocess.run([sys.executable, __file__, "--huge-one", file.name], capture_output=True, text=True,
                                 timeout=600)
        print(f"{width:,}×{height:,} pt: {out.stdout.strip() or out.stderr.strip()[-500:]}")


def _scan_page_png() -> bytes:
    """The first table page of the scanned set, as the image a huge page is drawn with."""
    import pymupdf

    first = sorted(SETS["scanned"].glob("scan_*.pdf"))[0]
    with pymupdf.open(first) as pdf:
        return pdf[1].get_pixmap(dpi=150, colorspace=pymupdf.csGRAY).tobytes("png")


def huge_one(path: Path) -> None:
    from extractor import errors
    from extractor.ingest import load

    started = time.perf_counter()
    try:
        doc = load(path, Settings())
        status = extract_document(doc, Settings()).status
        detail = "; ".join(w for w in doc.warnings if "max_render_pixels" in w)
    except errors.NotAReport as exc:
        status, detail = "not_a_report", f"{exc}; " + "; ".join(w for w in doc.warnings if "max_render_pixels" in w)
    except errors.InputError as exc:
        status, detail = "failed", str(exc)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"status": status, "seconds": round(wall, 1), "peak_mb": round(peak), "detail": detail},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
