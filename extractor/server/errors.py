"""The one shape of every error the service returns: ``{"error": <code>, "message": <for people>}``."""
from __future__ import annotations

from starlette.responses import JSONResponse


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


async def send_error(send, status: int, code: str, message: str,  # type: ignore[no-untyped-def]
                     headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """The same error from plain ASGI middleware (which has no Response machinery of its own)."""
    response = error_response(status, code, message)
    raw = [(k, v) for k, v in response.raw_headers] + list(headers)
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": response.body})
