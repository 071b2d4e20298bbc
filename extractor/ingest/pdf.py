"""Native PDF → Document, with PyMuPDF.

Tables come from the page's ruling lines: the vector strokes (and hairline-thin filled rectangles)
are snapped into a grid, merged cells are found where an inner rule is missing, and every glyph of
the text layer is placed in the cell that holds its centre. Working per glyph, not per text line,
matters: PDF text lines often run across cell borders (``审结总计`` is one line on the page, two
cells in the table), and a digit must never land in its neighbour's cell. A cell's lines are joined
top to bottom without a separator between CJK characters, so ``商业\\n企业`` reads ``商业企业``.

``page.find_tables()`` was tried on the real reports and not used: it takes ~0.25 s a page (the
whole of this reader takes a few ms) and its cell text is reordered (``本年新收…数量\\n一、``,
``1属于国家秘密\\n.``).

Text outside tables becomes one text block per line, in reading order (top to bottom, left to right
within a visual row). Running page numbers (``- 1 -``, ``第1页``) and header/footer lines repeated on
most pages are dropped. A table that ends a page and a table that starts the next page with the same
column x-positions are stitched into one table block, with the reason in ``TableBlock.evidence``.
Pages without ruling lines lose nothing: all their text comes out as lines.

Scanned pages. A page whose text layer is missing (images cover it and it holds next to no
characters) or garbled (mostly U+FFFD, private-use or control characters: fonts without a usable
Unicode map) is rendered at ``OCR_DPI`` (less when that would exceed ``Settings.max_render_pixels``)
and read from its image (``scanned``): ruling lines found in the straightened image become
``_Rule``s and go through the same grid code as vector rules, each cell is read on its own (a cell
without ink is a blank cell, never sent to the recogniser), and what lies outside the tables is
read as OCR words: lines of text, and tables printed without rules, which come out as ``rows``
blocks (cells in order within a row, no claim that rows line up). A scanned table is one grid block
per page: a table continued on the next page gets a block of its own, on the same columns, whose
evidence says which page's table it continues and whether its first rows repeat the header. Blocks
and cells from such pages carry ``route="ocr"`` and a confidence: that of their least certain digit
(of their least certain character when they hold no digit). Native and scanned pages mix freely in
one document. The engine is a parameter (tests pass a fake); by default the shared RapidOCR engine
is loaded the first time a page needs it.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pymupdf

from .. import errors
from ..document import Cell, Document, Route, Source, TableBlock, TextBlock, Where
from ..settings import Settings, limit_name

if TYPE_CHECKING:  # ocr needs numpy and opencv, which only the OCR dependency brings
    import numpy as np

    from .ocr import OcrEngine, OcrWord
    from .scanned import CellText

Box = tuple[float, float, float, float]

SNAP = 2.0  # pt: rule coordinates this close are one rule; also the column-match tolerance
MIN_TRACK = 4.0  # pt: grid boundaries closer than this are one (double borders); no text fits between
MAX_RULES = 1000  # more rules than this on a page is a drawing (a map, a chart), not a form
MAX_CELLS = 5000  # a grid finer than this is graph paper or a chart grid, not a form
JOIN_GAP = 3.0  # pt: collinear rule pieces with a smaller gap are one rule
HAIRLINE = 3.0  # pt: a filled rectangle thinner than this is drawn as a rule
COVERED = 0.5  # share of a cell side a rule must cover for that side to count as a border
EDGE = 0.08  # page-height share at top and bottom where bare page numbers and running lines sit
PAGE_NO_EDGE = 0.15  # decorated page numbers ("- 3 -") are unmistakable, so look further in
_TEXT_FLAGS = pymupdf.TEXTFLAGS_RAWDICT & ~pymupdf.TEXT_PRESERVE_IMAGES  # images are not read here

_DECORATED_PAGE_NO = re.compile(
    r"^(?:[-—–－~]+\s*\d+\s*[-—–－~]+"
    r"|第\s*\d+\s*页(?:\s*[,，]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页"
    r"|\d+\s*[/／]\s*\d+"
    r"|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?)$",
    re.IGNORECASE,
)
# a value cell: a number, perhaps with a unit or a note (a label such as "1.属于国家秘密" is not)
_VALUE = re.compile(r"^\s*[-+]?\d[\d,]*(?:\.\d+)?\s*(?:万?元|件|条|个|项)?\s*(?:[（(].*)?$")
_PDF_ERRORS = (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase)

# ---- when a page is read by OCR ----
OCR_DPI = 150  # scanned set: 100% at 150 and 200 dpi (200 is 20% slower), 99.5% at 120 dpi
MIN_OCR_DPI = 40  # a page that max_render_pixels allows only at less than this is refused, not misread
FEW_CHARS = 40  # a page with fewer text-layer characters than this, under images, is a scan
IMAGE_COVER = 0.5  # share of the page images must cover for it to count as a scan
GARBLED = 0.3  # share of unusable characters (U+FFFD, private use, controls) that makes a layer garbage
MAX_OCR_PAGES = 60  # ~2 s a page: more than this is refused rather than left running for minutes


# ---- page model ------------------------------------------------------------------------------
@dataclass(slots=True)
class _Fragment:
    """Text of one PDF text line that falls in one place (a table cell, or outside tables)."""

    text: str
    bbox: Box
    confidence: float | None = None  # OCR only: see _confidence


@dataclass(slots=True)
class _Rule:
    """An axis-parallel ruling line: ``pos`` is its y (horizontal) or x (vertical)."""

    pos: float
    start: float
    end: float


@dataclass
class _Grid:
    """A ruled table on one page: its column/row boundaries and its (merged) cells."""

    xs: list[float]
    ys: list[float]
    spans: list[tuple[int, int, int, int]]  # (row0, col0, row1, col1), end-exclusive, row-major
    owner: dict[tuple[int, int], int]  # elementary (row, col) → index into spans

    @property
    def bbox(self) -> Box:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    def span_at(self, x: float, y: float) -> int | None:
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        col = min(bisect.bisect_right(self.xs, x) - 1, len(self.xs) - 2)
        row = min(bisect.bisect_right(self.ys, y) - 1, len(self.ys) - 2)
        return self.owner[(row, col)]

    def span_box(self, index: int) -> Box:
        r0, c0, r1, c1 = self.spans[index]
        return (self.xs[c0], self.ys[r0], self.xs[c1], self.ys[r1])


@dataclass
class _PageTable:
    page: int
    grid: _Grid
    texts: list[str]  # one per span
    route: Route = "native"
    confidences: list[float | None] = field(default_factory=list)  # one per span (OCR pages)
    # OCR pages: rows whose division the scan does not establish (a rule found only faintly), and why
    doubtful: dict[int, str] = field(default_factory=dict)

    def confidence(self, index: int) -> float | None:
        return self.confidences[index] if self.confidences else None


@dataclass
class _RowTable:
    """A table printed without rules (OCR pages): visual rows of gap-separated runs, no columns."""

    page: int
    rows: list[list[_Fragment]]


@dataclass
class _Page:
    number: int  # 1-based
    height: float
    has_images: bool
    lines: list[_Fragment] = field(default_factory=list)  # text outside tables
    tables: list[_PageTable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    route: Route = "native"
    row_tables: list[list[list[_Fragment]]] = field(default_factory=list)  # OCR: tables printed without rules

    @property
    def has_text(self) -> bool:
        return (bool(self.lines) or bool(self.row_tables)
                or any(text for table in self.tables for text in table.texts))


# ---- entry point -----------------------------------------------------------------------------
def read_pdf(data: bytes, source: Source, settings: Settings, engine: OcrEngine | None = None) -> Document:
    pdf = _open(data)
    with pdf:
        _check_pages(pdf, settings)
        try:
            pages = [_read_page(page) for page in pdf.pages()]
            reasons = {p.number: reason for p, page in zip(pages, pdf.pages()) if (reason := _ocr_reason(page, p))}
            ocr_notes = _ocr_pages(pdf, pages, reasons, engine, settings)
        except _PDF_ERRORS as exc:
            raise errors.CorruptInput(f"the PDF is damaged: {exc}") from None
        page_count = pdf.page_count
    warnings = [w for p in pages for w in p.warnings] + ocr_notes
    warnings += [f"page {p.number} has images but no text layer (scanned?); its content was not read"
                 for p in pages if p.has_images and not p.has_text and p.number not in reasons]
    _drop_page_furniture(pages)
    blocks = _assemble(pages)
    return Document(source=source.model_copy(update={"pages": page_count}), blocks=blocks, warnings=warnings)


def _open(data: bytes) -> pymupdf.Document:
    try:
        pdf = pymupdf.open(stream=data, filetype="pdf")
    except _PDF_ERRORS as exc:
        raise errors.CorruptInput(f"the PDF is damaged: {exc}") from None
    if pdf.needs_pass and not pdf.authenticate(""):
        pdf.close()
        raise errors.EncryptedInput("the PDF is password-protected")
    return pdf


def _check_pages(pdf: pymupdf.Document, settings: Settings) -> None:
    """Page-count limits, before any per-page work, so a huge file is refused at once."""
    if pdf.page_count == 0:
        raise errors.EmptyInput("the PDF has no pages")
    if pdf.page_count > settings.max_pages:
        raise errors.TooLarge(f"the PDF has {pdf.page_count} pages, over the {settings.max_pages}-page limit "
                              f"({limit_name('max_pages')})")


# ---- scanned pages ---------------------------------------------------------------------------
def _ocr_reason(page: pymupdf.Page, read: _Page) -> str | None:
    """Why the text layer of this page cannot be used (so OCR must read it), or None."""
    chars = [ch for text in _page_texts(read) for ch in text if not ch.isspace()]
    if len(chars) >= 10 and sum(map(_unusable, chars)) >= GARBLED * len(chars):
        return "its text layer is garbled"
    if len(chars) < FEW_CHARS and read.has_images and _image_cover(page) >= IMAGE_COVER:
        return "it has no text layer" if not chars else "its text layer is almost empty"
    return None


def _page_texts(read: _Page) -> list[str]:
    return [line.text for line in read.lines] + [text for table in read.tables for text in table.texts]


def _unusable(ch: str) -> bool:
    # U+FFFD, private-use glyph codes and control characters are what fonts without a usable
    # Unicode map leave in the text layer; unassigned code points too
    return ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cc", "Cn")


def _image_cover(page: pymupdf.Page) -> float:
    area = abs(page.rect)
    covered = sum(abs(pymupdf.Rect(info["bbox"]) & page.rect) for info in page.get_image_info())
    return min(1.0, covered / area) if area else 0.0


def _ocr_pages(pdf: pymupdf.Document, pages: list[_Page], reasons: dict[int, str],
               engine: OcrEngine | None, settings: Settings) -> list[str]:
    """Replace the pages listed in ``reasons`` by their OCR reading; returns notes for the document.

    Without an OCR engine the pages are left as they are (with a warning) when other pages have
    text, and the document is refused when nothing at all could be read."""
    if not reasons:
        return []
    if len(reasons) > MAX_OCR_PAGES:
        raise errors.TooLarge(f"{len(reasons)} pages need OCR, over the limit of {MAX_OCR_PAGES} "
                              f"(about 2 s a page)")
    try:
        engine = engine or _default_engine()
    except errors.DependencyMissing as exc:
        if all(p.number in reasons or not p.has_text for p in pages):
            raise
        return [f"page {n}: {reason}, and OCR is unavailable ({exc}); its content was not read"
                for n, reason in reasons.items()]
    for index, page in enumerate(pdf.pages()):
        if page.number + 1 in reasons:
            pages[index] = _scanned_page(page, engine, settings)
    listed = ", ".join(f"{n} ({reason})" for n, reason in reasons.items())
    return [f"read by OCR ({engine.name}, at most {OCR_DPI} dpi): page {listed}"]


def _default_engine() -> OcrEngine:
    try:
        from .ocr import default_engine
    except ImportError as exc:  # numpy/opencv come with rapidocr-onnxruntime
        raise errors.DependencyMissing(f"OCR support is not installed ({exc.name} is missing): "
                                       "pip install 'rapidocr-onnxruntime==1.4.4'") from None
    return default_engine()


def _scanned_page(page: pymupdf.Page, engine: OcrEngine, settings: Settings) -> _Page:
    """The page read from its image: ruled tables cell by cell, the rest as OCR words (see ``scanned``)."""
    from . import ocr, scanned

    number = page.number + 1
    gray, dpi = _grey(page, settings)
    scan = scanned.prepare(gray, dpi)
    grids = _grids(_merge_rules([_Rule(*s) for s in scan.rules.horizontal]),
                   _merge_rules([_Rule(*s) for s in scan.rules.vertical]))
    doubts = [_split_doubtful(grid, scan) for grid in grids]
    cells = iter(scanned.read_cells(scan, [g.span_box(i) for g in grids for i in range(len(g.spans))], engine))
    result = _Page(number=number, height=page.rect.height, has_images=True, route="ocr")
    if dpi < OCR_DPI:
        result.warnings.append(f"page {number} ({page.rect.width:,.0f}×{page.rect.height:,.0f} pt) was read at "
                               f"{dpi:.0f} dpi to stay within {settings.max_render_pixels:,} pixels "
                               f"({limit_name('max_render_pixels')})")
    if scan.skew:
        result.warnings.append(f"page {number} was scanned {abs(scan.skew):.2f}° askew; "
                               "it was straightened before OCR")
    for grid, doubtful in zip(grids, doubts):
        read = [next(cells) for _ in grid.spans]
        result.tables.append(_PageTable(number, grid, [ocr.clean_cell(_cell_lines_text(c)) for c in read],
                                        route="ocr", confidences=[_cell_confidence(c) for c in read],
                                        doubtful=doubtful))
    words = scanned.outside_words(scan, [g.bbox for g in grids], engine)
    unruled, words = ocr.unruled_tables(words)
    result.row_tables = [
        [[_Fragment(ocr.clean_cell(run.text), run.bbox, round(run.confidence, 4)) for run in row] for row in table]
        for table in unruled
    ]
    for fragment in _line_fragments(words):
        fragment.text = ocr.clean_text(fragment.text)
        result.lines.append(fragment)
    return result


def _grey(page: pymupdf.Page, settings: Settings) -> tuple[np.ndarray, float]:
    """The page rendered in grey at OCR_DPI, or lower when that would take more than
    ``settings.max_render_pixels`` pixels (a page drawn 14,400 pt wide is not rendered in full)."""
    import numpy as np  # only when a page needs OCR: numpy comes with the OCR dependency

    inches = (page.rect.width / 72) * (page.rect.height / 72)
    dpi = float(OCR_DPI)
    if inches * dpi * dpi > settings.max_render_pixels:
        dpi = 0.995 * (settings.max_render_pixels / inches) ** 0.5  # the renderer rounds sizes up
        if dpi < MIN_OCR_DPI:
            raise errors.TooLarge(
                f"page {page.number + 1} is {page.rect.width:,.0f}×{page.rect.height:,.0f} pt: within "
                f"{settings.max_render_pixels:,} pixels ({limit_name('max_render_pixels')}) it could only be read at "
                f"{dpi:.0f} dpi, under the {MIN_OCR_DPI} dpi OCR needs")
    pix = page.get_pixmap(matrix=pymupdf.Matrix(dpi / 72, dpi / 72), colorspace=pymupdf.csGRAY, alpha=False)
    gray = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.stride)[:, : pix.width]
    return gray, dpi


DOUBT_FILL = 0.6  # share of a cell's width (height) along which a faint rule runs for it to count
DOUBT_REACH = 3.0  # pt: a faint rule this close to a grid line is that grid line


def _split_doubtful(grid: _Grid, scan: Any) -> dict[int, str]:
    """Split the cells of a scanned grid where a rule runs that the rule finder did not take
    (``scanned.faint_lines``), and return the rows whose division is therefore in doubt, with why.

    A merged or tall cell of a scan is a claim that no rule divides it. In the tight cells of a
    Word table printed by LibreOffice a light rule, or a black one that glyphs touch, can fail the
    rule finder; two rows then become one, whose label reads as the last row's and whose values
    sit in the wrong row, or two value cells become one (``0 | 0`` read as ``010``). So every
    column of the grid is looked at again for faint horizontal rules, along grid lines the cell
    crosses and between them (a rule lost in every column leaves no grid line; it must cross two
    columns at least to count), and every grid line a merged cell crosses for a faint vertical
    one. Where one runs, the cell is split there, and the rows on either side are marked doubtful:
    their cells are not trusted as positions (see ``_scan_blocks``). ``grid`` is updated in place."""
    from . import scanned

    s = scan.dpi / 72
    edges_h = _lines_at(grid, True)
    profile, judged, origin = scanned.faint_lines(scan, True, grid.ys[0], grid.ys[-1],
                                                  list(zip(grid.xs, grid.xs[1:])))
    ys = list(grid.ys)
    added: dict[float, set[int]] = {}  # a horizontal line's position → the columns it divides
    for y, columns, unjudged in _faint_rows(profile, judged, origin, s):
        # where text touches the line on both sides (a tight label cell) it could not be judged: it
        # runs on there too unless a line of text crosses it
        columns |= {k for k in unjudged if not scanned.glyph_crosses(scan, y, grid.xs[k], grid.xs[k + 1])}
        r = min(range(len(ys)), key=lambda i: abs(ys[i] - y))
        if abs(ys[r] - y) <= DOUBT_REACH:
            new = {k for k in columns if not _covered(edges_h[r], grid.xs[k], grid.xs[k + 1])}
            if new and 0 < r < len(ys) - 1:
                added.setdefault(ys[r], set()).update(new)
        elif len(columns) >= 2 and min(abs(v - y) for v in ys) >= MIN_TRACK:
            added.setdefault(y, set()).update(columns)
    doubtful_at: dict[float, str] = {y: f"a faint rule at y={y:.1f}pt the rule finder did not take" for y in added}
    new_ys = sorted(set(ys) | set(added))
    h_at: list[list[tuple[float, float]]] = []
    for y in new_ys:
        old = edges_h[ys.index(y)] if y in ys else []
        h_at.append(old + [(grid.xs[k], grid.xs[k + 1]) for k in sorted(added.get(y, ()))])
    v_at = _lines_at(grid, False)
    v_doubt: dict[int, float] = {}
    for r0, c0, r1, c1 in grid.spans:
        for c in range(c0 + 1, c1):
            for k in range(r0, r1):
                if scanned.rule_evidence(scan, False, grid.xs[c], grid.ys[k], grid.ys[k + 1]) >= DOUBT_FILL:
                    v_at[c].append((grid.ys[k], grid.ys[k + 1]))
                    v_doubt[k] = grid.xs[c]
    if not added and not v_doubt:
        return {}
    doubtful: dict[int, str] = {}
    for y, why in doubtful_at.items():
        r = new_ys.index(y)
        for row in (r - 1, r):
            doubtful.setdefault(row, why)
    for k, x in v_doubt.items():
        mid = (grid.ys[k] + grid.ys[k + 1]) / 2
        for row in range(len(new_ys) - 1):
            if new_ys[row] <= mid < new_ys[row + 1] or grid.ys[k] <= new_ys[row] < grid.ys[k + 1]:
                doubtful.setdefault(row, f"a faint rule at x={x:.1f}pt the rule finder did not take")
    grid.ys = new_ys
    grid.spans, grid.owner = _spans(grid.xs, new_ys, v_at, h_at)
    return doubtful


def _faint_rows(profile: np.ndarray, judged: np.ndarray, origin: int,
                scale: float) -> list[tuple[float, set[int], set[int]]]:
    """Faint horizontal lines in per-column fill profiles: (position in points, the columns along
    which it runs, the columns where it could not be judged), neighbouring pixel rows of one line
    taken together."""
    import numpy as np  # only on OCR pages: numpy comes with the OCR dependency

    from .scanned import MIN_OPEN

    hits = profile >= DOUBT_FILL
    rows = np.flatnonzero(hits.any(axis=0))
    out: list[tuple[float, set[int], set[int]]] = []
    group: list[int] = []
    for row in [*rows.tolist(), None]:
        if group and (row is None or row - group[-1] > 2):
            columns = set(np.flatnonzero(hits[:, group].any(axis=1)).tolist())
            unjudged = set(np.flatnonzero((judged[:, group] < MIN_OPEN).all(axis=1)).tolist()) - columns
            centre = (origin + (group[0] + group[-1]) / 2 + 0.5) / scale
            out.append((centre, columns, unjudged))
            group = []
        if row is not None:
            group.append(row)
    return out


def _lines_at(grid: _Grid, horizontal: bool) -> list[list[tuple[float, float]]]:
    """The stretches of each grid line that separate cells (its rules, as ``_spans`` needs them)."""
    positions = grid.ys if horizontal else grid.xs
    at: list[list[tuple[float, float]]] = [[] for _ in positions]
    for r0, c0, r1, c1 in grid.spans:
        if horizontal:
            at[r0].append((grid.xs[c0], grid.xs[c1]))
            at[r1].append((grid.xs[c0], grid.xs[c1]))
        else:
            at[c0].append((grid.ys[r0], grid.ys[r1]))
            at[c1].append((grid.ys[r0], grid.ys[r1]))
    return at


def _cell_lines_text(cell: CellText) -> str:
    text = ""
    for line in cell.lines:
        text = _join_lines(text, line.text.strip())
    return text


def _cell_confidence(cell: CellText) -> float | None:
    """The least certain line's; 0 for a cell with ink in which nothing was read (its blank is a
    guess, so any value taken from it must be looked at unless an identity vouches for it)."""
    values = [c for c in (line.confidence() for line in cell.lines) if c is not None]
    if not values:
        return 0.0 if cell.inked else None
    return round(min(values), 4)


def _line_fragments(words: list[OcrWord]) -> list[_Fragment]:
    """OCR words outside tables, one fragment per detected line."""
    lines: dict[int, list[OcrWord]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    return [_Fragment(_joined(sorted(line, key=lambda w: w.bbox[0])), _union(w.bbox for w in line), _confidence(line))
            for line in lines.values()]


def _confidence(words: list[OcrWord]) -> float:
    """The least certain digit's confidence (values are read from digits; a doubtful comma in a
    sentence should not make its figure doubtful), or the least certain word's when there is none."""
    digits = [w.confidence for w in words if any(ch.isdigit() for ch in w.text)]
    return min(digits or [w.confidence for w in words])


