"""OCR: the engine that reads page images, and the clean-up of what it reads.

A scanned page is not read here as a whole. ``scanned`` finds the page's ruling lines and cells
first and asks the engine for two things only:
- ``read_lines``: the text of given line boxes (the inked lines of table cells), recognition only,
  with a confidence per character, so that a blank cell costs nothing and a digit's doubt is its own;
- ``recognize``: words with boxes (detection + recognition) for what lies outside the tables:
  prose, headings, and tables printed without rules.
Images are 2-D grey ``uint8`` arrays; ``dpi`` converts their pixels to page points.

``RapidOcrEngine`` wraps rapidocr-onnxruntime 1.4.4 (PP-OCRv4 detection + recognition, shipped
inside the wheel; nothing is downloaded). Its model is loaded on first use and one instance is
shared (``default_engine``). Settings were chosen by measurement on the scanned set (see
scripts/bench_pdf.py): no angle classifier (pages are straightened first), ONNX threads capped to the
machine's cores (at most 2), a recogniser padding width of twice the line height instead of 320 px,
which halves the time on short lines without changing what is read, recogniser batches of 6 lines,
and lines scaled to 40 px high instead of the model's 48 (its input height is free): the scanned set
read 2.51 → 1.71 s per page at 0.9932 → 0.9928 right (0.9934 with doubtful lines read again at
48 px) and no silent error; at 32 px 1.19 s but an 人 read as 入 in an office's name, unflagged.

The rest of the module cleans what was read (digit look-alikes in number cells, a dash misread for
一) and groups words into runs and visual rows for tables printed without rules.
"""
from __future__ import annotations

import importlib.util
import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from .. import errors

Box = tuple[float, float, float, float]
PixelBox = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, end-exclusive

_NUMBER = re.compile(r"^[-+]?\d[\d,，.．]*(?:[（(].*)?$")
MIN_TABLE_ROWS = 2  # rows holding two numbers or more before words are read as an unruled table
RUN_GAP = 0.6  # share of the text height: characters closer than this belong to one word run


@dataclass(frozen=True, slots=True)
class OcrWord:
    """One recognised character or word. ``line`` numbers the detected text line it belongs to, so
    the words of one line can be joined again without guessing whether they touch."""

    text: str
    bbox: Box  # x0, y0, x1, y1 in page points (of the straightened page)
    confidence: float  # 0..1, the recogniser's probability for this text
    line: int = 0


@dataclass(frozen=True, slots=True)
class OcrLine:
    """The text read in one line box, with the recogniser's probability for each character."""

    text: str
    confidences: tuple[float, ...]

    def confidence(self) -> float | None:
        """The least certain digit's (values are read from digits), else the least certain character's."""
        digits = [c for ch, c in zip(self.text, self.confidences) if ch.isdigit()]
        values = digits or list(self.confidences)
        return min(values) if values else None


class OcrEngine(Protocol):
    """What the readers need from an OCR engine."""

    name: str

    def recognize(self, image: np.ndarray, dpi: float, region: PixelBox | None = None) -> list[OcrWord]:
        """Words found in a grey page image, or in ``region`` of it (detection + recognition), with
        boxes in points of the whole image."""
        ...

    def read_lines(self, image: np.ndarray, boxes: Sequence[PixelBox], dpi: float) -> list[OcrLine]:
        """The text of each box of ``image``, each box holding one line of text (recognition only)."""
        ...


