"""A circuit breaker for the model endpoint, shared by every document of a batch.

Closed: calls go through. After ``threshold`` consecutive endpoint failures it opens: calls are
refused at once (a dead endpoint must not cost every remaining document its full retry budget).
After ``cooldown`` seconds it lets a single probe through (half-open); the probe's success closes it,
its failure opens it again for another cool-down.
"""
from __future__ import annotations

import threading
from typing import Literal

from .deadline import Clock

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(self, clock: Clock, threshold: int = 5, cooldown: float = 30.0):
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self._clock = clock
        self.threshold = threshold
        self.cooldown = cooldown
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> State:
        with self._lock:
            return self._state()

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open state only one probe at a time."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half_open" and not self._probing:
                self._probing = True
                return True
            return False

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._probing or self._failures >= self.threshold:
                self._opened_at = self._clock()
            self._probing = False

    def retry_in(self) -> float:
        """Seconds until a probe is allowed (0 when closed or half-open)."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self._opened_at + self.cooldown - self._clock())

    def _state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.cooldown:
            return "half_open"
        return "open"