def _joined(words: list[OcrWord]) -> str:
    """Words of one line, left to right; a gap wider than half the text height is a space."""
    text = ""
    for prev, word in zip([None, *words], words):
        gap = prev is not None and word.bbox[0] - prev.bbox[2] > 0.5 * (word.bbox[3] - word.bbox[1])
        text += (" " if gap else "") + word.text
    return text


def _read_page(page: pymupdf.Page) -> _Page:
    result = _Page(number=page.number + 1, height=page.rect.height, has_images=bool(page.get_images()))
    horizontal, vertical = _rules(page)
    if len(horizontal) + len(vertical) > MAX_RULES:
        result.warnings.append(f"page {result.number} holds a drawing of {len(horizontal) + len(vertical)} "
                               "lines; no tables were looked for, its text is read as lines")
        horizontal, vertical = [], []
    grids = _grids(horizontal, vertical)
    cell_fragments: list[list[list[_Fragment]]] = [[[] for _ in g.spans] for g in grids]
    for place, fragment in _placed_fragments(page, grids):
        if place is None:
            result.lines.append(fragment)
        else:
            cell_fragments[place[0]][place[1]].append(fragment)
    result.tables = [
        _PageTable(result.number, grid, [_cell_text(frags) for frags in cell_fragments[i]])
        for i, grid in enumerate(grids)
    ]
    return result


