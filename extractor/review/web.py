"""The reviewer's web UI: server-rendered pages (Starlette + Jinja2), a small script, no build step.

Safety rules this module keeps: Jinja autoescapes every template and document text only ever
enters a template as a variable (never as template source, never through ``|safe``); the page
script writes document text with ``textContent``; a Content-Security-Policy allows only our own
script and styles, so injected markup could not run even if it slipped through. Every write needs
a signed-in reviewer (session or API token) and, for sessions, the CSRF token. Sessions live in the
store (``signin``), so signing out, a new password or removing the reviewer ends them. Ids in paths
and bodies are checked at the boundary: anything but a positive 63-bit integer is "not found".

The app may be mounted under a prefix (the HTTP service serves it at /review): every URL it produces,
in pages, in the script and in redirects, starts with the request's ``root_path`` (``_base``), so
nothing escapes the mount. Served on its own the prefix is empty and the URLs are root-absolute.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import CorruptInput, StoreError
from ..settings import Settings
from . import queue as review
from .auth import Throttle
from .grids import grids, where_data
from .groups import group_of_key, groups_of
from .pages import page_sizes, render_page
from .records import QueueFilter, QueueSort
from .signin import SESSION_SECONDS, SignIn, base_of, bearer, csrf_ok, csrf_token, to_login
from .source_view import BLOCK_FORMATS, source_view
from .stats import review_stats
from .store import ReviewStore
from .view import document_state, static_data

HERE = Path(__file__).parent
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
STATUSES = ("open", "skipped", "settled", "any")
SORTS = get_args(QueueSort)
MAX_ID = 2**63 - 1  # SQLite's integer range: a larger id cannot exist, and would overflow the driver
_ID = re.compile(r"[1-9][0-9]{0,18}")


def create_app(store: ReviewStore, secret: str | None = None, *, settings: Settings | None = None,
               throttle: Throttle | None = None) -> Starlette:
    """The ASGI app over ``store``. The session secret is ``secret``, else ``settings.review_secret``,
    else the one kept in the store; ``settings.review_secure_cookies`` marks the session cookie Secure
    (serve over TLS, or behind a TLS proxy). Both come from the settings so that the standalone UI
    (``review serve``) and the one the API mounts under /review behave alike."""
    settings = settings or Settings()
    ui = ReviewUI(store, settings)
    signin = SignIn(store, ui.page, throttle or Throttle())
    api = ReviewAPI(store)
    routes = [
        Route("/login", signin.form, methods=["GET"]),
        Route("/login", signin.login, methods=["POST"]),
        Route("/logout", signin.logout, methods=["POST"]),
        Route("/", ui.queue, methods=["GET"]),
        Route("/next", ui.next_document, methods=["GET"]),
        Route("/doc/{document_id}", ui.document, methods=["GET"]),
        Route("/doc/{document_id}/page/{page}.png", ui.page_image, methods=["GET"]),
        Route("/api/doc/{document_id}/state", api.state, methods=["GET"]),
        Route("/api/doc/{document_id}/correct", api.correct, methods=["POST"]),
        Route("/api/doc/{document_id}/source-error", api.source_error, methods=["POST"]),
        Route("/api/doc/{document_id}/accept", api.accept, methods=["POST"]),
        Route("/api/doc/{document_id}/skip", api.skip, methods=["POST"]),
        Route("/api/doc/{document_id}/lease", api.lease, methods=["POST"]),
        Route("/api/doc/{document_id}/release", api.release, methods=["POST"]),
        Route("/api/items/{item_id}/accept", api.accept_item, methods=["POST"]),
        Route("/api/items/{item_id}/skip", api.skip_item, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=secret or settings.review_secret or store.secret(),
                   session_cookie="review_session", max_age=SESSION_SECONDS, same_site="strict",
                   https_only=settings.review_secure_cookies),
    ]
    return Starlette(routes=routes, middleware=middleware)


def public_host_warning(host: str, secure_cookies: bool) -> str | None:
    """What to tell an operator who serves the UI beyond this machine (None for loopback)."""
    if host in ("127.0.0.1", "localhost", "::1") or host.startswith("127."):
        return None
    advice = "" if secure_cookies else " and pass --secure-cookies"
    return (f"warning: serving the review UI on {host} makes it reachable from other machines; put it "
            f"behind TLS (a reverse proxy){advice}, or use --host 127.0.0.1")


def template_env() -> jinja2.Environment:
    # autoescape=True for every template whatever its extension; undefined names fail loudly
    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class SecurityHeaders:
    """Adds the CSP and friends to every response (pure ASGI: no body buffering)."""

    HEADERS = ((b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *self.HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


class ReviewUI:
    """The pages; the store they show is given, never global."""

    def __init__(self, store: ReviewStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.templates = Jinja2Templates(env=template_env())
        self.reviewer = SignIn.reviewer_of(store)

    def page(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        context = {"csrf": csrf_token(request), "user": None, "base": base_of(request), **context}
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    async def queue(self, request: Request) -> Response:
        user = await self.reviewer(request)
        if user is None:
            return to_login(request)
        filters = _filters(request)
        rows = await run_in_threadpool(self.store.queue, filters)
        rules = await run_in_threadpool(self.store.rules)
        everything = await run_in_threadpool(self.store.queue, QueueFilter("any"))
        stats = await run_in_threadpool(review_stats, self.store)
        totals = {"documents": len(rows), "matching": sum(r.matching for r in rows),
                  "open": sum(r.open for r in rows), "skipped": sum(r.skipped for r in rows),
                  "settled": sum(r.settled for r in rows)}
        return self.page(request, "queue.html", {
            "rows": rows, "filters": filters, "rules": rules,
            "formats": sorted({r.document.format for r in everything}),
            "statuses": STATUSES, "user": user, "totals": totals, "stats": stats,
            "empty": request.query_params.get("empty") == "1"})

    async def next_document(self, request: Request) -> Response:
        """The oldest open document nobody else holds ("start next", and where a finished document
        goes on to); the queue when there is none."""
        user = await self.reviewer(request)
        if user is None:
            return to_login(request)
        after = _id(request.query_params.get("after"))
        target = await run_in_threadpool(self.store.next_document, user, after)
        base = base_of(request)
        return RedirectResponse(f"{base}/doc/{target}" if target else f"{base}/?empty=1", status_code=303)

    async def document(self, request: Request) -> Response:
        user = await self.reviewer(request)
        if user is None:
            return to_login(request)
        document_id = _id(request.path_params["document_id"])
        try:
            if document_id is None:
                raise StoreError("no such document")
            context = await run_in_threadpool(self._document_context, document_id, user)
        except StoreError as exc:
            return self.page(request, "error.html", {"message": str(exc), "user": user}, status=404)
        return self.page(request, "document.html", context)

    def _document_context(self, document_id: int, user: str) -> dict[str, Any]:
        doc = self.store.document(document_id)
        version = self.store.current(document_id)
        items = self.store.items(document_id)
        state = document_state(self.store, document_id, user, version, items)
        result = version.result()
        report = result.report
        source = self.store.source(document_id)
        data = {"document": doc.id, "format": doc.format, **static_data(report, review.TEXT_KEYS)}
        pages = _pdf_pages(result)
        if pages:
            data["pageSizes"] = _sizes(source.data)
        return {
            "user": user, "doc": doc, "version": version, "result": result, "state": state, "data": data,
            "grids": grids(report, items) if report else [], "reasons": review.CORRECTION_REASONS,
            "lines": source.lines, "pages": pages,
            "view": source_view(source.data, doc.name, self.settings) if doc.format in BLOCK_FORMATS else None,
        }

    async def page_image(self, request: Request) -> Response:
        if await self.reviewer(request) is None:
            return Response("sign in first", status_code=401)
        document_id, page = _id(request.path_params["document_id"]), _id(request.path_params["page"])
        width = _id(request.query_params.get("width"))
        key = request.query_params.get("key")
        if document_id is None or page is None:
            return Response("no such page", status_code=404, media_type="text/plain")
        try:
            png = await run_in_threadpool(self._render, document_id, page, key, width)
        except (StoreError, CorruptInput) as exc:
            return Response(str(exc), status_code=404, media_type="text/plain")
        return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=300"})

    def _render(self, document_id: int, page: int, key: str | None, width: int | None) -> bytes:
        report = self.store.current(document_id).result().report
        where = where_data(report).get(key or "") if report else None
        bbox = tuple(where["bbox"]) if where and where.get("bbox") and where.get("page") == page else None
        return render_page(self.store.source(document_id).data, page, bbox, width)  # type: ignore[arg-type]


class ReviewAPI:
    """The JSON endpoints the page script calls. Each answers with the document's new state."""

    def __init__(self, store: ReviewStore) -> None:
        self.store = store
        self.reviewer = SignIn.reviewer_of(store)

    async def state(self, request: Request) -> Response:
        user = await self.reviewer(request)
        if user is None:
            return _refused("sign in first", 401)
        document_id = _id(request.path_params["document_id"])
        try:
            if document_id is None:
                raise StoreError("no such document")
            state = await run_in_threadpool(document_state, self.store, document_id, user)
        except StoreError as exc:
            return _refused(str(exc), 404)
        return JSONResponse({"ok": True, "state": state})

    async def correct(self, request: Request) -> Response:
        def run(user: str, document_id: int, body: dict[str, Any]) -> None:
            review.apply_correction(self.store, document_id, _str(body, "key"), body.get("value"), user,
                                    _int(body, "version"), str(body.get("reason") or "misread"), _note(body))

        return await self._action(request, run)

    async def source_error(self, request: Request) -> Response:
        def run(user: str, document_id: int, body: dict[str, Any]) -> None:
            review.mark_source_error(self.store, document_id, _str(body, "key"), user, _int(body, "version"),
                                     _note(body))

        return await self._action(request, run)

    async def accept(self, request: Request) -> Response:
        """``group``: accept the whole group; ``key``: accept that cell alone."""
        def run(user: str, document_id: int, body: dict[str, Any]) -> None:
            version = _int(body, "version")
            if body.get("group") is not None:
                review.accept_group(self.store, document_id, _str(body, "group"), user, version, _note(body))
            else:
                review.accept_cell(self.store, document_id, _str(body, "key"), user, version, _note(body))

        return await self._action(request, run)

    async def skip(self, request: Request) -> Response:
        """``group``: skip it; ``key``: skip the open group the cell belongs to."""
        def run(user: str, document_id: int, body: dict[str, Any]) -> None:
            version = _int(body, "version")
            group_id = body.get("group")
            if group_id is None:
                key = _str(body, "key")
                current = self.store.current(document_id).result()
                found = group_of_key(groups_of(current, self.store.items(document_id)), key)
                if found is None:
                    raise StoreError(f"nothing open involves {key}")
                group_id = found.id
            review.skip_group(self.store, document_id, str(group_id), user, version)

        return await self._action(request, run)

    async def lease(self, request: Request) -> Response:
        """The reviewer's first action on a document (starting an edit): hold it from now on."""
        def run(user: str, document_id: int, body: dict[str, Any]) -> None:
            review.take_lease(self.store, document_id, user)

        return await self._action(request, run)

    async def release(self, request: Request) -> Response:
        """The reviewer leaves the document (next document, closed tab): let others have it."""
        def run(user: str, document_id: int, body: dict[str, Any]) -> None:
            self.store.release(document_id, user)

        return await self._action(request, run)

    async def accept_item(self, request: Request) -> Response:
        def run(user: str, item_id: int, body: dict[str, Any]) -> None:
            review.accept(self.store, item_id, user, _note(body))

        return await self._action(request, run, "item_id")

    async def skip_item(self, request: Request) -> Response:
        def run(user: str, item_id: int, body: dict[str, Any]) -> None:
            review.skip(self.store, item_id, user)

        return await self._action(request, run, "item_id")

    async def _action(self, request: Request, run: Callable[[str, int, dict[str, Any]], None],
                      id_name: str = "document_id") -> Response:
        """Authenticate, check CSRF and the id, run ``run`` off the event loop, answer the new state."""
        user = await self.reviewer(request)
        if user is None:
            return _refused("sign in first", 401)
        if not bearer(request) and not csrf_ok(request, request.headers.get("x-csrf-token", "")):
            return _refused("missing or stale CSRF token: reload the page", 403)
        target = _id(request.path_params[id_name])
        if target is None:
            return _refused(f"no such {id_name.removesuffix('_id')}", 404)
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _refused("the request body is not JSON", 400)
        if not isinstance(body, dict):
            return _refused("the request body must be a JSON object", 400)

        try:
            document_id = await run_in_threadpool(self._document_of, target, id_name)
        except StoreError as exc:
            return _refused(str(exc), 404)

        def act() -> dict[str, Any]:
            run(user, target, body)
            return document_state(self.store, document_id, user)

        try:
            state = await run_in_threadpool(act)
        except ValueError as exc:
            return _refused(str(exc), 400)
        except StoreError as exc:  # includes LeaseConflict: both are "refused, here is why"
            # the page then shows what changed meanwhile and who holds the document
            return _refused(str(exc), 409, await run_in_threadpool(self._state_or_none, document_id, user))
        return JSONResponse({"ok": True, "state": state})

    def _document_of(self, target: int, id_name: str) -> int:
        """The document an action is on; ``StoreError`` (answered 404) when it does not exist."""
        document_id = target if id_name == "document_id" else self.store.item(target).document_id
        self.store.document(document_id)
        return document_id

    def _state_or_none(self, document_id: int, user: str) -> dict[str, Any] | None:
        try:
            return document_state(self.store, document_id, user)
        except StoreError:
            return None  # the store itself is failing: the refusal's message says why


