"""PDF ingestion: the real 洪泽 2024 report, small PDFs built here with PyMuPDF, and bad input."""
from __future__ import annotations

import time

import pymupdf
import pytest

from extractor import errors
from extractor.document import Document, TableBlock, TextBlock
from extractor.ingest import load, load_bytes
from extractor.settings import Settings

from .conftest import REAL as REAL_DIR

REAL = REAL_DIR / "huaian_hongze_2024.pdf"
CJK = "china-s"  # PyMuPDF's built-in simplified-Chinese font


# ---- helpers -------------------------------------------------------------------------------
def _tables(doc: Document) -> list[TableBlock]:
    return [b for b in doc.blocks if isinstance(b, TableBlock)]


def _texts(doc: Document) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, TextBlock)]


def _row(doc: Document, label_start: str) -> list[str]:
    """The visible (non-spanned) cell texts of the first table row whose label starts so."""
    for table in _tables(doc):
        for row in table.rows:
            cells = [c.text for c in row if not c.spanned]
            if any(text.startswith(label_start) for text in cells):
                return cells
    raise AssertionError(f"no row starting {label_start!r}")


def _numbers(cells: list[str]) -> list[str]:
    return [c for c in cells if c.isdigit()]


def _ruled_table(page: pymupdf.Page, top: float, xs: list[float], rows: list[list[str]], height: float = 30) -> float:
    """Draw a fully ruled table with one text line per cell; returns its bottom y."""
    ys = [top + i * height for i in range(len(rows) + 1)]
    for y in ys:
        page.draw_line((xs[0], y), (xs[-1], y), width=0.5)
    for x in xs:
        page.draw_line((x, ys[0]), (x, ys[-1]), width=0.5)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                page.insert_text((xs[c] + 3, ys[r] + 18), text, fontname=CJK, fontsize=10)
    return ys[-1]


def _pdf(build) -> bytes:
    pdf = pymupdf.open()
    build(pdf)
    return pdf.tobytes()


@pytest.fixture(scope="module")
def real() -> Document:
    return load(REAL, Settings())


# ---- the real report -------------------------------------------------------------------------
def test_real_report_pages_and_tables(real: Document) -> None:
    assert real.source.format == "pdf"
    assert real.source.pages == 5
    assert len(_tables(real)) == 3  # 二 (p2-3), 三 (p3-4), 四 (p4)
    assert real.warnings == []


def test_real_running_page_numbers_dropped(real: Document) -> None:
    texts = _texts(real)
    assert not any(t.strip().startswith("-") and t.strip().endswith("-") for t in texts)
    assert texts[0] == "淮安市洪泽区人民政府"  # the title leads, not the "- 1 -" printed first on page 1


def test_real_table3_numbers_are_separate_cells_in_order(real: Document) -> None:
    assert _numbers(_row(real, "一、本年新收")) == ["95", "0", "0", "0", "0", "0", "95"]
    assert _numbers(_row(real, "1.本机关不掌握相关政府信息")) == ["31", "0", "0", "0", "0", "0", "31"]
    assert _numbers(_row(real, "（七）总计")) == ["95", "0", "0", "0", "0", "0", "95"]


def test_real_table3_is_stitched_across_pages_3_and_4(real: Document) -> None:
    table3 = next(t for t in _tables(real) if any(c.text.startswith("一、本年新收") for r in t.rows for c in r))
    assert {c.where.page for r in table3.rows for c in r if not c.spanned} == {3, 4}
    assert any("page 3" in e and "page 4" in e and "column x-positions" in e for e in table3.evidence)
    assert all(len(row) == 10 for row in table3.rows)
    # the group label that runs over the page break covers the page-4 rows instead of leaving blanks
    carried = next(r for r in table3.rows if r[2].text.startswith("2.没有现成信息"))
    assert carried[0].spanned and carried[0].text == "三、本年度办理结果"
    assert carried[1].spanned and carried[1].text == "（四）无法提供"


def test_real_wrapped_header_cells_join_without_separator(real: Document) -> None:
    headers = {c.text for t in _tables(real) for r in t.rows for c in r}
    assert {"商业企业", "科研机构", "社会公益组织", "法律服务机构", "结果维持", "尚未审结"} <= headers
    assert "三、本年度办理结果" in headers  # printed one character per line
    assert "5.要求行政机关确认或重新出具已获取信息" in headers


def test_real_table4_row(real: Document) -> None:
    table4 = _tables(real)[-1]
    assert [c.text for c in table4.rows[-1]] == "1 1 0 0 2 1 0 0 0 1 2 0 1 0 3".split()


def test_real_table2_values(real: Document) -> None:
    assert _numbers(_row(real, "行政规范性文件")) == ["3", "0", "8"]
    assert _numbers(_row(real, "行政许可")) == ["9487"]
    assert _numbers(_row(real, "行政事业性收费")) == ["7545"]


