"""Plain text and Markdown → Document.

Lines become text blocks; runs of tab-separated lines and Markdown pipe tables become table blocks,
each cell keeping its 1-based source line. Markdown decoration (#, **) stays in the text: the parser
matches headings by their words, so it does not need it removed and provenance stays exact.
"""
from __future__ import annotations

import re

from ..document import Cell, Document, Source, TableBlock, TextBlock, Where
from ..settings import Settings
from .encoding import decode

_PIPE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def read_text(data: bytes, source: Source, settings: Settings) -> Document:
    text, encoding = decode(data)
    source = source.model_copy(update={"encoding": encoding})
    return Document(source=source, blocks=blocks_from_lines(text.splitlines()))


def blocks_from_lines(lines: list[str], first_line: int = 1) -> list:
    blocks: list = []
    table_rows: list[list[Cell]] = []

    def flush() -> None:
        if table_rows:
            first, last = table_rows[0][0].where.line, table_rows[-1][0].where.line
            index = len(blocks)
            for row in table_rows:
                for cell in row:
                    cell.where.table = index
            blocks.append(TableBlock(rows=list(table_rows), geometry="rows",
                                  where=Where(line=first, line_end=last, table=index)))
            table_rows.clear()

    for number, line in enumerate(lines, start=first_line):
        if _PIPE_SEP.match(line) and "-" in line:
            continue  # markdown header separator row: not data
        cells = _cells(line)
        if cells is None:
            flush()
            if line.strip():
                blocks.append(TextBlock(text=line.rstrip(), where=Where(line=number, line_end=number)))
            continue
        table_rows.append(
            [Cell(text=c.strip(), where=Where(line=number, line_end=number, row=len(table_rows), col=i))
             for i, c in enumerate(cells)]
        )
    flush()
    return blocks


def _cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 2:
        inner = stripped[1:-1] if stripped.endswith("|") else stripped[1:]
        return inner.split("|")
    if "\t" in line.rstrip("\r\n"):
        # a line of only a tab is an empty cell in one-cell-per-line tables (blank zeros)
        return line.rstrip("\r\n").split("\t")
    return None
