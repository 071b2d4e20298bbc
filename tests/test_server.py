"""The HTTP service over real HTTP: uvicorn on 127.0.0.1 (a free port, in a thread), httpx as client.

Upload → poll → fetch (rich and flat) → list with filters; 413 over the size limit; 415 for bytes
that are not a document; 401 without (or with a wrong) token.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import importlib.util
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import uvicorn

from extractor.server.app import create_app
from extractor.settings import Settings

from .conftest import CHROMIUM, SAMPLES, needs_chromium

TOKEN = "test-token-123"
LIMIT = 256 * 1024
UNZIPPED = 8 * 1024 * 1024  # the service's limit on inflated archives, small enough for a test bomb
SAMPLE = SAMPLES / "000_4ae575586cf2a2c2.txt"  # 卢氏县人民政府 2024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service")


@contextlib.contextmanager
def _serving(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture(scope="module")
def base_url(data_dir: Path) -> Iterator[str]:
    app = create_app(Settings(max_unzipped_bytes=UNZIPPED), data_dir, TOKEN, max_upload_bytes=LIMIT)
    with _serving(app) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as c:
        yield c


def _upload(client: httpx.Client, name: str, data: bytes) -> httpx.Response:
    return client.post("/documents", files={"file": (name, data, "application/octet-stream")})


def _poll(client: httpx.Client, doc_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/documents/{doc_id}").json()
        if body["status"] == "done":
            return body
        time.sleep(0.1)
    raise AssertionError(f"{doc_id} was not extracted within {timeout} s")


def test_upload_poll_and_fetch(client: httpx.Client) -> None:
    response = _upload(client, SAMPLE.name, SAMPLE.read_bytes())
    assert response.status_code == 202
    doc_id = response.json()["id"]
    assert response.json()["format"] == "text"

    body = _poll(client, doc_id)
    assert body["filename"] == SAMPLE.name and body["result_status"] in ("ok", "needs_review")
    result = body["result"]
    assert result["report"]["values"]["requests.granted.total"]["value"] == 46
    assert result["source"]["path"] == SAMPLE.name, "the service's own paths stay private"

    flat = client.get(f"/documents/{doc_id}/flat").json()
    assert flat["values"]["meta.org_name"] == "卢氏县人民政府" and flat["values"]["meta.year"] == 2024

    again = _upload(client, "renamed.txt", SAMPLE.read_bytes())
    assert again.json() == {**response.json(), "status": "done"}, "the same bytes are the same document"

    listed = client.get("/documents", params={"org": "卢氏", "year": 2024, "status": "done"}).json()
    assert [d["id"] for d in listed["documents"]] == [doc_id]
    assert client.get("/documents", params={"year": 1999}).json()["total"] == 0


def test_oversize_upload_is_413(client: httpx.Client) -> None:
    response = _upload(client, "big.txt", "政".encode() * (LIMIT // 3 + 10))
    assert response.status_code == 413
    assert response.json()["error"] == "too_large" and "limit" in response.json()["message"]
    huge = _upload(client, "huge.txt", b"a" * (LIMIT * 4))  # refused from its Content-Length
    assert huge.status_code == 413


def test_wrong_type_is_415(client: httpx.Client) -> None:
    random_bytes = _upload(client, "report.txt", os.urandom(4096))
    exe = _upload(client, "setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + os.urandom(2048))
    for response in (random_bytes, exe):
        assert response.status_code == 415
        assert response.json()["error"] == "unsupported_format"
    assert "executable" in exe.json()["message"]


def test_no_token_is_401(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as anonymous:
        for response in (anonymous.get("/documents"), anonymous.post("/documents", files={"file": ("a.txt", b"x")}),
                         anonymous.get("/openapi.json"),
                         anonymous.get("/documents", headers={"Authorization": "Bearer wrong"})):
            assert response.status_code == 401
            assert response.json()["error"] == "unauthorized"
        assert anonymous.get("/openapi.json", auth=("any", TOKEN)).status_code == 200, "browsers use Basic"


def test_unknown_document_is_404(client: httpx.Client) -> None:
    assert client.get("/documents/" + "0" * 64).status_code == 404
    assert client.get("/documents/../../etc/passwd").status_code == 404


def test_openapi_documents_the_endpoints(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"], "one error shape, documented as such"
    paths = schema["paths"]
    assert {"/documents", "/documents/{doc_id}", "/documents/{doc_id}/flat"} <= set(paths)
    assert {"413", "415"} <= set(paths["/documents"]["post"]["responses"])


def test_flagged_upload_is_queued_for_review_and_the_ui_is_mounted(client: httpx.Client, data_dir: Path) -> None:
    pytest.importorskip("extractor.review.web", reason="the review package is not installed")
    from extractor.review.store import SQLiteStore

    doc_id = _upload(client, SAMPLE.name, SAMPLE.read_bytes()).json()["id"]
    assert _poll(client, doc_id)["result_status"] == "needs_review"
    queued = SQLiteStore(data_dir / "review.sqlite").documents()
    assert doc_id in {d.sha256 for d in queued}
    assert client.get("/review/login").status_code == 200


def test_a_report_with_an_absent_value_reads_back_and_is_queued(client: httpx.Client, data_dir: Path) -> None:
    """Issue 11: without its 行政许可 row a report has values the document does not give (null); the
    result must still read back (it answered 500) and reach the review queue."""
    text = SAMPLE.read_text(encoding="utf-8")
    without = "\n".join(line for line in text.splitlines() if not line.startswith("行政许可")).encode()
    doc_id = _upload(client, "no-licensing-row.txt", without).json()["id"]
    body = _poll(client, doc_id)
    assert body["result_status"] == "needs_review"
    absent = body["result"]["report"]["values"]["active.licensing.decisions"]
    assert "value" not in absent or absent["value"] is None
    flat = client.get(f"/documents/{doc_id}/flat")
    assert flat.status_code == 200 and flat.json()["values"]["active.licensing.decisions"] is None
    if importlib.util.find_spec("extractor.review.web") is not None:
        from extractor.review.store import SQLiteStore

        assert doc_id in {d.sha256 for d in SQLiteStore(data_dir / "review.sqlite").documents()}


def test_a_zip_bomb_upload_ends_failed_with_the_limit_named(client: httpx.Client, tmp_path: Path) -> None:
    from .hostile import docx_bomb

    data = docx_bomb(tmp_path / "bomb.docx", 2 * UNZIPPED).read_bytes()
    assert len(data) < LIMIT, "small enough to be accepted: the archive's limits must stop it"
    response = _upload(client, "bomb.docx", data)
    assert response.status_code == 202 and response.json()["format"] == "docx"
    body = _poll(client, response.json()["id"])
    assert body["result_status"] == "failed"
    assert "EXTRACTOR_MAX_UNZIPPED_BYTES" in body["result"]["error"]


@pytest.mark.parametrize("path", ["/documents/9223372036854775808", "/documents/9223372036854775808/flat",
                                  "/documents/-1", "/documents/" + "f" * 10_000, "/documents/%00",
                                  "/documents/" + "A" * 64])
def test_malformed_ids_are_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and response.json()["error"] == "not_found"


@pytest.mark.parametrize("params", [{"offset": 9223372036854775808}, {"limit": 9223372036854775808},
                                    {"year": 99999999999999999999999}, {"year": -9223372036854775809}])
def test_huge_numbers_in_queries_are_answered(client: httpx.Client, params: dict) -> None:
    response = client.get("/documents", params=params)
    assert response.status_code in (200, 422)
    assert response.status_code == 200 or "error" in response.json() or "detail" in response.json()


# ---- issue 13: the API for integrators -------------------------------------------------------------


class _Stalled(concurrent.futures.Executor):
    """An executor that takes work and never starts it: documents stay pending for as long as a test
    needs (the executor factory is the service's parameter for this)."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        return concurrent.futures.Future()


@pytest.fixture(scope="module")
def stalled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("stalled")
    app = create_app(Settings(), data, TOKEN, executor_factory=lambda workers: _Stalled())
    with _serving(app) as url:
        yield url, data


def test_health_needs_no_token(base_url: str) -> None:
    response = httpx.get(base_url + "/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_accepted_says_where_and_when_to_poll(client: httpx.Client) -> None:
    text = SAMPLE.read_text(encoding="utf-8") + "\n（另一份）\n"
    response = _upload(client, "another.txt", text.encode())
    assert response.status_code == 202
    doc_id = response.json()["id"]
    assert response.headers["location"] == f"{client.base_url}/documents/{doc_id}"
    if response.json()["status"] != "done":
        assert int(response.headers["retry-after"]) >= 1
    assert client.get(response.headers["location"]).status_code == 200


def test_pending_running_done_with_iso_times(stalled: tuple[str, Path]) -> None:
    from extractor.server.storage import UploadStore

    url, data = stalled
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        first = _upload(c, "a.txt", SAMPLE.read_bytes()).json()["id"]
        second = _upload(c, "b.txt", SAMPLE.read_bytes() + b"\n").json()["id"]
        body = c.get(f"/documents/{second}").json()
        assert body["status"] == "pending" and body["waiting_before"] == 1
        received = datetime.fromisoformat(body["received"].replace("Z", "+00:00"))
        assert received.tzinfo is not None and abs(time.time() - received.timestamp()) < 60
        UploadStore(data).mark_running(first)
        body = c.get(f"/documents/{first}").json()
        assert body["status"] == "running" and body["running_seconds"] >= 0
        assert datetime.fromisoformat(body["started"].replace("Z", "+00:00")).tzinfo is not None
        assert c.get(f"/documents/{second}").json()["waiting_before"] == 0
        listed = {d["id"]: d["status"] for d in c.get("/documents", params={"status": "running"}).json()["documents"]}
        assert listed == {first: "running"}
        flat = c.get(f"/documents/{first}/flat")
        assert flat.status_code == 409 and first in flat.json()["message"] and "{id}" not in flat.json()["message"]
        refused = c.delete(f"/documents/{second}")
        assert refused.status_code == 409 and refused.json()["error"] == "pending"


def test_delete_removes_a_document(client: httpx.Client) -> None:
    doc_id = _upload(client, "to-delete.txt", SAMPLE.read_bytes() + b"\n\n").json()["id"]
    _poll(client, doc_id)
    assert client.delete(f"/documents/{doc_id}").status_code == 204
    assert client.get(f"/documents/{doc_id}").status_code == 404
    assert client.delete(f"/documents/{doc_id}").status_code == 404
    assert doc_id not in {d["id"] for d in client.get("/documents").json()["documents"]}


@pytest.mark.parametrize("method,path,kwargs,status", [
    ("GET", "/documents", {"params": {"limit": 0}}, 422),
    ("GET", "/documents", {"params": {"status": "bogus"}}, 422),
    ("GET", "/documents", {"params": {"year": "twenty"}}, 422),
    ("POST", "/documents", {"data": {"other": "x"}}, 422),
    ("GET", "/no/such/path", {}, 404),
    ("PUT", "/documents", {}, 405),
])
def test_every_error_has_one_shape(client: httpx.Client, method: str, path: str, kwargs: dict, status: int) -> None:
    response = client.request(method, path, **kwargs)
    assert response.status_code == status
    assert set(response.json()) == {"error", "message"} and response.json()["message"]


def test_validation_errors_say_what_was_wrong(client: httpx.Client) -> None:
    body = client.get("/documents", params={"limit": 0}).json()
    assert body["error"] == "invalid_request" and body["message"].startswith("limit:")


def test_api_docs_are_served_offline_and_say_how_to_pass_the_token(client: httpx.Client, base_url: str) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in page.text and "cdn" not in page.text.lower()
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200
    assert "Authorization: Bearer" in client.get("/openapi.json").json()["info"]["description"]
    browser = httpx.get(base_url + "/docs", headers={"Accept": "text/html"})
    assert browser.status_code == 401 and "text/html" in browser.headers["content-type"]
    assert "API token as the password" in browser.text and "Authorization: Bearer" in browser.text


@needs_chromium
def test_the_docs_page_renders_in_a_browser_with_no_network(base_url: str) -> None:
    """Swagger UI from the service alone: every request to another host is refused, and the page
    still lists the operations."""
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            context = browser.new_context(http_credentials={"username": "me", "password": TOKEN})
            page = context.new_page()

            def only_here(route) -> None:  # type: ignore[no-untyped-def]
                if route.request.url.startswith(base_url):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", only_here)
            page.goto(base_url + "/docs")
            page.wait_for_selector(".opblock-summary-path", timeout=20_000)
            shown = page.locator(".opblock-summary-path").all_inner_texts()
            paths = {" ".join(t.split()).replace("\u200b", "") for t in shown}
            assert "/documents/{doc_id}/flat" in paths and "/health" in paths
            assert page.locator("button.authorize").count() == 1, "the token can be given on the page"
        finally:
            browser.close()
    assert outside == [], f"the docs page reached out: {outside}"
