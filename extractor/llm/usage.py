"""What a document cost: model calls and tokens over every attempt, and answers served from cache."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Usage:
    calls: int = 0  # HTTP requests sent, including failed attempts and re-asks
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    answers: list[dict[str, Any]] = field(default_factory=list)  # one entry per region asked
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count_call(self) -> None:
        with self._lock:
            self.calls += 1

    def add_tokens(self, prompt: int, completion: int) -> None:
        with self._lock:
            self.prompt_tokens += prompt
            self.completion_tokens += completion

    def add_response(self, response: object) -> None:
        """Tokens from an OpenAI-style completion (``response.usage``); servers may omit them."""
        usage = getattr(response, "usage", None)
        self.add_tokens(_int(getattr(usage, "prompt_tokens", 0)), _int(getattr(usage, "completion_tokens", 0)))

    def record_answer(self, role: str, *, cached: bool, calls: int, outcome: str) -> None:
        with self._lock:
            if cached:
                self.cache_hits += 1
            self.answers.append({"role": role, "cached": cached, "calls": calls, "outcome": outcome})

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cache_hits": self.cache_hits,
            "cached": self.cache_hits > 0 and self.calls == 0,
            "answers": list(self.answers),
        }


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
