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

from .errors import send_error

CHALLENGES = ((b"www-authenticate", b'Bearer realm="extractor"'), (b"www-authenticate", b'Basic realm="extractor"'))


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
        await send_error(send, 401, "unauthorized",
                         "an API token is required: send the header 'Authorization: Bearer <token>'",
                         headers=CHALLENGES)

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
