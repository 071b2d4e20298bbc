"""DOCX → Document.

Walks the body in order, paragraphs and tables interleaved (also inside content controls), so the
section headings stay next to their tables. A paragraph becomes a text block whose ``Where.line`` is
its 1-based paragraph number in the body; a table becomes a table block on the table's layout grid,
with horizontal (gridSpan) and vertical (vMerge) merges expanded: the merge's first cell carries
rowspan/colspan, every other grid position it covers holds a ``spanned`` copy of its text.

Only the main document part is inflated and parsed (with python-docx's parser settings), found
through the package relationships, and only within the archive limits of ``zipped``: the images,
styles and fonts a report's DOCX also carries are never read, so their size costs nothing.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from lxml import etree

from .. import errors
from ..document import Block, Cell, Document, Source, TableBlock, TextBlock, Where
from ..settings import Settings
from .zipped import open_zip, read_xml

_NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}
_P = f"{{{_NS['w']}}}p"
_BODY = f"{{{_NS['w']}}}body"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DEFAULT_MAIN_PART = "word/document.xml"
_T = f"{{{_NS['w']}}}t"
# Content controls and custom-XML wrappers hold ordinary paragraphs, tables, rows and cells.
_BLOCK_ITEMS = etree.XPath(
    "./w:p | ./w:tbl | ./w:sdt/w:sdtContent/*[self::w:p or self::w:tbl]"
    " | ./w:customXml/*[self::w:p or self::w:tbl]",
    namespaces=_NS,
)
_ROWS = etree.XPath("./w:tr | ./w:sdt/w:sdtContent/w:tr | ./w:customXml/w:tr", namespaces=_NS)
_CELLS = etree.XPath("./w:tc | ./w:sdt/w:sdtContent/w:tc | ./w:customXml/w:tc", namespaces=_NS)
# Run content of a paragraph, including runs in hyperlinks, insertions, fields and smart tags;
# mc:Fallback repeats the text of its mc:Choice (text boxes), so it is skipped.
_RUN_CONTENT = etree.XPath(
    ".//w:r[not(ancestor::mc:Fallback)]/*[self::w:t or self::w:tab or self::w:br or self::w:cr]",
    namespaces=_NS,
)
_GRID_BEFORE = etree.XPath("./w:trPr/w:gridBefore/@w:val", namespaces=_NS)
_GRID_SPAN = etree.XPath("./w:tcPr/w:gridSpan/@w:val", namespaces=_NS)
_VMERGE = etree.XPath("./w:tcPr/w:vMerge", namespaces=_NS)
_VMERGE_VAL = f"{{{_NS['w']}}}val"
_WHITESPACE = re.compile(r"\s+")
# Word allows 63 columns; anything wider is a damaged or hostile file.
_MAX_SPAN = 63


def read_docx(data: bytes, source: Source, settings: Settings) -> Document:
    body = _open(data, settings)
    blocks: list[Block] = []
    paragraph_number = 0
    for item in _BLOCK_ITEMS(body):
        if item.tag == _P:
            paragraph_number += 1  # empty paragraphs count too, so numbers match Word's own
            text = _paragraph_text(item)
            if text:
                blocks.append(TextBlock(text=text, where=Where(line=paragraph_number, line_end=paragraph_number)))
        else:
            blocks.append(_table_block(item, index=len(blocks)))
    return Document(source=source, blocks=blocks)


def _open(data: bytes, settings: Settings) -> etree._Element:
    archive = open_zip(data, "DOCX", settings)
    with archive:
        part = _main_part(archive, settings)
        root = _parse(read_xml(archive, part, "DOCX", settings), part)
    body = root.find(_BODY)
    if body is None:
        raise errors.UnsupportedFormat(f"unsupported file format: {part} of this package is not a Word document body")
    return body


def _main_part(archive, settings: Settings) -> str:  # type: ignore[no-untyped-def]
    """The part the package's officeDocument relationship names (word/document.xml nearly always)."""
    if "_rels/.rels" not in archive.namelist():
        return _DEFAULT_MAIN_PART
    rels = _parse(read_xml(archive, "_rels/.rels", "DOCX", settings), "_rels/.rels")
    for rel in rels.iter(_RELATIONSHIP):
        if rel.get("Type", "").endswith("/officeDocument") and rel.get("TargetMode") != "External":
            return posixpath.normpath(rel.get("Target", _DEFAULT_MAIN_PART).lstrip("/"))
    return _DEFAULT_MAIN_PART


