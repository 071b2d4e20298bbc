"""Upload size limit, enforced while the body streams in.

A declared Content-Length over the limit is refused before a byte is read; a chunked body is
counted as it arrives and refused the moment it passes the limit, so an oversize upload never
fills the disk or memory. The refusal is a 413 with the error JSON. (The framework's form parser
would turn the interruption into a generic 400, so the app's own response is discarded and the
413 sent in its place.)
"""
from __future__ import annotations

from .. import errors
from ..settings import limit_name
from .errors import send_error

# multipart framing (boundaries, part headers, other fields) on top of the file itself
OVERHEAD = 64 * 1024


class _TooLarge(errors.TooLarge):
    """Raised inside the app's receive to stop reading; the 413 itself is sent by ``_refuse``."""


class BodyLimit:
    def __init__(self, app, max_bytes: int, methods: tuple[str, ...] = ("POST", "PUT", "PATCH")) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.max_bytes = max_bytes
        self.max_body = max_bytes + OVERHEAD
        self.methods = methods

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http" or scope["method"] not in self.methods:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._refuse(send)
            return
        state = {"seen": 0, "over": False}

        async def counted_receive():  # type: ignore[no-untyped-def]
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > self.max_body:
                    state["over"] = True
                    raise _TooLarge()
            return message

        async def guarded_send(message) -> None:  # type: ignore[no-untyped-def]
            if not state["over"]:
                await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except _TooLarge:
            pass
        if state["over"]:
            await self._refuse(send)

    async def _refuse(self, send) -> None:  # type: ignore[no-untyped-def]
        await send_error(send, errors.TooLarge(too_large_message(self.max_bytes)))


def too_large_message(max_bytes: int) -> str:
    return (f"the upload is larger than the limit of {max_bytes / 1_048_576:.1f} MB ({max_bytes} bytes; "
            f"{limit_name('max_upload_bytes')} or serve --max-upload-mb)")
