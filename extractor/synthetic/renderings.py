"""The fuzz generator's renderings: one printed report in the ways real ones reach us.

Each renderer turns a ``FuzzDocument`` (headings, paragraphs and ``printed.PTable``s) into file bytes
the way a real producer would, without knowing anything of the parser:
- ``html``: a CMS page of a Word export (spans, ``&nbsp;``, GBK), rows as their cells start;
- ``docx``: python-docx with real merged cells;
- ``markdown``: pipe tables as PDF→Markdown converters write them, merged positions empty;
- ``tabs_grid``: tab-separated rows, every merged position an empty cell;
- ``tabs_paste``: a table pasted from Word: a merged label prints once, rows of unequal length;
- ``spaces``: cells separated by spaces (PDF text extraction): blank cells vanish;
- ``cells``: one cell per line (a table copied from a web page), rows apart by an empty line;
- ``glued``: every separator lost (a scraped page's text): digits of adjacent cells run together;
- ``pdf``: a native PDF drawn with ruling lines (PyMuPDF), table 三 broken across pages.
A renderer also says which value cells its output does not show (a blank that vanishes).
"""
from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from .model import Heading, Paragraph
from .word import pin_properties, pin_zip
from .printed import PCell, PTable

FORMATS: tuple[str, ...] = ("html", "docx", "markdown", "tabs_grid", "tabs_paste", "spaces", "cells", "glued", "pdf")
SUFFIX = {"html": "html", "docx": "docx", "markdown": "md", "tabs_grid": "txt", "tabs_paste": "txt",
          "spaces": "txt", "cells": "txt", "glued": "txt", "pdf": "pdf"}
TEXT_FORMATS = ("markdown", "tabs_grid", "tabs_paste", "spaces", "cells", "glued")


@dataclass(frozen=True)
class RenderChoices:
    fmt: str
    page_break: int = 0  # table 三 broken in two: 0 not, 1 without the header repeated, 2 with it
    break_at: float = 0.5  # where, as a share of its data rows
    detached: bool = False  # text formats: a row's label alone on a line, its values on the next
    split_spans: bool = False  # html: digits and labels split across <span> runs
    gbk: bool = False  # html: GBK-encoded
    nbsp: bool = False  # html: blank cells hold &nbsp;
    cell_indent: bool = True  # cells: a tab before each cell, so an empty cell still shows as a line
    one_line: bool = False  # glued: a whole table on one line


@dataclass
class FuzzDocument:
    title: str
    blocks: list[Heading | Paragraph | PTable]


@dataclass
class Rendered:
    data: bytes
    suffix: str
    vanished: set[str] = field(default_factory=set)  # value keys whose blank cell does not show


def render(doc: FuzzDocument, choices: RenderChoices, rng: random.Random) -> Rendered:
    renderer: Callable[[FuzzDocument, RenderChoices, random.Random], Rendered] = _RENDERERS[choices.fmt]
    return renderer(doc, choices, rng)


def _pieces(table: PTable, choices: RenderChoices) -> list[PTable]:
    """Table 三 broken across a page when asked. A merged label cell running over the break stops at
    it and continues on the next page as an empty merged cell (as Word prints it); the next page
    repeats the header rows or not."""
    if table.kind != "table3" or not choices.page_break:
        return [table]
    data_rows = len(table.rows) - table.header_rows
    cut = table.header_rows + max(1, min(data_rows - 1, int(data_rows * choices.break_at)))
    columns = _origin_columns(table)
    first = [[PCell(c.text, min(c.rowspan, cut - r), c.colspan, c.key) for c in row]
             for r, row in enumerate(table.rows[:cut])]
    carried = [(columns[id(c)], PCell("", r + c.rowspan - cut, c.colspan))
               for r, row in enumerate(table.rows[:cut]) for c in row if r + c.rowspan > cut]
    rest = [list(row) for row in table.rows[cut:]]
    opening = sorted(carried + [(columns[id(c)], c) for c in rest[0]], key=lambda pair: pair[0])
    rest[0] = [c for _, c in opening]
    head = [list(row) for row in table.rows[:table.header_rows]] if choices.page_break == 2 else []
    return [PTable(table.kind, first, table.header_rows), PTable(table.kind, head + rest, len(head))]


