"""The one shape of every error the service returns: ``{"error": <code>, "message": <for people>}``.

The framework's own errors take it too: a request that fails validation (a bad query parameter, a
missing upload field) is 422 ``invalid_request`` with what was wrong, an unknown path is 404, a
wrong method 405, and anything unexpected 500 ``internal_error`` (logged; no traceback to a client).
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 415: "unsupported_format", 422: "invalid_request"}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


async def send_error(send, status: int, code: str, message: str,  # type: ignore[no-untyped-def]
                     headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """The same error from plain ASGI middleware (which has no Response machinery of its own)."""
    response = error_response(status, code, message)
    raw = [(k, v) for k, v in response.raw_headers] + list(headers)
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": response.body})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response(422, "invalid_request", "; ".join(_problem(e) for e in exc.errors()) or "invalid request")


def _problem(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid"))


async def _http(request: Request, exc: HTTPException) -> JSONResponse:
    return error_response(exc.status_code, CODES.get(exc.status_code, "error"), str(exc.detail),
                          headers=getattr(exc, "headers", None))


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", f"internal error ({type(exc).__name__}); it has been logged")
