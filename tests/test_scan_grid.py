"""The grid a scanned report's tables come out as, checked cell by cell against what was printed.

The documents are the ``scan_*`` reports of evals/scanned (scripts/make_scan_set.py): web pages
printed by Chromium and Word documents printed by LibreOffice, with black or light-grey rules,
sparse (zeros printed blank) or dense, scanned at 150–300 dpi, turned up to ±3°, with JPEG noise,
table 三 broken across pages with or without its header repeated. Their golds say what every cell
holds, so the grid can be checked without the parser: every table-三 row found in order by its
label, every value cell at its position with the printed text (a blank where a sparse report
prints a zero), and each page of table 三 its own grid block on the same columns.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from extractor.document import Document, TableBlock
from extractor.ingest import load_bytes
from extractor.settings import Settings
from extractor.template import APPEAL_KEYS, COLUMNS, table3_rows

from .conftest import ROOT

SCANNED = ROOT / "evals" / "scanned"
# one of each: source × rule colour × density × resolution × repeated header, tilts from 0.3° to 3°
CHOSEN = (
    "scan_000_html_grey_sparse_150dpi_rephead.pdf",
    "scan_001_html_grey_dense_200dpi_rephead.pdf",
    "scan_002_html_grey_sparse_300dpi_nohead.pdf",
    "scan_015_html_black_dense_150dpi_nohead.pdf",
    "scan_022_docx_black_sparse_200dpi_nohead.pdf",
    "scan_029_docx_grey_dense_300dpi_rephead.pdf",
)


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return {name: load_bytes((SCANNED / name).read_bytes(), name, Settings()) for name in CHOSEN}


def _gold(name: str) -> dict:
    return json.loads((SCANNED / (name + ".gold.json")).read_text(encoding="utf-8"))["values"]


def _grids(doc: Document) -> list[TableBlock]:
    return [b for b in doc.blocks if isinstance(b, TableBlock) and b.geometry == "grid"]


def _table3(doc: Document) -> list[TableBlock]:
    """The blocks of table 三: the grid holding 自然人 and the blocks that continue it."""
    blocks: list[TableBlock] = []
    for block in _grids(doc):
        texts = {c.text for row in block.rows for c in row}
        if blocks and any(e.startswith("continues the table") for e in block.evidence):
            blocks.append(block)
        elif "自然人" in texts and not any("行政复议" in t for t in texts):
            blocks = [block]
        elif blocks:
            break
    return blocks


def _value_rows(blocks: list[TableBlock]) -> list[tuple[str, list[str]]]:
    """(label, the 7 value cells' texts) of every row that is not a header row, in print order."""
    rows = []
    for block in blocks:
        for row in block.rows:
            values = [c.text for c in row[-7:]]
            if any(re.search(r"[\u4e00-\u9fff]", v) for v in values):
                continue  # a header row (自然人 …, or a header repeated on the next page)
            labels = [c.text for c in row[:-7]]
            rows.append((labels[-1] if labels else "", values))
    return rows


# Known misreadings, strict: a fix is noticed. Word's tables printed by LibreOffice set 10.5pt text in
# 14pt rows, so glyphs touch both rules of their cell; some still pass for rules or break one.
KNOWN = {
    ("table3", "scan_022_docx_black_sparse_200dpi_nohead.pdf"): "tight Word cells: a glyph stroke taken for a rule",
    ("table3", "scan_029_docx_grey_dense_300dpi_rephead.pdf"): "tight Word cells with grey rules: cells merged",
    ("pages", "scan_029_docx_grey_dense_300dpi_rephead.pdf"): "tight Word cells with grey rules: cells merged",
    ("table4", "scan_022_docx_black_sparse_200dpi_nohead.pdf"): "tight Word cells: a glyph stroke taken for a rule",
    ("table4", "scan_029_docx_grey_dense_300dpi_rephead.pdf"): "tight Word cells with grey rules: cells merged",
}


def _cases(test: str) -> list:
    return [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN[(test, n)])) if (test, n) in KNOWN
            else n for n in CHOSEN]


