"""``extractor serve [--host H] [--port P] [--token T | EXTRACTOR_API_TOKEN] [--data DIR] [--secure-cookies]``."""
from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path

from ..settings import MB, Settings

TOKEN_ENV = "EXTRACTOR_API_TOKEN"
MIN_TOKEN_CHARS = 16  # a token shorter than this is guessable; secrets.token_urlsafe(24) gives 32


def register(sub: argparse._SubParsersAction) -> None:
    from ..cli import add_llm_flags, add_secure_cookies_flag

    p = sub.add_parser("serve", help="run the HTTP service (upload → extract → fetch; OpenAPI docs at /docs)",
                       description="Serve the extractor over HTTP. Every API request needs the API token "
                                   "(Authorization: Bearer <token>); the review UI under /review signs "
                                   "reviewers in with their own accounts.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--token", help=f"the API token (prefer the {TOKEN_ENV} environment variable: "
                                   "a command line is visible to other users)")
    p.add_argument("--data", type=Path, default=Path("extractor-data"), metavar="DIR",
                   help="where uploads and results are kept (default ./extractor-data)")
    p.add_argument("--max-upload-mb", type=float, help="largest accepted upload in MB "
                   "(default: EXTRACTOR_MAX_UPLOAD_BYTES, else 50)")
    p.add_argument("--workers", type=int, default=2, help="extraction worker processes (default 2)")
    p.add_argument("--db", dest="db_path", type=Path, metavar="PATH",
                   help="review store (default: EXTRACTOR_DB_PATH, else DIR/review.sqlite)")
    add_secure_cookies_flag(p)
    add_llm_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    token = args.token or os.environ.get(TOKEN_ENV, "")
    if not token:
        print(f"extractor serve: an API token is required: --token or {TOKEN_ENV}", file=sys.stderr)
        return 2
    if args.workers < 1 or (args.max_upload_mb is not None and args.max_upload_mb <= 0):
        print("extractor serve: --workers and --max-upload-mb must be positive", file=sys.stderr)
        return 2
    if args.max_upload_mb is not None:
        settings = settings.with_(max_upload_bytes=int(args.max_upload_mb * MB))
    for warning in startup_warnings(args.host, token, secure_cookies=settings.review_secure_cookies):
        print(f"extractor serve: warning: {warning}", file=sys.stderr)
    import uvicorn

    from .app import create_app

    app = create_app(settings, args.data, token, workers=args.workers)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def startup_warnings(host: str, token: str, *, secure_cookies: bool = False) -> list[str]:
    """What an operator should know before the service listens: it is reachable from other
    machines, or its token is guessable."""
    warnings = []
    if not _loopback(host):
        advice = "" if secure_cookies else " (and pass --secure-cookies)"
        warnings.append(f"listening on {host}: the API and the review UI are reachable from other machines, "
                        "over plain HTTP (the token and reviewers' passwords travel unencrypted); put a TLS "
                        f"proxy in front{advice}, or listen on 127.0.0.1")
    if len(token) < MIN_TOKEN_CHARS:
        warnings.append(f"the API token has {len(token)} characters: anyone who can reach the service can guess "
                        f"it. Use at least {MIN_TOKEN_CHARS} random characters, e.g. "
                        "python3 -c 'import secrets; print(secrets.token_urlsafe(24))'")
    return warnings


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: whatever it resolves to, assume it is reachable
