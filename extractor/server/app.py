"""The FastAPI application: upload a report, poll, fetch the checked result (OpenAPI docs at /docs).

    POST   /documents               multipart upload (field ``file``) → 202 {id, status}, with
                                    ``Location`` (where to poll) and ``Retry-After`` (when)
    GET    /documents/{id}          status pending → running → done, and the rich Result once done
    GET    /documents/{id}/flat     the flat contract of spec/output.md
    DELETE /documents/{id}          the upload and its result (204); 409 while it is extracted
    GET    /documents?status=&org=&year=&limit=&offset=
    GET    /health                  200 {"status": "ok"} when the service can take uploads (no token)
    GET    /docs                    the API docs (Swagger UI shipped with the package: works offline)
    /review                         the review UI, when the review package is installed

Every request needs the API token (``auth``), except /health and what is under /review: the review
UI signs reviewers in itself (see ``create_app``). Times are ISO 8601 in UTC. Every error, a
request that fails validation included, is JSON ``{"error", "message"}``: routes raise an
``extractor.errors`` class, whose status and code ``errors.http_error`` decides (``server.errors``):
401 without the token, 404 for an unknown id or path, 409 for a result asked before it exists, 413
over the size limit, 415 for bytes that are not a supported document, 422 for invalid parameters,
503 when the data folder cannot be written.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.security import HTTPBearer
from pydantic import BaseModel
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from .. import __version__, errors
from ..batch.crossyear import normalise_org
from ..flat import flat
from ..report import Result
from ..settings import Settings
from .auth import TokenAuth
from .errors import install_error_handlers
from .formats import accepted_format
from .limits import BodyLimit, too_large_message
from .storage import UploadStore
from .worker import ExecutorFactory, Extractions, process_pool

log = logging.getLogger(__name__)
REVIEW_PATH = "/review"
PUBLIC_PATHS = ("/health",)  # answered without the token: says nothing but whether the service is up
DOCS_ASSETS = "/docs/assets"
State = Literal["pending", "running", "done"]
ListStatus = Literal["pending", "running", "done", "ok", "needs_review", "not_a_report", "failed"]
TOKEN_HOWTO = ("Every request needs the API token: send the header `Authorization: Bearer <token>`. "
               "In a browser, this page asked for a user name and password: any user name, and the token "
               "as the password. To try a request here, click **Authorize** and paste the token.")


class Accepted(BaseModel):
    id: str
    status: State
    filename: str
    format: str


class DocumentOut(BaseModel):
    id: str
    status: State
    filename: str
    format: str
    size: int
    received: datetime
    waiting_before: int | None = None  # pending: documents that start before this one
    started: datetime | None = None  # running: when its extraction started
    running_seconds: float | None = None  # running: for how long so far
    finished: datetime | None = None  # done
    result_status: str | None = None  # ok | needs_review | not_a_report | failed, once done
    result: Result | None = None


class Listed(BaseModel):
    id: str
    status: State
    filename: str
    received: datetime
    result_status: str | None = None
    org: str | None = None
    year: int | None = None


class DocumentList(BaseModel):
    total: int  # matching documents, before limit/offset
    documents: list[Listed]


class ErrorOut(BaseModel):
    error: str
    message: str


class Health(BaseModel):
    status: Literal["ok"]


def create_app(settings: Settings, store_dir: Path, token: str, max_upload_bytes: int | None = None, *,
               workers: int = 2, executor_factory: ExecutorFactory = process_pool,
               review_db: Path | None = None) -> FastAPI:
    """The service over ``store_dir``. ``review_db``: the review store (default: settings.db_path,
    else ``store_dir/review.sqlite``), used only when the review package is installed.
    ``max_upload_bytes``: default ``settings.max_upload_bytes``."""
    max_upload_bytes = settings.max_upload_bytes if max_upload_bytes is None else max_upload_bytes
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
                              "values.\n\n" + TOKEN_HOWTO, docs_url=None, redoc_url=None,
                  dependencies=[Depends(HTTPBearer(auto_error=False))])  # documents the scheme; auth.py enforces it
    install_error_handlers(app)
    _routes(app, store, extractions, max_upload_bytes, workers)
    _docs(app)
    review_mounted = review_db is not None and mount_review(app, review_db, settings)
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes)
    # The review UI is exempt from the API token: it signs each reviewer in with their own account
    # (password → session cookie + CSRF token, or a per-reviewer bearer token) and records who made
    # each correction. Demanding the service token as well would mean handing every reviewer the key
    # to the whole API, and would collide with a reviewer's own token (one Authorization header).
    exempt = PUBLIC_PATHS + ((REVIEW_PATH,) if review_mounted else ())
    app.add_middleware(TokenAuth, token=token, exempt=exempt)  # added last: outermost, before anything else runs
    return app


_ERROR_TEXT = ((400, "empty upload"), (401, "missing or wrong API token"), (404, "no document with this id"),
               (409, "still being extracted"), (413, "upload too large"), (415, "not a supported document format"),
               (422, "invalid parameters"), (503, "the service cannot take uploads"))


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error codes (all share the ErrorOut shape)."""
    return {code: {"model": ErrorOut, "description": text} for code, text in _ERROR_TEXT if code in codes}