def test_real_every_block_and_cell_has_provenance(real: Document) -> None:
    for index, block in enumerate(real.blocks):
        places = [block.where] + ([c.where for r in block.rows for c in r] if isinstance(block, TableBlock) else [])
        for where in places:
            assert where.route == "native"
            assert where.page is not None and 1 <= where.page <= 5
            x0, y0, x1, y1 = where.bbox
            assert 0 <= x0 < x1 <= 595 and 0 <= y0 < y1 <= 842
        if isinstance(block, TableBlock):
            assert all(c.where.table == index for r in block.rows for c in r)


def test_real_reading_order_follows_the_sections(real: Document) -> None:
    text = real.plain_text()
    headings = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert text.index("信息处理费0 元") > positions[-1]


def test_real_is_fast() -> None:
    data = REAL.read_bytes()
    load_bytes(data, "h.pdf", Settings())
    start = time.perf_counter()
    for _ in range(3):
        load_bytes(data, "h.pdf", Settings())
    assert (time.perf_counter() - start) / 3 / 5 < 0.1  # seconds per page


# ---- PDFs made here ------------------------------------------------------------------------
def _report_page(pdf: pymupdf.Document) -> None:
    page = pdf.new_page(width=595, height=842)
    page.insert_text((200, 80), "某某县人民政府2024年政府信息公开工作年度报告", fontname=CJK, fontsize=14)
    page.insert_text((72, 120), "三、收到和处理政府信息公开申请情况", fontname=CJK, fontsize=12)
    xs = [72, 252, 312, 372, 432, 492]
    bottom = _ruled_table(page, 140, xs, [
        ["", "自然人", "", "", "总计"],
        ["一、本年新收政府信息公开申请数量", "12", "3", "0", "15"],
        ["二、上年结转政府信息公开申请数量", "1", "0", "0", "1"],
    ])
    for x, upper, lower in ((315, "商业", "企业"), (375, "科研", "机构")):  # headers wrapped over two lines
        page.insert_text((x, 152), upper, fontname=CJK, fontsize=10)
        page.insert_text((x, 165), lower, fontname=CJK, fontsize=10)
    page.insert_text((72, bottom + 30), "六、其他需要报告的事项", fontname=CJK, fontsize=12)
    page.insert_text((72, bottom + 50), "全年收取信息处理费0元。", fontname=CJK, fontsize=12)
    page.insert_text((285, 815), "- 1 -", fontname=CJK, fontsize=10)


def test_made_report_page_reads_back() -> None:
    doc = load_bytes(_pdf(_report_page), "made.pdf", Settings())
    assert doc.source.pages == 1
    assert _texts(doc) == ["某某县人民政府2024年政府信息公开工作年度报告", "三、收到和处理政府信息公开申请情况",
                           "六、其他需要报告的事项", "全年收取信息处理费0元。"]
    (table,) = _tables(doc)
    assert [c.text for c in table.rows[0]] == ["", "自然人", "商业企业", "科研机构", "总计"]
    assert [c.text for c in table.rows[1]] == ["一、本年新收政府信息公开申请数量", "12", "3", "0", "15"]
    assert [c.text for c in table.rows[2]] == ["二、上年结转政府信息公开申请数量", "1", "0", "0", "1"]
    cell = table.rows[1][1]
    assert (cell.where.page, cell.where.row, cell.where.col) == (1, 1, 1)
    assert cell.where.bbox == pytest.approx((252, 170, 312, 200), abs=1)
    assert [b.kind for b in doc.blocks] == ["text", "text", "table", "text", "text"]


def test_merged_cells_are_expanded_with_spanned_copies() -> None:
    def build(pdf: pymupdf.Document) -> None:
        page = pdf.new_page()
        # header row: one cell across the two value columns (no rule between them in that row)
        for y in (100, 130, 160):
            page.draw_line((72, y), (312, y))
        page.draw_line((72, 100), (72, 160))
        page.draw_line((152, 100), (152, 160))
        page.draw_line((232, 130), (232, 160))
        page.draw_line((312, 100), (312, 160))
        page.insert_text((75, 120), "项目", fontname=CJK, fontsize=10)
        page.insert_text((200, 120), "行政诉讼", fontname=CJK, fontsize=10)  # lies across the missing rule
        for x, text in ((75, "结果维持"), (155, "1"), (235, "2")):
            page.insert_text((x, 150), text, fontname=CJK, fontsize=10)

    (table,) = _tables(load_bytes(_pdf(build), "m.pdf", Settings()))
    head = table.rows[0]
    assert [(c.text, c.spanned, c.colspan) for c in head] == [("项目", False, 1), ("行政诉讼", False, 2),
                                                              ("行政诉讼", True, 2)]
    assert [c.text for c in table.rows[1]] == ["结果维持", "1", "2"]


