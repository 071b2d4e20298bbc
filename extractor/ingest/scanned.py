"""A scanned page read from its image: the cells of its ruled tables one by one, the rest as words.

The PDF reader renders the page, and this module
1. straightens it and finds its ruling lines and its glyph ink (``scan_image``);
2. lets the PDF reader build cell grids from the rules (the same grid code as for vector rules:
   cell boxes from the rules' crossings, merged cells where an inner rule is missing);
3. reads each cell (``read_cells``): a cell with no glyph ink is a blank cell and costs nothing; the
   ink of any other cell is cut into text lines by its row profile, and all the lines of the page go
   to the recogniser in one batch. Structure therefore never depends on what the recogniser saw:
   a faint ``1`` in a sparse table still sits in its own cell, and an empty cell is still a cell;
4. reads what is outside the tables (``outside_words``) with detection + recognition, the tables
   blanked out of the image first, so prose and tables printed without rules come back as words.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from . import scan_image
from .ocr import OcrEngine, OcrLine, OcrWord, PixelBox

Box = tuple[float, float, float, float]

SPECK = 0.0003  # square inch: ink components smaller than this are noise, not glyph parts (~7 px at 150 dpi)
CELL_MARGIN = 0.015  # inch inside a cell's rules where ink is not looked for (a rule's blur, its position error)
MIN_LINE_HEIGHT = 0.02  # inch: a row profile run lower than this alone is a speck line, unless it is long
GLYPH = 0.08  # inch: the least glyph height assumed when deciding whether two row runs are one line
LINE_PAD = 0.02  # inch of paper kept around a line's ink for the recogniser
TABLE_PAD = 0.03  # inch around a table blanked before the rest of the page is detected
TEXT_MARGIN = 0.1  # inch of paper kept around the ink left for detection
RULE_REMAINS = 0.9  # share of a cell's width a run at its edge must cover to be what is left of a rule
RULE_SOLID = 0.6  # share of such a run's pixels that must be ink (a line of text is far less solid)
EDGE_REACH = 0.06  # inch: a run this close to a cell's edge lies against its rule (a double rule's inner line too)
# a rule the rule finder did not take, looked for again where a merged cell crosses a grid line
REACH = 0.02  # inch either side of the grid line (its position comes from the rules of other rows)
END_CLEAR = 0.04  # inch at each end of the stretch left out (the crossing rules and their blur)
BESIDE = (0.015, 0.035)  # inch from the line where the paper beside a rule is (a glyph's body is ink there)
FAINT_CONTRAST = 12.0  # grey levels (two pixel rows summed): the least darkness of a rule looked for again
FAINT_NOISE = 6.0  # the same in robust noise spreads of the page's darkness
MIN_OPEN = 0.4  # share of the stretch that must be free of glyphs for a line to be judged at all


@dataclass(frozen=True)
class ScanPage:
    """A straightened page and what was measured on it."""

    gray: np.ndarray  # straightened
    dpi: float
    skew: float  # degrees the page was turned back by
    rules: scan_image.Rules
    ink: np.ndarray  # uint8 0/1: glyph ink, rules and specks removed
    near_rule: np.ndarray  # bool: the rules and a pixel or two around them
    dark: np.ndarray  # uint8: darkness against the paper (``scan_image.darkness``)
    noise: float  # a robust spread of the paper's darkness (``scan_image.noise_spread``)

    def cells_image(self) -> np.ndarray:
        """The page with its rules painted over with paper, for reading cells: a line box cut close
        to a rule keeps none of it. Only for cells: outside tables a "rule" can be a stroke of a bold
        heading (a run of 三's strokes), which must not be erased from the text."""
        clean = self.gray.copy()
        clean[self.near_rule] = 255
        return clean


@dataclass(frozen=True)
class CellText:
    """What one cell holds: its lines top to bottom (none for a blank cell), with their boxes in points.
    ``inked`` with no lines is a cell with ink the recogniser read nothing in (a smudge, or a digit
    it lost): blank as read, but not known to be blank."""

    lines: list[OcrLine]
    boxes: list[Box]
    inked: bool = False


def prepare(gray: np.ndarray, dpi: float) -> ScanPage:
    gray, skew = scan_image.straightened(gray)
    dark = scan_image.darkness(gray, dpi)
    rules = scan_image.find_rules(gray, dpi, dark)
    near_rule = cv2.dilate(rules.mask, np.ones((5, 5), np.uint8)) > 0
    ink = scan_image.glyph_ink(dark)
    ink[near_rule] = 0
    ink = _without_specks(ink, max(2, int(SPECK * dpi * dpi)))
    return ScanPage(gray, dpi, skew, rules, ink, near_rule, dark, scan_image.noise_spread(dark))


def _without_specks(ink: np.ndarray, least: int) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = (stats[:, cv2.CC_STAT_AREA] >= least).astype(np.uint8)
    keep[0] = 0
    return keep[labels]


# ---- cells ---------------------------------------------------------------------------------------
def read_cells(page: ScanPage, cells: Sequence[Box], engine: OcrEngine) -> list[CellText]:
    """The text of each cell (boxes in points); cells without ink are blank and not recognised."""
    lines_of = [_cell_lines(page, cell) for cell in cells]
    boxes = [box for lines in lines_of for box in lines]
    readings = iter(engine.read_lines(page.cells_image(), boxes, page.dpi) if boxes else [])
    scale = 72.0 / page.dpi
    out: list[CellText] = []
    for lines in lines_of:
        read = [next(readings) for _ in lines]
        kept = [(line, box) for line, box in zip(read, lines) if line.text.strip()]
        out.append(CellText([line for line, _ in kept],
                            [(x0 * scale, y0 * scale, x1 * scale, y1 * scale) for _, (x0, y0, x1, y1) in kept],
                            inked=bool(lines)))
    return out


def _cell_lines(page: ScanPage, cell: Box) -> list[PixelBox]:
    """The text lines of a cell as pixel boxes (padded with paper), from the row profile of its ink."""
    dpi = page.dpi
    margin = max(2, int(round(CELL_MARGIN * dpi)))
    h, w = page.ink.shape
    x0, y0 = max(0, int(cell[0] * dpi / 72) + margin), max(0, int(cell[1] * dpi / 72) + margin)
    x1, y1 = min(w, int(cell[2] * dpi / 72) - margin), min(h, int(cell[3] * dpi / 72) - margin)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return []
    ink = page.ink[y0:y1, x0:x1]
    rows = _without_rule_remains(ink, np.flatnonzero(ink.any(axis=1)), dpi)
    if rows.size == 0:
        return []
    pad = max(2, int(round(LINE_PAD * dpi)))
    out: list[PixelBox] = []
    for top, bottom in _lines(rows, dpi):
        cols = np.flatnonzero(ink[top:bottom].any(axis=0))
        if bottom - top < MIN_LINE_HEIGHT * dpi and cols[-1] - cols[0] < 3 * (bottom - top):
            continue  # a speck row, not a line (a dash, 一, is long)
        out.append((max(x0, x0 + int(cols[0]) - pad), max(y0, y0 + top - pad),
                    min(x1, x0 + int(cols[-1]) + 1 + pad), min(y1, y0 + bottom + pad)))
    return out


def _without_rule_remains(ink: np.ndarray, rows: np.ndarray, dpi: float) -> np.ndarray:
    """The inked rows of a cell less a thin, solid run at its top or bottom edge that crosses the
    whole cell: what is left of a thick rule (a bold bottom border) beyond the pixels taken as the
    rule. A line of text is taller and far from solid; read, such a run came out as ``一`` after a
    value, or as garbage after a label."""
    if rows.size == 0:
        return rows
    edge = max(2, int(round(EDGE_REACH * dpi)))
    thin = scan_image.RULE_THICKNESS * dpi
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
    keep = []
    for run in runs:
        at_edge = run[0] <= edge or run[-1] >= ink.shape[0] - 1 - edge
        band = ink[run[0]:run[-1] + 1]
        if (at_edge and len(run) <= thin and band.any(axis=0).mean() >= RULE_REMAINS
                and band.mean() >= RULE_SOLID):
            continue
        keep.append(run)
    return np.concatenate(keep) if keep else rows[:0]


def _lines(rows: np.ndarray, dpi: float) -> list[tuple[int, int]]:
    """Runs of inked rows, joined while the joined run is no taller than one glyph (二 and 三 are
    strokes with paper between them; two lines of a label are taller than a glyph together)."""
    runs: list[list[int]] = []
    for row in rows.tolist():
        if runs and row == runs[-1][1]:
            runs[-1][1] = row + 1
        else:
            runs.append([row, row + 1])
    glyph = max(GLYPH * dpi, max(b - a for a, b in runs))
    joined: list[list[int]] = [runs[0]]
    for run in runs[1:]:
        if run[1] - joined[-1][0] <= 1.25 * glyph and _short(joined[-1], run, glyph):
            joined[-1][1] = run[1]
        else:
            joined.append(run)
    return [(a, b) for a, b in joined]


def _short(a: list[int], b: list[int], glyph: float) -> bool:
    """Whether one of two runs is too low to be a line of its own (a stroke of 二, a dot)."""
    return min(a[1] - a[0], b[1] - b[0]) < 0.6 * glyph


# ---- rules not taken ---------------------------------------------------------------------------
def rule_evidence(page: ScanPage, horizontal: bool, pos: float, start: float, end: float) -> float:
    """Share of the stretch ``start``–``end`` (points) at ``pos`` along which a rule runs, however
    faint (see ``faint_lines``); the best line within ``REACH`` of ``pos``."""
    s = page.dpi / 72
    reach = max(2, int(round(REACH * page.dpi)))
    profile, _, _ = faint_lines(page, horizontal, pos - reach / s, pos + reach / s, [(start, end)])
    return float(profile.max()) if profile.size else 0.0


def faint_lines(page: ScanPage, horizontal: bool, lo: float, hi: float,
                stretches: Sequence[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray, int]:
    """For every pixel row (column, when not ``horizontal``) from ``lo`` to ``hi`` (points), the share
    of each stretch (points across) along which a rule runs there, however faint, and the share of
    it that could be judged: two arrays of shape (stretches, pixels), and the pixel position of
    their first column.

    The rule finder needs a rule to fill most of every run of a third of an inch at a threshold set
    by the page's noise; a light-grey rule that the straightening spread over two pixel rows, or a
    black one in a cell so tight that its glyphs touch it, can fail that test and merge two cells.
    This looks again with a lower bar: two pixel rows summed (a one-pixel line split by
    interpolation is whole again), a threshold of a few noise spreads, and only the pixels along the
    stretch with paper on both sides of the line: where a glyph touches or crosses it, the line is
    not judged (the bottom of a line of text, paper below and glyphs above, is no rule; a rule that
    text touches is judged between the glyphs). A stretch of which less than ``MIN_OPEN`` can be
    judged scores 0."""
    dpi = page.dpi
    s = dpi / 72
    near, far = (max(2, int(round(b * dpi))) for b in BESIDE)
    clear = max(3, int(round(END_CLEAR * dpi)))
    dark = page.dark if horizontal else page.dark.T
    first, last = max(far + 1, int(round(lo * s))), min(dark.shape[0] - far - 2, int(round(hi * s)))
    out = np.zeros((len(stretches), max(0, last - first + 1)), np.float32)
    share = np.zeros_like(out)
    if last < first:
        return out, share, first
    threshold = max(FAINT_CONTRAST, FAINT_NOISE * page.noise)
    for i, (start, end) in enumerate(stretches):
        a, b = max(0, int(start * s) + clear), min(dark.shape[1], int(end * s) - clear)
        if b - a < 4:
            share[i] = 1.0  # a sliver between two rules (a double border): no line to look for in it
            continue
        band = cv2.blur(dark[first - far - 1:last + far + 2, a:b], (_odd(0.035 * dpi), 1)).astype(np.int32)
        centre = np.arange(far + 1, far + 1 + out.shape[1])
        line = band[centre] + band[centre + 1] >= threshold
        paper = band < threshold / 2
        # paper on a side: every row from ``near`` to ``far`` away from the line is paper there
        above = np.ones_like(line)
        below = np.ones_like(line)
        for d in range(near, far + 1):
            above &= paper[centre - d]
            below &= paper[centre + 1 + d]
        judged = above & below
        count = judged.sum(axis=1)
        fill = np.where(count >= MIN_OPEN * (b - a), (line & judged).sum(axis=1) / np.maximum(count, 1), 0.0)
        out[i] = fill
        share[i] = count / (b - a)
    return out, share, first


def glyph_crosses(page: ScanPage, y: float, start: float, end: float) -> bool:
    """Whether glyph ink lies on the horizontal line at ``y`` between ``start`` and ``end`` (points,
    the ends' rule blur left out): a line of text that a rule there would cut."""
    s = page.dpi / 72
    clear = max(3, int(round(END_CLEAR * page.dpi)))
    row, a, b = int(round(y * s)), int(start * s) + clear, int(end * s) - clear
    return b > a and bool(page.ink[max(0, row - 1):row + 2, a:b].any())


def _odd(value: float) -> int:
    n = max(3, int(round(value)))
    return n if n % 2 else n + 1


# ---- outside the tables --------------------------------------------------------------------------
def outside_words(page: ScanPage, tables: Sequence[Box], engine: OcrEngine) -> list[OcrWord]:
    """Words of the page outside the given table boxes (points), by detection + recognition on the
    part of the page that has ink once the tables are blanked out (none when no ink is left)."""
    dpi, scale = page.dpi, page.dpi / 72
    pad = int(round(TABLE_PAD * dpi))
    ink = page.ink.copy()
    image = page.gray
    if tables:
        image = image.copy()
        for x0, y0, x1, y1 in tables:
            box = (slice(max(0, int(y0 * scale) - pad), int(y1 * scale) + pad),
                   slice(max(0, int(x0 * scale) - pad), int(x1 * scale) + pad))
            image[box] = 255
            ink[box] = 0
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return []  # nothing outside the tables: no detection
    # detection costs by the pixel: only the part of the page that has ink left
    margin = int(round(TEXT_MARGIN * dpi))
    h, w = ink.shape
    region = (max(0, int(cols[0]) - margin), max(0, int(rows[0]) - margin),
              min(w, int(cols[-1]) + 1 + margin), min(h, int(rows[-1]) + 1 + margin))
    return engine.recognize(image, dpi, region)
