"""``extractor batch INPUT... --out DIR [--workers N] [--engine local|ray] [--db PATH]``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ExtractorError
from ..settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    from ..cli import add_llm_flags

    p = sub.add_parser(
        "batch", help="extract many documents into tables, resumably",
        description="Extract every input (files, folders searched recursively, glob patterns) into DIR: one "
                    "result per document, then results.jsonl/.csv/.parquet, cross-report checks and a summary. "
                    "Running again with the same DIR skips what is done (resume after Ctrl-C or a crash). "
                    "Documents that failed for a temporary reason (a crash, a timeout, a file or disk that could not "
                    "be used) are tried again by the next run. Exit code: 0 when no document failed, 1 when some did, "
                    "2 on usage errors, 3 when the output folder cannot be written (read-only, disk full), "
                    "130 when interrupted.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="a file, a folder or a glob pattern (quote it)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder (created if needed)")
    p.add_argument("--workers", type=int, default=2, help="parallel workers (default 2)")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local process pool (default) or Ray tasks on a local single-node cluster")
    p.add_argument("--db", dest="db_path", type=Path, metavar="PATH",
                   help="review store (SQLite): documents that need review are queued there "
                        "(default: EXTRACTOR_DB_PATH, else none)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    add_llm_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from .review import open_store
    from .runner import run_batch

    if args.workers < 1:
        return _usage("--workers must be at least 1")
    try:
        store = open_store(settings.db_path) if settings.db_path else None
    except ExtractorError as exc:  # the review package is not installed (ReviewUnavailable); the store cannot be opened
        return _usage(str(exc))
    # a BatchError (exit 2) or an unwritable output folder (exit 3) ends the command in cli.main, as
    # does Ctrl-C before any work began (130: nothing to keep)
    summary = run_batch(args.inputs, settings, args.out, workers=args.workers, engine=args.engine,
                        store=store, progress=None if args.quiet else sys.stderr)
    print(summary.render())
    return summary.exit_code


def _usage(message: str) -> int:
    print(f"extractor batch: {message}", file=sys.stderr)
    return 2