# ---- the engine ---------------------------------------------------------------------------------
class RapidOcrEngine:
    """PP-OCRv4 through rapidocr-onnxruntime, loaded on first use (loading takes ~0.3 s)."""

    name = "rapidocr-onnxruntime (PP-OCRv4)"

    def __init__(self, threads: int | None = None, text_score: float = 0.3, box_thresh: float = 0.3,
                 rec_height: int = 40, rec_batch: int = 6) -> None:
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
        self._rec_height = rec_height
        self._rec_batch = rec_batch
        self._model: Any = None
        self._loading = threading.Lock()
        self._lock = threading.Lock()

    def recognize(self, image: np.ndarray, dpi: float, region: PixelBox | None = None) -> list[OcrWord]:
        import cv2

        x0, y0, x1, y1 = region or (0, 0, image.shape[1], image.shape[0])
        crop, read_dpi = image[y0:y1, x0:x1], min(dpi, READ_DPI)
        if read_dpi < dpi:
            crop = cv2.resize(crop, (max(1, round(crop.shape[1] * read_dpi / dpi)),
                                     max(1, round(crop.shape[0] * read_dpi / dpi))), interpolation=cv2.INTER_AREA)
        scale, shift = 72.0 / read_dpi, (x0 * 72.0 / dpi, y0 * 72.0 / dpi)
        words: list[OcrWord] = []
        first_line = 0  # line numbers run on across pieces: a piece's lines are its own
        for row in pieces(crop, overlap=int(read_dpi / 2)):
            read: list[list[OcrWord]] = []
            for piece, keep in row:
                found = self._recognize(crop, read_dpi, piece)
                read.append([OcrWord(w.text, w.bbox, w.confidence, w.line + first_line)
                             for w in found if _centre_in(w.bbox, keep, scale)])
                first_line += 1 + max((w.line for w in found), default=-1)
            words += _joined_at_cuts(read, [keep[0] * scale for _, keep in row[1:]], read_dpi * scale)
        dx, dy = shift
        return [OcrWord(w.text, (w.bbox[0] + dx, w.bbox[1] + dy, w.bbox[2] + dx, w.bbox[3] + dy), w.confidence, w.line)
                for w in words]

    def _recognize(self, image: np.ndarray, dpi: float, region: PixelBox) -> list[OcrWord]:
        import cv2

        x0, y0, x1, y1 = region
        crop = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_GRAY2BGR)
        items = self._detect_and_read(crop, self._rec_height)
        # a line read with doubt is read again, alone, at the recogniser's own height, and the surer
        # reading kept (measured on the scanned set: 0.9932 → 0.9934 right; a bold heading misread at
        # both heights stays misread, and a lost heading is the sections' business)
        items = [better for item in items for better in
                 (self._read_again(crop, item) if float(item[2]) < REREAD_BELOW and self._rec_height != MODEL_HEIGHT
                   else [item])]
        return _words(items, 72.0 / dpi, (x0, y0))

    def _detect_and_read(self, image: np.ndarray, height: int) -> list:
        with self._at_height(height) as model:
            try:
                # per-call options reset every detector option not given, so all of them are given
                result, _ = model(image, use_cls=False, return_word_box=True, text_score=self._text_score,
                                  box_thresh=self._box_thresh, unclip_ratio=1.6)
            except _ocr_errors() as exc:
                raise errors.CorruptInput(f"OCR failed on a page image: {str(exc) or type(exc).__name__}") from None
        return list(result or [])

    def _read_again(self, crop: np.ndarray, item: list) -> list:
        """A line's strip of ``crop`` read again at the model's height: the lines found in it whose
        centre lies in the first reading's box (shifted back into ``crop``), if they read with more
        confidence; else the first reading."""
        xs, ys = [p[0] for p in item[0]], [p[1] for p in item[0]]
        margin = int(0.2 * (max(ys) - min(ys))) + 2
        sx, sy = max(0, int(min(xs)) - margin), max(0, int(min(ys)) - margin)
        strip = crop[sy:int(max(ys)) + margin + 1, sx:int(max(xs)) + margin + 1]
        found = []
        for again in self._detect_and_read(strip, MODEL_HEIGHT):
            quad = [[p[0] + sx, p[1] + sy] for p in again[0]]
            cx, cy = sum(p[0] for p in quad) / len(quad), sum(p[1] for p in quad) / len(quad)
            if min(xs) <= cx <= max(xs) and min(ys) <= cy <= max(ys):
                boxes = [[[p[0] + sx, p[1] + sy] for p in box] for box in again[3]] if len(again) >= 6 else []
                found.append([quad, again[1], again[2], boxes, *again[4:]])
        if not found or min(float(f[2]) for f in found) <= float(item[2]):
            return [item]
        return found

    def read_lines(self, image: np.ndarray, boxes: Sequence[PixelBox], dpi: float) -> list[OcrLine]:
        import cv2

        if not boxes:
            return []
        crops = [cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_GRAY2BGR) for x0, y0, x1, y1 in boxes]
        readings = self._read(crops, self._rec_height)
        doubtful = [i for i, r in enumerate(readings) if float(r[1]) < REREAD_BELOW]
        if doubtful and self._rec_height != MODEL_HEIGHT:  # read again at the model's height, kept if surer
            for i, again in zip(doubtful, self._read([crops[i] for i in doubtful], MODEL_HEIGHT)):
                if float(again[1]) > float(readings[i][1]):
                    readings[i] = again
        return [_line(reading) for reading in readings]

    def _read(self, crops: list[np.ndarray], height: int) -> list:
        with self._at_height(height) as model:
            try:
                readings, _ = model.text_rec(crops, return_word_box=True)
            except _ocr_errors() as exc:
                raise errors.CorruptInput(f"OCR failed on a page image: {str(exc) or type(exc).__name__}") from None
        return list(readings)

    @contextmanager
    def _at_height(self, height: int) -> Iterator[Any]:
        """The model, recognising lines scaled to ``height`` px, for one call at a time (the height is
        the recogniser's state, and the engine is shared by the threads of a server)."""
        model = self._load()
        with self._lock:
            model.text_rec.rec_image_shape = [3, height, 2 * height]
            yield model

    def _load(self) -> Any:
        with self._loading:
            if self._model is None:
                from rapidocr_onnxruntime import RapidOCR

                try:
                    # det_limit_type "max": the detector never enlarges its input (by default it scales a
                    # region to 736 px on its short side: a band of text 150 px high became 5400×736,
                    # 400 MB and seconds of detection for two lines)
                    self._model = RapidOCR(
                        use_cls=False, intra_op_num_threads=self._threads, inter_op_num_threads=1,
                        det_limit_type="max",
                        rec_img_shape=[3, MODEL_HEIGHT, 2 * MODEL_HEIGHT], rec_batch_num=self._rec_batch,
                        print_verbose=False,
                    )
                except (RuntimeError, ValueError, OSError) as exc:
                    raise errors.DependencyMissing(f"the OCR models could not be loaded: {exc}") from None
            return self._model