# ---- ruling lines → grids --------------------------------------------------------------------
def _rules(page: pymupdf.Page) -> tuple[list[_Rule], list[_Rule]]:
    """Horizontal and vertical rules drawn on the page, collinear pieces merged."""
    horizontal: list[_Rule] = []
    vertical: list[_Rule] = []
    for path in page.get_drawings():
        stroked = "s" in path["type"] and not _is_white(path.get("color"))
        filled = "f" in path["type"] and not _is_white(path.get("fill"))
        for item in path["items"]:
            if item[0] == "l" and stroked:
                _add_segment(item[1], item[2], horizontal, vertical)
            elif item[0] == "re":
                _add_rect(item[1], stroked, filled, horizontal, vertical)
    return _merge_rules(horizontal), _merge_rules(vertical)


def _is_white(color: tuple[float, ...] | None) -> bool:
    # white strokes and fills (cell and paragraph backgrounds) are not visible rules
    return color is not None and all(c >= 0.95 for c in color)


def _add_segment(a: pymupdf.Point, b: pymupdf.Point, horizontal: list[_Rule], vertical: list[_Rule]) -> None:
    if abs(a.y - b.y) <= 1:
        horizontal.append(_Rule((a.y + b.y) / 2, min(a.x, b.x), max(a.x, b.x)))
    elif abs(a.x - b.x) <= 1:
        vertical.append(_Rule((a.x + b.x) / 2, min(a.y, b.y), max(a.y, b.y)))