@pytest.mark.slow
@pytest.mark.parametrize("name", _cases("table3"))
def test_table3_grid_holds_every_printed_cell_in_its_place(name: str, documents) -> None:
    doc, values = documents[name], _gold(name)
    sparse = "_sparse_" in name
    blocks = _table3(doc)
    assert blocks, "table 三 not found as a grid"
    assert len({len(row) for b in blocks for row in b.rows}) == 1, "the pages of table 三 have different columns"
    rows = _value_rows(blocks)
    specs = table3_rows("2021")
    assert len(rows) == len(specs), [label for label, _ in rows]
    wrong = []
    for spec, (label, cells) in zip(specs, rows):
        squeezed = re.sub(r"\s+", "", label)
        if not any(re.search(p, squeezed) for p in spec.patterns):
            wrong.append((spec.key, "label", label))
        for column, text in zip(COLUMNS, cells):
            value = int(values[f"requests.{spec.key}.{column}"])
            printed = "" if sparse and value == 0 else str(value)
            if text != printed:
                wrong.append((f"requests.{spec.key}.{column}", printed, text))
    assert not wrong


@pytest.mark.slow
@pytest.mark.parametrize("name", _cases("pages"))
def test_table3_pages_are_blocks_of_their_own_that_say_they_continue(name: str, documents) -> None:
    blocks = _table3(documents[name])
    pages = [b.where.page for b in blocks]
    assert pages == sorted(set(pages)), "one block per page"
    for block in blocks[1:]:
        assert any(e.startswith("continues the table of page") for e in block.evidence), block.evidence
        repeated = any("repeat the header rows" in e for e in block.evidence)
        assert repeated == ("_rephead" in name), block.evidence
    cells = [c for b in blocks for row in b.rows for c in row]
    assert all(c.where.route == "ocr" and c.where.page and c.where.bbox for c in cells)
    numbers = [c for c in cells if c.text.isdigit()]
    assert numbers and all(0 < c.where.confidence <= 1 for c in numbers)


@pytest.mark.slow
@pytest.mark.parametrize("name", _cases("table4"))
def test_table4_grid_holds_its_fifteen_values(name: str, documents) -> None:
    doc, values = documents[name], _gold(name)
    sparse = "_sparse_" in name
    grids = _grids(doc)
    (start,) = [i for i, b in enumerate(grids) if any("行政复议" in c.text for row in b.rows for c in row)]
    chain = [grids[start]]
    for block in grids[start + 1:]:  # its value row may be printed on the next page
        if not any(e.startswith("continues the table") for e in block.evidence):
            break
        chain.append(block)
    last = [c.text for c in chain[-1].rows[-1]]
    assert last == ["" if sparse and values[k] == 0 else str(values[k]) for k in APPEAL_KEYS]


def test_sparse_grid_blank_cells_are_cells_and_are_not_read(tmp_path: Path) -> None:
    """A sparse page: every blank cell is an empty Cell at its position, and only the inked cells
    went to the recogniser."""
    import pymupdf

    from extractor.ingest.pdf import read_pdf

    from .test_ocr import GlyphEngine, _pdf_source, glyph_words, image_only, ruled_table_page

    rows = [["", "自然人", "商业企业", "总计"]] + [[f"{i}.属于第{i}类", "", "", ""] for i in range(1, 12)]
    rows[5][1] = rows[5][3] = "1"
    native = pymupdf.open()
    ruled_table_page(native, rows)
    engine = GlyphEngine(glyph_words(native[0]))
    doc = read_pdf(image_only(native).tobytes(), _pdf_source(), Settings(), engine)
    (table,) = _grids(doc)
    assert [[c.text for c in row] for row in table.rows] == rows
    assert [(c.where.row, c.where.col) for row in table.rows for c in row] == [
        (r, c) for r in range(len(rows)) for c in range(4)]
    inked = sum(1 for row in rows for text in row if text)
    assert engine.lines_read == inked  # blank cells cost no recognition