def _routes(app: FastAPI, store: UploadStore, extractions: Extractions, max_upload_bytes: int, workers: int) -> None:
    @app.post("/documents", status_code=202, response_model=Accepted, responses=_errors(400, 401, 413, 415, 422))
    async def upload(request: Request, response: Response,
                     file: UploadFile = File(..., description="the report: PDF, DOCX, HTML, Markdown or text")
                     ) -> Accepted:
        data = await file.read()
        filename = file.filename or "upload"
        if len(data) > max_upload_bytes:
            raise errors.TooLarge(too_large_message(max_upload_bytes))
        if not data.strip():
            raise errors.EmptyInput("the upload is empty")
        fmt = await run_in_threadpool(accepted_format, data, filename)  # or formats.Unacceptable: 415
        doc_id = hashlib.sha256(data).hexdigest()
        await run_in_threadpool(store.save, doc_id, data, filename, fmt)
        extractions.submit(doc_id)
        meta = store.meta(doc_id) or {}
        state = _state(store, doc_id)
        response.headers["Location"] = str(request.url_for("get_document", doc_id=doc_id))
        if state != "done":  # poll again in about as long as the documents ahead of it take
            response.headers["Retry-After"] = str(1 + extractions.ahead(doc_id) // max(1, workers))
        return Accepted(id=doc_id, status=state, filename=meta.get("filename", filename),
                        format=meta.get("format", fmt))

    @app.get("/documents/{doc_id}", response_model=DocumentOut, response_model_exclude_none=True,
             responses=_errors(401, 404, 422))
    async def get_document(doc_id: str) -> DocumentOut:
        meta = store.meta(doc_id)
        if meta is None:
            raise _not_found(doc_id)
        result = await run_in_threadpool(store.result, doc_id) if store.is_done(doc_id) else None
        return DocumentOut(id=doc_id, filename=meta["filename"], format=meta["format"], size=meta["size"],
                           received=_time(meta["received"]), **_progress(store, extractions, doc_id),
                           result_status=result["status"] if result else None,
                           result=Result.model_validate(result) if result else None)

    @app.get("/documents/{doc_id}/flat", responses=_errors(401, 404, 409, 422))
    async def get_flat(doc_id: str) -> dict[str, Any]:
        if store.meta(doc_id) is None:
            raise _not_found(doc_id)
        result = store.result(doc_id) if store.is_done(doc_id) else None
        if result is None:
            raise errors.NotReady(f"still being extracted: poll GET /documents/{doc_id}")
        return flat(Result.model_validate(result))

    @app.delete("/documents/{doc_id}", status_code=204, response_class=Response, responses=_errors(401, 404, 409, 422))
    async def delete_document(doc_id: str) -> Response:
        """Remove the upload and its result (a copy queued for review stays in the review store)."""
        if store.meta(doc_id) is None:
            raise _not_found(doc_id)
        if extractions.pending(doc_id):
            raise errors.NotReady(f"still being extracted: delete it once GET /documents/{doc_id} says done")
        await run_in_threadpool(store.delete, doc_id)
        return Response(status_code=204)

    @app.get("/documents", response_model=DocumentList, response_model_exclude_none=True,
             responses=_errors(401, 422))
    async def list_documents(
        status: ListStatus | None = Query(None, description="pending, running, done, or a result status"),
        org: str | None = Query(None, description="part of the reporting body's name"),
        year: int | None = Query(None, description="the report year"),
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0),
    ) -> DocumentList:
        rows = await run_in_threadpool(_listing, store, status, org, year)
        return DocumentList(total=len(rows), documents=rows[offset:offset + limit])

    @app.get("/health", response_model=Health, responses=_errors(503))
    async def health() -> Health:
        """Whether the service can take uploads (its data folder is writable); needs no token."""
        if not os.access(store.folder, os.W_OK):
            raise errors.OutputUnwritable("the service cannot store uploads: its data folder is not writable")
        return Health(status="ok")


