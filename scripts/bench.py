"""Text-family throughput: median and p90 seconds per report, single process, parser + checker.

usage: python scripts/bench.py [FILES...] [--repeat N]
Defaults to the bundled samples and the text/Markdown/HTML reports of ../shared/real.
"""
from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from pathlib import Path

from extractor.pipeline import extract
from extractor.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def default_files() -> list[Path]:
    real = ROOT.parent / "shared" / "real"
    files = sorted((ROOT / "evals" / "samples").glob("*.txt"))
    files += [p for p in sorted(real.glob("*")) if p.suffix in {".txt", ".md", ".html"} and p.name != "README.md"]
    return files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    files = args.files or default_files()
    settings = Settings()
    for f in files:  # warm imports and caches
        extract(f, settings)
    per_file: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        for f in files:
            t = time.perf_counter()
            extract(f, settings)
            per_file.setdefault(f.name, []).append(time.perf_counter() - t)
    tracemalloc.start()
    for f in files:
        extract(f, settings)
    _, peak = tracemalloc.get_traced_memory()
    all_times = sorted(x for v in per_file.values() for x in v)
    for name, times in per_file.items():
        print(f"{name:40} median {statistics.median(times) * 1000:7.1f} ms")
    print(f"\n{len(files)} files x {args.repeat}: median {statistics.median(all_times) * 1000:.1f} ms/report, "
          f"p90 {all_times[int(len(all_times) * 0.9)] * 1000:.1f} ms, "
          f"throughput {len(all_times) / sum(all_times):.1f} reports/s, "
          f"peak traced memory {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