def test_committed_scan_golds_are_what_the_generator_makes() -> None:
    """Golds byte for byte, every planned document present (``make_scan_set.py --check`` compares
    the page images too, with Chromium and LibreOffice installed)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("make_scan_set", ROOT / "scripts" / "make_scan_set.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    assert module.check_golds(SCANNED) == []
    assert len(module.specs()) >= 30


def test_a_rule_too_faint_for_the_rule_finder_splits_its_rows_and_they_are_not_pinned() -> None:
    """A light rule the rule finder does not take (Word's tight cells printed grey) is found again
    where it divides a merged cell: the rows come out apart, but their cells are marked ``padded``
    (no header binding pins them) with a confidence of at most 0.5, and the block says why. A clean
    black-ruled table keeps every row pinned."""
    import pymupdf

    from extractor.ingest.pdf import DOUBT_CONFIDENCE, read_pdf

    from .test_ocr import CJK, GlyphEngine, _pdf_source, glyph_words, image_only

    rows = [["", "自然人", "商业企业", "总计"], ["（一）予以公开", "7", "2", "9"], ["（二）部分公开", "", "", ""],
            ["（三）不予公开", "1", "", "1"]]

    def read(faint: bool) -> TableBlock:
        native = pymupdf.open()
        page = native.new_page(width=595, height=842)
        xs, top, height = [72, 300, 360, 420, 480], 100, 20
        for r in range(len(rows) + 1):
            y = top + r * height
            if faint and r == 2:  # 0.3pt of light grey, straddling two pixel rows at 150 dpi
                page.draw_line((xs[0], y + 0.24), (xs[-1], y + 0.24), width=0.3, color=(0.93, 0.93, 0.93))
            else:
                page.draw_line((xs[0], y), (xs[-1], y), width=0.8)
        for x in xs:
            page.draw_line((x, top), (x, top + len(rows) * height), width=0.8)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if text:
                    page.insert_text((xs[c] + 4, top + r * height + 14), text, fontname=CJK, fontsize=10.5)
        engine = GlyphEngine(glyph_words(native[0]))
        (table,) = _grids(read_pdf(image_only(native).tobytes(), _pdf_source(), Settings(), engine))
        return table

    table = read(faint=True)
    assert [[c.text for c in row] for row in table.rows] == rows
    assert [all(c.padded for c in row) for row in table.rows] == [False, True, True, False]
    assert all(c.where.confidence is not None and c.where.confidence <= DOUBT_CONFIDENCE
               for row in table.rows[1:3] for c in row)
    assert [e.split(":")[0] for e in table.evidence if "not pinned" in e] == ["row 2", "row 3"]
    clean = read(faint=False)
    assert [[c.text for c in row] for row in clean.rows] == rows
    assert not any(c.padded for row in clean.rows for c in row)


def test_what_is_left_of_a_thick_rule_in_a_cell_is_not_read_as_text() -> None:
    """A thin solid run across the whole cell against its rule (the inner line of a double or bold
    border) is dropped from the cell's ink rows; a digit, and a line of text touching the rule, stay."""
    import numpy as np

    from extractor.ingest.scanned import _without_rule_remains

    ink = np.zeros((33, 71), np.uint8)
    ink[3:22, 13:22] = 1  # a digit
    ink[25:28, 1:70] = 1  # the remains of the bottom rule
    rows = np.flatnonzero(ink.any(axis=1))
    assert _without_rule_remains(ink, rows, 150).tolist() == list(range(3, 22))
    text = np.zeros((33, 71), np.uint8)
    text[14:32, :] = np.arange(71) % 3 == 0  # glyph strokes across the cell, down to its bottom edge
    rows = np.flatnonzero(text.any(axis=1))
    assert _without_rule_remains(text, rows, 150).tolist() == rows.tolist()
