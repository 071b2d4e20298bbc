"""The live progress line of a batch: done/total, rate, ETA and the statuses so far.

On a terminal the line is redrawn in place (at most a few times a second, so drawing never costs
more than the work); into a log or a pipe a plain line is printed every few seconds instead, since
carriage returns would make a log unreadable. The clock is a parameter so tests control time.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from types import MappingProxyType
from typing import TextIO

SHORT = MappingProxyType({"ok": "ok", "needs_review": "review", "not_a_report": "not-report", "failed": "failed"})


class Progress:
    def __init__(self, total: int, skipped: int = 0, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic, tty_every: float = 0.2,
                 log_every: float = 5.0) -> None:
        self.total = total  # documents to extract in this run
        self.skipped = skipped  # already done by an earlier run
        self.done = 0
        self.statuses: Counter[str] = Counter()
        self._stream = stream
        self._clock = clock
        self._started = clock()
        self._tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self._every = tty_every if self._tty else log_every
        self._last_drawn = self._started

    def advance(self, status: str) -> None:
        self.done += 1
        self.statuses[status] += 1
        now = self._clock()
        if now - self._last_drawn >= self._every:
            self._draw(now)

    def close(self) -> None:
        if self._stream is None:
            return
        self._draw(self._clock())
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()

    def line(self, now: float | None = None) -> str:
        now = self._clock() if now is None else now
        elapsed = max(now - self._started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else None
        pct = 100.0 * self.done / self.total if self.total else 100.0
        parts = [f"{self.done}/{self.total} ({pct:.0f}%)", f"{rate:.1f} docs/s", f"ETA {_clock_text(eta)}"]
        if self.skipped:
            parts.append(f"{self.skipped} already done")
        counts = " ".join(f"{SHORT.get(s, s)} {n}" for s, n in sorted(self.statuses.items()))
        return "batch " + " · ".join(parts) + (f" · {counts}" if counts else "")

    def _draw(self, now: float) -> None:
        self._last_drawn = now
        if self._stream is None:
            return
        if self._tty:  # \r and clear-to-end-of-line: redraw in place
            self._stream.write("\r" + self.line(now) + "\x1b[K")
        else:
            self._stream.write(self.line(now) + "\n")
        self._stream.flush()


def _clock_text(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
