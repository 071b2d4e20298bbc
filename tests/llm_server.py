"""A scripted OpenAI-compatible endpoint on localhost, for tests (stdlib http.server in a thread).

``POST /v1/chat/completions`` replies with the next scripted behaviour (or the default one): a JSON
answer, text that is not JSON, an HTTP status with headers (429 + Retry-After, 500, …), a hang longer
than the client's timeout, or a function of the request (e.g. an "obedient" model that does what an
injected instruction says). Answers are shaped for the request's mode: a tool call when the request
offers tools, a ```json block for MD_JSON, plain content otherwise. Every request is recorded with its
headers and body, so tests can check where the Authorization header went and what a re-ask said.
"""
from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def text(self) -> str:
        """Every message's content, joined: what the model was shown."""
        return "\n".join(str(m.get("content") or "") for m in self.messages)

    @property
    def schema_name(self) -> str:
        """The response model asked for (JSON_SCHEMA: response_format; TOOLS: the forced function)."""
        fmt = self.body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return fmt["json_schema"]["name"]
        tools = self.body.get("tools") or []
        return tools[0]["function"]["name"] if tools else ""

    @property
    def schema(self) -> dict[str, Any]:
        fmt = self.body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return fmt["json_schema"]["schema"]
        tools = self.body.get("tools") or []
        return tools[0]["function"]["parameters"] if tools else {}


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # the model's answer text (None for an error status)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to hang before replying
    prompt_tokens: int = 100
    completion_tokens: int = 20


Behaviour = Callable[[Recorded], Reply]


def answer(obj: Any, prompt_tokens: int = 100, completion_tokens: int = 20) -> Behaviour:
    text = json.dumps(obj, ensure_ascii=False)
    return lambda request: Reply(content=text, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)


def raw(text: str) -> Behaviour:
    return lambda request: Reply(content=text)


def status(code: int, retry_after: float | None = None, body: str | None = None) -> Behaviour:
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
    return lambda request: Reply(status=code, headers=headers, content=body)


def redirect(location: str) -> Behaviour:
    return lambda request: Reply(status=307, headers={"Location": location})


def hang(seconds: float) -> Behaviour:
    return lambda request: Reply(content="{}", delay=seconds)


def compute(fn: Callable[[Recorded], Any]) -> Behaviour:
    """An answer computed from the request (fn returns the JSON object to answer with)."""
    return lambda request: Reply(content=json.dumps(fn(request), ensure_ascii=False))


class ScriptedServer:
    def __init__(self, default: Behaviour | None = None):
        self.default = default
        self.requests: list[Recorded] = []
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        # a short poll keeps shutdown (once per test) from costing half a second
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def script(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._queue.extend(behaviours)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()  # releases hanging handlers
        self._httpd.shutdown()
        self._httpd.server_close()

    # ---- serving -----------------------------------------------------------------------------

    def _next(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            behaviour = self._queue.popleft() if self._queue else self.default
        if behaviour is None:
            return Reply(status=500, content='{"error": "no scripted behaviour left"}')
        return behaviour(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                request = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                reply = server._next(request)
                if reply.delay and server._stopping.wait(reply.delay):
                    return
                try:
                    self._send(reply, request)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): that was the point

            def _send(self, reply: Reply, request: Recorded) -> None:
                if reply.status == 200:
                    payload = json.dumps(_completion(reply, request), ensure_ascii=False).encode()
                else:
                    payload = (reply.content or json.dumps({"error": {"message": f"HTTP {reply.status}"}})).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def _completion(reply: Reply, request: Recorded) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    finish = "stop"
    if request.body.get("tools"):
        name = request.body["tools"][0]["function"]["name"]
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": reply.content}}]}
        finish = "tool_calls"
    elif "```json" in request.text and reply.content is not None:
        message["content"] = f"```json\n{reply.content}\n```"  # MD_JSON asks for a fenced block
    return {
        "id": "chatcmpl-scripted", "object": "chat.completion", "created": 0,
        "model": request.body.get("model", "scripted"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
                  "total_tokens": reply.prompt_tokens + reply.completion_tokens},
    }
