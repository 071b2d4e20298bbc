"""The review UI as the HTTP service serves it, under /review: Debian's headless Chromium driven by
Playwright against the service app on uvicorn (127.0.0.1, a free port, in a thread).

Reports reach the queue the way they do in production: uploaded to the API with the API token and
queued by the extraction. A reviewer then works without that token: signs in at /review/login,
opens the queue and a document, corrects a cell with the keyboard, sees the audit entry. Every
request the browser makes must stay under /review: a root-absolute URL would leave the mount and
hit the token-guarded API (401) or nothing at all (404).
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from extractor.review.auth import hash_password
from extractor.review.background import BackgroundServer
from extractor.review.signin import safe_next as _safe_next
from extractor.review.store import SQLiteStore
from extractor.server.app import create_app
from extractor.settings import Settings

from .conftest import CHROMIUM, REAL, needs_chromium
from .test_review_ui import CHROMIUM_ARGS, MISPRINTED, PASSWORD, USER, write_variants

TOKEN = "mounted-test-token"
PDF = REAL / "huaian_hongze_2024.pdf"  # a real report the extractor flags: its view shows page images
SHOWN = "([img, prefix]) => img.src.startsWith(prefix) && img.complete && img.naturalWidth > 0"
# the centre of the focused cell's box (PDF points, scaled to the image as shown) lies inside the frame
BOX_IN_VIEW = """() => {
  const state = JSON.parse(document.getElementById('review-state').textContent);
  const data = JSON.parse(document.getElementById('review-data').textContent);
  const where = state.where[document.querySelector('td.cell.focus').dataset.key];
  const size = data.pageSizes[where.page - 1];
  const img = document.getElementById('page-image'), frame = document.getElementById('page-frame');
  const x = (where.bbox[0] + where.bbox[2]) / 2 / size[0] * img.clientWidth;
  const y = (where.bbox[1] + where.bbox[3]) / 2 / size[1] * img.clientHeight;
  return frame.scrollLeft <= x && x <= frame.scrollLeft + frame.clientWidth
      && frame.scrollTop <= y && y <= frame.scrollTop + frame.clientHeight;
}"""


@dataclass
class Service:
    url: str
    store: SQLiteStore
    misprinted: int  # review document ids
    pdf: int


@dataclass
class Traffic:
    """Every request the page made and every response it got, as (url, status)."""

    requests: list[str] = field(default_factory=list)
    responses: list[tuple[str, int]] = field(default_factory=list)


def _upload_and_wait(api: httpx.Client, path: Path, timeout: float = 60) -> str:
    response = api.post("/documents", files={"file": (path.name, path.read_bytes(), "application/octet-stream")})
    assert response.status_code == 202, response.text
    doc_id = response.json()["id"]
    deadline = time.monotonic() + timeout
    while api.get(f"/documents/{doc_id}").json()["status"] != "done":
        assert time.monotonic() < deadline, f"{path.name} was not extracted within {timeout} s"
        time.sleep(0.1)
    return doc_id


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("review_mounted")
    misprinted, _ = write_variants(folder)
    db = folder / "review.sqlite"
    # one worker thread: no worker processes to start, and PyMuPDF is never used from two threads
    app = create_app(Settings(), folder / "data", TOKEN, workers=1, executor_factory=ThreadPoolExecutor,
                     review_db=db)
    with BackgroundServer(app) as url:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as api:
            sha = {path: _upload_and_wait(api, path) for path in (misprinted, PDF)}
        store = SQLiteStore(db)
        store.add_reviewer(USER, hash_password(PASSWORD))
        ids = {d.sha256: d.id for d in store.documents()}
        yield Service(url, store, ids[sha[misprinted]], ids[sha[PDF]])


@pytest.fixture(scope="module")
def browser(service: Service) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, service: Service):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def record(page) -> Traffic:
    traffic = Traffic()
    page.on("request", lambda r: traffic.requests.append(r.url))
    page.on("response", lambda r: traffic.responses.append((r.url, r.status)))
    return traffic


def assert_stayed_under_review(traffic: Traffic, url: str) -> None:
    outside = [u for u in traffic.requests if not u.startswith(f"{url}/review/")]
    assert traffic.requests and not outside, f"requests left the mount: {outside}"
    failed = [(u, status) for u, status in traffic.responses if status >= 400]
    assert not failed, f"requests failed: {failed}"


def submit_sign_in(page) -> None:
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


@needs_chromium
def test_review_a_document_under_the_mount(page, service: Service) -> None:
    url = service.url
    traffic = record(page)
    page.goto(f"{url}/review/")
    assert page.url == f"{url}/review/login?next=%2Freview%2F"  # no anonymous access, and back here after
    submit_sign_in(page)
    page.wait_for_selector("table.queue")
    assert page.url == f"{url}/review/"
    assert f"{url}/review/static/review.css" in traffic.requests

    page.click(f"a.doc-link[href='/review/doc/{service.misprinted}']")
    page.wait_for_selector("body[data-ready='1']")
    assert page.url.startswith(f"{url}/review/doc/{service.misprinted}")
    assert page.get_attribute("td.cell.focus", "data-key") == MISPRINTED
    page.keyboard.type("5")
    with page.expect_response(f"{url}/review/api/doc/{service.misprinted}/correct") as saved:
        page.keyboard.press("Enter")
    assert saved.value.ok

    page.wait_for_selector(f'tr.audit-entry[data-key="{MISPRINTED}"]')
    entry = page.text_content(f'tr.audit-entry[data-key="{MISPRINTED}"]')
    assert "6 → 5" in entry and USER in entry
    assert page.url.startswith(f"{url}/review/doc/{service.misprinted}?focus=")  # updated in place, moved on
    assert service.store.current(service.misprinted).result().report.values[MISPRINTED].value == 5

    page.click("header button:text('Sign out')")
    page.wait_for_url(f"{url}/review/login")
    assert_stayed_under_review(traffic, url)


@needs_chromium
def test_a_deep_link_survives_sign_in_and_pdf_pages_load(page, service: Service) -> None:
    url, target = service.url, f"/review/doc/{service.pdf}"
    traffic = record(page)
    page.goto(url + target)
    assert page.url == f"{url}/review/login?next={quote(target, safe='')}"
    submit_sign_in(page)
    page.wait_for_selector("body[data-ready='1']")
    assert page.url.startswith(url + target)
    image = page.query_selector("#page-image")
    page.wait_for_function(SHOWN, arg=[image, f"{url}{target}/page/"])
    # zoom: the page is rendered again at the width it is shown at, not scaled up from a small image
    fit = page.evaluate("document.getElementById('page-image').naturalWidth")
    page.keyboard.press("+")
    page.wait_for_function("w => document.getElementById('page-image').complete && "
                           "document.getElementById('page-image').naturalWidth > w", arg=fit)
    assert page.evaluate(BOX_IN_VIEW)  # and scrolled to the reviewed cell's box
    zoomed = page.evaluate("[document.getElementById('page-image').naturalWidth, "
                           "document.getElementById('page-image').clientWidth]")
    assert zoomed[0] >= fit * 1.4 and page.text_content("#zoom-level") == "150%"
    assert abs(zoomed[0] - zoomed[1]) <= 2  # one image pixel per screen pixel (device pixel ratio 1)
    frame = page.query_selector("#page-frame")
    assert frame.evaluate("f => f.scrollWidth > f.clientWidth")  # wider than its frame: scrolls sideways
    page.select_option("#page-select", "2")
    page.wait_for_function(SHOWN, arg=[image, f"{url}{target}/page/2.png"])
    assert_stayed_under_review(traffic, url)


def test_only_the_review_ui_is_exempt_from_the_api_token(service: Service) -> None:
    with httpx.Client(base_url=service.url, timeout=30) as anonymous:
        assert anonymous.get("/review/login").status_code == 200
        assert anonymous.get("/review").headers["location"].endswith("/review/")
        home = anonymous.get("/review/")  # the review app's own sign-in guards it instead
        assert home.status_code == 303 and home.headers["location"] == "/review/login?next=%2Freview%2F"
        write = anonymous.post(f"/review/api/doc/{service.misprinted}/correct",
                               json={"version": 1, "key": MISPRINTED, "value": 7})
        assert write.status_code == 401
        for path in ("/documents", "/openapi.json", "/docs", "/reviewer", "/review-x"):
            assert anonymous.get(path).status_code == 401, path


@pytest.mark.parametrize(("target", "base", "expected"), [
    ("/doc/3?focus=a.b", "", "/doc/3?focus=a.b"),  # standalone: as before
    ("//evil.example/", "", "/"),
    ("https://evil.example/", "", "/"),
    (None, "", "/"),
    ("/review/doc/3?focus=a.b", "/review", "/review/doc/3?focus=a.b"),
    ("/review/", "/review", "/review/"),
    ("/documents", "/review", "/review/"),  # on this host, but outside the mount
    ("/reviewer/x", "/review", "/review/"),
    ("/doc/3", "/review", "/review/"),
    ("//evil.example/review/", "/review", "/review/"),
    ("https://evil.example/review/", "/review", "/review/"),
    ("/review/\\evil.example", "/review", "/review/"),
    ("", "/review", "/review/"),
])
def test_sign_in_returns_only_to_pages_of_the_mounted_app(target: str | None, base: str, expected: str) -> None:
    assert _safe_next(target, base) == expected


# ---- one setting for the Secure session cookie, standalone or mounted ------------------------------


def _session_cookie(app, path: str) -> str:
    """The Set-Cookie header of the review session the app starts at ``path`` (the sign-in form)."""
    from starlette.testclient import TestClient

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        response = client.get(path)
        assert response.status_code == 200, response.text
        cookie = response.headers["set-cookie"]
    assert cookie.startswith("review_session="), cookie
    return cookie


def _service(settings: Settings, folder: Path):
    return create_app(settings, folder / "data", TOKEN, workers=1, executor_factory=ThreadPoolExecutor,
                      review_db=folder / "review.sqlite")


@pytest.mark.parametrize("secure", [False, True])
def test_the_mounted_review_ui_marks_its_cookie_secure_as_configured(secure: bool, tmp_path: Path) -> None:
    cookie = _session_cookie(_service(Settings(review_secure_cookies=secure), tmp_path), "/review/login").lower()
    assert ("; secure" in cookie) == secure
    assert "samesite=strict" in cookie and "httponly" in cookie


def test_the_mounted_review_ui_signs_sessions_with_the_configured_secret(tmp_path: Path) -> None:
    """EXTRACTOR_REVIEW_SECRET reaches the mounted UI: a session cookie verifies with that key."""
    from itsdangerous import BadSignature, TimestampSigner

    cookie = _session_cookie(_service(Settings(review_secret="s" * 32), tmp_path), "/review/login")
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    TimestampSigner("s" * 32).unsign(value.encode())  # raises BadSignature if another key signed it
    with pytest.raises(BadSignature):
        TimestampSigner(SQLiteStore(tmp_path / "review.sqlite").secret()).unsign(value.encode())


@pytest.mark.parametrize(("argv", "env", "secure"), [
    (["serve"], {}, False),
    (["serve", "--secure-cookies"], {}, True),
    (["serve"], {"EXTRACTOR_REVIEW_SECURE_COOKIES": "1"}, True),
    (["serve"], {"EXTRACTOR_REVIEW_SECURE_COOKIES": "off"}, False),
    (["review", "serve"], {}, False),
    (["review", "serve", "--secure-cookies"], {}, True),
    (["review", "serve"], {"EXTRACTOR_REVIEW_SECURE_COOKIES": "true"}, True),
])
def test_secure_cookies_from_the_flag_or_the_environment(argv: list[str], env: dict[str, str], secure: bool,
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` (the API with the UI under /review) and ``review serve`` read one setting."""
    import uvicorn

    from extractor.cli import main

    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(app))
    monkeypatch.delenv("EXTRACTOR_REVIEW_SECURE_COOKIES", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    where = ["--data", str(tmp_path / "data"), "--token", TOKEN * 2] if argv[0] == "serve" else []
    assert main([*argv, *where, "--db", str(tmp_path / "review.sqlite")]) == 0
    [app] = served
    path = "/review/login" if argv[0] == "serve" else "/login"
    assert ("; secure" in _session_cookie(app, path).lower()) == secure


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("TRUE", True), ("yes", True), ("on", True),
                                            ("0", False), ("false", False), ("No", False), ("off", False)])
def test_a_switch_in_the_environment_is_read_by_its_word(raw: str, value: bool) -> None:
    assert Settings.from_env({"EXTRACTOR_REVIEW_SECURE_COOKIES": raw}).review_secure_cookies is value


def test_an_unknown_word_for_a_switch_is_a_configuration_error(capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from extractor.cli import main
    from extractor.errors import ConfigError

    with pytest.raises(ConfigError, match="EXTRACTOR_REVIEW_SECURE_COOKIES='maybe'"):
        Settings.from_env({"EXTRACTOR_REVIEW_SECURE_COOKIES": "maybe"})
    monkeypatch.setenv("EXTRACTOR_REVIEW_SECURE_COOKIES", "maybe")
    assert main(["review", "stats", "--db", "/nonexistent/x.sqlite"]) == 2
    assert "EXTRACTOR_REVIEW_SECURE_COOKIES" in capsys.readouterr().err
