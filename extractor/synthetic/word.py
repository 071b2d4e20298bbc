"""Word (.docx) rendering with python-docx: real merged cells for the group labels and the header.

A .docx is a zip, and python-docx stamps each member with the current time and the core properties
with "python-docx" defaults. Both are pinned here so that the same document gives the same bytes.
"""
from __future__ import annotations

import io
import zipfile
from datetime import datetime

import docx
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH

from .model import Document, Heading, Paragraph, Table

_FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def render_docx(doc: Document) -> bytes:
    word = docx.Document()
    pin_properties(word, doc.title, doc.org)
    title = word.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(doc.title).bold = True
    for block in doc.blocks:
        if isinstance(block, Heading):
            word.add_paragraph().add_run(block.text).bold = True
        elif isinstance(block, Paragraph):
            word.add_paragraph(block.text)
        else:
            _add_table(word, block)
    buffer = io.BytesIO()
    word.save(buffer)
    return pin_zip(buffer.getvalue())


def pin_properties(word: WordDocument, title: str, author: str) -> None:
    props = word.core_properties
    props.title = title
    props.author = author
    props.last_modified_by = author
    props.comments = ""
    props.revision = 1
    props.created = _FIXED_TIME
    props.modified = _FIXED_TIME


def _add_table(word: WordDocument, table: Table) -> None:
    grid = table.grid()
    out = word.add_table(rows=len(grid), cols=table.width)
    out.style = "Table Grid"
    # Table.cell() recomputes the whole grid on every call; the cells fetched once stay valid
    # through the merges because the merged rectangles never overlap.
    cells = [row.cells for row in out.rows]
    origins = [(r, c, slot.cell) for r, row in enumerate(grid) for c, slot in enumerate(row) if slot.origin]
    # Merge first, then write: merging joins the paragraphs of the merged cells.
    for r, c, cell in origins:
        if cell.rowspan > 1 or cell.colspan > 1:
            cells[r][c].merge(cells[r + cell.rowspan - 1][c + cell.colspan - 1])
    for r, c, cell in origins:
        cells[r][c].text = cell.text


def pin_zip(data: bytes) -> bytes:
    """The same archive with every member's timestamp fixed, members in their original order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info.filename))
    return buffer.getvalue()
