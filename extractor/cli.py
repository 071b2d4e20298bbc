"""Command line: parses arguments and calls one library function per command.

Each command lives beside the code it drives, in a light ``command`` module exposing
``register(subparsers)``; the parser it adds sets ``run(args, settings) -> exit code``.

Errors end a command here, once: an ``ExtractorError`` becomes one line on stderr and the exit code
of ``EXIT_CODES`` (never a traceback); a wrong argument prints the usage of the (sub)command it was
given to, not the top level's.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__, errors
from .settings import Settings

COMMAND_MODULES = (
    "extractor.commands.extract",
    "extractor.evaluate.command",
    "extractor.batch.command",
    "extractor.review.command",
    "extractor.server.command",
)
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_OUTPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
# error class → exit code; the most specific class listed wins (checked in order)
EXIT_CODES: tuple[tuple[type[errors.ExtractorError], int], ...] = (
    (errors.OutputUnwritable, EXIT_OUTPUT),
    (errors.UsageError, EXIT_USAGE),
    (errors.ExtractorError, EXIT_FAILURE),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="extractor", description="Extract and check 政府信息公开工作年度报告.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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


def add_secure_cookies_flag(p: argparse.ArgumentParser) -> None:
    """``--secure-cookies`` of ``review serve`` and ``serve`` (which mounts the review UI): one setting,
    ``Settings.review_secure_cookies``, read by the review app wherever it runs."""
    # default None, not False: settings_from copies only given flags, so that
    # EXTRACTOR_REVIEW_SECURE_COOKIES=1 still holds when the flag is absent
    p.add_argument("--secure-cookies", dest="review_secure_cookies", action="store_true", default=None,
                   help="mark the review session cookie Secure: browsers then send it over HTTPS only (serve "
                        "behind TLS; default: EXTRACTOR_REVIEW_SECURE_COOKIES, else off)")


def settings_from(args: argparse.Namespace) -> Settings:
    names = ("llm_use", "llm_base_url", "llm_model", "llm_mode", "llm_timeout", "llm_concurrency", "db_path",
             "review_secure_cookies")
    return Settings.from_env(**{n: getattr(args, n) for n in names if getattr(args, n, None) is not None})


def exit_code_of(exc: errors.ExtractorError) -> int:
    return next(code for cls, code in EXIT_CODES if isinstance(exc, cls))


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Arguments parsed; an unknown one is reported with the usage of the subcommand that got it."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        chosen_parser(parser, args).error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def chosen_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The innermost subcommand parser ``args`` went through (``extractor review user add`` → ``add``)."""
    while True:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        name = getattr(args, subs[0].dest, None) if subs else None
        if name is None or name not in subs[0].choices:
            return parser
        parser = subs[0].choices[name]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parse(parser, argv)
    try:
        return int(args.run(args, settings_from(args)))
    except errors.ExtractorError as exc:
        print(f"{chosen_parser(parser, args).prog}: error: {exc}", file=sys.stderr)
        return exit_code_of(exc)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["main", "add_llm_flags", "add_secure_cookies_flag", "settings_from", "EXIT_CODES"]