def _docs(app: FastAPI) -> None:
    """Swagger UI from the swagger-ui-bundle-v2 package, served here: the page works offline."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(openapi_url=root + (app.openapi_url or "/openapi.json"), title=app.title + " — API",
                                   swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon-32x32.png")


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _state(store: UploadStore, doc_id: str) -> State:
    if store.is_done(doc_id):
        return "done"
    return "running" if store.started(doc_id) is not None else "pending"


def _progress(store: UploadStore, extractions: Extractions, doc_id: str) -> dict[str, Any]:
    """status, and how far along: documents ahead (pending), time so far (running), end (done)."""
    state = _state(store, doc_id)
    if state == "done":
        finished = (store.brief(doc_id) or {}).get("finished")
        return {"status": state, "finished": _time(finished) if finished else None}
    started = store.started(doc_id)
    if state == "running" and started is not None:
        now = datetime.now(UTC)
        return {"status": state, "started": _time(started),
                "running_seconds": round(max(0.0, now.timestamp() - started), 1)}
    return {"status": state, "waiting_before": extractions.ahead(doc_id)}


def _not_found(doc_id: str) -> errors.NotFound:
    shown = doc_id if len(doc_id) <= 80 else doc_id[:80] + "…"
    return errors.NotFound(f"no document with id {shown!r}")


def _listing(store: UploadStore, status: str | None, org: str | None, year: int | None) -> list[Listed]:
    """Newest first. Reads the small per-document files; a store of many thousands of documents
    would want an index table instead."""
    wanted_org = normalise_org(org) if org else None
    rows: list[Listed] = []
    for doc_id in store.ids():
        meta, brief = store.meta(doc_id), store.brief(doc_id) or {}
        if meta is None:
            continue
        row = Listed(id=doc_id, status=_state(store, doc_id), filename=meta["filename"],
                     received=_time(meta["received"]), result_status=brief.get("status"),
                     org=brief.get("org"), year=brief.get("year"))
        if _matches(row, status, wanted_org, year):
            rows.append(row)
    rows.sort(key=lambda r: (-r.received.timestamp(), r.id))
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


def mount_review(app: FastAPI, db: Path, settings: Settings) -> bool:
    """Mount the review UI (``extractor.review.web``) under /review; False when it cannot be. It gets
    the service's settings, so its session secret and Secure cookie follow the same configuration as
    ``extractor review serve``."""
    try:
        from ..batch.review import open_store
        from ..review import web  # type: ignore[attr-defined]

        app.mount(REVIEW_PATH, web.create_app(open_store(db), settings=settings))
    except Exception as exc:  # an optional part: the API works without it, and says why in the log
        log.warning("review UI not mounted: %s", exc)
        return False
    return True
