"""A PDF page as PNG for the document view, with the reviewed cell's box drawn on it.

The page is rendered from the stored bytes (opened in memory, so drawing never touches the stored
file). PyMuPDF's exceptions become ``CorruptInput`` here, at the foreign call.
"""
from __future__ import annotations

import pymupdf

from ..errors import CorruptInput

ZOOM = 1.6  # ~115 dpi: digits stay legible without megabyte-sized images
BOX_COLOR = (0.86, 0.12, 0.12)


def render_page(data: bytes, page_number: int, bbox: tuple[float, float, float, float] | None = None) -> bytes:
    """PNG bytes of 1-based ``page_number``; ``bbox`` (PDF points) is outlined when given."""
    try:
        with pymupdf.open(stream=data, filetype="pdf") as pdf:
            if not 1 <= page_number <= pdf.page_count:
                raise CorruptInput(f"the PDF has no page {page_number} (it has {pdf.page_count})")
            page = pdf[page_number - 1]
            if bbox is not None:
                rect = pymupdf.Rect(bbox) + (-2, -2, 2, 2)  # a margin so the box does not hide the digits
                page.draw_rect(rect, color=BOX_COLOR, width=1.8)
            return page.get_pixmap(matrix=pymupdf.Matrix(ZOOM, ZOOM), alpha=False).tobytes("png")
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