def _origin_columns(table: PTable) -> dict[int, int]:
    """The grid column where each cell starts, by the cell's identity."""
    out: dict[int, int] = {}
    for row in table.grid():
        for c, pos in enumerate(row):
            if pos is not None and pos[1]:
                out[id(pos[0])] = c
    return out


# ---- text formats -----------------------------------------------------------------------------

def _line_cells(table: PTable, paste: bool, rng: random.Random) -> list[list[tuple[str, str | None]]]:
    """(text, key) per printed position of each row. ``paste``: merged label positions other than a
    rowspan's are left out, as a table pasted from Word does."""
    lines = []
    for row in table.grid():
        cells: list[tuple[str, str | None]] = []
        for pos in row:
            if pos is None:
                continue
            cell, origin = pos
            if origin:
                cells.append((cell.text, cell.key))
            elif paste and not _row_copy(cell, row) and rng.random() < 0.7:
                continue  # a colspan's extra positions: usually no cell at all
            else:
                cells.append(("", None))
        lines.append(cells)
    return lines


def _row_copy(cell: PCell, row) -> bool:
    return cell.rowspan > 1 and not any(p is not None and p[0] is cell and p[1] for p in row)


def _text_table(table: PTable, choices: RenderChoices, rng: random.Random, vanished: set[str]) -> list[str]:
    fmt = choices.fmt
    lines: list[str] = []
    rows = _line_cells(table, fmt == "tabs_paste", rng)
    if fmt == "markdown":
        for i, cells in enumerate(rows):
            lines.append("| " + " | ".join(t for t, _ in cells) + " |")
            if i == 0:
                lines.append("|" + "---|" * len(cells))
        return lines
    if fmt == "cells":
        for cells in rows:
            for text, key in cells:
                if not text and not choices.cell_indent:
                    if key is not None:
                        vanished.add(key)
                lines.append(("\t" if choices.cell_indent else "") + text)
            lines.append("")
        return lines
    for cells in rows:
        labels = [t for t, k in cells if k is None and t]
        values = [(t, k) for t, k in cells if k is not None]
        if fmt in ("spaces", "glued"):
            for t, k in values:
                if not t:
                    vanished.add(k or "")
            sep = " " if fmt == "spaces" else ""
            label = sep.join(labels)
            vals = sep.join(t for t, _ in values if t)
            if choices.detached and labels and values:
                lines += [label, vals]
            else:
                lines.append(sep.join(x for x in (label, vals) if x))
            continue
        if choices.detached and labels and values:
            first_value = next(i for i, (_, k) in enumerate(cells) if k is not None)
            lines.append("\t".join(t for t, _ in cells[:first_value]))
            lines.append("\t".join(t for t, _ in cells[first_value:]))
        else:
            lines.append("\t".join(t for t, _ in cells))
    if fmt == "glued" and choices.one_line:
        return ["".join(lines)]
    return lines


def _text(doc: FuzzDocument, choices: RenderChoices, rng: random.Random) -> Rendered:
    vanished: set[str] = set()
    lines = ["# " + doc.title if choices.fmt == "markdown" else doc.title, ""]
    page = rng.randint(2, 9)
    for block in doc.blocks:
        if isinstance(block, Heading):
            lines.append(("## " if choices.fmt == "markdown" else "") + block.text)
        elif isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            parts = _pieces(block, choices)
            for i, part in enumerate(parts):
                if i:
                    lines += ["", f"- {page} -", ""]  # the page break's furniture
                lines += _text_table(part, choices, rng, vanished)
        lines.append("")
    return Rendered("\n".join(lines).encode("utf-8"), SUFFIX[choices.fmt], vanished)


# ---- html -------------------------------------------------------------------------------------

def _runs(text: str, choices: RenderChoices, rng: random.Random) -> str:
    if not choices.split_spans or len(text) < 2:
        return f"<span>{escape(text)}</span>"
    cut = rng.randint(1, len(text) - 1)
    return f"<span>{escape(text[:cut])}</span><span>{escape(text[cut:])}</span>"


