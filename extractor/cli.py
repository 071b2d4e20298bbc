"""Command line: parses arguments and calls one library function per command.

Each command lives beside the code it drives, in a light ``command`` module exposing
``register(subparsers)``; the parser it adds sets ``run(args, settings) -> exit code``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .settings import Settings

COMMAND_MODULES = (
    "extractor.commands.extract",
    "extractor.evaluate.command",
    "extractor.batch.command",
    "extractor.review.command",
    "extractor.server.command",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="extractor", description="Extract and check 政府信息公开工作年度报告.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def add_llm_flags(p: argparse.ArgumentParser) -> None:
    """Flags matching the EXTRACTOR_LLM_* environment variables (see extractor.settings)."""
    p.add_argument("--llm", dest="llm_use", choices=["off", "fallback", "always"],
                   help="default: fallback when an endpoint is configured, off otherwise")
    p.add_argument("--llm-base-url")
    p.add_argument("--llm-model")
    p.add_argument("--llm-mode", choices=["JSON_SCHEMA", "TOOLS", "JSON", "MD_JSON"],
                   help="instructor mode: JSON_SCHEMA (local servers) or TOOLS (OpenAI)")
    p.add_argument("--llm-timeout", type=float)
    p.add_argument("--llm-concurrency", type=int)


def settings_from(args: argparse.Namespace) -> Settings:
    names = ("llm_use", "llm_base_url", "llm_model", "llm_mode", "llm_timeout", "llm_concurrency", "db_path")
    return Settings.from_env(**{n: getattr(args, n) for n in names if getattr(args, n, None) is not None})


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings_from(args)
    return int(args.run(args, settings))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["main", "add_llm_flags", "settings_from"]
