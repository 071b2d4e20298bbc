"""Screenshots of the review UI (queue and document view) into docs/screenshots/.

Builds a temporary store with the bundled samples plus a variant of sample 001 whose 予以公开 ·
自然人 is misprinted (5 → 6, so two identities fail), serves it on a free local port, signs in with
headless Chromium and saves queue.png and document.png.

    .venv/bin/python scripts/review_screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from extractor.pipeline import extract
from extractor.review.auth import hash_password
from extractor.review.background import BackgroundServer
from extractor.review.queue import enqueue
from extractor.review.store import SQLiteStore
from extractor.review.web import create_app
from extractor.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "evals" / "samples"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
USER, PASSWORD = "reviewer", "screenshots-only"


def misprinted_sample(folder: Path) -> Path:
    """Sample 001 with 予以公开 · 自然人 printed 6 instead of 5."""
    text = (SAMPLES / "001_6e2b379abcfd2652.txt").read_text(encoding="utf-8")
    path = folder / "001_misprinted.txt"
    path.write_text(text.replace("(一) 予以公开\t5\t", "(一) 予以公开\t6\t", 1), encoding="utf-8")
    return path


def build_store(folder: Path) -> tuple[SQLiteStore, int]:
    store = SQLiteStore(folder / "review.sqlite")
    settings = Settings()
    for sample in sorted(SAMPLES.glob("*.txt")):
        enqueue(store, extract(sample, settings))
    document_id, _ = enqueue(store, extract(misprinted_sample(folder), settings))
    store.add_reviewer(USER, hash_password(PASSWORD))
    return store, document_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store, document_id = build_store(Path(tmp))
        with BackgroundServer(create_app(store)) as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(f"{url}/login")
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("table.queue")
            page.screenshot(path=str(args.out / "queue.png"), full_page=True)
            page.goto(f"{url}/doc/{document_id}")
            page.wait_for_selector("body[data-ready='1']")
            page.screenshot(path=str(args.out / "document.png"), full_page=False)
            browser.close()
    print(f"wrote {args.out / 'queue.png'} and {args.out / 'document.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