def _split_table(pdf: pymupdf.Document) -> None:
    xs = [72, 250, 320, 390]
    first = pdf.new_page(width=595, height=842)
    first.insert_text((72, 680), "三、收到和处理政府信息公开申请情况", fontname=CJK, fontsize=12)
    _ruled_table(first, 700, xs, [["项目", "自然人", "总计"], ["一、本年新收", "5", "5"]])
    second = pdf.new_page(width=595, height=842)
    bottom = _ruled_table(second, 72, [x + 0.8 for x in xs], [["二、上年结转", "0", "0"], ["（七）总计", "5", "5"]])
    second.insert_text((72, bottom + 40), "四、政府信息公开行政复议、行政诉讼情况", fontname=CJK, fontsize=12)


def test_table_continued_on_next_page_is_stitched() -> None:
    doc = load_bytes(_pdf(_split_table), "split.pdf", Settings())
    (table,) = _tables(doc)
    assert [[c.text for c in r] for r in table.rows] == [
        ["项目", "自然人", "总计"], ["一、本年新收", "5", "5"], ["二、上年结转", "0", "0"], ["（七）总计", "5", "5"]]
    assert [r[0].where.page for r in table.rows] == [1, 1, 2, 2]
    assert [r[0].where.row for r in table.rows] == [0, 1, 2, 3]
    assert table.evidence == ["rows 1-2 from page 1, rows 3-4 from page 2: same 4 column x-positions ±2pt"]


def test_tables_apart_by_text_are_not_stitched() -> None:
    def build(pdf: pymupdf.Document) -> None:
        _split_table(pdf)
        pdf[1].insert_text((72, 60), "四、政府信息公开行政复议、行政诉讼情况", fontname=CJK, fontsize=12)

    assert len(_tables(load_bytes(_pdf(build), "two.pdf", Settings()))) == 2


def test_page_without_rules_falls_back_to_lines() -> None:
    def build(pdf: pymupdf.Document) -> None:
        page = pdf.new_page()
        page.insert_text((72, 100), "一、本年新收政府信息公开申请数量", fontname=CJK, fontsize=10)
        for i, n in enumerate(("12", "0", "12")):
            page.insert_text((300 + 40 * i, 100), n, fontname=CJK, fontsize=10)
        page.insert_text((72, 130), "二、上年结转政府信息公开申请数量", fontname=CJK, fontsize=10)

    doc = load_bytes(_pdf(build), "plain.pdf", Settings())
    assert not _tables(doc)
    assert _texts(doc) == ["一、本年新收政府信息公开申请数量", "12", "0", "12", "二、上年结转政府信息公开申请数量"]
    assert all(b.where.page == 1 and b.where.bbox for b in doc.blocks)


def test_running_header_and_page_numbers_dropped() -> None:
    def build(pdf: pymupdf.Document) -> None:
        for n in range(1, 4):
            page = pdf.new_page(width=595, height=842)
            page.insert_text((200, 40), "某某县人民政府办公室", fontname=CJK, fontsize=9)
            page.insert_text((72, 200), f"正文第{n}段。", fontname=CJK, fontsize=12)
            page.insert_text((290, 815), f"第 {n} 页", fontname=CJK, fontsize=9)

    doc = load_bytes(_pdf(build), "hf.pdf", Settings())
    assert _texts(doc) == ["正文第1段。", "正文第2段。", "正文第3段。"]


# ---- bad input -----------------------------------------------------------------------------
def test_encrypted_pdf_is_refused() -> None:
    pdf = pymupdf.open()
    pdf.new_page().insert_text((72, 72), "机密", fontname=CJK)
    data = pdf.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="x", owner_pw="y")
    with pytest.raises(errors.EncryptedInput, match="password"):
        load_bytes(data, "x.pdf", Settings())


def test_owner_password_only_pdf_is_read() -> None:
    pdf = pymupdf.open()
    pdf.new_page().insert_text((72, 72), "可以打开", fontname=CJK)
    data = pdf.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="y")
    assert _texts(load_bytes(data, "x.pdf", Settings())) == ["可以打开"]


def test_garbage_pdf_is_corrupt() -> None:
    with pytest.raises(errors.CorruptInput, match="damaged"):
        load_bytes(b"%PDF-1.7\n" + b"\x00garbage\xff" * 200, "bad.pdf", Settings())


def test_pdf_without_pages_is_empty() -> None:
    with pytest.raises(errors.EmptyInput):
        load_bytes(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "empty.pdf", Settings())


def test_too_many_pages_is_refused_quickly() -> None:
    def build(pdf: pymupdf.Document) -> None:
        for _ in range(300):
            pdf.new_page()

    data = _pdf(build)
    start = time.perf_counter()
    with pytest.raises(errors.TooLarge, match="300 pages"):
        load_bytes(data, "big.pdf", Settings())
    assert time.perf_counter() - start < 0.5
