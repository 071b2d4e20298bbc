"""Signing reviewers in and out: server-side sessions, the CSRF token, the sign-in throttle.

The session cookie (signed by Starlette's SessionMiddleware) holds a random session id and the
CSRF token; the store holds the id's hash, its reviewer and its expiry. A request is signed in only
while that row exists, so signing out, setting a new password and removing the reviewer end the
session at once, whatever copies of the cookie are around. API clients send a reviewer's bearer
token instead (no cookie, no CSRF token).

A failed sign-in costs the same whether the name exists or not (``auth.verify_password``) and is
counted per name and per address; over the ``Throttle``'s limits the answer is 429 with a
Retry-After, without looking at the password.
"""
from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .auth import Throttle, dummy_hash, token_hash, verify_password
from .store import ReviewStore

SESSION_SECONDS = 12 * 3600
MAX_NAME = 100  # longer names are not stored (they cannot exist), but cost the same to try

Page = Callable[..., Response]
Reviewer = Callable[[Request], Awaitable[str | None]]


class SignIn:
    def __init__(self, store: ReviewStore, page: Page, throttle: Throttle) -> None:
        self.store = store
        self.page = page  # renders a template (ReviewUI.page)
        self.throttle = throttle
        dummy_hash()  # made now, not on the first unknown name (whose sign-in would take twice as long)

    @staticmethod
    def reviewer_of(store: ReviewStore) -> Reviewer:
        """``await reviewer(request)``: the signed-in reviewer's name, or None."""

        async def reviewer(request: Request) -> str | None:
            token = bearer(request)
            if token:
                return await run_in_threadpool(store.token_user, token_hash(token))
            sid = request.session.get("sid")
            if not isinstance(sid, str):
                return None
            user = await run_in_threadpool(store.session_user, token_hash(sid))
            if user is None:
                request.session.pop("sid", None)  # ended elsewhere: the cookie is worthless now
            return user

        return reviewer

    async def form(self, request: Request) -> Response:
        next_url = safe_next(request.query_params.get("next"), base_of(request))
        return self.page(request, "login.html", {"error": None, "next": next_url})

    async def login(self, request: Request) -> Response:
        form = await request.form()
        base = base_of(request)
        if not csrf_ok(request, str(form.get("csrf", ""))):
            return self.page(request, "login.html", {"error": "Your sign-in form expired; try again.",
                                                     "next": safe_next(None, base)}, status=403)
        username, password = str(form.get("username", ""))[:MAX_NAME + 1], str(form.get("password", ""))
        next_url = safe_next(str(form.get("next", "")), base)
        address = request.client.host if request.client else "unknown"
        wait = await run_in_threadpool(self._wait, username, address)
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            response = self.page(request, "login.html", {
                "error": f"Too many failed sign-ins. Try again in {minutes} minute{'s' * (minutes > 1)}.",
                "next": next_url}, status=429)
            response.headers["retry-after"] = str(math.ceil(wait))
            return response
        if not await run_in_threadpool(self._check, username, password):
            await run_in_threadpool(self.store.record_failure, username, address)
            return self.page(request, "login.html", {"error": "Unknown user name or wrong password.",
                                                     "next": next_url}, status=401)
        await run_in_threadpool(self.store.clear_failures, username)
        sid = secrets.token_urlsafe(32)
        await run_in_threadpool(self.store.start_session, username, token_hash(sid), SESSION_SECONDS)
        request.session.clear()  # a fresh session on sign-in: no fixation
        request.session.update({"sid": sid, "csrf": secrets.token_urlsafe(32)})
        return RedirectResponse(next_url, status_code=303)

    async def logout(self, request: Request) -> Response:
        form = await request.form()
        if csrf_ok(request, str(form.get("csrf", ""))):
            sid = request.session.get("sid")
            if isinstance(sid, str):
                user = await run_in_threadpool(self.store.session_user, token_hash(sid))
                await run_in_threadpool(self.store.end_session, token_hash(sid))
                if user is not None:
                    await run_in_threadpool(self.store.release_all, user)  # others may take their documents
            request.session.clear()
        return RedirectResponse(f"{base_of(request)}/login", status_code=303)

    def _wait(self, username: str, address: str) -> float:
        by_user, by_address = self.store.recent_failures(username, address, self.throttle.window)
        return self.throttle.wait(by_user, by_address, self.store.now())

    def _check(self, username: str, password: str) -> bool:
        # the lookup and the scrypt run for every name, known or not (one scrypt either way)
        stored = self.store.password_hash(username) if len(username) <= MAX_NAME else None
        return verify_password(password, stored)


# ---- request helpers -----------------------------------------------------------------------------

def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, supplied: str) -> bool:
    expected = request.session.get("csrf")
    return isinstance(expected, str) and bool(supplied) and hmac.compare_digest(expected, supplied)


def base_of(request: Request) -> str:
    """The prefix the app is mounted under ("" when served on its own); every URL we produce starts
    with it. A Mount (or uvicorn's --root-path) sets ``root_path``."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def to_login(request: Request) -> Response:
    # request.url.path is the full path, prefix included, so it is a valid ``next`` as it stands
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{base_of(request)}/login?next={quote(target, safe='')}", status_code=303)


def safe_next(target: str | None, base: str) -> str:
    """Only paths inside this app (under ``base``), else the queue: an open redirect after sign-in
    is a phishing aid, and a path elsewhere on the host is not ours to send a reviewer to."""
    home = f"{base}/"
    if not target or not target.startswith(home) or target.startswith("//") or "\\" in target:
        return home
    return target


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None