# ---- request helpers (pure functions of the request) ---------------------------------------------

def _id(text: Any) -> int | None:
    """A positive id that fits SQLite's integers, else None (which every caller answers with 404)."""
    if not isinstance(text, str) or not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def _refused(message: str, status: int, state: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error": message}
    if state is not None:
        body["state"] = state
    return JSONResponse(body, status_code=status)


def _filters(request: Request) -> QueueFilter:
    q = request.query_params
    status = q.get("status", "open")
    year = _id(q.get("year", "").strip())
    sort = q.get("sort", "added")
    return QueueFilter(status=status if status in STATUSES else "open",  # type: ignore[arg-type]
                       org=q.get("org", "").strip()[:200] or None, year=year if year and year < 10_000 else None,
                       rule=q.get("rule", "")[:200] or None, format=q.get("format", "")[:20] or None,
                       sort=sort if sort in SORTS else "added", descending=q.get("desc") == "1")  # type: ignore[arg-type]


def _str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise ValueError(f"'{name}' is missing or not a short text")
    return value


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
        raise ValueError(f"'{name}' must be a positive whole number")
    return value


def _note(body: dict[str, Any]) -> str | None:
    note = body.get("note")
    if not isinstance(note, str):
        return None
    return note.strip()[:2000] or None


def _sizes(pdf: bytes) -> list[tuple[float, float]]:
    try:
        return page_sizes(pdf)
    except CorruptInput:
        return []  # the view still works; boxes are just not scrolled into view


def _pdf_pages(result: Any) -> int:
    source = result.source
    return int(source.pages or 0) if source is not None and source.format == "pdf" else 0
