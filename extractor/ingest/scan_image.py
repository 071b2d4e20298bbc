"""The image of a scanned page: straightening, paper and ink, and the ruling lines of its tables.

Everything here works on a 2-D ``uint8`` grey array rendered at a known dpi and answers in pixels
or, for rules, in page points. Nothing is recognised here (that is ``ocr``); this module decides
where ink is and which ink is a rule.

Why the rules are found the way they are. Scanned rules range from black 0.5 pt strokes to the
thin light-grey borders of web pages printed to PDF (``1px solid #ccc``: 25–40 grey levels darker
than the paper after a 150-dpi scan, and broken up by JPEG noise). A fixed threshold misses the
light ones; a plain morphological opening, which needs every pixel of a run to be ink, breaks a
faint rule wherever noise lifts one pixel above the threshold, and the cell sides that go missing
then merge cells. So:
1. *darkness* is measured against the paper around each pixel (a grey closing estimates the paper,
   which also evens out shading), and smoothed *along* the direction of the rule only, which averages
   noise away without thinning a one-pixel line; the faint halo that blur and JPEG leave around
   glyphs is set aside (a grey rule is as faint, and a glyph's halo joins it to the rules above and
   below it);
2. the ink threshold follows the page's own noise (a robust spread of the darkness), so a clean
   page finds faint rules and a noisy one does not see rules in its grain;
3. a pixel belongs to a rule when, on its row (column), at least ``RUN_FILL`` of a run of ``H_RULE``
   (``V_RULE``) inches is ink: gaps up to a quarter of the run are tolerated, while a line of text
   (ink on a given row in well under half of any such run) is not taken for a rule;
4. a piece is kept only when it meets rules of the other direction at both ends, or is long:
   glyph strokes that pass the run test (a heading's 丨) stop short of the cell's rules.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Segment = tuple[float, float, float]  # a ruling line: (position, start, end) in page points

INK = 170  # grey level below which a pixel counts as ink when measuring the tilt (text is darker)
MAX_SKEW = 4.0  # degrees searched either way; scanners tilt by up to ~3°, more is a page put in sideways
MIN_SKEW = 0.05  # degrees: below this, rotating would only blur the image
H_RULE = 0.35  # inch: a horizontal ink run this long is a rule (a CJK character is ~0.15 in)
V_RULE = 0.2  # inch: a one-row table still has rules this long; CJK strokes at 10.5pt are shorter
RUN_FILL = 0.75  # share of a rule-long run that must be ink (noise and JPEG leave gaps in faint rules)
LONG_V_RULE = 0.35  # inch: a vertical piece this long is a rule even if it meets no horizontal one
# (longer than a glyph stroke of a 16pt heading, shorter than two rows of a table)
LONG_H_RULE = 1.0  # inch: the same for a horizontal piece (a line of text can be this long)
ALIGN = 3  # pixels: pieces this close across their direction are parts of one rule
JOIN = 0.04  # inch: the longest gap joined between two parts of one rule (less than a line gap of text)
OVERSHOOT = 0.15  # inch: a rule's end this far past its last crossing rule is a glyph touching it
TOUCH = 4  # pixels: how close a vertical piece's end must come to a horizontal rule to meet it
RULE_THICKNESS = 0.06  # inch: thicker than this is a filled block (a stamp, a shaded cell), not a rule
PAPER = 0.1  # inch: the window that estimates the paper's grey around a pixel (wider than any stroke)
ALONG = 0.035  # inch: smoothing along a rule's direction (5 px at 150 dpi)
MIN_RULE_CONTRAST = 12.0  # grey levels: never look for rules fainter than this, however clean the page
RULE_NOISE = 4.0  # rule threshold, in robust noise spreads of the along-smoothed darkness
CLEARANCE = 0.02  # inch beyond a horizontal piece where the paper around a rule is looked at
TEXT_BOTH_SIDES = 0.25  # share of a horizontal piece with glyph ink on both sides that makes it text
HALO = 0.06  # inch either side of a glyph stroke, along a rule's direction, set aside (JPEG rings 8 px)
STRONG = 90  # grey levels below the paper: glyph cores and black rules (a grey rule is fainter)
MIN_INK_CONTRAST = 40.0  # grey levels below the paper that make a pixel part of a glyph
INK_NOISE = 6.0  # glyph threshold, in robust noise spreads of the raw darkness


@dataclass(frozen=True)
class Rules:
    """The rules of a straight page: segments in points, and their pixels (to keep them out of the
    ink of the cells they bound)."""

    horizontal: list[Segment]
    vertical: list[Segment]
    mask: np.ndarray  # uint8, 1 where a rule is


# ---- straightening --------------------------------------------------------------------------------
def straightened(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The page turned so that its text lines and rules are horizontal, and the angle it was turned by."""
    skew = skew_angle(gray)
    if abs(skew) < MIN_SKEW:
        return gray, 0.0
    return rotated(gray, skew, cv2.INTER_LINEAR, 255), skew


