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
    prefix_ok: Callable[[list[str]], bool] | None = None,
) -> list[list[str]]:
    """Cut several separated runs into ``total_parts`` numbers overall; keep those ``accept`` likes.

    Separators that survived (spaces between runs) are certain boundaries, so a part never spans
    two runs. ``prefix_ok`` prunes early: it sees every partial cut and may reject it (e.g. a
    table-四 block whose total already fails).
    """
    found: list[list[str]] = []
    ok = prefix_ok or (lambda _parts: True)

    def walk(run_index: int, pos: int, acc: list[str]) -> None:
        if len(found) >= limit:
            return
        if run_index == len(runs):
            if len(acc) == total_parts and accept(acc):
                found.append(list(acc))
            return
        run = runs[run_index]
        if pos == len(run):
            if pos > 0:
                walk(run_index + 1, 0, acc)
            return
        digits_left = sum(len(r) for r in runs[run_index:]) - pos
        parts_left = total_parts - len(acc)
        if parts_left <= 0 or digits_left > parts_left * max_digits or digits_left < parts_left:
            return
        for size in range(1, min(max_digits, len(run) - pos) + 1):
            part = run[pos:pos + size]
            if not _valid(part, max_digits):
                continue
            acc.append(part)
            if ok(acc):
                walk(run_index, pos + size, acc)
            acc.pop()

    walk(0, 0, [])
    return found
