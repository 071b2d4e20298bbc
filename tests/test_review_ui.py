"""The review web UI in a real browser: Debian's headless Chromium driven by Playwright.

The server runs in a thread on a free local port over a temporary store holding sample 001 with one
misprinted cell (予以公开 · 自然人 6 instead of 5: two identities fail) and a report whose org name
and prose carry markup and a Jinja expression, which must render as inert text.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from extractor.pipeline import extract
from extractor.review import queue
from extractor.review.auth import hash_password
from extractor.review.background import BackgroundServer
from extractor.review.store import SQLiteStore
from extractor.review.web import create_app
from extractor.settings import Settings

from .conftest import CHROMIUM, SAMPLES, needs_chromium

pytestmark = needs_chromium
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SAMPLE_001 = SAMPLES / "001_6e2b379abcfd2652.txt"
MISPRINTED = "requests.granted.natural_person"
PAYLOAD = "<script>window.__pwned=1</script>{{7*7}}"
USER, PASSWORD = "alice", "a long test password"


class Fixture:
    """What the tests share: the store, the documents in it and the server's address."""

    def __init__(self, store: SQLiteStore, misprinted: int, hostile: int, sample_000: int, url: str) -> None:
        self.store, self.misprinted, self.hostile, self.sample_000, self.url = (store, misprinted, hostile,
                                                                                 sample_000, url)


def write_variants(folder: Path) -> tuple[Path, Path]:
    text = SAMPLE_001.read_text(encoding="utf-8")
    misprinted = folder / "001_misprinted.txt"
    misprinted.write_text(text.replace("(一) 予以公开\t5\t", "(一) 予以公开\t6\t", 1), encoding="utf-8")
    hostile = folder / "hostile.txt"
    prose = f"积极推进{PAYLOAD}<img src=x onerror=\"window.__pwned=2\">"
    hostile.write_text(text.replace("积极推进政务公开工作部署", prose, 1), encoding="utf-8")
    return misprinted, hostile


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    folder = tmp_path_factory.mktemp("review_ui")
    store = SQLiteStore(folder / "review.sqlite")
    misprinted_path, hostile_path = write_variants(folder)
    misprinted, _ = queue.enqueue(store, extract(misprinted_path, Settings()))
    result = extract(hostile_path, Settings())
    result.report.values["meta.org_name"].value = PAYLOAD + "县人民政府"  # as if a reader had kept the markup
    hostile, _ = queue.enqueue(store, result)
    sample_000, _ = queue.enqueue(store, extract(SAMPLES / "000_4ae575586cf2a2c2.txt", Settings()))
    store.add_reviewer(USER, hash_password(PASSWORD))
    with BackgroundServer(create_app(store)) as url:
        yield Fixture(store, misprinted, hostile, sample_000, url)


@pytest.fixture(scope="module")
def browser(served: Fixture) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, served: Fixture):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, url: str) -> None:
    page.goto(f"{url}/")
    assert "/login" in page.url  # no anonymous access
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("table.queue")


def equation(page, name: str, rule: str | None = None) -> str:
    rule_selector = f'[data-rule="{rule}"]' if rule else ""
    return page.get_attribute(f'li.eq[data-name="{name}"]{rule_selector}', "data-state")


def test_fix_a_misprinted_cell_with_the_keyboard(page, served: Fixture) -> None:
    sign_in(page, served.url)
    page.click("a.doc-link:text('001_misprinted.txt')")
    page.wait_for_selector("body[data-ready='1']")
    # the cell both failing identities share is the first stop
    assert page.get_attribute("td.cell.focus", "data-key") == MISPRINTED
    assert "suspect" in page.get_attribute(f'td.cell[data-key="{MISPRINTED}"]', "class")
    assert equation(page, "row granted") == "fail" and equation(page, "column natural_person") == "fail"
    page.keyboard.press("n")
    assert page.get_attribute("td.cell.focus", "data-key") != MISPRINTED
    page.keyboard.press("p")
    assert page.get_attribute("td.cell.focus", "data-key") == MISPRINTED

    page.keyboard.type("5")  # typing starts the edit; the identities re-check as it changes
    assert page.input_value("td.cell.focus input.edit") == "5"
    assert equation(page, "row granted") == "ok" and equation(page, "column natural_person") == "ok"
    assert page.text_content("#live-status") == "all identities hold"
    page.keyboard.press("Enter")  # saves

    page.wait_for_selector(f'tr.audit-entry[data-key="{MISPRINTED}"]')
    entry = page.text_content(f'tr.audit-entry[data-key="{MISPRINTED}"]')
    assert "6 → 5" in entry and USER in entry and "misread" in entry
    assert page.text_content("#version") == "version 2"
    assert page.text_content(f'td.cell[data-key="{MISPRINTED}"] .v') == "5"
    assert "corrected" in page.get_attribute(f'td.cell[data-key="{MISPRINTED}"]', "class")
    current = served.store.current(served.misprinted)
    assert current.number == 2 and current.result().report.values[MISPRINTED].value == 5
    assert [c.reviewer for c in served.store.corrections(served.misprinted)] == [USER]