# Text outside tables is detected and read at most at READ_DPI, in pieces of at most MAX_SIDE px a
# side and MAX_PIXELS px: the detector's memory grows with its input (~150 MB per million pixels on
# top of ~130 MB), so a whole A4 page at 2,000 px took 550 MB more and a page drawn 14,400 pt wide
# could not be read at all (rapidocr shrinks any image to 2,000 px on its long side: a band across
# it came out 0 px high). 170 dpi is what the 2,000 px cap gave an A4 page scanned at 200-300 dpi.
READ_DPI = 170
MODEL_HEIGHT = 48  # px: the height PP-OCRv4's recogniser was trained at
# a line read at a mean confidence below this is read again at MODEL_HEIGHT (scanned set: 0.9932 →
# 0.9934 right, review load 0.1978 → 0.1961)
REREAD_BELOW = 0.9
MAX_SIDE = 2000
MAX_PIXELS = 1_000_000


def pieces(image: np.ndarray, overlap: int, max_side: int = MAX_SIDE,
           max_pixels: int = MAX_PIXELS) -> list[list[tuple[PixelBox, PixelBox]]]:
    """``image`` cut into rows of pieces side by side: (piece, the part of it whose words it keeps).
    Cuts go where the image has least ink near where they are due (between lines of text, between
    characters), and pieces overlap by ``overlap`` px, so a character near a cut is whole in the
    piece that keeps it: every character is kept once, by the piece its centre falls in."""
    height, width = image.shape[:2]
    columns = -(-width // max_side)
    core_height = max(overlap, max_pixels // min(width, max_side + 2 * overlap) - 2 * overlap)
    ink = image < 128
    xs = _cuts(ink.sum(axis=0), columns, overlap)
    ys = _cuts(ink.sum(axis=1), -(-height // core_height), overlap)
    return [[((max(0, x0 - overlap), max(0, y0 - overlap), min(width, x1 + overlap), min(height, y1 + overlap)),
              (x0, y0, x1, y1)) for x0, x1 in zip(xs, xs[1:])] for y0, y1 in zip(ys, ys[1:])]


def _cuts(ink: np.ndarray, parts: int, reach: int) -> list[int]:
    """Where to cut a length with this much ink per position into ``parts`` nearly equal parts:
    each cut at the position of least ink within ``reach`` before where it is due."""
    length = len(ink)
    cuts = [0]
    for k in range(1, parts):
        due = k * length // parts
        lo = max(cuts[-1] + 1, due - reach)
        cuts.append(lo + int(np.argmin(ink[lo:due + 1])) if due >= lo else due)
    return [*cuts, length]


def _centre_in(box: Box, keep: PixelBox, scale: float) -> bool:
    """Whether a word's centre (page points; ``scale`` points per pixel) lies in ``keep`` (pixels),
    half-open so that a centre on the line between two pieces is kept once."""
    cx, cy = (box[0] + box[2]) / 2 / scale, (box[1] + box[3]) / 2 / scale
    return keep[0] <= cx < keep[2] and keep[1] <= cy < keep[3]


def _joined_at_cuts(read: list[list[OcrWord]], cuts: list[float], reach: float) -> list[OcrWord]:
    """The words of pieces cut side by side (``cuts``: the x of each cut, points), with a line cut in
    two given one number again: its halves end and start within ``reach`` of the cut and share most
    of their height. Line numbers say which words belong to one line of text."""
    same: dict[int, int] = {}
    for left, right, x in zip(read, read[1:], cuts, strict=False):
        ends = _line_boxes(left)
        for line, box in _line_boxes(right).items():
            if box[0] > x + reach:
                continue
            for other, obox in ends.items():
                shared = min(box[3], obox[3]) - max(box[1], obox[1])
                if obox[2] >= x - reach and shared > 0.5 * min(box[3] - box[1], obox[3] - obox[1]):
                    same[line] = same.get(other, other)
                    break
    return [OcrWord(w.text, w.bbox, w.confidence, same.get(w.line, w.line)) for words in read for w in words]


def _line_boxes(words: list[OcrWord]) -> dict[int, Box]:
    boxes: dict[int, Box] = {}
    for w in words:
        b = boxes.get(w.line, w.bbox)
        boxes[w.line] = (min(b[0], w.bbox[0]), min(b[1], w.bbox[1]), max(b[2], w.bbox[2]), max(b[3], w.bbox[3]))
    return boxes


def _ocr_errors() -> tuple[type[Exception], ...]:
    """What the engine raises on an image it cannot read, translated to CorruptInput: rapidocr's own
    error for an image it cannot resize (a class in each module that defines one) among them."""
    import cv2

    found: tuple[type[Exception], ...] = (RuntimeError, ValueError, cv2.error)
    try:
        from rapidocr_onnxruntime.ch_ppocr_det.utils import ResizeImgError as DetError
        from rapidocr_onnxruntime.utils.process_img import ResizeImgError
    except ImportError:  # another version: its errors surface as internal errors, with a traceback logged
        return found
    return (*found, ResizeImgError, DetError)


def _line(reading: tuple) -> OcrLine:
    """rapidocr's recognition result (text, mean score[, word info whose last item holds the
    per-character probabilities]) → OcrLine."""
    text, score = str(reading[0]), float(reading[1])
    confs = list(reading[2][-1]) if len(reading) > 2 and reading[2] else []
    if len(confs) != len(text):
        confs = [score] * len(text)
    return OcrLine(text, tuple(float(c) for c in confs))


def _words(result: list, scale: float, origin: tuple[int, int] = (0, 0)) -> list[OcrWord]:
    """rapidocr's per-line results (with per-character boxes) in an image cut at ``origin`` (pixels)
    → words in page points."""
    words: list[OcrWord] = []
    for line_no, item in enumerate(result):
        quad, text, score = item[0], item[1], float(item[2])
        boxes, chars, confs = (item[3], item[4], item[5]) if len(item) >= 6 else ([], [], [])
        if len(boxes) == len(chars) and chars:
            for box, ch, conf in zip(boxes, chars, _padded(confs, len(chars), score)):
                if ch.strip():
                    words.append(OcrWord(ch, _scaled(box, scale, origin), float(conf), line_no))
        elif text.strip():  # no character boxes: the whole line is one word
            words.append(OcrWord(text.strip(), _scaled(quad, scale, origin), score, line_no))
    return words


def _padded(confs: Sequence[float], n: int, default: float) -> list[float]:
    return list(confs[:n]) + [default] * (n - len(confs))


def _scaled(quad: Sequence[Sequence[float]], scale: float, origin: tuple[int, int]) -> Box:
    xs = [p[0] + origin[0] for p in quad]
    ys = [p[1] + origin[1] for p in quad]
    return (min(xs) * scale, min(ys) * scale, max(xs) * scale, max(ys) * scale)


@lru_cache(maxsize=1)
def default_engine() -> OcrEngine:
    """The shared engine (its model is loaded once, on first use). Raises DependencyMissing."""
    return RapidOcrEngine()


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


# ---- tables printed without rules ---------------------------------------------------------------
@dataclass
class Run:
    """Consecutive words of one detected line with no real gap between them: one cell of a table
    printed without rules."""

    text: str
    bbox: Box
    words: list[OcrWord]

    @property
    def confidence(self) -> float:
        per_char = tuple(c for w in self.words for c in [w.confidence] * len(w.text))
        return OcrLine(self.text, per_char).confidence() or 0.0


def unruled_tables(words: Sequence[OcrWord]) -> tuple[list[list[list[Run]]], list[OcrWord]]:
    """Tables printed without rules, as visual rows of gap-separated runs, and the words left over.

    Rows are the visual rows holding two numbers or more, with at most one label-only row between
    two of them (a wrapped label); at least ``MIN_TABLE_ROWS`` such rows make a table, so a sentence
    with two figures in it stays prose. Nothing here claims that the runs of different rows line up:
    columns without rules are a guess, so these tables go out as rows, not as a grid."""
    runs = [run for line in word_runs(words) for run in line]
    tables = _numeric_blocks(_visual_rows(runs))
    used = {id(w) for table in tables for row in table for run in row for w in run.words}
    return tables, [w for w in words if id(w) not in used]


def word_runs(words: Sequence[OcrWord]) -> list[list[Run]]:
    """Words grouped into detected lines, and within a line into gap-separated runs, left to right."""
    lines: dict[int, list[OcrWord]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    out: list[list[Run]] = []
    for line in lines.values():
        runs: list[Run] = []
        for word in sorted(line, key=lambda w: w.bbox[0]):
            height = word.bbox[3] - word.bbox[1]
            last = runs[-1] if runs else None
            if last is not None and word.bbox[0] - last.bbox[2] <= RUN_GAP * height:
                last.text += word.text
                last.bbox = _union(last.bbox, word.bbox)
                last.words.append(word)
            else:
                runs.append(Run(word.text, word.bbox, [word]))
        out.append(runs)
    return out


def _visual_rows(runs: list[Run]) -> list[list[Run]]:
    rows: list[list[Run]] = []
    for run in sorted(runs, key=lambda r: (r.bbox[1], r.bbox[0])):
        centre = (run.bbox[1] + run.bbox[3]) / 2
        if rows and rows[-1][0].bbox[1] <= centre <= rows[-1][0].bbox[3]:
            rows[-1].append(run)
        else:
            rows.append([run])
    return [sorted(row, key=lambda r: r.bbox[0]) for row in rows]


def _numeric_blocks(rows: list[list[Run]]) -> list[list[list[Run]]]:
    """Maximal runs of consecutive visual rows holding two numbers or more (a label-only line
    between two such rows, a wrapped label, stays inside the block)."""
    blocks: list[list[list[Run]]] = []
    current: list[list[Run]] = []
    pending: list[list[Run]] = []
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


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
