"""OCR of page images: render and straighten a page, find its ruling lines, recognise its words.

A page without a usable text layer (a scan, an image, a PDF whose fonts map to garbage) is rendered
to a grey image, straightened (scanners tilt pages by a degree or two, and one degree moves the right
edge of a table by a whole row), and handed to an ``OcrEngine``, which returns *words* (one CJK
character, or a run of digits/latin letters, or a part of one) with a box in page points and a
confidence. The table structure is not the engine's business: the ruling lines are found in the
same straightened image by morphology (and erased from what the engine sees: next to a rule the
detector loses short glyph groups), and tables printed without rules get *virtual* rules inferred
from how numeric words line up (``inferred_rules``). The PDF reader then treats both kinds of rule
exactly like the vector rules of a native page, so merged cells, page stitching and reading order
work the same for scans.

``RapidOcrEngine`` wraps rapidocr-onnxruntime 1.4.4 (PP-OCRv4 detection + recognition, shipped
inside the wheel; nothing is downloaded). Its model is loaded on first use and one instance is
shared (``default_engine``). Settings were chosen by measurement on the scanned set (see
scripts/bench_pdf.py): no angle classifier (pages are straightened first), ONNX threads capped to the
machine's cores (at most 2), a recogniser padding width of 96 px instead of 320 px, which halves
the time on table pages full of one-digit cells without changing what is read, and recogniser
batches of 3 lines (a few per cent faster than 6 on two cores; 12 is 30% slower).
"""
from __future__ import annotations

import importlib.util
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from .. import errors

Box = tuple[float, float, float, float]
Segment = tuple[float, float, float]  # a ruling line: (position, start, end) in page points

# ---- page image ---------------------------------------------------------------------------------
INK = 170  # grey level below which a pixel counts as ink when measuring the tilt (text is darker)
MAX_SKEW = 3.0  # degrees searched either way; more than this is a page scanned sideways, not tilted
MIN_SKEW = 0.05  # degrees: below this, rotating would only blur the image
H_RULE = 0.35  # inch: a horizontal ink run this long is a rule (a CJK character is ~0.15 in)
V_RULE = 0.2  # inch: a one-row table still has rules this long; CJK strokes at 10.5pt, blurred, are shorter
RULE_THICKNESS = 0.06  # inch: thicker than this is a filled block, not a rule
RULE_CONTRAST = 12  # grey levels below the local mean that make a pixel ink, for finding rules

# ---- virtual rules ------------------------------------------------------------------------------
_NUMBER = re.compile(r"^[-+]?\d[\d,，.．]*(?:[（(].*)?$")
MIN_TABLE_ROWS = 2  # rows holding two numbers or more before words are read as an unruled table
COLUMN_TOUCH = 2.0  # pt: numbers whose x-extents overlap or come this close share a column
RUN_GAP = 0.6  # share of the text height: characters closer than this belong to one word run


@dataclass(frozen=True, slots=True)
class OcrWord:
    """One recognised character or word. ``line`` numbers the detected text line it belongs to, so
    the words of one line can be joined again without guessing whether they touch."""

    text: str
    bbox: Box  # x0, y0, x1, y1 in page points (of the straightened page)
    confidence: float  # 0..1, the recogniser's probability for this text
    line: int = 0


class OcrEngine(Protocol):
    """What the readers need from an OCR engine. ``dpi`` converts the image's pixels to points."""

    name: str

    def recognize(self, png: bytes, dpi: float) -> list[OcrWord]: ...


@dataclass(frozen=True)
class PageImage:
    """A page ready for OCR: the straightened grey image as PNG, and the rules found in it."""

    png: bytes
    dpi: float
    skew: float  # degrees the page was turned back by
    horizontal: list[Segment]
    vertical: list[Segment]


