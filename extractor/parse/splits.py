"""Splitting digit runs that lost their cell separators (``640020470`` = 64 0 0 2 0 4 70).

A run is cut into parts that are valid printed numbers (no leading zeros except ``0`` itself,
bounded length). Which cut is right is for the identities to say; these functions only enumerate,
with a callback that prunes as early as the caller's identities allow.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

MAX_DIGITS = 6  # a table-三/四 count beyond 999999 applications is not a thing


def splits(run: str, parts: int, max_digits: int = MAX_DIGITS) -> Iterator[list[str]]:
    """All ways to cut ``run`` into ``parts`` valid numbers, in lexicographic order of cut points."""
    n = len(run)
    if parts <= 0 or n < parts or n > parts * max_digits:
        return
    if parts == 1:
        if _valid(run, max_digits):
            yield [run]
        return
    for size in range(1, min(max_digits, n - parts + 1) + 1):
        head = run[:size]
        if not _valid(head, max_digits):
            continue
        for tail in splits(run[size:], parts - 1, max_digits):
            yield [head, *tail]


def _valid(part: str, max_digits: int) -> bool:
    return 0 < len(part) <= max_digits and part.isdigit() and (part == "0" or part[0] != "0")


def split_runs(
    runs: list[str],
    total_parts: int,
    accept: Callable[[list[str]], bool],
    limit: int = 2000,
    max_digits: int = MAX_DIGITS,
) -> list[list[str]]:
    """Cut several separated runs into ``total_parts`` numbers overall; keep those ``accept`` likes.

    Separators that survived (spaces between runs) are certain boundaries, so each run is cut on
    its own; the parts are distributed over the runs in every possible way.
    """
    found: list[list[str]] = []

    def distribute(i: int, left: int, acc: list[str]) -> None:
        if len(found) >= limit:
            return
        if i == len(runs):
            if left == 0 and accept(acc):
                found.append(list(acc))
            return
        remaining_runs = len(runs) - i - 1
        for k in range(1, left - remaining_runs + 1):
            for cut in splits(runs[i], k, max_digits):
                distribute(i + 1, left - k, acc + cut)

    distribute(0, total_parts, [])
    return found
