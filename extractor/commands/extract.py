"""``extractor extract FILE... [--flat] [--out DIR] [--llm off|fallback|always --llm-base-url URL --llm-model M]``.

With an OpenAI-compatible endpoint configured (flags, or EXTRACTOR_LLM_* variables; the key only as
EXTRACTOR_LLM_API_KEY, never on the command line), a model settles what the parser could not.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    from ..cli import add_llm_flags

    p = sub.add_parser("extract", help="extract reports to JSON (rich, or --flat per spec/output.md)",
                       description="Extract and check each FILE. Prints the rich result (JSON, pretty for one "
                                   "file, one line per file for several) or, with --flat, the flat contract of "
                                   "spec/output.md as JSON Lines: one object per line, one line per file. "
                                   "Exit 0 whenever every file was processed, whatever its status.",
                       epilog="LLM assist: --llm fallback asks the model only about what the parser left "
                              "unsettled; --llm always asks about every region as a second opinion. Model "
                              "values are flagged; the API key is read from EXTRACTOR_LLM_API_KEY only.")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--flat", action="store_true", help="the flat contract instead of the rich result, as JSON Lines")
    p.add_argument("--out", type=Path, help="write one JSON file per document into this folder")
    add_llm_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from ..outputs import extract_to
    from ..pipeline import Extractor

    return extract_to(args.files, Extractor.from_settings(settings), flat=args.flat, out_dir=args.out,
                      stdout=sys.stdout)
