"""Screenshots of the review UI into docs/screenshots/.

Builds a temporary store with the bundled samples, a variant of sample 001 whose 予以公开 · 自然人 is
misprinted (5 → 6, so two identities fail), a synthetic HTML report and, when ../shared/real is
there, a real PDF report; serves it on a free local port, signs in with headless Chromium and saves:

    queue.png          the queue: sortable, totals, who holds what, "Start next", the effort metric
    document.png       a document at its first decision: the misprint, its two failing identities
    decision.png       the next decision: a whole 其他 column (25 inferred cells) accepted with one key
    source_html.png    an HTML report's source as a sanitized table, the reviewed cell highlighted
    source_pdf.png     a PDF page zoomed in, scrolled to the reviewed cell's box (needs ../shared/real)

    .venv/bin/python scripts/review_screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from extractor.pipeline import extract
from extractor.review.auth import hash_password
from extractor.review.background import BackgroundServer
from extractor.review.queue import enqueue
from extractor.review.store import SQLiteStore
from extractor.review.web import create_app
from extractor.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "evals" / "samples"
HTML_REPORT = (ROOT / "evals" / "synthetic"
               / "syn_008_html_typo_fagui-no_other_col-no_query_row-fullwidth-gbk-chrome.html")
PDF_REPORT = ROOT.parent / "shared" / "real" / "huaian_hongze_2024.pdf"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
USER, PASSWORD = "reviewer", "screenshots-only"


def misprinted_sample(folder: Path) -> Path:
    """Sample 001 with 予以公开 · 自然人 printed 6 instead of 5."""
    text = (SAMPLES / "001_6e2b379abcfd2652.txt").read_text(encoding="utf-8")
    path = folder / "001_misprinted.txt"
    path.write_text(text.replace("(一) 予以公开\t5\t", "(一) 予以公开\t6\t", 1), encoding="utf-8")
    return path


def build_store(folder: Path) -> tuple[SQLiteStore, dict[str, int]]:
    store = SQLiteStore(folder / "review.sqlite")
    settings = Settings()
    docs = {}
    docs["misprinted"], _ = enqueue(store, extract(misprinted_sample(folder), settings))
    for sample in sorted(SAMPLES.glob("*.txt")):
        enqueue(store, extract(sample, settings))
    docs["html"], _ = enqueue(store, extract(HTML_REPORT, settings))
    if PDF_REPORT.exists():
        docs["pdf"], _ = enqueue(store, extract(PDF_REPORT, settings))
    store.add_reviewer(USER, hash_password(PASSWORD))
    return store, docs


def open_document(page: Page, url: str, document_id: int, focus: str | None = None) -> None:
    page.goto(f"{url}/doc/{document_id}" + (f"?focus={focus}" if focus else ""))
    page.wait_for_selector("body[data-ready='1']")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        store, docs = build_store(Path(tmp))
        with BackgroundServer(create_app(store)) as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(f"{url}/login")
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("table.queue")

            open_document(page, url, docs["misprinted"])
            written.append(args.out / "document.png")
            page.screenshot(path=str(written[-1]), full_page=False)
            page.keyboard.type("5")  # the correction, saved in place: the next decision opens
            page.keyboard.press("Enter")
            page.wait_for_selector("li.group[data-status=settled]")
            page.wait_for_selector("body:not([data-busy])")
            written.append(args.out / "decision.png")
            page.screenshot(path=str(written[-1]), full_page=False)
            while page.locator("li.group[data-status=open]").count() > 1:  # accept what is left ...
                page.keyboard.press("a")
                page.wait_for_selector("body:not([data-busy])")
            with page.expect_navigation():  # ... and after the last decision the next document opens
                page.keyboard.press("a")
            page.wait_for_selector("body[data-ready='1']")
            page.keyboard.press("a")  # a first decision on the next one: the reviewer holds it now
            page.wait_for_selector("body:not([data-busy])")

            open_document(page, url, docs["html"], focus="requests.granted.natural_person")
            written.append(args.out / "source_html.png")
            page.screenshot(path=str(written[-1]), full_page=False)

            if "pdf" in docs:
                open_document(page, url, docs["pdf"])
                page.wait_for_function("() => document.getElementById('page-image').complete")
                page.keyboard.press("+")
                page.wait_for_timeout(1500)  # the page is rendered again at the new width
                page.evaluate("document.querySelector('.panel.source').scrollIntoView()")
                written.append(args.out / "source_pdf.png")
                page.screenshot(path=str(written[-1]), full_page=False)

            page.goto(f"{url}/?sort=open&desc=1")
            page.wait_for_selector("table.queue")
            written.append(args.out / "queue.png")
            page.screenshot(path=str(written[-1]), full_page=True)
            browser.close()
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
