"""``extractor extract FILE... [--flat] [--out DIR]``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    from ..cli import add_llm_flags

    p = sub.add_parser("extract", help="extract reports to JSON (rich, or --flat per spec/output.md)")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--flat", action="store_true", help="print the flat contract instead of the rich result")
    p.add_argument("--out", type=Path, help="write one JSON file per document into this folder")
    add_llm_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, settings) -> int:
    from ..outputs import extract_to

    return extract_to(args.files, settings, flat=args.flat, out_dir=args.out, stdout=sys.stdout)
