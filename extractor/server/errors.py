"""The one shape of every error the service returns: ``{"error": <code>, "message": <for people>}``.

Status and body come from ``extractor.errors.http_error``: routes and middleware raise (or send) an
``ExtractorError`` and its class decides both. The framework's own errors take the same shape: a
request that fails validation (a bad query parameter, a missing upload field) is 422
``invalid_request`` with what was wrong, an unknown path is 404, a wrong method 405, and anything
unexpected 500 ``internal_error`` (logged; no traceback to a client).
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from .. import errors

log = logging.getLogger(__name__)
# the framework's own refusals (an unknown path, a wrong method, …), which are not ExtractorErrors
FRAMEWORK_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                   405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_format",
                   422: "invalid_request"}


def error_response(exc: BaseException, headers: dict[str, str] | None = None) -> JSONResponse:
    status, body = errors.http_error(exc)
    return JSONResponse(dict(body), status_code=status, headers=headers)


async def send_error(send, exc: errors.ExtractorError,  # type: ignore[no-untyped-def]
                     headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """The same error from plain ASGI middleware (which has no Response machinery of its own)."""
    response = error_response(exc)
    raw = [(k, v) for k, v in response.raw_headers] + list(headers)
    await send({"type": "http.response.start", "status": response.status_code, "headers": raw})
    await send({"type": "http.response.body", "body": response.body})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.ExtractorError, _ours)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal)


async def _ours(request: Request, exc: errors.ExtractorError) -> JSONResponse:
    if errors.http_status(exc) >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc)
    return error_response(exc)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response(errors.InvalidRequest("; ".join(_problem(e) for e in exc.errors()) or "invalid request"))


def _problem(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid"))


async def _http(request: Request, exc: HTTPException) -> JSONResponse:
    code = FRAMEWORK_CODES.get(exc.status_code, "error")
    return JSONResponse({"error": code, "message": str(exc.detail)}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return error_response(exc)  # a foreign exception: 500 internal_error, its text withheld
