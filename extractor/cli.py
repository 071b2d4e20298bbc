"""Command line: parses arguments and calls one library function per command."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="extractor", description="Extract and check 政府信息公开工作年度报告.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("extract", help="extract reports to JSON (rich, or --flat per spec/output.md)")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--flat", action="store_true", help="print the flat contract instead of the rich result")
    p.add_argument("--out", type=Path, help="write one JSON file per document into this folder")
    _llm_flags(p)

    args = parser.parse_args(argv)
    settings = _settings(args)
    if args.command == "extract":
        from .outputs import extract_to

        return extract_to(args.files, settings, flat=args.flat, out_dir=args.out, stdout=sys.stdout)
    return 2


def _llm_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--llm", choices=["off", "fallback", "always"], help="use the configured LLM endpoint")
    p.add_argument("--llm-base-url")
    p.add_argument("--llm-model")
    p.add_argument("--llm-mode")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        llm_use=getattr(args, "llm", None),
        llm_base_url=getattr(args, "llm_base_url", None),
        llm_model=getattr(args, "llm_model", None),
        llm_mode=getattr(args, "llm_mode", None),
    )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