# ---- the engine ---------------------------------------------------------------------------------
class RapidOcrEngine:
    """PP-OCRv4 through rapidocr-onnxruntime, loaded on first use (loading takes ~0.3 s)."""

    name = "rapidocr-onnxruntime (PP-OCRv4)"

    def __init__(self, threads: int | None = None, text_score: float = 0.3, box_thresh: float = 0.3,
                 rec_width: int = 96) -> None:
        if importlib.util.find_spec("rapidocr_onnxruntime") is None:
            raise errors.DependencyMissing(
                "OCR is needed for scanned pages and images, but rapidocr-onnxruntime is not installed: "
                "pip install 'rapidocr-onnxruntime==1.4.4'")
        # at most 2 and never more than the cores: batches run extractions side by side, and ONNX
        # threads beyond the cores only contend (PP-OCR scales ~1.9x from 1 to 2 threads here)
        self._threads = max(1, min(threads or 2, os.cpu_count() or 1))
        self._text_score = text_score  # low on purpose: weak readings are kept and flagged, not dropped
        # the default 0.5 loses lone narrow digits ("1" alone in a cell), which would read as blanks
        self._box_thresh = box_thresh
        self._rec_width = rec_width
        self._model: Any = None
        self._lock = threading.Lock()

    def recognize(self, png: bytes, dpi: float) -> list[OcrWord]:
        import cv2

        image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise errors.CorruptInput("a page image could not be decoded for OCR")
        try:
            # per-call options reset every detector option not given, so all of them are given
            result, _ = self._load()(image, use_cls=False, return_word_box=True, text_score=self._text_score,
                                     box_thresh=self._box_thresh, unclip_ratio=1.6)
        except (RuntimeError, ValueError, cv2.error) as exc:
            raise errors.CorruptInput(f"OCR failed on a page image: {exc}") from None
        return _words(result or [], 72.0 / dpi)

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from rapidocr_onnxruntime import RapidOCR

                try:
                    self._model = RapidOCR(
                        use_cls=False, intra_op_num_threads=self._threads, inter_op_num_threads=1,
                        rec_img_shape=[3, 48, self._rec_width], rec_batch_num=3, print_verbose=False,
                    )
                except (RuntimeError, ValueError, OSError) as exc:
                    raise errors.DependencyMissing(f"the OCR models could not be loaded: {exc}") from None
            return self._model


def _words(result: list, scale: float) -> list[OcrWord]:
    """rapidocr's per-line results (with per-character boxes) → words in page points."""
    words: list[OcrWord] = []
    for line_no, item in enumerate(result):
        quad, text, score = item[0], item[1], float(item[2])
        boxes, chars, confs = (item[3], item[4], item[5]) if len(item) >= 6 else ([], [], [])
        if len(boxes) == len(chars) and chars:
            for box, ch, conf in zip(boxes, chars, _padded(confs, len(chars), score)):
                if ch.strip():
                    words.append(OcrWord(ch, _scaled(box, scale), float(conf), line_no))
        elif text.strip():  # no character boxes: the whole line is one word
            words.append(OcrWord(text.strip(), _scaled(quad, scale), score, line_no))
    return words


def _padded(confs: Sequence[float], n: int, default: float) -> list[float]:
    return list(confs[:n]) + [default] * (n - len(confs))


def _scaled(quad: Sequence[Sequence[float]], scale: float) -> Box:
    xs = [p[0] for p in quad]
    ys = [p[1] for p in quad]
    return (min(xs) * scale, min(ys) * scale, max(xs) * scale, max(ys) * scale)


@lru_cache(maxsize=1)
def default_engine() -> OcrEngine:
    """The shared engine (its model is loaded once, on first use). Raises DependencyMissing."""
    return RapidOcrEngine()


# ---- rendering, straightening, rules ------------------------------------------------------------
def page_image(gray: np.ndarray, dpi: float) -> PageImage:
    """A rendered page (2-D uint8 array) straightened, its rules found and then erased, as PNG.

    Erasing the rules before OCR matters: next to a rule the detector loses short glyph groups at
    the start of a cell (``二、`` of ``二、上年结转…``, a lone ``1``), which it finds once the rule is
    gone. The rules themselves are kept as segments for the table grid.
    """
    import cv2

    skew = skew_angle(gray)
    if abs(skew) >= MIN_SKEW:
        gray = _rotated(gray, skew, cv2.INTER_LINEAR, 255)
    h_mask, v_mask = _rule_masks(gray, dpi)
    thick, scale = max(2, int(RULE_THICKNESS * dpi)), 72.0 / dpi
    horizontal, vertical = _segments(h_mask, True, thick, scale), _segments(v_mask, False, thick, scale)
    erased = gray.copy()
    erased[cv2.dilate(h_mask | v_mask, np.ones((3, 3), np.uint8)) > 0] = 255
    ok, png = cv2.imencode(".png", erased)
    if not ok:
        raise errors.CorruptInput("a page image could not be encoded for OCR")
    return PageImage(png.tobytes(), dpi, skew, horizontal, vertical)


