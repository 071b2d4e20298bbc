"""A per-document time budget shared by every model call made for that document."""
from __future__ import annotations

from collections.abc import Callable

Clock = Callable[[], float]


class Deadline:
    """Seconds left until a fixed point on ``clock`` (a monotonic clock; tests pass a fake)."""

    def __init__(self, seconds: float, clock: Clock):
        self._clock = clock
        self._ends = clock() + seconds
        self.seconds = seconds

    def remaining(self) -> float:
        return max(0.0, self._ends - self._clock())

    def expired(self) -> bool:
        return self.remaining() <= 0.0
