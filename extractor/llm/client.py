"""The one way to the model: instructor over the OpenAI SDK over httpx, with our own retry policy.

Layers, inside out: httpx sends the request (no redirects: the API key goes to the configured base
URL and nowhere else); the OpenAI SDK speaks the protocol with its own retries switched off;
instructor asks for a response model and re-asks when a validator rejects the answer; around that,
tenacity retries what is worth retrying (timeouts, connection errors, 429 with its Retry-After, 5xx;
never another 4xx) within the document's deadline, and the shared circuit breaker stops a batch
from hammering a dead endpoint.

Every foreign exception (openai, httpx, instructor) is translated here, once, into
``errors.LLMUnavailable`` (the endpoint cannot be used now) or ``errors.LLMBadResponse`` (it answered,
but never validly). The API key never appears in a message, a repr or a log line.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
import instructor
import openai
from instructor.core import InstructorError, InstructorRetryException
from instructor.core.hooks import Hooks
from pydantic import BaseModel
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.stop import stop_base

from .. import errors
from ..settings import Settings
from .breaker import CircuitBreaker
from .deadline import Deadline
from .usage import Usage

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
Sleep = Callable[[float], None]

MODES = ("JSON_SCHEMA", "TOOLS", "JSON", "MD_JSON")
# The SDK falls back to $OPENAI_API_KEY when given no key; a local server needs none, and a user's
# OpenAI key must never be sent to whatever base URL is configured, so an explicit placeholder is sent.
NO_KEY = "not-needed"
_REFUSING = (401, 403, 404, 407)  # the endpoint, model or key is wrong: every later call would fail too
_MESSAGE_CHARS = 600


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # HTTP attempts per question when the endpoint fails transiently
    base_delay: float = 1.0  # exponential backoff: base, 2·base, 4·base, …
    max_delay: float = 20.0
    retry_after_cap: float = 60.0  # a server asking for a longer pause is waited on only this long
    reasks: int = 2  # instructor re-asks after an answer fails validation


@dataclass
class Answer(Generic[M]):
    value: M
    json: str  # the validated answer by alias: what the cache stores


class NoValidAnswer(errors.LLMBadResponse):
    """The model answered, but never validly. ``last_text`` is its last answer, for flagging."""

    def __init__(self, message: str, last_text: str | None = None):
        super().__init__(message)
        self.last_text = last_text


class EndpointRefused(errors.LLMUnavailable):
    """401/403/404: base URL, model name or key is wrong; counts against the circuit breaker."""


class _Transient(errors.LLMUnavailable):
    """An endpoint failure worth another try, with the pause the server asked for (Retry-After)."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def instructor_mode(name: str) -> instructor.Mode:
    key = name.strip().upper()
    if key not in MODES:
        raise ValueError(f"unknown LLM mode {name!r}: use one of {', '.join(MODES)}")
    return instructor.Mode[key]


