"""``extractor eval SET... [--baseline RUN.json] [--fail-under ACC] [--max-silent N] [--out DIR]``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    from ..cli import add_llm_flags

    p = sub.add_parser(
        "eval",
        help="score the extractor on labelled sets (evals/samples, evals/real, …)",
        description="Extract every document of each labelled set, score it against its gold, print a table, "
        "write run.json and report.html. Exit 1 when a set breaks its thresholds, 2 when a set is broken. "
        "A set whose documents need a system tool this machine lacks (LibreOffice) is skipped, saying so. "
        "With --llm the model is asked, and its calls, tokens and failures are reported.",
    )
    p.add_argument("sets", nargs="+", type=Path, metavar="SET", help="a labelled set folder (documents + *.gold.json, "
                   "or a set.json)")
    p.add_argument("--baseline", type=Path, metavar="RUN.json", help="an earlier run.json to diff against")
    p.add_argument("--fail-under", type=float, metavar="ACC",
                   help="minimum accuracy of every set (default: evals/thresholds.json per set)")
    p.add_argument("--max-silent", type=int, metavar="N",
                   help="maximum silent errors of every set (default: evals/thresholds.json per set)")
    p.add_argument("--thresholds", type=Path, metavar="FILE",
                   help="thresholds file (default: thresholds.json beside the set folders)")
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: runs/<timestamp>)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="extraction processes (default 1, so that each document is timed alone)")
    add_llm_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ..pipeline import Extractor
    from .run import run_eval

    return run_eval(
        args.sets,
        Extractor.from_settings(settings),
        baseline=args.baseline,
        fail_under=args.fail_under,
        max_silent=args.max_silent,
        out_dir=args.out,
        stdout=sys.stdout,
        stderr=sys.stderr,
        thresholds_file=args.thresholds,
        workers=max(1, args.workers),
    )
