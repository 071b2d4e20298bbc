"""Settings → the LLM assistant, or None when no endpoint is configured or ``llm_use`` is off.

Everything LLM-related (instructor, openai, tenacity, the prompts) is imported inside the function,
so the default run — no endpoint configured — pays nothing for it.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..settings import Settings

if TYPE_CHECKING:
    import httpx

    from .assistant import LLMAssistant
    from .breaker import CircuitBreaker
    from .client import RetryPolicy

BREAKER_THRESHOLD = 5  # consecutive endpoint failures before a batch stops calling
BREAKER_COOLDOWN = 60.0  # seconds before one probe call is let through


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gidr-extractor" / "llm-answers.sqlite"


def assistant_from_settings(settings: Settings, cache_path: Path | str | None = None, *,
                            breaker: CircuitBreaker | None = None, policy: RetryPolicy | None = None,
                            http_client: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep,
                            clock: Callable[[], float] = time.monotonic,
                            document_seconds: float | None = None) -> LLMAssistant | None:
    """One assistant for a whole batch (its breaker and cache are shared by every document)."""
    if not settings.llm_enabled:
        return None
    from .assistant import LLMAssistant
    from .breaker import CircuitBreaker
    from .cache import ResponseCache
    from .client import LLMClient, RetryPolicy

    breaker = breaker or CircuitBreaker(clock, threshold=BREAKER_THRESHOLD, cooldown=BREAKER_COOLDOWN)
    client = LLMClient.from_settings(settings, breaker=breaker, policy=policy or RetryPolicy(),
                                     http_client=http_client, sleep=sleep)
    cache = ResponseCache(cache_path if cache_path is not None else default_cache_path())
    return LLMAssistant(settings, client, cache, clock=clock, document_seconds=document_seconds)
