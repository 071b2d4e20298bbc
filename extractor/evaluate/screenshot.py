"""A PNG of ``report.html`` through a headless Chromium, for people and for the report's own test.

Chromium is an optional system tool (``extractor.tools``): callers ask ``find_browser`` first and
decide what its absence means (a test skips; the script explains).
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from .. import errors, tools


class ScreenshotError(errors.ToolFailed):
    """The browser ran but produced no screenshot; the message carries its output."""


def find_browser() -> Path | None:
    """Chromium (or Chrome) on PATH, or None."""
    found = tools.find(tools.Tool.CHROMIUM)
    return Path(found) if found else None


def screenshot(
    html: Path, png: Path, browser: Path, size: tuple[int, int] = (1200, 1600), timeout: float = 120.0
) -> Path:
    """Render ``html`` into ``png`` (overwritten) and return it."""
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)  # so a stale file cannot pass for a fresh screenshot
    command = [
        str(browser),
        "--headless",
        "--no-sandbox",  # needed as root in containers; the page is our own static file
        "--disable-gpu",
        "--disable-dev-shm-usage",  # containers often give /dev/shm 64 MB, too little for Chromium
        "--hide-scrollbars",
        f"--screenshot={png.resolve()}",
        f"--window-size={size[0]},{size[1]}",
        html.resolve().as_uri(),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ScreenshotError(f"{browser} took longer than {timeout:.0f}s") from None
    if not png.exists():
        raise ScreenshotError(f"{browser} wrote no {png} (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return png
