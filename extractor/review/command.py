"""``extractor review add|serve|export|user``: the review queue from the command line.

    extractor review add FILE... [--db PATH]          extract each file and queue it for review
    extractor review serve [--db PATH] [--host H] [--port P]
    extractor review export --out DIR [--format json|csv] [--as-gold] [--db PATH]
    extractor review user add NAME [--password-stdin | --token] [--db PATH]

The store is ``--db``, else ``EXTRACTOR_DB_PATH``, else ``review.sqlite`` in the working directory.
"""
from __future__ import annotations

import argparse
import functools
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StoreError
from ..settings import Settings

DEFAULT_DB = Path("review.sqlite")
if TYPE_CHECKING:
    from .store import SQLiteStore

Runner = Callable[[argparse.Namespace, Settings], int]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="the review queue: add documents, serve the UI, export, manage users")
    commands = p.add_subparsers(dest="review_command", required=True)
    for add_parser in (_add_parser, _serve_parser, _export_parser, _user_parser):
        add_parser(commands)


def _add_parser(commands: argparse._SubParsersAction) -> None:
    from ..cli import add_llm_flags

    add = commands.add_parser("add", help="extract files and queue them for review")
    add.add_argument("files", nargs="+", type=Path)
    _db_flag(add)
    add_llm_flags(add)
    add.set_defaults(run=run_add)


def _serve_parser(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="serve the review web UI")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    _db_flag(serve)
    serve.set_defaults(run=run_serve)


def _export_parser(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="write the reviewed reports")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--format", choices=["json", "csv"], default="json")
    export.add_argument("--as-gold", action="store_true",
                        help="write <document>.gold.json files with the document beside each (for extractor eval)")
    _db_flag(export)
    export.set_defaults(run=run_export)


def _user_parser(commands: argparse._SubParsersAction) -> None:
    user = commands.add_parser("user", help="manage reviewers")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    user_add = user_commands.add_parser("add", help="create a reviewer or set a new password")
    user_add.add_argument("name")
    how = user_add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    how.add_argument("--token", action="store_true", help="print a new API token for the reviewer instead")
    _db_flag(user_add)
    user_add.set_defaults(run=run_user_add)


def _db_flag(p: argparse.ArgumentParser) -> None:
    # dest db_path: cli.settings_from copies it into Settings.db_path (env EXTRACTOR_DB_PATH otherwise)
    p.add_argument("--db", dest="db_path", type=Path, help=f"the review store (default {DEFAULT_DB})")


def _reported(run: Runner) -> Runner:
    """A store refusal is a message and exit code 1, never a traceback."""

    @functools.wraps(run)
    def wrapper(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return run(args, settings)
        except StoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1

    return wrapper


def _store(settings: Settings) -> SQLiteStore:
    from .store import SQLiteStore

    return SQLiteStore(settings.db_path or DEFAULT_DB)


@_reported
def run_add(args: argparse.Namespace, settings: Settings) -> int:
    from ..pipeline import Extractor
    from .queue import enqueue

    store = _store(settings)
    extractor = Extractor.from_settings(settings)
    for path in args.files:
        result = extractor.extract(path)
        try:
            document_id, added = enqueue(store, result)
        except StoreError as exc:
            print(f"skipped  {path}: {exc}", file=sys.stderr)
            continue
        open_items = sum(1 for i in store.items(document_id) if i.status == "open")
        state = "added  " if added else "present"
        print(f"{state}  #{document_id} {path} ({result.status}, {open_items} open items)")
    return 0


@_reported
def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .web import create_app

    app = create_app(_store(settings), getattr(settings, "review_secret", None))
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


@_reported
def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from .export import export_csv, export_gold, export_json

    store = _store(settings)
    if args.as_gold:
        paths = export_gold(store, args.out)
    elif args.format == "csv":
        paths = [export_csv(store, args.out)]
    else:
        paths = export_json(store, args.out)
    print(f"wrote {len(paths)} file(s) to {args.out}")
    return 0


@_reported
def run_user_add(args: argparse.Namespace, settings: Settings) -> int:
    from .auth import hash_password, new_token, token_hash

    store = _store(settings)
    if args.token:
        store.add_reviewer(args.name, None)
        token = new_token()
        store.add_token(args.name, token_hash(token))
        print(token)  # shown once: only its hash is stored
        return 0
    try:
        password = _password(args.password_stdin)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store.add_reviewer(args.name, hash_password(password))
    print(f"reviewer {args.name} saved", file=sys.stderr)
    return 0


def _password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise StoreError("the passwords differ")
    if len(password) < 8:
        raise StoreError("a password needs at least 8 characters")
    return password
