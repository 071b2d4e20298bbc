"""Inline SVG plots drawn by hand: horizontal bar charts and the calibration curve.

The report must open anywhere (an air-gapped reviewer, a CI artefact) so there is no JavaScript and no
CDN: each chart is one ``<svg>`` string. Every label is escaped here, because labels come from
documents (file names, formats) and must never become markup.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

FONT = "font-family='system-ui, sans-serif'"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to measure (drawn as "n/a")
    note: str = ""  # shown after the value, e.g. "(120 keys)"


@dataclass(frozen=True)
class Point:
    x: float  # 0..1
    y: float  # 0..1
    n: int  # keys behind the point (sets its size)
    label: str


def bar_chart(title: str, bars: Sequence[Bar], max_value: float = 1.0, width: int = 560, color: str = "#3b7dd8") -> str:
    """Horizontal bars, one per ``Bar``, scaled to ``max_value``."""
    label_w, row_h, top = 170, 24, 30
    plot_w = width - label_w - 130
    height = top + row_h * max(len(bars), 1) + 10
    parts = [_open(width, height, title), _text(8, 18, title, weight="bold")]
    for i, bar in enumerate(bars):
        y = top + i * row_h
        parts.append(_text(label_w - 8, y + 15, _clip(bar.label, 26), anchor="end"))
        parts.append(f"<rect x='{label_w}' y='{y + 3}' width='{plot_w}' height='{row_h - 8}' fill='#eef1f5'/>")
        if bar.value is not None:
            w = plot_w * min(max(bar.value / max_value if max_value else 0.0, 0.0), 1.0)
            parts.append(f"<rect x='{label_w}' y='{y + 3}' width='{w:.1f}' height='{row_h - 8}' fill='{color}'/>")
        shown = "n/a" if bar.value is None else f"{bar.value:.3f}"
        parts.append(_text(label_w + plot_w + 6, y + 15, f"{shown} {bar.note}".rstrip()))
    if not bars:
        parts.append(_text(label_w, top + 15, "no data"))
    parts.append("</svg>")
    return "\n".join(parts)


def calibration_chart(title: str, points: Sequence[Point], size: int = 360) -> str:
    """Accuracy against confidence, with the diagonal a calibrated extractor would follow."""
    pad = 44
    plot = size - 2 * pad

    def sx(v: float) -> float:
        return pad + plot * v

    def sy(v: float) -> float:
        return pad + plot * (1 - v)

    parts = [_open(size, size, title), _text(8, 18, title, weight="bold")]
    parts += _grid(sx, sy)
    parts.append(f"<line x1='{sx(0)}' y1='{sy(0)}' x2='{sx(1)}' y2='{sy(1)}' stroke='#999' stroke-dasharray='4 4'/>")
    if points:
        path = " ".join(f"{sx(p.x):.1f},{sy(p.y):.1f}" for p in points)
        parts.append(f"<polyline points='{path}' fill='none' stroke='#d8573b' stroke-width='2'/>")
    for p in points:
        r = min(3 + p.n ** 0.5 / 3, 12)  # bigger where more keys back the point
        parts.append(f"<circle cx='{sx(p.x):.1f}' cy='{sy(p.y):.1f}' r='{r:.1f}' fill='#d8573b' fill-opacity='0.7'>"
                     f"<title>{escape(p.label)}</title></circle>")
        # counts sit centred below the point (above it near the x axis), so neighbours do not collide
        label_y = sy(p.y) + r + 11 if p.y > 0.15 else sy(p.y) - r - 4
        parts.append(_text(sx(p.x), label_y, f"n={p.n}", anchor="middle", size=10))
    parts.append(_text(size / 2, size - 6, "confidence", anchor="middle"))
    parts.append(f"<text x='12' y='{size / 2}' {FONT} font-size='12' text-anchor='middle' "
                 f"transform='rotate(-90 12 {size / 2})'>accuracy</text>")
    if not points:
        parts.append(_text(size / 2, size / 2, "no data", anchor="middle"))
    parts.append("</svg>")
    return "\n".join(parts)


def _grid(sx: Callable[[float], float], sy: Callable[[float], float]) -> list[str]:
    parts = []
    for i in range(6):
        v = i / 5
        parts.append(f"<line x1='{sx(0)}' y1='{sy(v):.1f}' x2='{sx(1)}' y2='{sy(v):.1f}' stroke='#e3e6ea'/>")
        parts.append(f"<line x1='{sx(v):.1f}' y1='{sy(0)}' x2='{sx(v):.1f}' y2='{sy(1)}' stroke='#e3e6ea'/>")
        parts.append(_text(sx(0) - 4, sy(v) + 4, f"{v:.1f}", anchor="end", size=10))
        parts.append(_text(sx(v), sy(0) + 14, f"{v:.1f}", anchor="middle", size=10))
    return parts


def _open(width: int, height: int, title: str) -> str:
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' role='img' aria-label='{escape(title)}'>")


def _text(x: float, y: float, text: str, anchor: str = "start", weight: str = "normal", size: int = 12) -> str:
    return (f"<text x='{x:.1f}' y='{y:.1f}' {FONT} font-size='{size}' "
            f"text-anchor='{anchor}' font-weight='{weight}'>{escape(text)}</text>")


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