def _add_rect(r: pymupdf.Rect, stroked: bool, filled: bool, horizontal: list[_Rule], vertical: list[_Rule]) -> None:
    if filled and r.height <= HAIRLINE and r.width > HAIRLINE:
        horizontal.append(_Rule((r.y0 + r.y1) / 2, r.x0, r.x1))
    elif filled and r.width <= HAIRLINE and r.height > HAIRLINE:
        vertical.append(_Rule((r.x0 + r.x1) / 2, r.y0, r.y1))
    elif stroked:
        horizontal += [_Rule(r.y0, r.x0, r.x1), _Rule(r.y1, r.x0, r.x1)]
        vertical += [_Rule(r.x0, r.y0, r.y1), _Rule(r.x1, r.y0, r.y1)]


def _merge_rules(rules: list[_Rule]) -> list[_Rule]:
    merged: list[_Rule] = []
    for group in _clusters(sorted(rules, key=lambda r: r.pos), lambda r: r.pos):
        pos = sum(r.pos for r in group) / len(group)
        for rule in sorted(group, key=lambda r: r.start):
            if merged and merged[-1].pos == pos and rule.start <= merged[-1].end + JOIN_GAP:
                merged[-1].end = max(merged[-1].end, rule.end)
            else:
                merged.append(_Rule(pos, rule.start, rule.end))
    return merged


