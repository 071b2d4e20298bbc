"""Plain aligned text tables for the terminal (no dependency).

Widths count East Asian wide characters as two columns, so document names and gold values in Chinese
line up in a terminal.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def cell(value: Any) -> str:
    """How a value prints: rates with 4 decimals, None as '-', everything else as str."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def render(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric_from: int = 1) -> str:
    """Columns left-aligned before ``numeric_from``, right-aligned from it (numbers read better so)."""
    texts = [[cell(v) for v in row] for row in rows]
    widths = [max([width(h)] + [width(r[i]) for r in texts]) for i, h in enumerate(headers)]
    lines = [_line(list(headers), widths, numeric_from), "  ".join("-" * w for w in widths)]
    lines += [_line(r, widths, numeric_from) for r in texts]
    return "\n".join(line.rstrip() for line in lines)


def _line(texts: list[str], widths: list[int], numeric_from: int) -> str:
    parts = []
    for i, (text, w) in enumerate(zip(texts, widths)):
        pad = " " * (w - width(text))
        parts.append(pad + text if i >= numeric_from else text + pad)
    return "  ".join(parts)


def titled(title: str, body: str) -> str:
    return f"{title}\n{body}\n"
