"""The one document model every ingester produces and every later stage reads.

A ``Document`` is a sequence of blocks in reading order: text blocks (a line or paragraph) and table
blocks (a grid of cells with merged cells expanded). Every block and cell carries ``Where``: the page,
line span, bounding box and grid position it came from, and the *route* by which its text was
obtained (``native`` text, ``ocr``, or ``llm``). Nothing after ingestion reads the file again; the
provenance here is what lets each extracted value point back to its source.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, Field

Route = Literal["native", "ocr", "llm"]


class Where(BaseModel):
    """Where a piece of text sits in the source. Fields that do not apply stay ``None``."""

    page: int | None = None  # 1-based page (PDF, images); None for flowing text
    line: int | None = None  # 1-based first source line (text formats)
    line_end: int | None = None
    bbox: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1 in PDF points
    table: int | None = None  # index of the table block in the document
    row: int | None = None  # grid row within that table
    col: int | None = None
    route: Route = "native"
    confidence: float | None = None  # OCR/LLM confidence of this text, when the route has one

    def merged(self, other: "Where") -> "Where":
        """The span covering both (used when a value is read from several tokens)."""
        lines = [x for x in (self.line, self.line_end, other.line, other.line_end) if x is not None]
        bbox = self.bbox
        if self.bbox and other.bbox and self.page == other.page:
            a, b = self.bbox, other.bbox
            bbox = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
        conf = [c for c in (self.confidence, other.confidence) if c is not None]
        return self.model_copy(
            update={
                "line": min(lines) if lines else None,
                "line_end": max(lines) if lines else None,
                "bbox": bbox,
                "route": "ocr" if "ocr" in (self.route, other.route) else self.route,
                "confidence": min(conf) if conf else None,
            }
        )


class Cell(BaseModel):
    text: str
    where: Where = Field(default_factory=Where)
    rowspan: int = 1
    colspan: int = 1
    spanned: bool = False  # a copy placed by expanding another cell's rowspan/colspan
    # a position the source row did not have (a short row squared to the grid), or one whose row the
    # source does not establish (a scanned row divided by a rule found only faintly): not pinned
    padded: bool = False


class TextBlock(BaseModel):
    kind: Literal["text"] = "text"
    text: str
    where: Where = Field(default_factory=Where)


Geometry = Literal["grid", "rows"]


class TableBlock(BaseModel):
    """A table as the source laid it out. ``geometry`` says how far positions can be trusted:

    - ``grid``: a real grid (HTML/DOCX cells, PDF ruling lines, a scan's ruling lines): every row has
      the same columns after spans are expanded, a blank cell is an empty ``Cell`` at its position,
      and a column index means the same column in every row;
    - ``rows``: separated text (tabs, Markdown pipes): the cells of one row are in order and an empty
      cell between two separators is a cell, but rows need not line up (merged label cells are
      simply left out when a table is pasted as text).
    """

    kind: Literal["table"] = "table"
    rows: list[list[Cell]]
    geometry: Geometry = "grid"
    where: Where = Field(default_factory=Where)
    evidence: list[str] = Field(default_factory=list)  # e.g. why two page fragments were stitched


Block = Annotated[Union[TextBlock, TableBlock], Field(discriminator="kind")]


class Source(BaseModel):
    path: str
    name: str
    sha256: str
    size: int
    format: str  # text | markdown | html | docx | pdf | image | …
    encoding: str | None = None
    converted_via: str | None = None  # e.g. "libreoffice:doc->docx"
    pages: int | None = None


class Document(BaseModel):
    source: Source
    blocks: list[Block] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def plain_text(self) -> str:
        """All text, tables flattened with tabs; for heuristics such as 'is this a report at all'."""
        parts: list[str] = []
        for block in self.blocks:
            if isinstance(block, TextBlock):
                parts.append(block.text)
            else:
                for row in block.rows:
                    parts.append("\t".join(c.text for c in row if not c.spanned))
        return "\n".join(parts)