def _html(doc: FuzzDocument, choices: RenderChoices, rng: random.Random) -> Rendered:
    encoding = "gbk" if choices.gbk else "utf-8"
    out = ["<!DOCTYPE html>", "<html><head>", f'<meta charset="{encoding}">', f"<title>{escape(doc.title)}</title>",
           "</head><body>", f'<p class="MsoTitle" align="center"><b>{_runs(doc.title, choices, rng)}</b></p>']
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.append(f'<p class="MsoNormal"><b>{_runs(block.text, choices, rng)}</b></p>')
        elif isinstance(block, Paragraph):
            out.append(f'<p class="MsoNormal" style="text-indent:2em">{_runs(block.text, choices, rng)}</p>')
        else:
            for part in _pieces(block, choices):
                out.append('<table class="MsoNormalTable" border="1" cellspacing="0" style="border-collapse:collapse">')
                out.append("<tbody>")
                for row in part.rows:
                    out.append("<tr>")
                    for cell in row:
                        spans = "".join(f' {a}="{n}"' for a, n in (("rowspan", cell.rowspan), ("colspan", cell.colspan))
                                        if n > 1)
                        content = _runs(cell.text, choices, rng) if cell.text else (
                            "<span>&nbsp;</span>" if choices.nbsp else "")
                        out.append(f'<td{spans}><p class="MsoNormal" align="center">{content}</p></td>')
                    out.append("</tr>")
                out.append("</tbody></table>")
                out.append('<p class="MsoNormal">&nbsp;</p>')
    out.append("</body></html>")
    return Rendered("\n".join(out).encode(encoding), "html")


# ---- docx -------------------------------------------------------------------------------------

def _docx(doc: FuzzDocument, choices: RenderChoices, rng: random.Random) -> Rendered:
    import docx

    word = docx.Document()
    word.add_paragraph().add_run(doc.title).bold = True
    for block in doc.blocks:
        if isinstance(block, Heading):
            word.add_paragraph().add_run(block.text).bold = True
        elif isinstance(block, Paragraph):
            word.add_paragraph(block.text)
        else:
            for part in _pieces(block, choices):
                _docx_table(word, part)
                word.add_paragraph("")
    pin_properties(word, doc.title, "")
    buffer = io.BytesIO()
    word.save(buffer)
    return Rendered(pin_zip(buffer.getvalue()), "docx")  # the same case gives the same bytes


def _docx_table(word, table: PTable) -> None:
    grid = table.grid()
    width = max(len(r) for r in grid)
    out = word.add_table(rows=len(grid), cols=width)
    out.style = "Table Grid"
    cells = [row.cells for row in out.rows]
    origins = [(r, c, pos[0]) for r, row in enumerate(grid) for c, pos in enumerate(row) if pos and pos[1]]
    for r, c, cell in origins:
        if cell.rowspan > 1 or cell.colspan > 1:
            cells[r][c].merge(cells[min(r + cell.rowspan, len(grid)) - 1][c + cell.colspan - 1])
    for r, c, cell in origins:
        cells[r][c].text = cell.text


# ---- pdf --------------------------------------------------------------------------------------

_PAGE = (595.0, 842.0)
_MARGIN = 50.0


def _pdf(doc: FuzzDocument, choices: RenderChoices, rng: random.Random) -> Rendered:
    import pymupdf

    pdf = pymupdf.open()
    font = pymupdf.Font("china-s")
    state = {"pno": -1, "y": _PAGE[1]}

    def new_page() -> None:
        page = pdf.new_page(width=_PAGE[0], height=_PAGE[1])
        page.insert_font(fontname="cjk", fontbuffer=font.buffer)
        state["pno"], state["y"] = len(pdf) - 1, _MARGIN

    def text(s: str, size: float = 10.5, indent: float = 0.0) -> None:
        width = _PAGE[0] - 2 * _MARGIN - indent
        per_line = max(1, int(width / size))
        for start in range(0, max(1, len(s)), per_line):
            if state["y"] + size * 1.6 > _PAGE[1] - _MARGIN:
                new_page()
            pdf[state["pno"]].insert_text((_MARGIN + indent, state["y"] + size), s[start:start + per_line],
                                          fontname="cjk", fontsize=size)
            state["y"] += size * 1.6

    new_page()
    text(doc.title, 14)
    for block in doc.blocks:
        if isinstance(block, Heading):
            text(block.text, 11)
        elif isinstance(block, Paragraph):
            text(block.text, 10.5, indent=21)
        else:
            for i, part in enumerate(_pieces(block, choices)):
                if i:
                    new_page()
                _pdf_table(pdf, part, state, new_page)
    pdf.subset_fonts()
    pdf.set_metadata({"title": doc.title, "producer": "extractor.synthetic", "creator": "extractor.synthetic"})
    return Rendered(pdf.tobytes(garbage=3, deflate=True, no_new_id=True), "pdf")