def skew_angle(gray: np.ndarray) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines and rules horizontal.

    Rows of a straight page alternate between ink (a text line, a rule) and paper, so the sum of
    squared row sums of the ink is highest when the page is straight: a coarse search, then a fine
    one around the best coarse angle. Full resolution, nearest-neighbour: on the scanned set this
    finds the tilt within 0.03° in ~80 ms a page (half resolution: within 0.2°, which is too coarse
    for a wide table).
    """
    ink = (gray < INK).astype(np.uint8)
    if int(ink.sum()) < 500:
        return 0.0  # a blank page: nothing to align

    def sharpness(angle: float) -> float:
        import cv2

        rows = _rotated(ink, angle, cv2.INTER_NEAREST, 0).sum(axis=1, dtype=np.float64)
        return float((rows * rows).sum())

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25), key=lambda a: (sharpness(a), -abs(a)))
    fine = max(np.arange(coarse - 0.25, coarse + 0.25 + 1e-9, 0.05), key=lambda a: (sharpness(a), -abs(a)))
    return round(float(fine), 2)


def _rotated(image: np.ndarray, angle: float, interpolation: int, border: int) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=interpolation, borderValue=border)


def ruling_segments(gray: np.ndarray, dpi: float) -> tuple[list[Segment], list[Segment]]:
    """Horizontal and vertical ruling lines of a straight page, in points."""
    h_mask, v_mask = _rule_masks(gray, dpi)
    thick, scale = max(2, int(RULE_THICKNESS * dpi)), 72.0 / dpi
    return _segments(h_mask, True, thick, scale), _segments(v_mask, False, thick, scale)


def _rule_masks(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of horizontal and vertical rules: ink runs longer than any character stroke.

    Scanned rules are faint (a 0.5pt rule blurred at 150 dpi is grey, not black) and broken by
    noise, so ink is what is darker than its surroundings (an adaptive threshold, not a fixed grey
    level); a morphological opening with a long thin kernel then keeps only runs longer than any
    character stroke. Gaps are not closed first: closing joins the strokes of a text line into a
    "rule" that would then be erased from the text. Each connected piece is a rule or a piece of
    one: the PDF reader joins collinear pieces, as it does for vector rules drawn in parts.
    """
    import cv2

    ink = cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, RULE_CONTRAST)
    return _runs(ink, (int(H_RULE * dpi), 1)), _runs(ink, (1, int(V_RULE * dpi)))


def _runs(ink: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    import cv2

    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, window))


def _segments(mask: np.ndarray, horizontal: bool, thick: int, scale: float) -> list[Segment]:
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out: list[Segment] = []
    for x, y, w, h, _area in stats[1:count]:
        if (h if horizontal else w) > thick:
            continue  # a filled block (a stamp, a photo), not a rule
        if horizontal:
            out.append((float(y + h / 2) * scale, float(x) * scale, float(x + w) * scale))
        else:
            out.append((float(x + w / 2) * scale, float(y) * scale, float(y + h) * scale))
    return out


# ---- words → text -------------------------------------------------------------------------------
_CONFUSED_DIGITS = str.maketrans({"O": "0", "o": "0", "D": "0", "〇": "0", "I": "1", "l": "1", "|": "1",
                                  "，": ",", "．": "."})
_ZERO_LOOKALIKES = {"O", "o", "D", "〇"}  # alone in a number cell, these are a 0
_DIGITISH = re.compile(r"^[\dOoDIl|〇，,．.\s]+$")
_LONE_DASH = re.compile(r"(?<![—\-])[—\-](?=[、\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[—\-](?![—\-])")


def clean_cell(text: str) -> str:
    """OCR text of one table cell, with the confusions a number cell cannot hold repaired.

    A cell made only of digits and digit look-alikes (O for 0, l for 1) is a number: the look-alikes
    become digits and stray spaces go (``6, 769`` → ``6,769``). Anything else is left as read.
    """
    stripped = text.strip()
    if _DIGITISH.match(stripped) and (any(ch.isdigit() for ch in stripped) or stripped in _ZERO_LOOKALIKES):
        return re.sub(r"\s+", "", stripped.translate(_CONFUSED_DIGITS))
    return clean_text(text)


def clean_text(text: str) -> str:
    """A single dash beside CJK text is the numeral 一 misread (``—、本年新收``, ``三安全—稳定``)."""
    return _LONE_DASH.sub("一", text)


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(clean_cell(text)))


# ---- virtual rules for tables printed without rules ---------------------------------------------
@dataclass
class _Run:
    """Consecutive words of one detected line with no real gap between them."""

    text: str
    bbox: Box


