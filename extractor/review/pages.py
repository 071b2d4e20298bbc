"""A PDF page as PNG for the document view, at the width the reviewer's zoom asks for, with the
reviewed cell's box drawn on it.

The page is rendered from the stored bytes (opened in memory, so drawing never touches the stored
file). The requested width is clamped, and the pixel count is capped whatever the page's shape, so
a page drawn 14,400 pt wide (or one 100 pt wide and 14,400 pt tall) cannot make one request take
gigabytes. PyMuPDF's exceptions become ``CorruptInput`` here, at the foreign call.
"""
from __future__ import annotations

import math

import pymupdf

from ..errors import CorruptInput

DEFAULT_WIDTH = 900  # px: legible digits in the side panel without zooming
MIN_WIDTH, MAX_WIDTH = 200, 4000
MAX_PIXELS = 12_000_000  # ~48 MB of RGB before PNG compression
BOX_COLOR = (0.86, 0.12, 0.12)


def clamp_width(width: int | None) -> int:
    return DEFAULT_WIDTH if width is None else max(MIN_WIDTH, min(MAX_WIDTH, width))


def render_page(data: bytes, page_number: int, bbox: tuple[float, float, float, float] | None = None,
                width: int | None = None) -> bytes:
    """PNG bytes of 1-based ``page_number``, ``width`` pixels wide (clamped, and less when the page's
    shape would exceed ``MAX_PIXELS``); ``bbox`` (PDF points) is outlined when given."""
    try:
        with pymupdf.open(stream=data, filetype="pdf") as pdf:
            if not 1 <= page_number <= pdf.page_count:
                raise CorruptInput(f"the PDF has no page {page_number} (it has {pdf.page_count})")
            page = pdf[page_number - 1]
            zoom = _zoom(page.rect.width, page.rect.height, clamp_width(width))
            if bbox is not None:
                rect = pymupdf.Rect(bbox) + (-2, -2, 2, 2)  # a margin so the box does not hide the digits
                page.draw_rect(rect, color=BOX_COLOR, width=max(0.5, 3 / zoom))  # ~3 px at any zoom
            return page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False).tobytes("png")
    except CorruptInput:
        raise
    except Exception as exc:  # PyMuPDF raises plain RuntimeError/ValueError subclasses
        raise CorruptInput(f"cannot render page {page_number}: {exc}") from None


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every page: the page script scrolls a box into view with them."""
    try:
        with pymupdf.open(stream=data, filetype="pdf") as pdf:
            return [(page.rect.width, page.rect.height) for page in pdf]
    except Exception as exc:  # PyMuPDF raises plain RuntimeError/ValueError subclasses
        raise CorruptInput(f"cannot read the PDF: {exc}") from None


def _zoom(width_pt: float, height_pt: float, width_px: int) -> float:
    if width_pt <= 0 or height_pt <= 0:
        raise CorruptInput("the page has no area")
    zoom = width_px / width_pt
    cap = math.sqrt(MAX_PIXELS / (width_pt * height_pt))
    return min(zoom, cap)
