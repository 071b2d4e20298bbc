"""Table structure from scanned pages: our rule finder (extractor.ingest.scan_image + the PDF grid
code) against img2table, an OpenCV table finder from PyPI, on the pages of evals/scanned.

usage: python scripts/compare_img2table.py --img2table-python PATH [--only NAME]

img2table is not a dependency of the project: install it in a separate environment
(``python -m venv /tmp/i2t && /tmp/i2t/bin/pip install img2table pymupdf``) and pass its interpreter;
each page image goes to it as PNG, and it answers with its tables' cell boxes (structure only, no OCR).

Per page, both finders get the same 150-dpi grey rendering. Reported: the tables each finds with
their rows × columns after spans are expanded, whether the two agree, and the time each takes.
Which one is right is settled on table 三, whose expected shape the report layout fixes: its
value columns (7) plus its label columns, and one row per printed row (tests/test_scan_grid.py
checks our grid cell by cell against the golds).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pymupdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.ingest import pdf as pdf_reader  # noqa: E402
from extractor.ingest import scanned  # noqa: E402

SCANNED = ROOT / "evals" / "scanned"
DPI = 150

# run inside the img2table environment: PNG paths in, one JSON line per page out
IMG2TABLE = r"""
import json, sys, time
from img2table.document import Image
for path in sys.argv[1:]:
    started = time.perf_counter()
    tables = Image(src=path, detect_rotation=True).extract_tables(implicit_rows=False, borderless_tables=False)
    shapes = [[len(t.content), max((len(r) for r in t.content.values()), default=0)] for t in tables]
    print(json.dumps({"seconds": time.perf_counter() - started, "shapes": shapes}), flush=True)
"""


def ours(gray: np.ndarray) -> tuple[float, list[list[int]]]:
    started = time.perf_counter()
    page = scanned.prepare(gray, DPI)
    grids = pdf_reader._grids(pdf_reader._merge_rules([pdf_reader._Rule(*s) for s in page.rules.horizontal]),
                              pdf_reader._merge_rules([pdf_reader._Rule(*s) for s in page.rules.vertical]))
    return time.perf_counter() - started, [[len(g.ys) - 1, len(g.xs) - 1] for g in grids]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--img2table-python", required=True)
    ap.add_argument("--only", default="scan_")
    ap.add_argument("--out", type=Path, default=Path("/tmp/img2table_pages"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pages: list[tuple[str, int, Path, list[list[int]], float]] = []
    for path in sorted(SCANNED.glob("*.pdf")):
        if args.only not in path.name:
            continue
        with pymupdf.open(path) as pdf:
            for number, page in enumerate(pdf):
                pix = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY, alpha=False)
                png = args.out / f"{path.stem}_{number + 1}.png"
                pix.save(png)
                gray = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.stride)[:, : pix.width]
                seconds, shapes = ours(gray)
                pages.append((path.name, number + 1, png, shapes, seconds))
    out = subprocess.run([args.img2table_python, "-c", IMG2TABLE, *(str(p[2]) for p in pages)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    theirs = [json.loads(line) for line in out]
    agree = 0
    table3 = {"ours": 0, "img2table": 0, "pages": 0}
    for (name, number, _, shapes, seconds), other in zip(pages, theirs):
        same = sorted(shapes) == sorted(map(list, other["shapes"]))
        agree += same
        wide = [s for s in shapes if s[1] >= 9]  # table 三 (10 or 11 columns), or table 四 (15)
        if wide and any(s[1] in (10, 11) for s in wide):
            table3["pages"] += 1
            table3["ours"] += any(s[1] in (10, 11) for s in shapes)
            table3["img2table"] += any(s[1] in (10, 11) for s in other["shapes"])
        print(f"{name[:48]:48s} p{number}  ours {shapes!s:40s} {seconds:5.2f} s   img2table "
              f"{other['shapes']!s:40s} {other['seconds']:5.2f} s  {'same' if same else 'DIFFERENT'}")
    print(f"\npages: {len(pages)}; same tables and shapes: {agree}")
    print(f"table-三 pages (by our grid): {table3['pages']}; img2table finds a 10/11-column table on "
          f"{table3['img2table']}")
    print(f"seconds per page, median: ours {statistics.median(p[4] for p in pages):.3f}, "
          f"img2table {statistics.median(t['seconds'] for t in theirs):.3f}")


if __name__ == "__main__":
    main()