def word_runs(words: Sequence[OcrWord]) -> list[list[_Run]]:
    """Words grouped into detected lines, and within a line into gap-separated runs, left to right."""
    lines: dict[int, list[OcrWord]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    out: list[list[_Run]] = []
    for line in lines.values():
        runs: list[_Run] = []
        for word in sorted(line, key=lambda w: w.bbox[0]):
            height = word.bbox[3] - word.bbox[1]
            last = runs[-1] if runs else None
            if last is not None and word.bbox[0] - last.bbox[2] <= RUN_GAP * height:
                last.text += word.text
                last.bbox = _union(last.bbox, word.bbox)
            else:
                runs.append(_Run(word.text, word.bbox))
        out.append(runs)
    return out


def inferred_rules(words: Sequence[OcrWord]) -> tuple[list[Segment], list[Segment]]:
    """Virtual rules around tables printed without ruling lines (or whose rules did not survive
    the scan): rows are the visual rows holding two numbers or more, columns are the x-extents shared
    by numbers, and the label column is everything left of the first number column.

    Only runs of at least ``MIN_TABLE_ROWS`` such rows make a table; a sentence with two figures in
    it stays prose. Returns (horizontal, vertical) segments in points, like ``ruling_segments``.
    """
    rows = _visual_rows([run for line in word_runs(words) for run in line])
    horizontal: list[Segment] = []
    vertical: list[Segment] = []
    for block in _numeric_blocks(rows):
        h, v = _block_rules(block)
        horizontal += h
        vertical += v
    return horizontal, vertical


def _visual_rows(runs: list[_Run]) -> list[list[_Run]]:
    rows: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (r.bbox[1], r.bbox[0])):
        centre = (run.bbox[1] + run.bbox[3]) / 2
        if rows and rows[-1][0].bbox[1] <= centre <= rows[-1][0].bbox[3]:
            rows[-1].append(run)
        else:
            rows.append([run])
    return [sorted(row, key=lambda r: r.bbox[0]) for row in rows]


def _numeric_blocks(rows: list[list[_Run]]) -> list[list[list[_Run]]]:
    """Maximal runs of consecutive visual rows holding two numbers or more (a label-only line
    between two such rows, a wrapped label, stays inside the block)."""
    blocks: list[list[list[_Run]]] = []
    current: list[list[_Run]] = []
    pending: list[list[_Run]] = []
    for row in rows:
        if sum(is_number(r.text) for r in row) >= 2:
            current += pending + [row]
            pending = []
        elif current and len(pending) < 1:
            pending.append(row)
        else:
            if sum(1 for r in current if sum(is_number(x.text) for x in r) >= 2) >= MIN_TABLE_ROWS:
                blocks.append(current)
            current, pending = [], []
    if sum(1 for r in current if sum(is_number(x.text) for x in r) >= 2) >= MIN_TABLE_ROWS:
        blocks.append(current)
    return blocks


def _block_rules(block: list[list[_Run]]) -> tuple[list[Segment], list[Segment]]:
    numbers = [r for row in block for r in row if is_number(r.text)]
    columns = _number_columns(numbers, len(block))
    if len(columns) < 2:
        return [], []
    left = min(r.bbox[0] for row in block for r in row) - 2
    right = max(r.bbox[2] for row in block for r in row) + 2
    top = min(r.bbox[1] for r in block[0]) - 2
    bottom = max(r.bbox[3] for r in block[-1]) + 2
    xs = [left, columns[0][0] - 1, *((a[1] + b[0]) / 2 for a, b in zip(columns, columns[1:])), right]
    ys = [top, *((max(r.bbox[3] for r in a) + min(r.bbox[1] for r in b)) / 2 for a, b in zip(block, block[1:])),
          bottom]
    return [(y, left, right) for y in ys], [(x, top, bottom) for x in xs]


def _number_columns(numbers: list[_Run], rows: int) -> list[tuple[float, float]]:
    """The x-extents of the number columns: numbers whose extents overlap are one column.

    Overlap rather than distance between centres, because numbers are aligned left, right or centre
    in their cells and vary in length: ``1`` and ``1234`` aligned left have centres far apart but
    share their left edge. A column must hold numbers in a good share of the rows."""
    columns: list[list[float]] = []  # [x0, x1, count]
    for run in sorted(numbers, key=lambda r: r.bbox[0]):
        if columns and run.bbox[0] <= columns[-1][1] + COLUMN_TOUCH:
            columns[-1][1] = max(columns[-1][1], run.bbox[2])
            columns[-1][2] += 1
        else:
            columns.append([run.bbox[0], run.bbox[2], 1])
    support = max(2, rows // 3)
    return [(x0, x1) for x0, x1, count in columns if count >= support]


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
