"""Writes the README's table of flags from ``extractor.flags.MEANING`` (the closed vocabulary).

usage: python scripts/readme_flags.py [--check]

The table sits between ``<!-- flags:begin -->`` and ``<!-- flags:end -->``; ``--check`` exits 1 when
it differs from what ``MEANING`` says (tests/test_readme.py runs the same comparison).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.flags import MEANING  # noqa: E402

README = ROOT / "README.md"
BEGIN, END = "<!-- flags:begin -->", "<!-- flags:end -->"


def render() -> str:
    rows = [f"| `{flag}` | {meaning} |" for flag, meaning in MEANING.items()]
    return "\n".join([BEGIN, "| flag | meaning |", "|---|---|", *rows, END])


def current(text: str) -> str | None:
    if BEGIN not in text or END not in text:
        return None
    return text[text.index(BEGIN): text.index(END) + len(END)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    found = current(text)
    if found is None:
        print(f"{README} has no {BEGIN} … {END} section", file=sys.stderr)
        return 1
    if args.check:
        return 0 if found == render() else 1
    README.write_text(text.replace(found, render()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