# python-docx's own parser settings: no entity expansion, whitespace-only text between tags dropped;
# libxml2's default depth limit (256) stays, and a deeper file is an error, never a silent cut
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)


def _parse(xml: bytes, part: str) -> etree._Element:
    try:
        return etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():
            raise errors.CorruptInput(f"the DOCX file's {part} nests elements deeper than the XML parser's limit "
                                      f"of 256 levels; it cannot be read whole ({exc})") from None
        raise errors.CorruptInput(f"the DOCX file is damaged or truncated: {part}: {exc}") from None


def _paragraph_text(paragraph: etree._Element) -> str:
    # Tabs and line breaks inside a paragraph become spaces; runs join with no separator.
    pieces = [(node.text or "") if node.tag == _T else " " for node in _RUN_CONTENT(paragraph)]
    return _WHITESPACE.sub(" ", "".join(pieces)).strip()


def _container_text(container: etree._Element) -> str:
    """Text of a cell: its paragraphs and any nested tables, one space between paragraphs."""
    parts: list[str] = []
    for item in _BLOCK_ITEMS(container):
        if item.tag == _P:
            parts.append(_paragraph_text(item))
        else:
            parts.extend(_container_text(cell) for row in _ROWS(item) for cell in _CELLS(row))
    return " ".join(part for part in parts if part)


@dataclass
class _Merge:
    """One real cell (w:tc or a vertical merge of several) and the grid area it covers."""

    text: str
    row: int
    col: int
    rowspan: int
    colspan: int


def _table_block(table: etree._Element, index: int) -> TableBlock:
    placed = _place(table)
    height = max((r + 1 for r, _ in placed), default=0)
    width = max((c + 1 for _, c in placed), default=0)
    padded = 0
    grid: list[list[Cell]] = []
    for r in range(height):
        row: list[Cell] = []
        for c in range(width):
            where = Where(table=index, row=r, col=c)
            merge = placed.get((r, c))
            if merge is None:
                padded += 1  # gridBefore/gridAfter or a short row
                row.append(Cell(text="", where=where, padded=True))
            elif (merge.row, merge.col) == (r, c):
                row.append(Cell(text=merge.text, where=where, rowspan=merge.rowspan, colspan=merge.colspan))
            else:
                row.append(Cell(text=merge.text, where=where, spanned=True))
        grid.append(row)
    evidence = [f"{padded} empty grid position(s) padded with blank cells"] if padded else []
    return TableBlock(rows=grid, where=Where(table=index), evidence=evidence)


def _place(table: etree._Element) -> dict[tuple[int, int], _Merge]:
    """Map every grid position to the merge covering it."""
    placed: dict[tuple[int, int], _Merge] = {}
    for r, tr in enumerate(_ROWS(table)):
        c = min(_int(_GRID_BEFORE(tr)), _MAX_SPAN)
        for tc in _CELLS(tr):
            span = min(_int(_GRID_SPAN(tc)) or 1, _MAX_SPAN)
            above = placed.get((r - 1, c))
            if _continues_merge(tc) and above is not None:
                above.rowspan = max(above.rowspan, r - above.row + 1)
                merge = above
            else:
                merge = _Merge(text=_container_text(tc), row=r, col=c, rowspan=1, colspan=span)
            for dc in range(span):
                placed.setdefault((r, c + dc), merge)
            c += span
    return placed


def _continues_merge(tc: etree._Element) -> bool:
    # <w:vMerge/> with no val (or val="continue") continues the merge above; "restart" begins one.
    marks = _VMERGE(tc)
    return bool(marks) and marks[0].get(_VMERGE_VAL, "continue") == "continue"


def _int(values: list[str]) -> int:
    try:
        return max(0, int(values[0])) if values else 0
    except ValueError:
        return 0
