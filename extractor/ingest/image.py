"""Images (PNG, JPEG, TIFF; every TIFF frame a page) → Document, through the scanned-PDF path.

Each frame becomes one page of an image-only PDF that ``read_pdf`` reads like any scan: no text
layer, so every page is straightened, its rules found and its words recognised by the OCR engine.
One path for scans and images means one set of behaviours (tables, merged cells, page stitching,
provenance with ``route="ocr"``) to test.

The page is sized from the image's own resolution when it states a plausible one, so that rendering
at the OCR resolution gives characters of their printed size; an image without one is taken to be
at the OCR resolution, which renders its pixels one to one.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pymupdf

from .. import errors
from ..document import Document, Source
from ..settings import Settings, limit_name
from .pdf import OCR_DPI, read_pdf

if TYPE_CHECKING:  # ocr needs numpy, which only the OCR extra installs
    from PIL import Image

    from .ocr import OcrEngine

PLAUSIBLE_DPI = (100.0, 1200.0)  # scanner resolutions; 72/96 are screen defaults, not a scan's
MAX_PIXELS = 50_000_000  # per frame: an A3 page at 600 dpi is 35 M; more is a poster or a bomb


def read_image(data: bytes, source: Source, settings: Settings, engine: OcrEngine | None = None) -> Document:
    pdf = image_pdf(data, settings.max_pages)
    return read_pdf(pdf, source, settings, engine)


def image_pdf(data: bytes, max_pages: int) -> bytes:
    """An image-only PDF with one page per frame of the image in ``data`` (grey, lossless)."""
    frames = _frames(data, max_pages)
    pdf = pymupdf.open()
    for png, width, height, dpi in frames:
        page = pdf.new_page(width=width * 72 / dpi, height=height * 72 / dpi)
        page.insert_image(page.rect, stream=png)
    return pdf.tobytes(garbage=1, deflate=True)


def _frames(data: bytes, max_pages: int) -> list[tuple[bytes, int, int, float]]:
    """(PNG bytes, width px, height px, dpi) per frame; Pillow's errors translated here, once."""
    try:
        from PIL import Image, ImageSequence
    except ImportError:
        raise errors.DependencyMissing("reading images needs Pillow (it comes with rapidocr-onnxruntime): "
                                       "pip install pillow") from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            count = getattr(image, "n_frames", 1)
            if count > max_pages:
                raise errors.TooLarge(f"the image has {count} frames, over the {max_pages}-page limit "
                                      f"({limit_name('max_pages')})")
            return [_frame(frame) for frame in ImageSequence.Iterator(image)]
    except Image.DecompressionBombError as exc:
        raise errors.TooLarge(f"the image is too large to read: {exc}") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # UnidentifiedImageError is an OSError
        raise errors.CorruptInput(f"the image is damaged or not an image Pillow can read: {exc}") from None


def _frame(frame: Image.Image) -> tuple[bytes, int, int, float]:
    if frame.width * frame.height > MAX_PIXELS:
        raise errors.TooLarge(f"an image frame of {frame.width}×{frame.height} pixels is over the "
                              f"{MAX_PIXELS // 1_000_000} M pixel limit")
    grey = frame.convert("L")
    out = io.BytesIO()
    grey.save(out, "PNG")
    return out.getvalue(), grey.width, grey.height, _dpi(frame.info.get("dpi"))


def _dpi(stated: object) -> float:
    try:
        dpi = float(stated[0])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return float(OCR_DPI)
    return dpi if PLAUSIBLE_DPI[0] <= dpi <= PLAUSIBLE_DPI[1] else float(OCR_DPI)
