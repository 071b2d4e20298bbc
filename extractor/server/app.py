"""The FastAPI application: upload a report, poll, fetch the checked result (OpenAPI docs at /docs).

    POST /documents                 multipart upload (field ``file``) → 202 {id, status}
    GET  /documents/{id}            status pending|done, and the rich Result once done
    GET  /documents/{id}/flat       the flat contract of spec/output.md
    GET  /documents?status=&org=&year=&limit=&offset=
    /review                         the review UI, when the review package is installed

Every request needs the API token (``auth``), except under /review: the review UI signs reviewers in
itself (see ``create_app``). Errors are JSON ``{"error", "message"}``: 401 without
the token, 413 over the size limit, 415 for bytes that are not a supported document, 404 for an
unknown id, 409 for a result asked before it exists.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, File, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPBearer
from pydantic import BaseModel

from .. import __version__
from ..batch.crossyear import normalise_org
from ..flat import flat
from ..report import Result
from ..settings import MB, Settings
from .auth import TokenAuth
from .errors import error_response
from .formats import Unacceptable, accepted_format
from .limits import BodyLimit, too_large_message
from .storage import UploadStore
from .worker import ExecutorFactory, Extractions, process_pool

log = logging.getLogger(__name__)
DEFAULT_MAX_UPLOAD = 50 * MB
REVIEW_PATH = "/review"
ListStatus = Literal["pending", "done", "ok", "needs_review", "not_a_report", "failed"]


class Accepted(BaseModel):
    id: str
    status: Literal["pending", "done"]
    filename: str
    format: str


class DocumentOut(BaseModel):
    id: str
    status: Literal["pending", "done"]
    filename: str
    format: str
    size: int
    received: float
    result_status: str | None = None  # ok | needs_review | not_a_report | failed, once done
    result: Result | None = None


class Listed(BaseModel):
    id: str
    status: Literal["pending", "done"]
    filename: str
    received: float
    result_status: str | None = None
    org: str | None = None
    year: int | None = None


class DocumentList(BaseModel):
    total: int  # matching documents, before limit/offset
    documents: list[Listed]


class ErrorOut(BaseModel):
    error: str
    message: str


def create_app(settings: Settings, store_dir: Path, token: str, max_upload_bytes: int = DEFAULT_MAX_UPLOAD, *,
               workers: int = 2, executor_factory: ExecutorFactory = process_pool,
               review_db: Path | None = None) -> FastAPI:
    """The service over ``store_dir``. ``review_db``: the review store (default: settings.db_path,
    else ``store_dir/review.sqlite``), used only when the review package is installed."""
    store = UploadStore(Path(store_dir))
    review_db = _review_db(settings, store, review_db)
    extractions = Extractions(store, settings, workers, review_db, executor_factory)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        resumed = extractions.resume()
        if resumed:
            log.info("resumed %d pending extractions", resumed)
        yield
        extractions.close()

    app = FastAPI(title="政府信息公开工作年度报告 extractor", version=__version__, lifespan=lifespan,
                  description="Upload an annual government-information-disclosure report; get its checked "
                              "values. Every request needs `Authorization: Bearer <token>`.",
                  dependencies=[Depends(HTTPBearer(auto_error=False))])  # documents the scheme; auth.py enforces it
    _routes(app, store, extractions, max_upload_bytes)
    review_mounted = review_db is not None and mount_review(app, review_db)
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes)
    # The review UI is exempt from the API token: it signs each reviewer in with their own account
    # (password → session cookie + CSRF token, or a per-reviewer bearer token) and records who made
    # each correction. Demanding the service token as well would mean handing every reviewer the key
    # to the whole API, and would collide with a reviewer's own token (one Authorization header).
    exempt = (REVIEW_PATH,) if review_mounted else ()
    app.add_middleware(TokenAuth, token=token, exempt=exempt)  # added last: outermost, before anything else runs
    return app


_ERROR_TEXT = ((400, "empty upload"), (401, "missing or wrong API token"), (404, "no document with this id"),
               (409, "still being extracted"), (413, "upload too large"), (415, "not a supported document format"))


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error codes (all share the ErrorOut shape)."""
    return {code: {"model": ErrorOut, "description": text} for code, text in _ERROR_TEXT if code in codes}


