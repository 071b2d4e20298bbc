"""The reviewer's web UI: server-rendered pages (Starlette + Jinja2), a small script, no build step.

Safety rules this module keeps: Jinja autoescapes every template and document text only ever
enters a template as a variable (never as template source, never through ``|safe``); the page
script writes document text with ``textContent``; a Content-Security-Policy allows only our own
script and styles, so injected markup could not run even if it slipped through. Every write needs
a signed-in reviewer (session cookie or API token) and, for cookie sessions, the CSRF token.

The app may be mounted under a prefix (the HTTP service serves it at /review): every URL it produces,
in pages, in the script and in redirects, starts with the request's ``root_path`` (``_base``), so
nothing escapes the mount. Served on its own the prefix is empty and the URLs are root-absolute.
"""
from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

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
from . import queue as review
from .auth import token_hash, verify_password
from .grids import EQUATION_RULES, detail_data, equation_data, grids, labels, value_data, where_data
from .pages import page_sizes, render_page
from .records import ItemRecord, QueueFilter
from .store import ReviewStore

HERE = Path(__file__).parent
SESSION_SECONDS = 12 * 3600
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
STATUSES = ("open", "skipped", "settled", "any")


def create_app(store: ReviewStore, secret: str | None = None) -> Starlette:
    """The ASGI app over ``store``; the session secret defaults to the one kept in the store."""
    ui = ReviewUI(store)
    routes = [
        Route("/login", ui.login_form, methods=["GET"]),
        Route("/login", ui.login, methods=["POST"]),
        Route("/logout", ui.logout, methods=["POST"]),
        Route("/", ui.queue, methods=["GET"]),
        Route("/doc/{document_id:int}", ui.document, methods=["GET"]),
        Route("/doc/{document_id:int}/page/{page:int}.png", ui.page_image, methods=["GET"]),
        Route("/api/doc/{document_id:int}/correct", ui.correct, methods=["POST"]),
        Route("/api/doc/{document_id:int}/source-error", ui.source_error, methods=["POST"]),
        Route("/api/doc/{document_id:int}/skip", ui.skip_cell, methods=["POST"]),
        Route("/api/items/{item_id:int}/accept", ui.accept, methods=["POST"]),
        Route("/api/items/{item_id:int}/skip", ui.skip_item, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=secret or store.secret(), session_cookie="review_session",
                   max_age=SESSION_SECONDS, same_site="strict"),
    ]
    return Starlette(routes=routes, middleware=middleware)


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
    """The request handlers; the store they work on is given, never global."""

    def __init__(self, store: ReviewStore) -> None:
        self.store = store
        self.templates = Jinja2Templates(env=template_env())

    # ---- sign-in ------------------------------------------------------------------------------

    async def login_form(self, request: Request) -> Response:
        next_url = _safe_next(request.query_params.get("next"), _base(request))
        return self._page(request, "login.html", {"error": None, "next": next_url})

    async def login(self, request: Request) -> Response:
        form = await request.form()
        base = _base(request)
        if not _csrf_ok(request, str(form.get("csrf", ""))):
            return self._page(request, "login.html", {"error": "Your sign-in form expired; try again.",
                                                      "next": _safe_next(None, base)}, status=403)
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        next_url = _safe_next(str(form.get("next", "")), base)
        stored = await run_in_threadpool(self.store.password_hash, username)
        if not await run_in_threadpool(verify_password, password, stored):
            return self._page(request, "login.html", {"error": "Unknown user name or wrong password.",
                                                      "next": next_url}, status=401)
        request.session.clear()  # a fresh session on sign-in: no fixation
        request.session.update({"user": username, "csrf": secrets.token_urlsafe(32)})
        return RedirectResponse(next_url, status_code=303)

    async def logout(self, request: Request) -> Response:
        form = await request.form()
        if _csrf_ok(request, str(form.get("csrf", ""))):
            request.session.clear()
        return RedirectResponse(f"{_base(request)}/login", status_code=303)

    # ---- pages --------------------------------------------------------------------------------

    async def queue(self, request: Request) -> Response:
        user = await self._reviewer(request)
        if user is None:
            return _to_login(request)
        filters = _filters(request)
        rows = await run_in_threadpool(self.store.queue, filters)
        rules = await run_in_threadpool(self.store.rules)
        formats = sorted({r.document.format for r in await run_in_threadpool(self.store.queue, QueueFilter("any"))})
        return self._page(request, "queue.html", {"rows": rows, "filters": filters, "rules": rules,
                                                  "formats": formats, "statuses": STATUSES, "user": user})

    async def document(self, request: Request) -> Response:
        user = await self._reviewer(request)
        if user is None:
            return _to_login(request)
        document_id = request.path_params["document_id"]
        try:
            context = await run_in_threadpool(self._document_context, document_id, user)
        except StoreError as exc:
            return self._page(request, "error.html", {"message": str(exc), "user": user}, status=404)
        return self._page(request, "document.html", context)

    def _document_context(self, document_id: int, user: str) -> dict[str, Any]:
        doc = self.store.document(document_id)
        held_by_others = review.lease_document(self.store, document_id, user)
        version = self.store.current(document_id)
        result = version.result()
        report = result.report
        items = sorted(self.store.items(document_id), key=_review_order)
        source = self.store.source(document_id)
        data = _page_data(doc.id, version.number, doc.format, report, items) if report else {}
        if report and doc.format == "pdf":
            data["pageSizes"] = _sizes(source.data)
        return {
            "user": user, "doc": doc, "version": version, "result": result,
            "grids": grids(report, items) if report else [],
            "items": items, "open_items": [i for i in items if i.status != "settled"],
            "labels": labels(report) if report else {},
            "corrections": list(reversed(self.store.corrections(document_id))),
            "lines": source.lines, "pages": _pdf_pages(result), "held_by": sorted({i.lease_holder for i in
                                                                                   held_by_others}),
            "next_id": _next_document(self.store, document_id), "reasons": review.CORRECTION_REASONS,
            "data": data,
        }

    async def page_image(self, request: Request) -> Response:
        if await self._reviewer(request) is None:
            return Response("sign in first", status_code=401)
        document_id, page = request.path_params["document_id"], request.path_params["page"]
        key = request.query_params.get("key")
        try:
            png = await run_in_threadpool(self._render, document_id, page, key)
        except (StoreError, CorruptInput) as exc:
            return Response(str(exc), status_code=404, media_type="text/plain")
        return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=300"})

    def _render(self, document_id: int, page: int, key: str | None) -> bytes:
        report = self.store.current(document_id).result().report
        where = where_data(report).get(key or "") if report else None
        bbox = tuple(where["bbox"]) if where and where.get("bbox") and where.get("page") == page else None
        return render_page(self.store.source(document_id).data, page, bbox)  # type: ignore[arg-type]

    # ---- review actions (JSON; the page script calls them) ------------------------------------

    async def correct(self, request: Request) -> Response:
        def run(user: str, body: dict[str, Any]) -> dict[str, Any]:
            version = review.apply_correction(
                self.store, request.path_params["document_id"], _str(body, "key"), body.get("value"), user,
                _int(body, "version"), str(body.get("reason") or "misread"), _note(body))
            return {"version": version}

        return await self._action(request, run)

    async def source_error(self, request: Request) -> Response:
        def run(user: str, body: dict[str, Any]) -> dict[str, Any]:
            version = review.mark_source_error(self.store, request.path_params["document_id"], _str(body, "key"),
                                               user, _int(body, "version"), _note(body))
            return {"version": version}

        return await self._action(request, run)

    async def skip_cell(self, request: Request) -> Response:
        def run(user: str, body: dict[str, Any]) -> dict[str, Any]:
            key = _str(body, "key")
            items = [i for i in self.store.items(request.path_params["document_id"])
                     if i.status == "open" and key in i.keys]
            if not items:
                raise StoreError(f"no open item involves {key}")
            for item in items:
                review.skip(self.store, item.id, user)
            return {"skipped": [i.id for i in items]}

        return await self._action(request, run)

    async def accept(self, request: Request) -> Response:
        def run(user: str, body: dict[str, Any]) -> dict[str, Any]:
            review.accept(self.store, request.path_params["item_id"], user, _note(body))
            return {"accepted": True}

        return await self._action(request, run)

    async def skip_item(self, request: Request) -> Response:
        def run(user: str, body: dict[str, Any]) -> dict[str, Any]:
            review.skip(self.store, request.path_params["item_id"], user)
            return {"skipped": True}

        return await self._action(request, run)

    async def _action(self, request: Request, run: Callable[[str, dict[str, Any]], dict[str, Any]]) -> Response:
        """Authenticate, check CSRF, run ``run`` off the event loop, answer JSON."""
        user = await self._reviewer(request)
        if user is None:
            return JSONResponse({"ok": False, "error": "sign in first"}, status_code=401)
        if not _bearer(request) and not _csrf_ok(request, request.headers.get("x-csrf-token", "")):
            return JSONResponse({"ok": False, "error": "missing or stale CSRF token: reload the page"},
                                status_code=403)
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return JSONResponse({"ok": False, "error": "the request body is not JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"ok": False, "error": "the request body must be a JSON object"}, status_code=400)
        try:
            answer = await run_in_threadpool(run, user, body)
        except StoreError as exc:  # includes LeaseConflict: both are "refused, here is why"
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=409)
        return JSONResponse({"ok": True, **answer})

    # ---- helpers --------------------------------------------------------------------------------

    async def _reviewer(self, request: Request) -> str | None:
        token = _bearer(request)
        if token:
            return await run_in_threadpool(self.store.token_user, token_hash(token))
        user = request.session.get("user")
        return user if isinstance(user, str) else None

    def _page(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        context = {"csrf": _csrf_token(request), "user": None, "base": _base(request), **context}
        return self.templates.TemplateResponse(request, name, context, status_code=status)


# ---- request helpers (pure functions of the request) ---------------------------------------------

def _csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def _csrf_ok(request: Request, supplied: str) -> bool:
    expected = request.session.get("csrf")
    return isinstance(expected, str) and bool(supplied) and hmac.compare_digest(expected, supplied)


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _base(request: Request) -> str:
    """The prefix the app is mounted under ("" when served on its own); every URL we produce starts
    with it. A Mount (or uvicorn's --root-path) sets ``root_path``."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _to_login(request: Request) -> Response:
    # request.url.path is the full path, prefix included, so it is a valid ``next`` as it stands
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{_base(request)}/login?next={quote(target, safe='')}", status_code=303)


def _safe_next(target: str | None, base: str) -> str:
    """Only paths inside this app (under ``base``), else the queue: an open redirect after sign-in
    is a phishing aid, and a path elsewhere on the host is not ours to send a reviewer to."""
    home = f"{base}/"
    if not target or not target.startswith(home) or target.startswith("//") or "\\" in target:
        return home
    return target


def _filters(request: Request) -> QueueFilter:
    q = request.query_params
    status = q.get("status", "open")
    year = q.get("year", "").strip()
    return QueueFilter(status=status if status in STATUSES else "open",  # type: ignore[arg-type]
                       org=q.get("org", "").strip() or None, year=int(year) if year.isdigit() else None,
                       rule=q.get("rule") or None, format=q.get("format") or None)


def _str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise StoreError(f"'{name}' is missing")
    return value


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise StoreError(f"'{name}' must be a whole number")
    return value


def _note(body: dict[str, Any]) -> str | None:
    note = body.get("note")
    if not isinstance(note, str):
        return None
    return note.strip()[:2000] or None


def _page_data(document_id: int, version: int, fmt: str, report: Any, items: list[ItemRecord]) -> dict[str, Any]:
    """What the page script needs, embedded as JSON (Jinja's tojson escapes it for a <script>)."""
    return {
        "document": document_id, "version": version, "format": fmt,
        "values": value_data(report), "labels": labels(report), "where": where_data(report),
        "details": detail_data(report), "textKeys": sorted(review.TEXT_KEYS),
        "equationRules": sorted(EQUATION_RULES),
        "equations": equation_data(report),
        "cellItems": {i.keys[0]: {"id": i.id, "status": i.status, "rule": i.rule} for i in items if i.kind == "cell"},
        "identityItems": [{"id": i.id, "keys": list(i.keys), "rule": i.rule, "status": i.status}
                          for i in items if i.kind == "identity"],
    }


def _review_order(item: ItemRecord) -> tuple[int, int, int]:
    """Open before skipped before settled; failing identities before single cells."""
    return ({"open": 0, "skipped": 1}.get(item.status, 2), 0 if item.kind == "identity" else 1, item.id)


def _sizes(pdf: bytes) -> list[tuple[float, float]]:
    try:
        return page_sizes(pdf)
    except CorruptInput:
        return []  # the view still works; boxes are just not scrolled into view


def _pdf_pages(result: Any) -> int:
    source = result.source
    return int(source.pages or 0) if source is not None and source.format == "pdf" else 0


def _next_document(store: ReviewStore, document_id: int) -> int | None:
    """The document after this one in queue order (wrapping), among those with open items."""
    ids = [row.document.id for row in store.queue(QueueFilter("open"))]
    if document_id in ids:
        ids = ids[ids.index(document_id) + 1:] + ids[:ids.index(document_id)]
    return ids[0] if ids else None