class LLMClient:
    """Asks one question (messages → validated response model) under the retry policy."""

    def __init__(self, structured: instructor.Instructor, *, model: str, mode: str, base_url: str,
                 timeout: float, api_key: str | None, breaker: CircuitBreaker,
                 policy: RetryPolicy = RetryPolicy(), concurrency: int = 2, sleep: Sleep = time.sleep,
                 max_tokens: int | None = None):
        self._structured = structured
        self._max_tokens = max_tokens
        self.model = model
        self.mode = mode
        self.base_url = base_url
        self._timeout = timeout
        self._secret = api_key
        self._breaker = breaker
        self._policy = policy
        self._slots = threading.BoundedSemaphore(max(1, concurrency))  # requests in flight, batch-wide
        self._sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings, *, breaker: CircuitBreaker, policy: RetryPolicy = RetryPolicy(),
                      http_client: httpx.Client | None = None, sleep: Sleep = time.sleep) -> LLMClient:
        if not settings.llm_base_url or not settings.llm_model:
            raise errors.LLMUnavailable("no model endpoint is configured (llm_base_url and llm_model)")
        mode = instructor_mode(settings.llm_mode)
        # follow_redirects=False: a redirect must not carry the Authorization header to another host
        http = http_client or httpx.Client(timeout=settings.llm_timeout, follow_redirects=False)
        sdk = openai.OpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key or NO_KEY,
                            http_client=http,  # type: ignore[arg-type]  # typed as httpx2.Client; httpx.Client works
                            max_retries=0, timeout=settings.llm_timeout)
        structured = instructor.from_openai(sdk, mode=mode, model=settings.llm_model)
        _quiet_instructor_errors()
        return cls(structured, model=settings.llm_model, mode=mode.name, base_url=settings.llm_base_url,
                   timeout=settings.llm_timeout, api_key=settings.llm_api_key, breaker=breaker, policy=policy,
                   concurrency=settings.llm_concurrency, sleep=sleep, max_tokens=settings.llm_max_tokens)

    def __repr__(self) -> str:
        return f"LLMClient(base_url={self.base_url!r}, model={self.model!r}, mode={self.mode}, api_key=***)"

    def ask(self, response_model: type[M], messages: list[dict[str, str]], deadline: Deadline,
            usage: Usage) -> Answer[M]:
        """The validated answer, or LLMUnavailable / LLMBadResponse; usage is counted either way."""
        retrying = Retrying(
            stop=stop_after_attempt(self._policy.attempts) | _DeadlineStop(deadline),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            value = retrying(self._attempt, response_model, messages, deadline, usage)
        except _Transient as exc:
            tries = retrying.statistics.get("attempt_number", self._policy.attempts)
            raise errors.LLMUnavailable(self._clean(
                f"the model endpoint {self.base_url} failed {tries} time(s); last: {exc.reason}")) from None
        return Answer(value, value.model_dump_json(by_alias=True))

    # ---- one attempt -------------------------------------------------------------------------

    def _attempt(self, response_model: type[M], messages: list[dict[str, str]], deadline: Deadline,
                 usage: Usage) -> M:
        if deadline.expired():
            raise errors.LLMUnavailable(f"the per-document deadline of {deadline.seconds:g}s is used up")
        if not self._slots.acquire(timeout=deadline.remaining()):
            raise errors.LLMUnavailable("no request slot became free before the per-document deadline")
        try:
            if not self._breaker.allow():
                raise errors.LLMUnavailable(
                    f"circuit open after repeated endpoint failures; next probe in {self._breaker.retry_in():.0f}s")
            return self._call(response_model, messages, deadline, usage)
        finally:
            self._slots.release()

    def _call(self, response_model: type[M], messages: list[dict[str, str]], deadline: Deadline,
              usage: Usage) -> M:
        try:
            # No ``context=``: instructor would render the messages as Jinja templates, and report
            # text containing {{ … }} would execute. Our messages are rendered already (prompts.py).
            # messages are plain dicts, which the SDK's message TypedDicts accept at run time
            value = self._structured.create(  # type: ignore[call-overload]
                response_model=response_model,
                messages=messages,
                max_retries=self._policy.reasks,
                strict=False,  # "12" for 12 is the model's formatting, not a wrong answer
                hooks=_usage_hooks(usage),
                # per request, and (instructor) no re-ask starts once this much time has passed
                timeout=max(0.001, min(self._timeout, deadline.remaining())),
                # a bound on the answer: some servers (llama.cpp) otherwise let a model ramble to n_ctx
                **({"max_tokens": self._max_tokens} if self._max_tokens else {}),
            )
        except Exception as exc:  # foreign exceptions of every kind are translated right here
            failure = self._translate(exc)
            if isinstance(failure, (_Transient, EndpointRefused)):
                self._breaker.failure()
            else:
                self._breaker.success()  # the endpoint answered; the answer was the problem
            raise failure from None
        self._breaker.success()
        return value

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return min(exc.retry_after, self._policy.retry_after_cap)  # the server knows its own load
        return min(self._policy.max_delay, self._policy.base_delay * 2 ** (state.attempt_number - 1))

    # ---- translation ---------------------------------------------------------------------------

    def _translate(self, exc: Exception) -> Exception:
        api = _api_error(exc)
        if api is not None:
            return self._endpoint_failure(api)
        if isinstance(exc, InstructorRetryException):
            return NoValidAnswer(self._clean(
                f"no valid answer after {exc.n_attempts} attempt(s): {exc}"), _last_text(exc.last_completion))
        if isinstance(exc, InstructorError):
            return NoValidAnswer(self._clean(f"no valid answer: {type(exc).__name__}: {exc}"),
                                 _last_text(getattr(exc, "last_completion", None)))
        log.warning("unexpected %s from the model client", type(exc).__name__, exc_info=True)
        return NoValidAnswer(self._clean(f"the model client failed: {type(exc).__name__}: {exc}"))

    def _endpoint_failure(self, exc: openai.APIError) -> Exception:
        if isinstance(exc, openai.APITimeoutError):
            return _Transient(f"no answer within {self._timeout:g}s")
        if isinstance(exc, openai.APIConnectionError):
            return _Transient("could not connect")
        if isinstance(exc, openai.APIStatusError):
            code = exc.status_code
            if code in (408, 429) or code >= 500:
                return _Transient(f"HTTP {code}", _retry_after(exc.response))
            if code in _REFUSING:
                return EndpointRefused(self._clean(
                    f"the model endpoint {self.base_url} refused the request (HTTP {code}): "
                    "check the base URL, the model name and the API key"))
            return NoValidAnswer(self._clean(f"the model endpoint rejected the request (HTTP {code})"))
        return NoValidAnswer(self._clean(f"the endpoint's reply could not be read ({type(exc).__name__})"))

    def _clean(self, message: str) -> str:
        """Messages may quote foreign exception text: cut it short and take the key out."""
        message = message[:_MESSAGE_CHARS]
        if self._secret and len(self._secret) >= 4:
            message = message.replace(self._secret, "***")
        return message


class _DeadlineStop(stop_base):
    """Stop when the pause before the next try would run past the document's deadline."""

    def __init__(self, deadline: Deadline):
        self._deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._deadline.remaining() <= retry_state.upcoming_sleep


def _quiet_instructor_errors() -> None:
    """instructor logs every failed attempt at ERROR; with no logging configured (the CLI) Python
    would print each to stderr. We report failures ourselves (findings), so give its logger a
    handler of its own; an application that configures logging still receives the records."""
    logger = logging.getLogger("instructor")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def _usage_hooks(usage: Usage) -> Hooks:
    """Per-call instructor hooks: every attempt (re-asks included) is a call; every reply has tokens."""
    hooks = Hooks()
    hooks.on("completion:kwargs", lambda *args, **kwargs: usage.count_call())
    hooks.on("completion:response", usage.add_response)
    return hooks


def _api_error(exc: BaseException) -> openai.APIError | None:
    """The SDK error behind ``exc``: instructor wraps what the SDK raised as the cause."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, openai.APIError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _retry_after(response: Any) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare for APIs and is ignored)."""
    headers = getattr(response, "headers", None)
    raw = headers.get("retry-after") if headers is not None else None
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


def _last_text(completion: Any) -> str | None:
    """The JSON the model last produced, whatever the mode put it in (tool call, content, ```json)."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    calls = getattr(message, "tool_calls", None) or []
    text = calls[0].function.arguments if calls else getattr(message, "content", None)
    if not isinstance(text, str):
        return None
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    candidate = text[start:end + 1]
    try:
        json.loads(candidate)
    except ValueError:
        return None
    return candidate
