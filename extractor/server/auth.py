"""Every request needs the API token: ``Authorization: Bearer <token>`` (or HTTP Basic with the token
as password, so that a browser can open the docs: it prompts once and then sends the credentials by
itself). The one exception is a path under an ``exempt`` prefix: an app mounted there that signs
its users in itself (the review UI).

A plain ASGI middleware wrapping the whole application, mounted apps included, so no route can be
added without it. Tokens are compared in constant time.
"""
from __future__ import annotations

import base64
import binascii
import hmac

from .. import errors
from .errors import send_error

CHALLENGES = ((b"www-authenticate", b'Bearer realm="extractor"'), (b"www-authenticate", b'Basic realm="extractor"'))
HOWTO_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>API token needed</title></head>
<body><h1>This service needs its API token</h1>
<p>In a browser: reload this page; when it asks for a user name and password, give any user name and the
API token as the password.</p>
<p>From a program: send the header <code>Authorization: Bearer &lt;token&gt;</code> with every request.</p>
<p>The token is the one the service was started with (<code>extractor serve --token</code> or the
<code>EXTRACTOR_API_TOKEN</code> variable).</p>
</body></html>
"""


class TokenAuth:
    def __init__(self, app, token: str, exempt: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
        """``exempt``: path prefixes (e.g. "/review") served without the token, they and everything under them."""
        if not token:
            raise ValueError("an API token is required")
        self.app = app
        self._token = token.encode()
        self._exempt = tuple(prefix.rstrip("/") for prefix in exempt)

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] not in ("http", "websocket") or self._is_exempt(scope) or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if _wants_html(scope):  # a browser: what it shows when the person cancels its password prompt
            await send_page(send, 401, HOWTO_PAGE, CHALLENGES)
            return
        await send_error(send, errors.Unauthorized("an API token is required: send the header "
                                                   "'Authorization: Bearer <token>'"), headers=CHALLENGES)

    def _is_exempt(self, scope) -> bool:  # type: ignore[no-untyped-def]
        path = route_path(scope)
        # "/review" itself too (the router redirects it to "/review/"), but not "/reviewer"
        return any(path == prefix or path.startswith(prefix + "/") for prefix in self._exempt)

    def _allowed(self, scope) -> bool:  # type: ignore[no-untyped-def]
        header = dict(scope.get("headers") or []).get(b"authorization", b"")
        offered = presented_token(header)
        return offered is not None and hmac.compare_digest(offered, self._token)


def route_path(scope) -> str:  # type: ignore[no-untyped-def]
    """The path the router matches routes on: the request path without the app's own ``root_path``
    (set by uvicorn's --root-path behind a proxy), so that the exemption follows the routing."""
    path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
    return path[len(root):] if root and path.startswith(root + "/") else path


def presented_token(header: bytes) -> bytes | None:
    scheme, _, value = header.strip().partition(b" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == b"bearer" and value:
        return value
    if scheme == b"basic" and value:
        try:
            _, _, password = base64.b64decode(value, validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return None
        return password or None
    return None


def _wants_html(scope) -> bool:  # type: ignore[no-untyped-def]
    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    return scope["type"] == "http" and b"text/html" in accept


async def send_page(send, status: int, body: bytes, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:  # type: ignore[no-untyped-def]
    raw = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