def _clusters(items: list, key: Callable[[Any], float], gap: float = SNAP) -> list[list]:
    """Sorted items split where the step from the previous item exceeds ``gap``.

    Splitting on steps (not on distance to a group's first item) keeps the group means more than
    ``gap`` apart, so no two boundaries of one grid can later be taken for the same column.
    """
    groups: list[list] = []
    for item in items:
        if groups and key(item) - key(groups[-1][-1]) <= gap:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _grids(horizontal: list[_Rule], vertical: list[_Rule]) -> list[_Grid]:
    """One grid per connected set of crossing rules that spans at least two columns."""
    grids = []
    for hs, vs in _connected(horizontal, vertical):
        grid = _grid(hs, vs)
        if grid is not None:
            grids.append(grid)
    return sorted(grids, key=lambda g: (g.ys[0], g.xs[0]))


def _connected(horizontal: list[_Rule], vertical: list[_Rule]) -> list[tuple[list[_Rule], list[_Rule]]]:
    parent = list(range(len(horizontal) + len(vertical)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_x = sorted(range(len(vertical)), key=lambda j: vertical[j].pos)
    xs = [vertical[j].pos for j in by_x]
    for i, h in enumerate(horizontal):
        # only verticals within the horizontal's x-range can touch it
        lo, hi = bisect.bisect_left(xs, h.start - SNAP), bisect.bisect_right(xs, h.end + SNAP)
        for j in by_x[lo:hi]:
            v = vertical[j]
            if v.start - SNAP <= h.pos <= v.end + SNAP:
                parent[find(i)] = find(len(horizontal) + j)
    groups: dict[int, tuple[list[_Rule], list[_Rule]]] = {}
    for i, h in enumerate(horizontal):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vertical):
        groups.setdefault(find(len(horizontal) + j), ([], []))[1].append(v)
    return [g for g in groups.values() if g[0] and g[1]]


def _grid(hs: list[_Rule], vs: list[_Rule]) -> _Grid | None:
    # the extents of the rules close a table whose outer border is not drawn
    xs = _positions([v.pos for v in vs] + [min(h.start for h in hs), max(h.end for h in hs)])
    ys = _positions([h.pos for h in hs] + [min(v.start for v in vs), max(v.end for v in vs)])
    if len(xs) < 3 or len(ys) < 2 or (len(xs) - 1) * (len(ys) - 1) > MAX_CELLS:
        return None  # one column is a frame or a box around text, not a table
    spans, owner = _spans(xs, ys, _rules_at(vs, xs), _rules_at(hs, ys))
    return _Grid(xs, ys, spans, owner)


def _positions(values: list[float], gap: float = MIN_TRACK) -> list[float]:
    return [sum(g) / len(g) for g in _clusters(sorted(values), lambda v: v, gap)]


def _rules_at(rules: list[_Rule], positions: list[float]) -> list[list[tuple[float, float]]]:
    """For each boundary position, the intervals its rules cover."""
    at: list[list[tuple[float, float]]] = [[] for _ in positions]
    for rule in rules:
        k = min(range(len(positions)), key=lambda i: abs(positions[i] - rule.pos))
        at[k].append((rule.start, rule.end))
    return at


def _covered(intervals: list[tuple[float, float]], a: float, b: float) -> bool:
    overlap = sum(max(0.0, min(end, b) - max(start, a)) for start, end in intervals)
    return overlap >= COVERED * (b - a)


def _spans(
    xs: list[float], ys: list[float], v_at: list[list[tuple[float, float]]], h_at: list[list[tuple[float, float]]]
) -> tuple[list[tuple[int, int, int, int]], dict[tuple[int, int], int]]:
    """Merge elementary cells across missing inner rules into rectangles, in row-major order."""
    rows, cols = len(ys) - 1, len(xs) - 1
    spans: list[tuple[int, int, int, int]] = []
    owner: dict[tuple[int, int], int] = {}
    for r in range(rows):
        for c in range(cols):
            if (r, c) in owner:
                continue
            c1 = c + 1
            while c1 < cols and (r, c1) not in owner and not _covered(v_at[c1], ys[r], ys[r + 1]):
                c1 += 1
            r1 = r + 1
            while r1 < rows and not any(_covered(h_at[r1], xs[k], xs[k + 1]) for k in range(c, c1)) and all(
                (r1, k) not in owner for k in range(c, c1)
            ):
                r1 += 1
            for rr in range(r, r1):
                for cc in range(c, c1):
                    owner[(rr, cc)] = len(spans)
            spans.append((r, c, r1, c1))
    return spans, owner


# ---- text layer ------------------------------------------------------------------------------
def _placed_fragments(page: pymupdf.Page, grids: list[_Grid]) -> list[tuple[tuple[int, int] | None, _Fragment]]:
    """Every text line split by where its glyphs sit: (grid index, cell index), or None outside."""
    out: list[tuple[tuple[int, int] | None, _Fragment]] = []
    seen: set[tuple[str, int, int]] = set()
    for block in page.get_text("rawdict", flags=_TEXT_FLAGS)["blocks"]:
        for line in block.get("lines", ()):
            parts: dict[tuple[int, int] | None, list[tuple[str, Box]]] = {}
            for span in line["spans"]:
                for ch in span["chars"]:
                    box = tuple(ch["bbox"])
                    key = (ch["c"], round(box[0]), round(box[1]))
                    if key in seen:
                        continue  # "fake bold" prints each glyph twice at the same spot
                    seen.add(key)
                    parts.setdefault(_place(grids, box), []).append((ch["c"], box))
            for place, glyphs in parts.items():
                text = "".join(c for c, _ in glyphs).strip()
                if text:
                    out.append((place, _Fragment(text, _union(box for c, box in glyphs if c.strip()))))
    return out


def _place(grids: list[_Grid], box: Box) -> tuple[int, int] | None:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    for i, grid in enumerate(grids):
        span = grid.span_at(x, y)
        if span is not None:
            return (i, span)
    return None


def _union(boxes: Iterable[Box]) -> Box:
    x0, y0, x1, y1 = zip(*boxes)
    return (min(x0), min(y0), max(x1), max(y1))


def _visual_rows(fragments: list[_Fragment]) -> list[list[_Fragment]]:
    """Fragments grouped into visual rows (top to bottom), each row left to right.

    A fragment joins a row when its vertical centre lies within the row's first fragment; measuring
    against the first one only keeps tightly spaced lines from chaining into one row.
    """
    rows: list[list[_Fragment]] = []
    for frag in sorted(fragments, key=lambda f: (f.bbox[1], f.bbox[0])):
        centre = (frag.bbox[1] + frag.bbox[3]) / 2
        if rows and rows[-1][0].bbox[1] <= centre <= rows[-1][0].bbox[3]:
            rows[-1].append(frag)
        else:
            rows.append([frag])
    return [sorted(row, key=lambda f: f.bbox[0]) for row in rows]


def _cell_text(fragments: list[_Fragment]) -> str:
    text = ""
    for row in _visual_rows(fragments):
        line = ""
        for prev, frag in zip([None, *row], row):
            # pieces of one visual line: a real gap is a space, touching pieces are one word
            gap = prev is not None and frag.bbox[0] - prev.bbox[2] > 0.25 * (frag.bbox[3] - frag.bbox[1])
            line += (" " if gap else "") + frag.text
        text = _join_lines(text, line)
    return text


def _join_lines(first: str, second: str) -> str:
    """Wrapped lines of one cell: no separator (CJK, wrapped numbers), but a space between words."""
    if not first or not second:
        return first + second
    a, b = first[-1], second[0]
    words = a.isascii() and b.isascii() and a.isalnum() and b.isalnum() and (a.isalpha() or b.isalpha())
    return f"{first} {second}" if words else first + second


# ---- running page numbers, headers and footers -----------------------------------------------
def _drop_page_furniture(pages: list[_Page]) -> None:
    repeated = _repeated_edge_lines(pages)
    for page in pages:
        page.lines = [line for line in page.lines
                      if not _is_page_number(line, page) and not _is_running(line, page, repeated)]


def _is_running(line: _Fragment, page: _Page, repeated: set[str]) -> bool:
    return _at_edge(line, page, EDGE) and _shape(line.text) in repeated


def _at_edge(line: _Fragment, page: _Page, share: float) -> bool:
    centre = (line.bbox[1] + line.bbox[3]) / 2
    return centre < share * page.height or centre > (1 - share) * page.height


def _is_page_number(line: _Fragment, page: _Page) -> bool:
    text = line.text.strip()
    if _DECORATED_PAGE_NO.match(text):
        return _at_edge(line, page, PAGE_NO_EDGE)
    # a bare number is a page number only if it is this page's number, right at the edge, alone on
    # its line (a table row broken to the page's top has its cells beside it: ``３`` on page 3)
    return text.isdigit() and int(text) == page.number and _at_edge(line, page, EDGE) and _alone(line, page)


def _alone(line: _Fragment, page: _Page) -> bool:
    top, bottom = line.bbox[1], line.bbox[3]
    return not any(other is not line and other.bbox[1] < bottom and other.bbox[3] > top for other in page.lines)


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _repeated_edge_lines(pages: list[_Page]) -> set[str]:
    """Shapes of edge lines found on most pages (at least two): running headers and footers. A shape
    that is a bare value (``#``, ``#件``, ``-``) is never one: table rows broken across pages put
    such cells at the page edges of most pages, and a bare page number is ``_is_page_number``'s."""
    counts = Counter(
        shape for page in pages for shape in {_shape(line.text) for line in page.lines if _at_edge(line, page, EDGE)}
    )
    return {shape for shape, n in counts.items() if n >= 2 and n > len(pages) / 2 and not _VALUE_SHAPE.fullmatch(shape)}


# a table cell's print: a number (shaped ``#``) or a blank mark, with a unit or a note mark around it
_VALUE_SHAPE = re.compile(r"[#.,，、％%件个项次人万元份条/／\-—–－无（）()*＊]*")


# ---- pages → blocks --------------------------------------------------------------------------
def _page_items(page: _Page) -> list[_Fragment | _PageTable | _RowTable]:
    """Text lines and tables of a page in reading order."""
    keyed: list[tuple[float, _Fragment | _PageTable | _RowTable]] = [(t.grid.ys[0], t) for t in page.tables]
    keyed += [(min(f.bbox[1] for f in rows[0]), _RowTable(page.number, rows)) for rows in page.row_tables]
    for row in _visual_rows(page.lines):
        top = min(frag.bbox[1] for frag in row)
        keyed += [(top, frag) for frag in row]
    keyed.sort(key=lambda pair: pair[0])  # stable: a row's fragments keep their left-to-right order
    return [item for _, item in keyed]


@dataclass
class _Chain:
    """Page tables that continue one another: native ones become one block, scanned ones one block
    per page (see ``_scan_blocks``). ``shifts`` align each page's x-positions with the first page's."""

    tables: list[_PageTable]
    reasons: list[str] = field(default_factory=list)
    shifts: list[float] = field(default_factory=lambda: [0.0])


def _assemble(pages: list[_Page]) -> list[TextBlock | TableBlock]:
    """Blocks in reading order; a native table continued on the next page is one block, a scanned
    one is a block per page that says which page's table it continues."""
    groups: list[TextBlock | _Chain | _RowTable] = []
    for page in pages:
        for item in _page_items(page):
            if isinstance(item, _Fragment):
                where = Where(page=page.number, bbox=item.bbox, route=page.route, confidence=item.confidence)
                groups.append(TextBlock(text=item.text, where=where))
                continue
            if isinstance(item, _RowTable):
                groups.append(item)
                continue
            last = groups[-1] if groups else None
            if isinstance(last, _Chain) and item.route == "ocr" == last.tables[-1].route:
                found = _continues_scan(last.tables[-1], item)
                if found is not None:
                    last.tables.append(item)
                    last.reasons.append(found[0])
                    last.shifts.append(last.shifts[-1] + found[1])
                    continue
            reason = _continues(last.tables[-1], item) if isinstance(last, _Chain) and item.route == "native" else None
            if isinstance(last, _Chain) and reason is not None:
                last.tables.append(item)
                last.reasons.append(reason)
            else:
                groups.append(_Chain([item]))
    blocks: list[TextBlock | TableBlock] = []
    for group in groups:
        if isinstance(group, TextBlock):
            blocks.append(group)
        elif isinstance(group, _RowTable):
            blocks.append(_rows_block(group, len(blocks)))
        elif group.tables[0].route == "ocr":
            blocks += _scan_blocks(group, len(blocks))
        else:
            blocks.append(_table_block(group.tables, group.reasons, len(blocks)))
    return blocks


def _continues(prev: _PageTable, nxt: _PageTable) -> str | None:
    """Why ``nxt`` (first on its page) continues ``prev`` (last on the page before), or None."""
    if nxt.page != prev.page + 1:
        return None
    a, b = prev.grid.xs, nxt.grid.xs
    if abs(a[0] - b[0]) > SNAP or abs(a[-1] - b[-1]) > SNAP:
        return None
    if len(a) == len(b) and all(abs(x - y) <= SNAP for x, y in zip(a, b)):
        return f"same {len(a)} column x-positions ±{SNAP:g}pt"
    fewer, more = (nxt, prev) if len(b) < len(a) else (prev, nxt)
    # each boundary of the narrower grid must match exactly one of the other, or columns would blur
    if all(sum(abs(x - y) <= SNAP for y in more.grid.xs) == 1 for x in fewer.grid.xs):
        return (
            f"same outer edges ±{SNAP:g}pt, and the {len(fewer.grid.xs)} column x-positions on page "
            f"{fewer.page} are among the {len(more.grid.xs)} on page {more.page}"
        )
    return None


# ---- scanned tables: one block per page ------------------------------------------------------
SCAN_SNAP = 4.0  # pt: column positions of two scanned pages agree within this once their edges are aligned
HEADER_MATCH = 0.7  # share of a row's non-empty cells that must read the same for it to repeat a header row


def _continues_scan(prev: _PageTable, nxt: _PageTable) -> tuple[str, float] | None:
    """Why scanned ``nxt`` (first on its page) continues ``prev`` (last on the page before), and the
    shift that aligns its x-positions with ``prev``'s; or None.

    Two scans of one table are never placed alike on their pages (the sheet sits differently on the
    glass, straightening turns about the page centre), so the columns are compared once the
    tables' outer edges are aligned, with the tolerance of a rule's position in a scan."""
    if nxt.page != prev.page + 1:
        return None
    a, b = prev.grid.xs, nxt.grid.xs
    if abs((a[-1] - a[0]) - (b[-1] - b[0])) > SCAN_SNAP:
        return None
    shift = ((a[0] - b[0]) + (a[-1] - b[-1])) / 2
    b = [x + shift for x in b]
    fewer, more = (b, a) if len(b) < len(a) else (a, b)
    # each boundary of the narrower grid must match exactly one of the other, or columns would blur
    if not all(sum(abs(x - y) <= SCAN_SNAP for y in more) == 1 for x in fewer):
        return None
    if len(a) == len(b):
        return f"same {len(a)} column positions ±{SCAN_SNAP:g}pt once the table edges are aligned", shift
    return (f"same outer edges, and the {len(fewer)} column positions of page "
            f"{nxt.page if fewer is b else prev.page} are among the {len(more)} of page "
            f"{prev.page if fewer is b else nxt.page} (±{SCAN_SNAP:g}pt)"), shift


def _scan_blocks(chain: _Chain, first_index: int) -> list[TableBlock]:
    """A grid block per page of a scanned table, all on the same columns (the union of the pages'
    column positions, aligned), each continuation saying so in its evidence."""
    xs = _positions([x + shift for table, shift in zip(chain.tables, chain.shifts) for x in table.grid.xs],
                    SCAN_SNAP)
    blocks: list[TableBlock] = []
    for k, (table, shift) in enumerate(zip(chain.tables, chain.shifts)):
        index = first_index + k
        rows = len(table.grid.ys) - 1
        column = [min(range(len(xs)), key=lambda j: abs(xs[j] - (x + shift))) for x in table.grid.xs]
        spans = [
            _Span(r0, column[c0], r1, column[c1], table.texts[i], table.page, table.grid.span_box(i), "ocr",
                  table.confidence(i))
            for i, (r0, c0, r1, c1) in enumerate(table.grid.spans)
        ]
        grid = _expand(spans, rows, index)
        evidence = [f"page {table.page}: {rows}×{len(xs) - 1} grid from the ruling lines of the scan"]
        evidence += _mark_doubtful(grid, table.doubtful)
        if k:
            evidence.append(f"continues the table of page {chain.tables[k - 1].page}: {chain.reasons[k - 1]}")
            repeated = _repeated_header_rows(blocks[0].rows, grid)
            if repeated:
                evidence.append(f"rows 1-{repeated} repeat the header rows of page {chain.tables[0].page}")
        blocks.append(TableBlock(rows=grid, where=Where(page=table.page, bbox=table.grid.bbox, table=index,
                                                        route="ocr"), evidence=evidence))
    return blocks


DOUBT_CONFIDENCE = 0.5  # the confidence a cell of a doubtful row keeps at most (check.OCR_TRUSTED is 0.9)


def _mark_doubtful(grid: list[list[Cell]], doubtful: dict[int, str]) -> list[str]:
    """Rows whose division the scan does not establish lose their claim to positions: every cell is
    marked ``padded`` (the header binding pins no such row, so the parser reads it as a row whose
    geometry is lost, with its readings and identities) and keeps a confidence of at most
    ``DOUBT_CONFIDENCE`` (a value from it that no identity confirms is flagged)."""
    for r in doubtful:
        for cell in grid[r]:
            cell.padded = True
            conf = cell.where.confidence
            cell.where.confidence = DOUBT_CONFIDENCE if conf is None else min(conf, DOUBT_CONFIDENCE)
    return [f"row {r + 1}: not pinned, {why}" for r, why in sorted(doubtful.items())]


def _repeated_header_rows(first: list[list[Cell]], page: list[list[Cell]]) -> int:
    """How many rows opening ``page`` read as the rows opening ``first`` (a header printed again)."""
    count = 0
    for a, b in zip(first, page):
        texts = [(_squeezed(x.text), _squeezed(y.text)) for x, y in zip(a, b) if x.text or y.text]
        if not texts or sum(x == y for x, y in texts) < HEADER_MATCH * len(texts):
            break
        count += 1
    return count if count < min(len(first), len(page)) else 0


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _rows_block(table: _RowTable, index: int) -> TableBlock:
    """A table printed without rules: its rows' runs in order, with no claim that columns line up."""
    rows = [
        [Cell(text=frag.text, where=Where(page=table.page, bbox=frag.bbox, table=index, row=r, col=c, route="ocr",
                                          confidence=frag.confidence))
         for c, frag in enumerate(row)]
        for r, row in enumerate(table.rows)
    ]
    bbox = _union(f.bbox for row in table.rows for f in row)
    return TableBlock(rows=rows, geometry="rows", where=Where(page=table.page, bbox=bbox, table=index, route="ocr"),
                      evidence=[f"page {table.page}: {len(rows)} rows of a table printed without rules "
                                "(runs of words in reading order; columns not known)"])


@dataclass(slots=True)
class _Span:
    """A (merged) cell of a whole table: rows and columns end-exclusive, in table coordinates."""

    top: int
    left: int
    bottom: int
    right: int
    text: str
    page: int
    bbox: Box
    route: Route = "native"
    confidence: float | None = None


def _table_block(fragments: list[_PageTable], reasons: list[str], index: int) -> TableBlock:
    # pages' columns matched within SNAP (see _continues) become one; a page's own columns stay apart
    xs = _positions([x for frag in fragments for x in frag.grid.xs], SNAP)
    spans: list[_Span] = []
    ranges: list[tuple[int, int, int]] = []  # (first row, last row, page), rows 1-based
    evidence: list[str] = []
    rows = 0
    for frag in fragments:
        new = _table_spans(frag, xs, rows)
        carried = _carry_over(spans, new, rows)
        if carried:
            evidence.append(
                f"empty cells opening page {frag.page} continue the merged cells above: {'、'.join(carried)}"
            )
        spans += new
        ranges.append((rows + 1, rows + len(frag.grid.ys) - 1, frag.page))
        rows += len(frag.grid.ys) - 1
    stitched = [
        f"rows {a0}-{a1} from page {ap}, rows {b0}-{b1} from page {bp}: {reason}"
        for (a0, a1, ap), (b0, b1, bp), reason in zip(ranges, ranges[1:], reasons)
    ]
    first = fragments[0]
    return TableBlock(
        rows=_expand(spans, rows, index),
        where=Where(page=first.page, bbox=first.grid.bbox, table=index, route=first.route),
        evidence=(stitched or [f"page {first.page}: {rows}×{len(xs) - 1} grid from the ruling lines"]) + evidence,
    )


def _table_spans(frag: _PageTable, xs: list[float], offset: int) -> list[_Span]:
    """One page's cells in table coordinates: its columns mapped onto the table's column positions."""
    column = [min(range(len(xs)), key=lambda k: abs(xs[k] - x)) for x in frag.grid.xs]
    return [
        _Span(offset + r0, column[c0], offset + r1, column[c1], frag.texts[i], frag.page, frag.grid.span_box(i),
              frag.route, frag.confidence(i))
        for i, (r0, c0, r1, c1) in enumerate(frag.grid.spans)
    ]


def _carry_over(above: list[_Span], new: list[_Span], boundary: int) -> list[str]:
    """Merge empty cells opening a continued page into the label cell right above them.

    A merged label cell (``三、本年度办理结果``) that runs over a page break is printed as a label on
    one page and an empty cell on the next; left alone, those empty cells would read as blank values.
    Value cells are never extended: an empty cell under a number stays a blank.
    """
    carried: list[str] = []
    ending = {(s.left, s.right): s for s in above if s.bottom == boundary}
    for span in list(new):
        upper = ending.get((span.left, span.right))
        if span.top == boundary and not span.text and upper and upper.text and not _VALUE.match(upper.text):
            upper.bottom = span.bottom
            new.remove(span)
            carried.append(upper.text)
    return carried


def _expand(spans: list[_Span], rows: int, index: int) -> list[list[Cell]]:
    """The full grid: each merged cell at its top-left, spanned copies in the positions it covers."""
    grid: list[list[Cell]] = [[] for _ in range(rows)]
    for span in sorted(spans, key=lambda s: (s.top, s.left)):
        for r in range(span.top, span.bottom):
            for c in range(span.left, span.right):
                grid[r].append(Cell(
                    text=span.text,
                    where=Where(page=span.page, bbox=span.bbox, table=index, row=r, col=c, route=span.route,
                                confidence=span.confidence),
                    rowspan=span.bottom - span.top,
                    colspan=span.right - span.left,
                    spanned=(r, c) != (span.top, span.left),
                ))
    for row in grid:
        row.sort(key=lambda cell: cell.where.col if cell.where.col is not None else -1)
    return grid
