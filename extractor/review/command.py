"""``extractor review add|serve|export|stats|verify|user``: the review queue from the command line.

    extractor review add FILE... [--db PATH]          extract each file and queue it for review
    extractor review serve [--db PATH] [--host H] [--port P] [--secure-cookies]
    extractor review export --out PATH [--format json|csv] [--as-gold [--include-open]] [--db PATH]
    extractor review stats [--db PATH]                 decisions and minutes per settled document
    extractor review verify [--anchor TABLE:ID:HASH]... [--db PATH]   check the audit log's hash chain
    extractor review user add NAME [--password-stdin | --token] [--db PATH]
    extractor review user remove NAME [--db PATH]      with their sessions, tokens and leases
    extractor review user token revoke NAME [--db PATH]

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
    for add_parser in (_add_parser, _serve_parser, _export_parser, _stats_parser, _verify_parser, _user_parser):
        add_parser(commands)


def _add_parser(commands: argparse._SubParsersAction) -> None:
    from ..cli import add_llm_flags

    add = commands.add_parser("add", help="extract files and queue them for review")
    add.add_argument("files", nargs="+", type=Path)
    _db_flag(add)
    add_llm_flags(add)
    add.set_defaults(run=run_add)


def _serve_parser(commands: argparse._SubParsersAction) -> None:
    from ..cli import add_secure_cookies_flag

    serve = commands.add_parser("serve", help="serve the review web UI")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    add_secure_cookies_flag(serve)
    _db_flag(serve)
    serve.set_defaults(run=run_serve)


def _export_parser(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="write the reviewed reports")
    export.add_argument("--out", type=Path, required=True,
                        help="a folder (json, gold), or the CSV file to write (csv; a folder gets reports.csv)")
    export.add_argument("--format", choices=["json", "csv"], default="json")
    export.add_argument("--as-gold", action="store_true",
                        help="write <document>.gold.json files with the document beside each (for extractor eval); "
                             "settled documents only")
    export.add_argument("--include-open", action="store_true",
                        help="with --as-gold: also documents not fully reviewed (their gold files say so)")
    _db_flag(export)
    export.set_defaults(run=run_export)


def _stats_parser(commands: argparse._SubParsersAction) -> None:
    stats = commands.add_parser("stats", help="review effort from the audit log: decisions and minutes per document")
    _db_flag(stats)
    stats.set_defaults(run=run_stats)


def _verify_parser(commands: argparse._SubParsersAction) -> None:
    verify = commands.add_parser("verify", help="check that the audit log and the versions were not rewritten")
    verify.add_argument("--anchor", action="append", default=[], metavar="TABLE:ID:HASH",
                        help="a head printed by an earlier verify: it must still be there, unchanged")
    _db_flag(verify)
    verify.set_defaults(run=run_verify)


def _user_parser(commands: argparse._SubParsersAction) -> None:
    user = commands.add_parser("user", help="manage reviewers")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    user_add = user_commands.add_parser("add", help="create a reviewer or set a new password (ends their sessions)")
    user_add.add_argument("name")
    how = user_add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    how.add_argument("--token", action="store_true", help="print a new API token for the reviewer instead")
    _db_flag(user_add)
    user_add.set_defaults(run=run_user_add)
    remove = user_commands.add_parser("remove", help="delete a reviewer with their sessions, tokens and leases")
    remove.add_argument("name")
    _db_flag(remove)
    remove.set_defaults(run=run_user_remove)
    token = user_commands.add_parser("token", help="manage a reviewer's API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    revoke = token_commands.add_parser("revoke", help="revoke every API token of a reviewer")
    revoke.add_argument("name")
    _db_flag(revoke)
    revoke.set_defaults(run=run_token_revoke)


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

    from .web import create_app, public_host_warning

    warning = public_host_warning(args.host, settings.review_secure_cookies)
    if warning:
        print(warning, file=sys.stderr)
    app = create_app(_store(settings), settings=settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


@_reported
def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from .export import export_csv, export_gold, export_json

    if args.include_open and not args.as_gold:
        print("error: --include-open goes with --as-gold (the other exports always hold every document)",
              file=sys.stderr)
        return 2
    store = _store(settings)
    if args.as_gold:
        paths = export_gold(store, args.out, include_open=args.include_open)
        if not paths:
            print("no settled document to export as gold (--include-open takes unreviewed ones, marked as such)",
                  file=sys.stderr)
    elif args.format == "csv":
        paths = [export_csv(store, args.out)]
    else:
        paths = export_json(store, args.out)
    print(f"wrote {len(paths)} file(s) to {paths[0] if len(paths) == 1 else args.out}")
    return 0


@_reported
def run_stats(args: argparse.Namespace, settings: Settings) -> int:
    from .stats import IDLE_SECONDS, review_stats

    stats = review_stats(_store(settings))

    def per_doc(v: float | None) -> str:
        return "—" if v is None else f"{v:.1f}"

    print(f"documents              {stats.documents}")
    print(f"settled                {stats.settled}")
    print(f"with open items        {stats.open}")
    print(f"decisions              {stats.decisions}")
    print(f"decisions per document {per_doc(stats.decisions_per_document)}")
    print(f"minutes per document   {per_doc(stats.minutes_per_document)}  (gaps over {IDLE_SECONDS // 60} min "
          f"between decisions count as breaks)")
    return 0


@_reported
def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    checks, problems = _store(settings).verify_chain(args.anchor)
    for check in checks:
        state = "intact" if not check.problems else f"BROKEN ({len(check.problems)} problem(s))"
        print(f"{check.table}: {check.rows} rows, {state}; head {check.table}:{check.last_id}:{check.head}")
        problems = [*check.problems, *problems]
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1 if problems else 0


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
    print(f"reviewer {args.name} saved; their sessions, if any, are ended", file=sys.stderr)
    return 0


@_reported
def run_user_remove(args: argparse.Namespace, settings: Settings) -> int:
    if not _store(settings).remove_reviewer(args.name):
        print(f"error: no reviewer {args.name!r}", file=sys.stderr)
        return 1
    print(f"reviewer {args.name} removed with their sessions, tokens and leases (the audit log keeps their name)",
          file=sys.stderr)
    return 0


@_reported
def run_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    count = _store(settings).revoke_tokens(args.name)
    print(f"revoked {count} token(s) of {args.name}", file=sys.stderr)
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
