"""A PNG screenshot of the latest eval report, for people (pull requests, chat, issue comments).

usage: eval_screenshot.py [REPORT.html | RUN_DIR] [--runs DIR] [--out PNG] [--size 1200x1600]

Without a report, takes the newest ``runs/*/report.html`` (``extractor eval`` writes one per run).
The PNG goes beside the report as ``report.png`` unless ``--out`` says otherwise. Needs Chromium
(Debian: ``apt-get install chromium``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from extractor.evaluate.screenshot import ScreenshotError, find_browser, screenshot


def latest_report(runs: Path) -> Path | None:
    reports = [p for p in runs.glob("*/report.html") if p.is_file()]
    return max(reports, key=lambda p: p.stat().st_mtime, default=None)


def resolve_report(given: Path | None, runs: Path) -> Path | None:
    if given is None:
        return latest_report(runs)
    return given / "report.html" if given.is_dir() else given


def parse_size(text: str) -> tuple[int, int]:
    w, _, h = text.lower().partition("x")
    return int(w), int(h)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", nargs="?", type=Path, help="report.html or a run folder (default: the latest run)")
    parser.add_argument("--runs", type=Path, default=Path("runs"), help="where eval runs are (default: runs/)")
    parser.add_argument("--out", type=Path, help="the PNG to write (default: report.png beside the report)")
    parser.add_argument("--size", type=parse_size, default=(1200, 1600), help="window WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    report = resolve_report(args.report, args.runs)
    if report is None or not report.is_file():
        print(f"no report found ({args.report or args.runs / '*/report.html'}); run `extractor eval` first",
              file=sys.stderr)
        return 2
    browser = find_browser()
    if browser is None:
        print("no Chromium found (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    try:
        png = screenshot(report, args.out or report.with_name("report.png"), browser, size=args.size)
    except ScreenshotError as exc:
        print(f"screenshot failed: {exc}", file=sys.stderr)
        return 1
    print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
