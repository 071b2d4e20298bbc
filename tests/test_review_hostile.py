"""The review queue under hostile use (issue 11, items 6-11): what an attacker or a careless operator
tries, kept here so it stays fixed. The app runs in-process (Starlette's TestClient over a real
SQLite store); the browser-level checks are in test_review_ui.py.

- sessions: a copied cookie dies with sign-out, a new password, or the reviewer's removal; tokens
  can be revoked (item 6);
- sign-in: throttled per user name and per address, and one scrypt for known and unknown names
  alike, so timing tells nothing (item 7);
- the audit log and the versions: refused by the schema when rewritten (INSERT OR REPLACE, UPDATE,
  DELETE), and caught by ``review verify`` when the triggers are dropped first (item 8);
- leases: not taken by viewing, taken by the first action, covering every cell, released on the
  last save, on leaving and on sign-out, visible to others (item 9);
- ids out of range or malformed: 404 or 400, never 500 (item 10);
- ``review serve``: a warning for a public host, and the Secure cookie flag (item 11).
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest
from starlette.testclient import TestClient

from extractor.cli import main as cli_main
from extractor.errors import StoreError
from extractor.pipeline import extract
from extractor.review import auth, queue
from extractor.review.auth import Throttle, hash_password
from extractor.review.pages import MAX_PIXELS, render_page
from extractor.review.store import SQLiteStore
from extractor.review.web import create_app
from extractor.settings import Settings

from .conftest import SAMPLES

PASSWORD = "a long test password"
SAMPLE_000 = SAMPLES / "000_4ae575586cf2a2c2.txt"
UNITEMED = "requests.carried_forward.total"  # a cell without a review item of its own


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "review.sqlite", clock=clock)
    for name in ("alice", "bob"):
        store.add_reviewer(name, hash_password(PASSWORD))
    return store


@pytest.fixture
def doc(store: SQLiteStore) -> int:
    document_id, _ = queue.enqueue(store, extract(SAMPLE_000, Settings()))
    return document_id


def client_for(store: SQLiteStore, **options: object) -> TestClient:
    return TestClient(create_app(store, **options), follow_redirects=False)  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client: TestClient, user: str, password: str = PASSWORD) -> int:
    form = client.get("/login")
    response = client.post("/login", data={"username": user, "password": password, "csrf": csrf_of(form.text),
                                           "next": "/"})
    return response.status_code


@pytest.fixture
def alice(store: SQLiteStore) -> Iterator[TestClient]:
    with client_for(store) as client:
        assert sign_in(client, "alice") == 303
        yield client


def api_post(client: TestClient, path: str, body: object) -> tuple[int, dict]:
    csrf = csrf_of(client.get("/login").text)  # every page carries the session's token
    response = client.post(path, content=json.dumps(body), headers={"content-type": "application/json",
                                                                     "x-csrf-token": csrf})
    return response.status_code, response.json()


# ---- item 6: sessions are revocable ---------------------------------------------------------------

@pytest.mark.parametrize("how", ["sign-out", "new password", "user removed"])
def test_a_copied_cookie_dies_with_the_session(store: SQLiteStore, alice: TestClient, how: str) -> None:
    stolen = dict(alice.cookies)  # what an attacker copied from the browser
    assert alice.get("/").status_code == 200
    if how == "sign-out":
        csrf = csrf_of(alice.get("/").text)
        assert alice.post("/logout", data={"csrf": csrf}).status_code == 303
    elif how == "new password":
        store.add_reviewer("alice", hash_password("another long password"))
    else:
        assert store.remove_reviewer("alice")
    with client_for(store) as thief:
        thief.cookies.update(stolen)
        page = thief.get("/")
        assert page.status_code == 303 and "/login" in page.headers["location"]
        code, _ = api_post(thief, "/api/doc/1/lease", {})
        assert code == 401


def test_user_remove_and_token_revoke_commands(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = str(tmp_path / "cli.sqlite")
    assert cli_main(["review", "user", "add", "bot", "--token", "--db", db]) == 0
    token = capsys.readouterr().out.strip()
    store = SQLiteStore(db)
    with client_for(store) as client:
        auth_header = {"authorization": f"Bearer {token}"}
        assert client.get("/api/doc/1/state", headers=auth_header).status_code == 404  # signed in; no doc 1
        assert cli_main(["review", "user", "token", "revoke", "bot", "--db", db]) == 0
        assert "revoked 1 token" in capsys.readouterr().err
        assert client.get("/api/doc/1/state", headers=auth_header).status_code == 401
    assert cli_main(["review", "user", "remove", "bot", "--db", db]) == 0
    assert store.reviewers() == []
    assert cli_main(["review", "user", "remove", "bot", "--db", db]) == 1
    assert cli_main(["review", "user", "token", "revoke", "nobody", "--db", db]) == 1


def test_sessions_expire_on_the_server(store: SQLiteStore, alice: TestClient, clock: Clock) -> None:
    clock.now += 12 * 3600 + 1  # a cookie replayed after its lifetime, whatever its own max-age says
    assert alice.get("/").status_code == 303


# ---- item 7: sign-in throttling and no user-name leak by timing -----------------------------------

def test_sign_in_is_throttled_per_user_name(store: SQLiteStore, clock: Clock) -> None:
    with client_for(store) as client:
        for _ in range(5):
            assert sign_in(client, "alice", "wrong guess!") == 401
        form = client.get("/login")
        refused = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf": csrf_of(form.text)})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert "Too many failed sign-ins" in refused.text
        assert sign_in(client, "bob") == 303  # another name from the same address still works
        for _ in range(5):  # an unknown name is throttled the same way: a refusal says nothing about it
            assert sign_in(client, "mallory", "wrong guess!") == 401
        assert sign_in(client, "mallory", "wrong guess!") == 429
        clock.now += 15 * 60 + 1
        assert sign_in(client, "alice") == 303  # the window passed


def test_sign_in_is_throttled_per_address(store: SQLiteStore) -> None:
    with client_for(store, throttle=Throttle(per_user=100, per_address=6)) as client:
        for n in range(6):
            assert sign_in(client, f"guess{n}", "wrong guess!") == 401
        assert sign_in(client, "alice") == 429  # a right password from a guessing address waits too


def test_known_and_unknown_names_cost_one_scrypt_each(store: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = auth._scrypt

    def counting(*args: object) -> bytes:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(auth, "_scrypt", counting)
    with client_for(store) as client:
        for name in ("alice", "nobody", "x" * 500):
            calls.clear()
            assert sign_in(client, name, "wrong guess!") == 401
            assert len(calls) == 1, f"{name[:10]}: {len(calls)} scrypt runs"
    store.add_reviewer("tokenonly", None)  # a reviewer without a password: same cost, never signs in
    calls.clear()
    assert not auth.verify_password("", store.password_hash("tokenonly")) and len(calls) == 1


def test_the_throttle_policy() -> None:
    throttle = Throttle(per_user=3, per_address=5, window=100)
    assert throttle.wait([1, 2], [], now=10) == 0
    assert throttle.wait([1, 2, 3], [], now=10) == pytest.approx(91)  # when the oldest leaves the window
    assert throttle.wait([1, 2, 3], [], now=102) == 0
    assert throttle.wait([], [5, 6, 7, 8, 9], now=10) == pytest.approx(95)


# ---- item 8: the audit log and the versions cannot be rewritten unnoticed -------------------------

TAMPERING = [
    "INSERT OR REPLACE INTO corrections (id, document_id, version, reviewer, at, reason, source_error, prev_hash, hash)"
    " VALUES (1, 1, 1, 'mallory', 'x', 'accepted', 0, 'x', 'x')",
    "REPLACE INTO versions (id, document_id, number, result_json, created_at, created_by, prev_hash, hash)"
    " VALUES (1, 1, 1, '{}', 'x', 'mallory', 'x', 'x')",
    "INSERT OR REPLACE INTO versions (document_id, number, result_json, created_at, created_by, prev_hash, hash)"
    " VALUES (1, 1, '{}', 'x', 'mallory', 'x', 'x')",  # a new id, but the same (document, number)
    "UPDATE corrections SET reviewer = 'mallory'",
    "UPDATE versions SET result_json = '{}'",
    "DELETE FROM corrections",
    "DELETE FROM versions",
    "DELETE FROM documents",  # would cascade into the versions
    "INSERT INTO corrections (document_id, version, reviewer, at, reason, source_error)"
    " VALUES (1, 1, 'mallory', 'x', 'accepted', 0)",  # a row outside the chain
]


@pytest.mark.parametrize("statement", TAMPERING)
def test_the_schema_refuses_to_rewrite_history(store: SQLiteStore, doc: int, statement: str) -> None:
    cell = next(i for i in store.items(doc) if i.kind == "cell")
    queue.accept(store, cell.id, "alice")
    before = (store.corrections(), [v.result_json for v in store.versions(doc)])
    with sqlite3.connect(store.path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(statement)
    assert (store.corrections(), [v.result_json for v in store.versions(doc)]) == before


def _verify(db: Path, capsys: pytest.CaptureFixture, *anchors: str) -> tuple[int, str]:
    code = cli_main(["review", "verify", "--db", str(db), *[f"--anchor={a}" for a in anchors]])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize("tampering", [
    "UPDATE corrections SET old_value = '7' WHERE id = 1",  # an edited row
    "DELETE FROM corrections WHERE id = 2",  # a removed row
    "UPDATE versions SET result_json = replace(result_json, '卢氏', '某某') WHERE number = 2",
    "UPDATE corrections SET reviewer = 'mallory' WHERE id = 1",
])
def test_review_verify_finds_rewritten_history(store: SQLiteStore, doc: int, tampering: str,
                                               capsys: pytest.CaptureFixture) -> None:
    version = store.current(doc).number
    cells = [i for i in store.items(doc) if i.kind == "cell"]
    queue.accept(store, cells[0].id, "alice")
    queue.accept(store, cells[1].id, "alice")
    queue.apply_correction(store, doc, UNITEMED, 3, "alice", version)
    code, text = _verify(store.path, capsys)
    assert code == 0 and "corrections: 3 rows, intact" in text and "versions: 2 rows, intact" in text
    with sqlite3.connect(store.path) as conn:  # someone with the file drops the triggers first
        for name in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute(tampering)
    code, text = _verify(store.path, capsys)
    assert code == 1 and "BROKEN" in text


def test_rewriting_the_whole_chain_is_caught_by_an_anchor(store: SQLiteStore, doc: int,
                                                          capsys: pytest.CaptureFixture) -> None:
    from extractor.review import chain

    queue.accept(store, next(i for i in store.items(doc) if i.kind == "cell").id, "alice")
    _, text = _verify(store.path, capsys)
    anchor = re.search(r"head (corrections:1:[0-9a-f]{64})", text).group(1)
    with sqlite3.connect(store.path) as conn:
        conn.row_factory = sqlite3.Row
        for name in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("UPDATE corrections SET reviewer = 'mallory'")
        chain.backfill(conn)  # a careful forger recomputes every hash
    code, text = _verify(store.path, capsys)
    assert code == 0  # the chain alone cannot tell
    code, text = _verify(store.path, capsys, anchor)
    assert code == 1 and "rewritten" in text


def test_a_store_from_before_the_chain_is_linked_on_upgrade(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from extractor.review import migrations

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:  # a store as schema 1 left it, with history in it
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        for statement in migrations.MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1, 'then')")
        conn.execute("INSERT INTO documents (sha256, name, path, format, source_bytes, added_at)"
                     " VALUES ('s', 'n', 'p', 'text', x'00', 't')")
        conn.execute("INSERT INTO versions (document_id, number, result_json, created_at, created_by)"
                     " VALUES (1, 1, '{}', 't', 'extractor')")
        conn.execute("INSERT INTO corrections (document_id, version, reviewer, at, reason, source_error)"
                     " VALUES (1, 1, 'alice', 't', 'accepted', 0)")
    store = SQLiteStore(path)
    assert store.schema_version() == len(migrations.MIGRATIONS)
    code, text = _verify(path, capsys)
    assert code == 0 and "corrections: 1 rows, intact" in text and "versions: 1 rows, intact" in text


# ---- item 9: leases -------------------------------------------------------------------------------

def test_viewing_leases_nothing_and_the_first_action_holds_the_whole_document(store: SQLiteStore, doc: int,
                                                                             alice: TestClient) -> None:
    assert alice.get(f"/doc/{doc}").status_code == 200
    assert store.lease_of(doc) is None
    with client_for(store) as bob:
        sign_in(bob, "bob")
        assert bob.get(f"/doc/{doc}").status_code == 200  # two reviewers viewing: nobody holds anything
        assert store.lease_of(doc) is None
        code, answer = api_post(alice, f"/api/doc/{doc}/lease", {})  # alice starts editing a cell
        assert code == 200 and answer["state"]["lease"] == {"holder": "alice", "until": answer["state"]["lease"]
                                                             ["until"], "mine": True}
        # bob sees who holds it, and cannot change any cell, itemed or not
        state = bob.get(f"/api/doc/{doc}/state").json()["state"]
        assert state["lease"]["holder"] == "alice" and not state["lease"]["mine"]
        code, answer = api_post(bob, f"/api/doc/{doc}/correct", {"version": 1, "key": UNITEMED, "value": 3})
        assert code == 409 and "alice is working" in answer["error"] and answer["state"]["lease"]["holder"] == "alice"
        group = state["groups"][0]["id"]
        code, _ = api_post(bob, f"/api/doc/{doc}/accept", {"version": 1, "group": group})
        assert code == 409
        queue_page = bob.get("/").text
        assert re.search(r'<td class="holder">alice</td>', queue_page)
        # alice leaves the document: bob may work on it
        code, _ = api_post(alice, f"/api/doc/{doc}/release", {})
        assert code == 200 and store.lease_of(doc) is None
        code, _ = api_post(bob, f"/api/doc/{doc}/accept", {"version": 1, "group": group})
        assert code == 200 and store.lease_of(doc).holder == "bob"
        csrf = csrf_of(bob.get("/").text)
        bob.post("/logout", data={"csrf": csrf})
        assert store.lease_of(doc) is None  # signing out gives it back


def test_the_last_decision_releases_the_lease(store: SQLiteStore, doc: int, alice: TestClient) -> None:
    state = alice.get(f"/api/doc/{doc}/state").json()["state"]
    for group in state["groups"]:
        code, answer = api_post(alice, f"/api/doc/{doc}/accept", {"version": state["version"], "group": group["id"]})
        assert code == 200, answer
        lease = answer["state"]["lease"]
        assert (lease is None) == (answer["state"]["counts"]["open"] == 0)
    assert store.lease_of(doc) is None


# ---- item 10: ids are checked at the boundary -----------------------------------------------------

@pytest.mark.parametrize("path", [
    "/doc/9223372036854775808", "/doc/99999999999999999999999999", "/doc/0", "/doc/-1", "/doc/1e3", "/doc/abc",
    "/doc/%00", "/doc/9223372036854775807", "/doc/1/page/9223372036854775808.png", "/doc/1/page/0.png",
    "/doc/1/page/99.png", "/doc/9223372036854775808/page/1.png", "/api/doc/9223372036854775808/state",
    "/api/doc/0/state", "/next?after=9223372036854775808",
    "/?year=99999999999999999999999", "/?year=-5", "/?sort=drop%20table", "/doc/1?focus=%00",
])
def test_hostile_ids_in_paths_are_not_found_not_errors(alice: TestClient, doc: int, path: str) -> None:
    response = alice.get(path)
    assert response.status_code in (200, 303, 404), (path, response.status_code)


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/api/doc/9223372036854775808/accept", {"version": 1, "group": "x"}, 404),
    ("/api/doc/99999/correct", {"version": 1, "key": UNITEMED, "value": 1}, 404),
    ("/api/items/9223372036854775808/accept", {}, 404),
    ("/api/items/99999/skip", {}, 404),
    ("/api/doc/1/correct", {"version": 9223372036854775808, "key": UNITEMED, "value": 1}, 400),
    ("/api/doc/1/correct", {"version": -1, "key": UNITEMED, "value": 1}, 400),
    ("/api/doc/1/correct", {"version": True, "key": UNITEMED, "value": 1}, 400),
    ("/api/doc/1/correct", {"version": 1, "key": ["x"], "value": 1}, 400),
    ("/api/doc/1/correct", {"version": 1, "key": "x" * 10_000, "value": 1}, 400),
    ("/api/doc/1/correct", {"version": 1, "key": UNITEMED, "value": "9" * 5000}, 409),
    ("/api/doc/1/correct", {"version": 1, "key": UNITEMED, "value": 10**30}, 409),
    ("/api/doc/1/correct", {"version": 1, "key": UNITEMED, "value": {"$gt": 1}}, 409),
    ("/api/doc/1/accept", {"version": 1, "group": "cause:nonsense"}, 409),
    ("/api/doc/1/accept", {"version": 1, "group": 7}, 400),
    ("/api/doc/1/skip", {"version": 1}, 400),
    ("/api/doc/1/accept", [], 400),
])
def test_hostile_ids_in_bodies_are_refused_cleanly(alice: TestClient, doc: int, path: str, body: object,
                                                   status: int) -> None:
    code, answer = api_post(alice, path, body)
    assert code == status and answer["ok"] is False and answer["error"], answer


def test_a_page_of_any_shape_renders_within_the_pixel_cap(tmp_path: Path) -> None:
    pdf = pymupdf.open()
    pdf.new_page(width=100, height=14_400)  # a sliver: width-based zoom alone would give 40 M pixels
    pdf.new_page(width=14_400, height=14_400)
    data = pdf.tobytes()
    for page in (1, 2):
        png = render_page(data, page, width=4000)
        image = pymupdf.Pixmap(png)
        assert image.width * image.height <= MAX_PIXELS * 1.01, (page, image.width, image.height)


# ---- item 11: serving beyond this machine ---------------------------------------------------------

def test_serve_warns_about_a_public_host_and_sets_secure_cookies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture) -> None:
    served: list[object] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: served.append((app, kw)))
    db = str(tmp_path / "s.sqlite")
    assert cli_main(["review", "serve", "--db", db]) == 0
    assert "warning" not in capsys.readouterr().err
    assert cli_main(["review", "serve", "--db", db, "--host", "0.0.0.0"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "0.0.0.0" in err and "--secure-cookies" in err
    assert cli_main(["review", "serve", "--db", db, "--host", "0.0.0.0", "--secure-cookies"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "--secure-cookies" not in err  # still public, but the cookie is safe
    app = served[-1][0]
    store = SQLiteStore(db)
    store.add_reviewer("alice", hash_password(PASSWORD))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:  # type: ignore[arg-type]
        form = client.get("/login")
        assert "secure" in form.headers["set-cookie"].lower()
    with client_for(store) as plain:
        assert "secure" not in plain.get("/login").headers["set-cookie"].lower()


def test_errors_never_leak_a_traceback(alice: TestClient, doc: int, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise StoreError("review store x: disk I/O error")

    monkeypatch.setattr(SQLiteStore, "decide", broken)
    state = alice.get(f"/api/doc/{doc}/state").json()["state"]
    code, answer = api_post(alice, f"/api/doc/{doc}/accept", {"version": 1, "group": state["groups"][0]["id"]})
    assert code == 409 and "disk I/O error" in answer["error"] and "Traceback" not in json.dumps(answer)


def test_an_upload_with_markup_cannot_script_the_source_view(store: SQLiteStore, alice: TestClient,
                                                              tmp_path: Path) -> None:
    html = (SAMPLES.parent / "synthetic" / "syn_003_html_clean.html").read_text(encoding="utf-8")
    hostile = html.replace("<body>", '<body><script>alert(1)</script><img src="https://evil.example/x.png" '
                           'onerror="alert(2)"><iframe src="https://evil.example/"></iframe>'
                           '<a href="javascript:alert(3)">x</a><style>td{display:none}</style>', 1)
    assert hostile != html
    path = tmp_path / "hostile.html"
    path.write_text(hostile, encoding="utf-8")
    document_id, _ = queue.enqueue(store, extract(path, Settings()))
    page = alice.get(f"/doc/{document_id}").text
    view = page[page.index('id="source-blocks"'):page.index("Identities")]
    assert "<table class=\"src\"" in view and "行政许可" in view
    for needle in ("<script", "<img", "<iframe", "<style", "javascript:", "evil.example", "onerror"):
        assert needle not in view, needle