def skew_angle(gray: np.ndarray) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines and rules horizontal.

    Rows of a straight page alternate between ink (a text line, a rule) and paper, so the sum of
    squared row sums of the ink is highest when the page is straight: a coarse search, then a fine
    one around the best coarse angle. Full resolution, nearest-neighbour: this finds the tilt within
    0.03° in ~80 ms a page at 150 dpi (at half resolution only within 0.2°, too coarse for a wide table).
    """
    ink = (gray < INK).astype(np.uint8)
    if int(ink.sum()) < 500:
        return 0.0  # a blank page: nothing to align

    def sharpness(angle: float) -> float:
        rows = rotated(ink, angle, cv2.INTER_NEAREST, 0).sum(axis=1, dtype=np.float64)
        return float((rows * rows).sum())

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25), key=lambda a: (sharpness(a), -abs(a)))
    fine = max(np.arange(coarse - 0.25, coarse + 0.25 + 1e-9, 0.05), key=lambda a: (sharpness(a), -abs(a)))
    return round(float(fine), 2)


def rotated(image: np.ndarray, angle: float, interpolation: int, border: int) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=interpolation, borderValue=border)


# ---- paper and ink ----------------------------------------------------------------------------------
def darkness(gray: np.ndarray, dpi: float) -> np.ndarray:
    """How much darker than the paper around it each pixel is (0 = paper), as uint8."""
    k = _odd(PAPER * dpi)
    paper = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return cv2.subtract(paper, gray)


def noise_spread(dark: np.ndarray) -> float:
    """A robust spread of the paper's darkness (1.4826 × the median absolute deviation of the pixels
    that are not ink: most of a page is paper, so its grain sets the scale)."""
    sample = dark[::3, ::3]
    paper = sample[sample < np.percentile(sample, 90)]
    if paper.size == 0:
        return 0.0
    median = float(np.median(paper))
    return 1.4826 * float(np.median(np.abs(paper - median)))


def glyph_ink(dark: np.ndarray) -> np.ndarray:
    """Pixels dark enough to be part of a printed glyph (uint8 0/1)."""
    threshold = max(MIN_INK_CONTRAST, INK_NOISE * noise_spread(dark))
    return (dark >= threshold).astype(np.uint8)


# ---- rules ---------------------------------------------------------------------------------------------
def find_rules(gray: np.ndarray, dpi: float, dark: np.ndarray | None = None) -> Rules:
    """Horizontal and vertical ruling lines of a straight page (see the module docstring)."""
    dark = darkness(gray, dpi) if dark is None else dark
    scale = 72.0 / dpi
    thick = max(3, int(round(RULE_THICKNESS * dpi)))
    # the blur and JPEG ringing around glyphs is as faint as a grey rule: without this, a glyph, its
    # halo and the rules above and below it make one long vertical run (a cell's 十 became a rule),
    # below it); only along the rule's direction, so that a faint rule passing close to text keeps
    # its pixels
    strong = (dark >= STRONG).astype(np.uint8)
    reach = _odd(HALO * dpi)
    h_mask = _rule_mask(dark, dpi, True, cv2.dilate(strong, np.ones((1, reach), np.uint8)) > strong)
    v_mask = _rule_mask(dark, dpi, False, cv2.dilate(strong, np.ones((reach, 1), np.uint8)) > strong)
    horizontal, h_labels = _segments(h_mask, True, thick, scale)
    vertical, v_labels = _segments(v_mask, False, thick, scale)
    # crumbs (where a run's reach meets a crossing rule) are no rules of their own
    horizontal = [h for h in _joined(horizontal, dpi) if h.ink >= 0.5 * H_RULE * 72]
    vertical = [v for v in _joined(vertical, dpi) if v.ink >= 0.5 * V_RULE * 72]
    # a stroke run through the middle of a bold heading has glyph ink above and below it all along
    glyph = (dark >= STRONG).astype(np.uint8)
    horizontal = [h for h in horizontal if _clear(h, glyph, dpi)]
    # a short vertical, a cell side of one row only, can be a glyph stroke that fills a tight cell
    # from rule to rule (Word's tables print 10.5pt text in 14pt rows: 本, 业 and 收 touch both rules)
    vertical = [v for v in vertical if v.longest >= LONG_V_RULE * 72 or _unattached(v, glyph, dpi)]
    # a rule meets other rules; glyph strokes that pass the run test stop short of them
    while True:  # until nothing more is dropped: each drop can leave another piece unanchored
        kept_v = [v for v in vertical if _anchored(v, horizontal, dpi, LONG_V_RULE)]
        kept_h = [h for h in horizontal if _anchored(h, kept_v, dpi, LONG_H_RULE)]
        if len(kept_v) == len(vertical) and len(kept_h) == len(horizontal):
            break
        horizontal, vertical = kept_h, kept_v
    for v in vertical:
        _trim(v, horizontal, dpi)
    mask = (np.isin(h_labels, [i for h in horizontal for i in h.labels])
            | np.isin(v_labels, [i for v in vertical for i in v.labels]))
    return Rules([h.segment for h in horizontal], [v.segment for v in vertical], mask.astype(np.uint8))


@dataclass
class _Piece:
    pos: float
    start: float
    end: float
    labels: list[int]  # its connected components in the mask
    ink: float = 0.0  # points of its length that are ink (the gaps it was joined across are not)
    longest: float = 0.0  # points: its longest unbroken part

    def __post_init__(self) -> None:
        self.ink = self.ink or self.end - self.start
        self.longest = self.longest or self.end - self.start

    @property
    def segment(self) -> Segment:
        return (self.pos, self.start, self.end)


def _joined(pieces: list[_Piece], dpi: float) -> list[_Piece]:
    """Collinear pieces with a short gap between them joined: a faint rule breaks where noise lifts
    a stretch of it above the threshold, and a cell side must reach from rule to rule to count."""
    step, gap = ALIGN * 72 / dpi, JOIN * 72
    lines: list[list[_Piece]] = []
    for piece in sorted(pieces, key=lambda p: p.pos):
        if lines and piece.pos - lines[-1][-1].pos <= step:
            lines[-1].append(piece)
        else:
            lines.append([piece])
    out: list[_Piece] = []
    for line in lines:
        joined: list[_Piece] = []
        for piece in sorted(line, key=lambda p: p.start):
            last = joined[-1] if joined else None
            if last and piece.start - last.end <= gap:
                last.pos = (last.pos * (last.end - last.start) + piece.pos * (piece.end - piece.start)) / (
                    last.end - last.start + piece.end - piece.start)
                last.ink += max(0.0, piece.end - max(piece.start, last.end))  # side by side: counted once
                last.longest = max(last.longest, piece.longest)
                last.end = max(last.end, piece.end)
                last.labels += piece.labels
            else:
                joined.append(_Piece(piece.pos, piece.start, piece.end, list(piece.labels), piece.ink, piece.longest))
        out += joined
    return out


def _clear(piece: _Piece, glyph: np.ndarray, dpi: float) -> bool:
    """Whether a horizontal piece has paper above or below it along most of its length: text may
    touch a rule from one side here and there, while a run of strokes inside a line of text has
    the rest of the glyphs on both sides."""
    s = dpi / 72
    row, x0, x1 = int(round(piece.pos * s)), max(0, int(piece.start * s)), int(piece.end * s)
    gap = max(2, int(round(CLEARANCE * dpi)))
    above, below = glyph[max(0, row - 2 * gap):max(0, row - gap), x0:x1], glyph[row + gap:row + 2 * gap, x0:x1]
    if above.size == 0 or below.size == 0 or x1 <= x0:
        return True
    both = above.any(axis=0) & below.any(axis=0)
    return float(both.mean()) <= TEXT_BOTH_SIDES


def _unattached(piece: _Piece, glyph: np.ndarray, dpi: float) -> bool:
    """Whether a short vertical piece stands free between its ends: a glyph's stroke has the
    glyph's other strokes across it (本's crossbar, 业's bars) on both sides at once, while text
    beside a rule is on one side only."""
    s = dpi / 72
    col, y0, y1 = int(round(piece.pos * s)), int(piece.start * s), int(piece.end * s)
    end_zone, gap = max(3, int(round(0.03 * dpi))), max(2, int(round(CLEARANCE * dpi)))
    rows = slice(y0 + end_zone, y1 - end_zone)
    left = glyph[rows, max(0, col - 2 * gap):max(0, col - gap)]
    right = glyph[rows, col + gap:col + 2 * gap]
    if left.size == 0 or right.size == 0:
        return True
    return int((left.any(axis=1) & right.any(axis=1)).sum()) < 2


def _trim(piece: _Piece, crossing: list[_Piece], dpi: float) -> None:
    """Cut back an end that runs a little past the last rule it crosses: a glyph touching the
    table from outside (a line of text printed right under it) prolongs its rules into the text."""
    touch, overshoot = TOUCH * 72 / dpi, OVERSHOOT * 72
    at = [c.pos for c in crossing if c.start - touch <= piece.pos <= c.end + touch
          and piece.start - touch <= c.pos <= piece.end + touch]
    if not at:
        return
    if piece.end - max(at) > touch and piece.end - max(at) < overshoot:
        piece.end = max(at)
    if min(at) - piece.start > touch and min(at) - piece.start < overshoot:
        piece.start = min(at)


def _anchored(piece: _Piece, crossing: list[_Piece], dpi: float, long: float) -> bool:
    """Whether a piece is a rule: long, or meeting rules of the other direction at both ends.

    A cell side runs from rule to rule, while the strokes of characters that the run test alone
    can take for short rules (a heading's 丨, the top strokes of 商业企业) stop short of at least one
    of the cell's rules: by its padding, or by the rest of the cell's text."""
    if piece.longest >= long * 72:  # one unbroken run: glyph strokes of rows above one another, joined
        return True                  # across the rules between them, add up to a length too
    touch = TOUCH * 72 / dpi

    def meets(at: float) -> bool:
        return any(c.start - touch <= piece.pos <= c.end + touch and abs(c.pos - at) <= touch for c in crossing)

    return meets(piece.start) and meets(piece.end)


def _rule_mask(dark: np.ndarray, dpi: float, horizontal: bool, halo: np.ndarray) -> np.ndarray:
    along = _odd(ALONG * dpi)
    length = max(8, int(round((H_RULE if horizontal else V_RULE) * dpi)))
    smooth = cv2.blur(dark, (along, 1) if horizontal else (1, along))
    threshold = max(MIN_RULE_CONTRAST, RULE_NOISE * noise_spread(smooth))
    ink = ((smooth >= threshold) & ~halo).astype(np.uint8)
    fill = cv2.blur(ink.astype(np.float32), (length, 1) if horizontal else (1, length))
    seeds = (fill >= RUN_FILL).astype(np.uint8)
    # every pixel of a run whose centre qualified, kept only where it is ink
    reach = cv2.dilate(seeds, np.ones((1, length) if horizontal else (length, 1), np.uint8))
    return reach & ink


def _segments(mask: np.ndarray, horizontal: bool, thick: int, scale: float) -> tuple[list[_Piece], np.ndarray]:
    """The thin connected pieces of a rule mask (in points), and its label image."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out: list[_Piece] = []
    for index in range(1, count):
        x, y, w, h, _area = stats[index]
        if (h if horizontal else w) > thick:
            continue  # a filled block, not a rule
        if horizontal:
            out.append(_Piece((y + h / 2) * scale, x * scale, (x + w) * scale, [index]))
        else:
            out.append(_Piece((x + w / 2) * scale, y * scale, (y + h) * scale, [index]))
    return out, labels


def _odd(value: float) -> int:
    n = max(3, int(round(value)))
    return n if n % 2 else n + 1