def _routes(app: FastAPI, store: UploadStore, extractions: Extractions, max_upload_bytes: int) -> None:
    @app.post("/documents", status_code=202, response_model=Accepted, responses=_errors(400, 401, 413, 415))
    async def upload(file: UploadFile = File(..., description="the report: PDF, DOCX, HTML, Markdown or text")
                     ) -> Any:  # Accepted, or an error response
        data = await file.read()
        filename = file.filename or "upload"
        if len(data) > max_upload_bytes:
            return error_response(413, "too_large", too_large_message(max_upload_bytes))
        if not data.strip():
            return error_response(400, "empty", "the upload is empty")
        try:
            fmt = await run_in_threadpool(accepted_format, data, filename)
        except Unacceptable as exc:
            return error_response(415, "unsupported_format", str(exc))
        doc_id = hashlib.sha256(data).hexdigest()
        await run_in_threadpool(store.save, doc_id, data, filename, fmt)
        extractions.submit(doc_id)
        meta = store.meta(doc_id) or {}
        return Accepted(id=doc_id, status=_status(store, doc_id), filename=meta.get("filename", filename),
                        format=meta.get("format", fmt))

    @app.get("/documents/{doc_id}", response_model=DocumentOut, response_model_exclude_none=True,
             responses=_errors(401, 404))
    async def get_document(doc_id: str) -> Any:  # DocumentOut, or an error response
        meta = store.meta(doc_id)
        if meta is None:
            return _not_found(doc_id)
        result = await run_in_threadpool(store.result, doc_id) if store.is_done(doc_id) else None
        return DocumentOut(id=doc_id, status=_status(store, doc_id), filename=meta["filename"],
                           format=meta["format"], size=meta["size"], received=meta["received"],
                           result_status=result["status"] if result else None,
                           result=Result.model_validate(result) if result else None)

    @app.get("/documents/{doc_id}/flat", responses=_errors(401, 404, 409))
    async def get_flat(doc_id: str) -> dict[str, Any]:
        if store.meta(doc_id) is None:
            return _not_found(doc_id)  # type: ignore[return-value]
        result = store.result(doc_id) if store.is_done(doc_id) else None
        if result is None:
            return error_response(409, "pending", "still being extracted: poll GET /documents/{id}")  # type: ignore[return-value]
        return flat(Result.model_validate(result))

    @app.get("/documents", response_model=DocumentList, response_model_exclude_none=True, responses=_errors(401))
    async def list_documents(
        status: ListStatus | None = Query(None, description="pending, done, or a result status"),
        org: str | None = Query(None, description="part of the reporting body's name"),
        year: int | None = Query(None, description="the report year"),
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0),
    ) -> DocumentList:
        rows = await run_in_threadpool(_listing, store, status, org, year)
        return DocumentList(total=len(rows), documents=rows[offset:offset + limit])


def _status(store: UploadStore, doc_id: str) -> Literal["pending", "done"]:
    return "done" if store.is_done(doc_id) else "pending"


def _not_found(doc_id: str):  # type: ignore[no-untyped-def]
    return error_response(404, "not_found", f"no document with id {doc_id!r}")


def _listing(store: UploadStore, status: str | None, org: str | None, year: int | None) -> list[Listed]:
    """Newest first. Reads the small per-document files; a store of many thousands of documents
    would want an index table instead."""
    wanted_org = normalise_org(org) if org else None
    rows: list[Listed] = []
    for doc_id in store.ids():
        meta, brief = store.meta(doc_id), store.brief(doc_id) or {}
        if meta is None:
            continue
        row = Listed(id=doc_id, status="done" if brief else "pending", filename=meta["filename"],
                     received=meta["received"], result_status=brief.get("status"),
                     org=brief.get("org"), year=brief.get("year"))
        if _matches(row, status, wanted_org, year):
            rows.append(row)
    rows.sort(key=lambda r: (-r.received, r.id))
    return rows


def _matches(row: Listed, status: str | None, org: str | None, year: int | None) -> bool:
    if status and status not in (row.status, row.result_status):
        return False
    if org and (not row.org or org not in normalise_org(row.org)):
        return False
    return year is None or row.year == year


def _review_db(settings: Settings, store: UploadStore, given: Path | None) -> Path | None:
    if importlib.util.find_spec("extractor.review") is None:
        return None  # the review package is being built separately; without it, no queue and no UI
    return given or settings.db_path or store.root / "review.sqlite"


def mount_review(app: FastAPI, db: Path) -> bool:
    """Mount the review UI (``extractor.review.web``) under /review; False when it cannot be."""
    try:
        from ..batch.review import open_store
        from ..review import web  # type: ignore[attr-defined]

        app.mount(REVIEW_PATH, web.create_app(open_store(db)))
    except Exception as exc:  # an optional part: the API works without it, and says why in the log
        log.warning("review UI not mounted: %s", exc)
        return False
    return True
