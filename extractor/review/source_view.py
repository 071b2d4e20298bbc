"""The source of an HTML or DOCX document as the reviewer sees it: its text and tables, re-read by
the extractor's own reader, never its markup.

Showing the page's HTML would run its scripts, load its images from elsewhere and let its styles
hide or fake cells. Instead the stored bytes go through the same reader the extraction used
(``extractor.ingest.load_bytes``), which keeps only what a reader sees, and the view is built from
that ``Document``: paragraphs as text, tables as grids of text with their spans. The page template
escapes every piece, so nothing from the file can become markup. Cells keep the positions a value's
``Where`` points at (table block, row, column), so the view can highlight the cell under review.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..document import TableBlock
from ..errors import ExtractorError
from ..ingest import load_bytes
from ..settings import Settings

BLOCK_FORMATS = ("html", "docx")  # formats whose reader gives table positions without a converter
MAX_BLOCKS = 2000  # a view, not an archive: a report has a few hundred blocks at most


@dataclass(frozen=True)
class SourceCell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class SourceBlock:
    kind: str  # "text" | "table"
    index: int  # the table index a value's Where names (tables), else the block's position
    text: str = ""
    line: int | None = None
    line_end: int | None = None
    rows: list[list[SourceCell]] = field(default_factory=list)


@dataclass(frozen=True)
class SourceView:
    blocks: list[SourceBlock]
    problem: str | None = None  # why there is no view (the file no longer reads)


def source_view(data: bytes, name: str, settings: Settings) -> SourceView:
    try:
        document = load_bytes(data, name, settings)
    except ExtractorError as exc:
        return SourceView([], f"the source cannot be shown: {exc}")
    blocks = []
    for position, block in enumerate(document.blocks[:MAX_BLOCKS]):
        where = block.where
        if isinstance(block, TableBlock):
            index = where.table if where.table is not None else position
            blocks.append(SourceBlock("table", index, line=where.line, line_end=where.line_end, rows=_rows(block)))
        else:
            blocks.append(SourceBlock("text", position, block.text, where.line, where.line_end or where.line))
    return SourceView(blocks)


def _rows(table: TableBlock) -> list[list[SourceCell]]:
    """Origin cells only, with their spans: the copies a span left in the grid are not drawn twice."""
    return [[SourceCell(cell.text, r, c, cell.rowspan, cell.colspan) for c, cell in enumerate(row) if not cell.spanned]
            for r, row in enumerate(table.rows)]