def _pdf_table(pdf, table: PTable, state: dict, new_page: Callable[[], None]) -> None:
    """Draw the table cell by cell with ruling lines; rows that do not fit continue on a new page
    (a merged cell cut there continues as an empty merged cell, as a printed Word table does)."""
    import pymupdf

    grid = table.grid()
    width = max(len(r) for r in grid)
    usable = _PAGE[0] - 2 * _MARGIN
    label_cols = _label_columns(grid)
    label_w = min(usable * 0.5, 70.0 * max(1, label_cols)) if label_cols else 0.0
    value_w = (usable - label_w) / max(1, width - label_cols)
    xs = [_MARGIN]
    for c in range(width):
        xs.append(xs[-1] + (label_w / label_cols if c < label_cols else value_w))
    heights = [_row_height(row, xs) for row in grid]
    bottom = _PAGE[1] - _MARGIN
    if state["y"] + sum(heights[:4]) > bottom:
        new_page()
    ys: list[tuple[int, float]] = []  # (page number, top) of each row
    y = state["y"]
    for h in heights:
        if y + h > bottom:
            new_page()
            y = state["y"]
        ys.append((state["pno"], y))
        y += h
    for r, row in enumerate(grid):
        for c, pos in enumerate(row):
            if pos is None or not pos[1]:
                continue
            cell = pos[0]
            last = min(r + cell.rowspan, len(grid)) - 1
            x0, x1 = xs[c], xs[min(c + cell.colspan, width)]
            for pno in sorted({ys[i][0] for i in range(r, last + 1)}):
                rows_here = [i for i in range(r, last + 1) if ys[i][0] == pno]
                top, bot = ys[rows_here[0]][1], ys[rows_here[-1]][1] + heights[rows_here[-1]]
                rect = pymupdf.Rect(x0, top, x1, bot)
                page = pdf[pno]
                page.draw_rect(rect, color=(0, 0, 0), width=0.6)
                if cell.text and rows_here[0] == r:
                    _pdf_text(page, rect, cell.text)
    state["y"] = y + 12


def _pdf_text(page, rect, text: str) -> None:
    size = 7.0
    while size > 4.0:
        if page.insert_textbox(rect + (1.5, 1, -1.5, -1), text, fontname="cjk", fontsize=size, align=1) >= 0:
            return
        size -= 0.5
    page.insert_text((rect.x0 + 1.5, rect.y0 + 5), text, fontname="cjk", fontsize=4.0)


def _label_columns(grid) -> int:
    widths = []
    for row in grid:
        first_value = next((c for c, pos in enumerate(row) if pos is not None and pos[0].key is not None), None)
        if first_value is not None:
            widths.append(first_value)
    return min(widths) if widths else 0


def _row_height(row, xs: list[float]) -> float:
    longest = 0.0
    for c, pos in enumerate(row):
        if pos is None or not pos[1]:
            continue
        cell = pos[0]
        w = xs[min(c + cell.colspan, len(xs) - 1)] - xs[c]
        lines = max(1, int(len(cell.text) * 7.5 / max(w - 3, 8)) + 1)
        longest = max(longest, lines * 9.0 / max(1, cell.rowspan))
    return max(14.0, longest + 4)


_RENDERERS: dict[str, Callable[[FuzzDocument, RenderChoices, random.Random], Rendered]] = {
    "html": _html, "docx": _docx, "pdf": _pdf, **{f: _text for f in TEXT_FORMATS},
}
