"""Renders a ``Document`` into one of the five formats, as bytes.

The text family mimics what converters leave behind: ``text_tabs`` one table row per line with
tab-separated cells, a spanned position an empty cell (sample 000); ``text_cells`` one cell per
line, a tab before each, a blank line after each row, a merged cell once (sample 002); ``markdown``
``#`` headings and pipe tables (sample 003). HTML and Word live in their own modules.
"""
from __future__ import annotations

from collections.abc import Callable

from .html_page import HtmlOptions, render_html
from .model import Document, Heading, Paragraph, Table
from .word import render_docx

EXTENSIONS: dict[str, str] = {
    "text_tabs": "txt", "text_cells": "txt", "markdown": "md", "html": "html", "docx": "docx",
}


def render(doc: Document, fmt: str, html: HtmlOptions = HtmlOptions()) -> bytes:
    """The document in format ``fmt`` (one of ``EXTENSIONS``); ``html`` only matters for html."""
    if fmt == "html":
        return render_html(doc, html)
    if fmt == "docx":
        return render_docx(doc)
    text_renderers: dict[str, Callable[[Document], str]] = {
        "text_tabs": _text_tabs, "text_cells": _text_cells, "markdown": _markdown,
    }
    if fmt not in text_renderers:
        raise ValueError(f"unknown format {fmt!r}; expected one of {sorted(EXTENSIONS)}")
    return text_renderers[fmt](doc).encode("utf-8")


def _grid_texts(table: Table) -> list[list[str]]:
    """Each grid position's text: the cell's text at its top-left position, empty elsewhere."""
    return [[slot.cell.text if slot.origin else "" for slot in row] for row in table.grid()]


def _text_tabs(doc: Document) -> str:
    lines = ["", "", doc.title, ""]
    for block in doc.blocks:
        if isinstance(block, Table):
            lines += ["\t".join(row) for row in _grid_texts(block)]
        else:
            lines.append(block.text)
        lines.append("")
    return "\n".join(lines)


def _text_cells(doc: Document) -> str:
    lines = [doc.title]
    for block in doc.blocks:
        if isinstance(block, Table):
            for row in block.grid():
                # A merged cell prints once per row it covers: its text on its first row, then empty.
                lines += [f"\t{slot.cell.text if slot.row_offset == 0 else ''}" for slot in row if slot.col_offset == 0]
                lines.append("")
        else:
            lines.append(block.text)
    return "\n".join(lines) + "\n"


def _markdown(doc: Document) -> str:
    lines = [f"# {doc.title}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            lines.append(f"{'#' * (block.level + 1)} {block.text}")
        elif isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            rows = _grid_texts(block)
            lines.append(_pipe_row(rows[0]))
            lines.append(_pipe_row(["---"] * len(rows[0])))
            lines += [_pipe_row(row) for row in rows[1:]]
        lines.append("")
    return "\n".join(lines)


def _pipe_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