def test_source_error_accept_and_skip_keys(page, served: Fixture) -> None:
    fee, inferred = "active.admin_fees.amount_10k_yuan", "requests.granted.other_org"
    sign_in(page, served.url)
    page.goto(f"{served.url}/doc/{served.sample_000}?focus={fee}")
    page.wait_for_selector("body[data-ready='1']")
    assert "flagged" in page.get_attribute(f'td.cell[data-key="{fee}"]', "class")
    page.keyboard.press("s")  # the report itself prints 元 as 万元: keep the value, record a source error
    page.wait_for_selector(f'tr.audit-entry[data-key="{fee}"]')
    assert "yes" in page.text_content(f'tr.audit-entry[data-key="{fee}"]')
    assert "source-error" in page.get_attribute(f'td.cell[data-key="{fee}"]', "class")
    page.goto(f"{served.url}/doc/{served.sample_000}?focus={inferred}")
    page.wait_for_selector("body[data-ready='1']")
    page.keyboard.press("a")
    page.wait_for_selector(f'tr.audit-entry[data-key="{inferred}"]')
    skipped_key = page.get_attribute("td.cell.focus", "data-key")  # accept moved on to the next flagged cell
    assert skipped_key != inferred
    with page.expect_navigation():  # the page reloads after the skip is saved
        page.keyboard.press("k")
    page.wait_for_selector("body[data-ready='1']")
    items = {i.keys[0]: i for i in served.store.items(served.sample_000) if i.kind == "cell"}
    assert (items[fee].status, items[fee].resolution) == ("settled", "source_error")
    assert (items[inferred].status, items[inferred].resolution) == ("settled", "accepted")
    assert items[skipped_key].status == "skipped"


def test_escape_cancels_an_edit_and_help_opens_with_a_question_mark(page, served: Fixture) -> None:
    sign_in(page, served.url)
    page.goto(f"{served.url}/doc/{served.hostile}?focus=requests.total.total")
    page.wait_for_selector("body[data-ready='1']")
    assert equation(page, "column total", "outcome_total") == "ok"
    page.keyboard.type("99")
    assert equation(page, "column total", "outcome_total") == "fail"
    page.keyboard.press("Escape")
    assert equation(page, "column total", "outcome_total") == "ok"
    assert page.query_selector("input.edit") is None
    assert page.text_content('td.cell[data-key="requests.total.total"] .v') == "40"
    page.keyboard.press("?")
    assert page.is_visible("#help")
    page.keyboard.press("Escape")
    assert page.is_hidden("#help")


def test_document_text_renders_inert(page, served: Fixture) -> None:
    sign_in(page, served.url)
    assert PAYLOAD in page.text_content("table.queue")  # the org name, shown as text in the queue
    page.goto(f"{served.url}/doc/{served.hostile}")
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    org = page.text_content("#doc-org")
    assert PAYLOAD in org and "49" not in org
    assert "{{7*7}}" in page.text_content("#source-lines")
    assert page.query_selector("#source-lines script, #source-lines img") is None
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_writes_need_a_session_and_the_csrf_token(page, served: Fixture) -> None:
    url = f"{served.url}/api/doc/{served.hostile}/correct"
    body = json.dumps({"version": 1, "key": "requests.total.total", "value": 41})
    anonymous = page.request.post(url, data=body, headers={"content-type": "application/json"})
    assert anonymous.status == 401
    sign_in(page, served.url)
    no_token = page.request.post(url, data=body, headers={"content-type": "application/json"})
    assert no_token.status == 403
    assert served.store.current(served.hostile).number == 1


def test_a_stale_page_is_told_to_reload(browser, served: Fixture) -> None:
    pages = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        p = context.new_page()
        sign_in(p, served.url)
        p.goto(f"{served.url}/doc/{served.hostile}?focus=requests.carried_forward.total")
        p.wait_for_selector("body[data-ready='1']")
        pages.append(p)
    first, second = pages
    first.keyboard.type("1")
    first.keyboard.press("Enter")
    first.wait_for_selector('tr.audit-entry[data-key="requests.carried_forward.total"]')
    second.keyboard.type("2")
    second.keyboard.press("Enter")
    second.wait_for_selector("#toast:not([hidden])")
    assert "reload" in second.text_content("#toast")
    assert served.store.current(served.hostile).result().report.values["requests.carried_forward.total"].value == 1
    for p in pages:
        p.context.close()
