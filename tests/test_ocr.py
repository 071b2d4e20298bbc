"""Scanned pages and images: the OCR path, with the real engine on the labelled sets and a fake one
(words taken from a native page's own glyphs) for layout, mixing and failure cases.

Labelled sets (scripts/make_pdf_sets.py): evals/scanned must score ≥ 99% with no silent error,
evals/pdf_native 100% with no silent error.
"""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pymupdf
import pytest

from extractor import errors
from extractor.document import Document, TableBlock, TextBlock
from extractor.flat import flat
from extractor.ingest import load_bytes, ocr, scan_image
from extractor.ingest import pdf as pdf_reader
from extractor.ingest.image import read_image
from extractor.ingest.ocr import OcrWord
from extractor.ingest.pdf import read_pdf
from extractor.pipeline import extract
from extractor.report import Result
from extractor.settings import Settings
from extractor.tools import Tool

from .conftest import ROOT, document_of, gold_files, load_gold

SCANNED = ROOT / "evals" / "scanned"
NATIVE = ROOT / "evals" / "pdf_native"
CJK = "china-s"


# ---- a fake engine: the words of a native page, as an OCR engine would return them ----------------
class GlyphEngine:
    """Reads the words of the given native pages (one word per glyph, one line per text line) as if
    it had read their images perfectly: the page is the one whose glyphs have ink in the image it is
    given; ``recognize`` returns the glyphs with ink under them (the reader blanks its tables out
    first), ``read_lines`` the glyphs whose centres fall in each line box. Pages must not be tilted."""

    name = "fake (native glyphs)"

    def __init__(self, *pages: list[OcrWord]) -> None:
        self.pages = list(pages)
        self.calls = 0  # recognize calls (one per page with text outside tables)
        self.lines_read = 0

    def recognize(self, image: np.ndarray, dpi: float, region=None) -> list[OcrWord]:
        assert dpi == pdf_reader.OCR_DPI
        self.calls += 1
        x0, y0, x1, y1 = region or (0, 0, image.shape[1], image.shape[0])
        return [w for w in self._page(image, dpi) if _inked(image, w.bbox, dpi)
                and x0 <= _mid(w, 0) * dpi / 72 <= x1 and y0 <= _mid(w, 1) * dpi / 72 <= y1]

    def read_lines(self, image: np.ndarray, boxes, dpi: float) -> list[ocr.OcrLine]:
        assert dpi == pdf_reader.OCR_DPI
        words = self._page(image, dpi)
        self.lines_read += len(boxes)
        out = []
        for x0, y0, x1, y1 in boxes:
            # a glyph's box is its advance (a "1" is 5 pt wide, its ink 1 pt): overlap, not centre
            inside = sorted((w for w in words if _overlap(w.bbox[0] * dpi / 72, w.bbox[2] * dpi / 72, x0, x1)
                             and y0 <= _mid(w, 1) * dpi / 72 <= y1), key=lambda w: w.bbox[0])
            out.append(ocr.OcrLine("".join(w.text for w in inside), tuple(w.confidence for w in inside)))
        return out

    def _page(self, image: np.ndarray, dpi: float) -> list[OcrWord]:
        def inked_share(words: list[OcrWord]) -> float:
            return sum(_inked(image, w.bbox, dpi) for w in words) / max(1, len(words))

        return max(self.pages or [[]], key=inked_share)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> bool:
    return min(a1, b1) - max(a0, b0) >= 0.3 * min(a1 - a0, b1 - b0)


def _mid(word: OcrWord, axis: int) -> float:
    return (word.bbox[axis] + word.bbox[axis + 2]) / 2


def _inked(image: np.ndarray, box, dpi: float) -> bool:
    x0, y0, x1, y1 = (int(v * dpi / 72) for v in box)
    return bool((image[max(0, y0):y1 + 1, max(0, x0):x1 + 1] < 128).any())


def glyph_words(page: pymupdf.Page, confidence: float = 0.9) -> list[OcrWord]:
    """The page's glyphs as OCR words: what a perfect engine would read."""
    words: list[OcrWord] = []
    line_no = 0
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                for ch in span["chars"]:
                    if ch["c"].strip():
                        words.append(OcrWord(ch["c"], tuple(ch["bbox"]), confidence, line_no))
            line_no += 1
    return words


def image_only(source: pymupdf.Document, pages: list[int] | None = None, dpi: int = 150) -> pymupdf.Document:
    """The given pages as images (no text layer), like a scanner would make them."""
    out = pymupdf.open()
    for number in pages if pages is not None else range(source.page_count):
        page = source[number]
        pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        new = out.new_page(width=page.rect.width, height=page.rect.height)
        new.insert_image(new.rect, stream=pix.tobytes("png"))
    return out


def ruled_table_page(pdf: pymupdf.Document, rows: list[list[str]], rules: bool = True) -> pymupdf.Page:
    page = pdf.new_page(width=595, height=842)
    page.insert_text((72, 80), "三、收到和处理政府信息公开申请情况", fontname=CJK, fontsize=12)
    xs = [72, 300, 360, 420, 480]
    top, height = 100, 28
    if rules:
        for r in range(len(rows) + 1):
            page.draw_line((xs[0], top + r * height), (xs[-1], top + r * height), width=0.8)
        for x in xs:
            page.draw_line((x, top), (x, top + len(rows) * height), width=0.8)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                page.insert_text((xs[c] + 4, top + r * height + 18), text, fontname=CJK, fontsize=10.5)
    return page


ROWS = [
    ["", "自然人", "商业企业", "总计", ""],
    ["一、本年新收政府信息公开申请数量", "12", "3", "15", ""],
    ["二、上年结转政府信息公开申请数量", "1", "", "1", ""],
    ["（一）予以公开", "1234", "0", "1234", ""],
]


def _cells(doc: Document) -> list[list[str]]:
    (table,) = [b for b in doc.blocks if isinstance(b, TableBlock)]
    return [[c.text for c in row if not c.spanned] for row in table.rows]


def _pdf_source(name: str = "scan.pdf", fmt: str = "pdf"):
    from extractor.document import Source

    return Source(path=name, name=name, sha256="-", size=0, format=fmt)


# ---- layout of OCR words (fake engine) -----------------------------------------------------------
def test_scanned_page_rules_are_found_in_the_image_and_words_placed_in_cells() -> None:
    native = pymupdf.open()
    ruled_table_page(native, [row[:4] for row in ROWS])
    engine = GlyphEngine(glyph_words(native[0]))
    doc = read_pdf(image_only(native).tobytes(), _pdf_source(), Settings(), engine)
    assert engine.calls == 1
    assert _cells(doc) == [row[:4] for row in ROWS]
    table = next(b for b in doc.blocks if isinstance(b, TableBlock))
    cell = table.rows[3][1]
    assert (cell.where.route, cell.where.confidence, cell.where.page) == ("ocr", 0.9, 1)
    assert cell.where.bbox == pytest.approx((300, 184, 360, 212), abs=2)
    assert any("read by OCR" in w for w in doc.warnings)


def test_table_without_rules_comes_out_as_rows_not_as_a_grid() -> None:
    native = pymupdf.open()
    ruled_table_page(native, [row[:4] for row in ROWS[1:]], rules=False)
    engine = GlyphEngine(glyph_words(native[0]))
    doc = read_pdf(image_only(native).tobytes(), _pdf_source(), Settings(), engine)
    (table,) = [b for b in doc.blocks if isinstance(b, TableBlock)]
    assert table.geometry == "rows"  # without rules, where a blank cell sits is not known
    assert _cells(doc) == [[c for c in row[:4] if c] for row in ROWS[1:]]
    assert all(c.where.route == "ocr" and c.where.confidence == 0.9 for row in table.rows for c in row)


def test_mixed_document_native_and_scanned_pages(settings) -> None:
    native = pymupdf.open()
    ruled_table_page(native, [row[:4] for row in ROWS])
    native.new_page().insert_text((72, 100), "第二页是扫描件", fontname=CJK, fontsize=12)
    mixed = pymupdf.open()
    mixed.insert_pdf(native, from_page=0, to_page=0)
    mixed.insert_pdf(image_only(native, [1]))
    engine = GlyphEngine(glyph_words(native[1]))
    doc = read_pdf(mixed.tobytes(), _pdf_source(), settings, engine)
    assert engine.calls == 1  # only the scanned page went to OCR
    texts = {b.text: b.where for b in doc.blocks if isinstance(b, TextBlock)}
    assert texts["三、收到和处理政府信息公开申请情况"].route == "native"
    assert texts["第二页是扫描件"].route == "ocr" and texts["第二页是扫描件"].page == 2


def test_garbled_text_layer_is_read_by_ocr(settings) -> None:
    native = pymupdf.open()
    page = native.new_page()
    page.insert_text((72, 100), "政府信息公开工作年度报告", fontname=CJK, fontsize=12)
    engine = GlyphEngine(glyph_words(page))
    doc = read_pdf(_with_garbage_unicode_map(native), _pdf_source(), settings, engine)
    assert engine.calls == 1
    assert [b.text for b in doc.blocks] == ["政府信息公开工作年度报告"]
    assert "garbled" in " ".join(doc.warnings)


def _with_garbage_unicode_map(pdf: pymupdf.Document) -> bytes:
    """The PDF with a ToUnicode map sending every glyph to private-use code points: it prints
    right and extracts as garbage, like PDFs whose fonts were subset without a usable map."""
    pdf = pymupdf.open("pdf", pdf.tobytes())
    ranges = "".join(f"<{high:02X}00> <{high:02X}FF> <E000>\n" for high in range(256))
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Garbled def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n256 beginbfrange\n" + ranges
            + "endbfrange endcmap CMapName currentdict /CMap defineresource pop end end")
    xref = pdf.get_new_xref()
    pdf.update_object(xref, "<<>>")
    pdf.update_stream(xref, cmap.encode())
    for font in pdf.get_page_fonts(0):
        pdf.xref_set_key(font[0], "ToUnicode", f"{xref} 0 R")
    garbled = pdf.tobytes()
    assert pymupdf.open("pdf", garbled)[0].get_text().strip()[0] >= "\ue000"
    return garbled


def test_tilted_scan_is_straightened() -> None:
    native = pymupdf.open()
    ruled_table_page(native, [row[:4] for row in ROWS])
    pix = native[0].get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    gray = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.stride)[:, : pix.width]
    tilted = scan_image.rotated(gray, 1.2, 1, 255)  # 1 = cv2.INTER_LINEAR
    assert scan_image.skew_angle(gray) == pytest.approx(0.0, abs=0.06)
    assert scan_image.skew_angle(tilted) == pytest.approx(-1.2, abs=0.1)
    straight, _ = scan_image.straightened(tilted)
    rules = scan_image.find_rules(straight, 150)
    horizontal, vertical = rules.horizontal, rules.vertical
    rows = sorted({round(y) for y, start, end in horizontal if end - start > 300})
    assert len(rows) == len(ROWS) + 1  # every rule of the table found again after straightening
    assert len({round(x) for x, start, end in vertical if end - start > 100}) == 5


@pytest.mark.parametrize("read, cleaned", [
    ("O", "0"), ("o", "0"), ("1O2", "102"), ("6, 769", "6,769"), ("l2", "12"),
    ("（一）予以公开", "（一）予以公开"), ("—、本年新收", "一、本年新收"), ("三安全—稳定", "三安全一稳定"),
    ("——", "——"), ("-", "-"), ("22（其中修订 16 件）", "22（其中修订 16 件）"),
])
def test_cell_text_cleaning(read: str, cleaned: str) -> None:
    assert ocr.clean_cell(read) == cleaned


# ---- engines absent, images, bad input -----------------------------------------------------------
def _no_engine():
    raise errors.DependencyMissing("OCR is needed ... pip install 'rapidocr-onnxruntime==1.4.4'")


def test_scan_without_ocr_engine_fails_with_the_reason(monkeypatch, tmp_path: Path, settings) -> None:
    monkeypatch.setattr(pdf_reader, "_default_engine", _no_engine)
    native = pymupdf.open()
    ruled_table_page(native, ROWS)
    path = tmp_path / "scan.pdf"
    path.write_bytes(image_only(native).tobytes())
    result = extract(path, settings)
    assert result.status == "failed" and "rapidocr-onnxruntime" in result.error


def test_mixed_document_without_ocr_engine_keeps_native_pages(monkeypatch, settings) -> None:
    monkeypatch.setattr(pdf_reader, "_default_engine", _no_engine)
    native = pymupdf.open()
    ruled_table_page(native, ROWS)
    native.new_page().insert_text((72, 100), "扫描页", fontname=CJK)
    mixed = pymupdf.open()
    mixed.insert_pdf(native, from_page=0, to_page=0)
    mixed.insert_pdf(image_only(native, [1]))
    doc = read_pdf(mixed.tobytes(), _pdf_source(), settings)
    assert any("page 2" in w and "OCR is unavailable" in w for w in doc.warnings)
    assert "三、收到和处理政府信息公开申请情况" in doc.plain_text()


def test_multi_frame_tiff_is_one_page_per_frame(settings) -> None:
    from PIL import Image

    native = pymupdf.open()
    ruled_table_page(native, ROWS)
    native.new_page().insert_text((72, 100), "第二帧", fontname=CJK, fontsize=12)
    frames = []
    for page in native:
        pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
        frames.append(Image.frombytes("L", (pix.width, pix.height), pix.samples))
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], dpi=(200, 200))
    engine = GlyphEngine(glyph_words(native[0]), glyph_words(native[1]))
    doc = read_image(buffer.getvalue(), _pdf_source("scan.tif", "image"), settings, engine)
    assert doc.source.pages == 2 and engine.calls == 2
    assert {b.where.page for b in doc.blocks} == {1, 2}


BAD = {  # name → (bytes builder, status, words in the message)
    "encrypted.pdf": ("encrypted", "failed", "password"),
    "corrupt.pdf": ("corrupt", "failed", "damaged"),
    "zero-page.pdf": ("zero", "failed", "no pages"),
    "300-pages.pdf": ("pages300", "failed", "300 pages, over the 200-page limit (EXTRACTOR_MAX_PAGES)"),
    "201-frames.tif": ("frames201", "failed", "201 frames, over the 200-page limit (EXTRACTOR_MAX_PAGES)"),
    "61-scanned-pages.pdf": ("scanned61", "failed", "need OCR"),
    "corrupt.png": ("png", "failed", "damaged"),
    "huge.png": ("huge", "failed", "pixel limit"),
}


def _bad(kind: str) -> bytes:
    pdf = pymupdf.open()
    if kind == "encrypted":
        pdf.new_page().insert_text((72, 72), "机密", fontname=CJK)
        return pdf.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="x", owner_pw="y")
    if kind == "corrupt":
        return b"%PDF-1.7\n" + b"\x00garbage\xff" * 200
    if kind == "zero":
        return b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    if kind == "png":
        return b"\x89PNG\r\n\x1a\n" + b"\x00broken" * 100
    if kind == "huge":  # 10000 × 6000 white pixels: a few kB compressed, 60 M pixels decoded
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("1", (10000, 6000), 1).save(buffer, "PNG")
        return buffer.getvalue()
    if kind == "frames201":
        from PIL import Image

        buffer = io.BytesIO()
        frames = [Image.new("1", (8, 8), 1) for _ in range(201)]
        frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
        return buffer.getvalue()
    dot = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 8, 8), False).tobytes("png")
    for _ in range(300 if kind == "pages300" else pdf_reader.MAX_OCR_PAGES + 1):
        page = pdf.new_page()
        page.insert_image(page.rect, stream=dot)
    return pdf.tobytes(garbage=3)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_pdfs_and_images_get_a_clear_status_quickly(name: str, tmp_path: Path, monkeypatch, settings) -> None:
    monkeypatch.setattr(pdf_reader, "_default_engine", lambda: GlyphEngine())  # must never be asked
    kind, status, words = BAD[name]
    path = tmp_path / name
    path.write_bytes(_bad(kind))
    started = time.perf_counter()
    result = extract(path, settings)
    assert time.perf_counter() - started < 5
    assert result.status == status and words in result.error, result.error


# ---- the real engine ------------------------------------------------------------------------------
def test_png_of_a_table_page_is_read_by_the_real_engine(settings) -> None:
    from PIL import Image, ImageFilter

    native = pymupdf.open()
    ruled_table_page(native, ROWS)
    pix = native[0].get_pixmap(dpi=150, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    image = image.rotate(0.8, resample=Image.BICUBIC, fillcolor=255).filter(ImageFilter.GaussianBlur(0.5))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    doc = load_bytes(buffer.getvalue(), "table.png", settings)
    assert doc.source.format == "image" and doc.source.pages == 1
    cells = _cells(doc)
    assert [row[1:4] for row in cells[1:]] == [row[1:4] for row in ROWS[1:]]
    assert [row[0] for row in cells[1:]] == [row[0] for row in ROWS[1:]]
    table = next(b for b in doc.blocks if isinstance(b, TableBlock))
    values = [c for row in table.rows[1:] for c in row[1:] if c.text]
    assert all(c.where.route == "ocr" and 0.5 < c.where.confidence <= 1 for c in values)


# the syn_* scans of make_pdf_sets.py (the scan_* ones are checked cell by cell in test_scan_grid.py
# and scored in the eval gate; reading them here again would double the CI time)
SYN_SCANS = [g for g in gold_files(SCANNED) if g.name.startswith("syn_")]


@pytest.fixture(scope="module")
def scanned_results() -> dict[str, Result]:
    settings = Settings()
    return {gold.name: extract(document_of(gold), settings) for gold in SYN_SCANS}


@pytest.mark.slow
@pytest.mark.parametrize("gold", SYN_SCANS, ids=lambda p: p.name)
def test_scanned_set_no_silent_errors(gold: Path, scanned_results, scorer) -> None:
    out = flat(scanned_results[gold.name])
    score = scorer(load_gold(gold), out)
    assert out["status"] in ("ok", "needs_review"), out["error"]
    assert score["silent_errors"] == 0, [w for w in score["wrong"] if w[3] == "SILENT"]


@pytest.mark.slow
def test_scanned_set_accuracy_at_least_99_percent(scanned_results, scorer) -> None:
    scores = [scorer(load_gold(g), flat(scanned_results[g.name])) for g in SYN_SCANS]
    correct, keys = sum(s["correct"] for s in scores), sum(s["keys"] for s in scores)
    assert correct / keys >= 0.99, [w for s in scores for w in s["wrong"]]


@pytest.mark.slow
def test_scanned_values_point_to_ocr_provenance(scanned_results) -> None:
    result = scanned_results[SYN_SCANS[0].name]
    value = result.report.values["requests.new_received.total"]
    (where,) = value.where
    assert where.route == "ocr" and where.page is not None and where.bbox is not None
    assert 0 < where.confidence <= 1


NATIVE_KNOWN: dict[str, str] = {}  # documents the parser gets wrong today: strict xfail, so a fix is noticed


@pytest.mark.parametrize("gold", [
    pytest.param(g, marks=pytest.mark.xfail(strict=True, reason=NATIVE_KNOWN[g.name])) if g.name in NATIVE_KNOWN
    else g for g in gold_files(NATIVE)], ids=lambda p: p.name)
def test_native_pdf_set_all_right_no_silent_errors(gold: Path, settings, scorer) -> None:
    out = flat(extract(document_of(gold), settings))
    score = scorer(load_gold(gold), out)
    assert score["silent_errors"] == 0, score["wrong"]
    assert score["accuracy"] == 1.0, score["wrong"]


# ---- the repair prototype for the checker --------------------------------------------------------
def _appeal_values(**changes: int) -> dict[str, int]:
    values = {f"appeals.review.{k}": v for k, v in
              {"upheld": 3, "corrected": 6, "other": 0, "pending": 1, "total": 10}.items()}
    return {**values, **{f"appeals.review.{k}": v for k, v in changes.items()}}


def test_one_confused_digit_that_satisfies_every_identity_is_named() -> None:
    from extractor.identities import appeal_equations
    from extractor.ocr_repairs import single_substitution_repairs

    values = _appeal_values(corrected=8)  # 6 read as 8
    identities = [eq for eq in appeal_equations() if "review" in eq.name]
    assert single_substitution_repairs(values, identities, {"appeals.review.corrected": 0.7}) == [
        ("appeals.review.corrected", 8, 6)]
    # read with near certainty: more likely printed wrong than read wrong, so no "repair"
    assert single_substitution_repairs(values, identities, {"appeals.review.corrected": 0.99},
                                       max_confidence=0.95) == []
    # native cells are never suspects, and nothing is suggested when the identities hold
    assert single_substitution_repairs(values, identities, set()) == []
    assert single_substitution_repairs(_appeal_values(), identities, set(values)) == []


def test_several_repairs_are_all_returned_so_the_checker_can_stay_silent() -> None:
    from extractor.identities import appeal_equations
    from extractor.ocr_repairs import single_substitution_repairs

    values = _appeal_values(total=16)  # 总计 10 read as 16, or 其他结果 6 read as 0: both fit
    identities = [eq for eq in appeal_equations() if "review" in eq.name]
    repairs = single_substitution_repairs(values, identities, set(values))
    assert ("appeals.review.total", 16, 10) in repairs and len(repairs) > 1


# ---- the committed PDF sets are what the generator makes -----------------------------------------
def _pdf_sets_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_pdf_sets", ROOT / "scripts" / "make_pdf_sets.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.slow
@pytest.mark.needs(Tool.LIBREOFFICE, Tool.CJK_FONTS)
def test_committed_pdf_sets_can_be_regenerated() -> None:
    """Rebuilt, the sets read the same: compared by what the extractor reads from each PDF, not bytes."""
    script = _pdf_sets_script()
    version = script.libreoffice_version()
    if not version.startswith(script.LIBREOFFICE + "."):
        pytest.skip(f"the sets were made with LibreOffice {script.LIBREOFFICE}; {version} may break pages elsewhere")
    assert script.check(NATIVE, SCANNED) == []


# ---- render size bounded by pixels ----------------------------------------------------------------
def _poster(width: float, height: float) -> bytes:
    """An image-only page drawn ``width`` × ``height`` pt: a small scan stretched over it."""
    native = pymupdf.open()
    ruled_table_page(native, [row[:4] for row in ROWS])
    png = native[0].get_pixmap(dpi=100, colorspace=pymupdf.csGRAY).tobytes("png")
    pdf = pymupdf.open()
    page = pdf.new_page(width=width, height=height)
    page.insert_image(page.rect, stream=png, keep_proportion=False)
    return pdf.tobytes()


def test_a_page_drawn_14400_pt_wide_is_rendered_within_the_pixel_cap(settings) -> None:
    engine = GlyphEngine()  # reads nothing: what matters is the image it is given
    seen: list[tuple[int, int]] = []
    original = engine.recognize
    engine.recognize = lambda image, dpi, region=None: seen.append(image.shape) or original(image, 150)  # type: ignore[method-assign]
    engine.read_lines = lambda image, boxes, dpi: seen.append(image.shape) or [ocr.OcrLine("", ())] * len(boxes)  # type: ignore[method-assign]
    doc = read_pdf(_poster(14_400, 842), _pdf_source(), settings, engine)
    assert seen and all(h * w <= settings.max_render_pixels for h, w in seen)
    assert any("EXTRACTOR_MAX_RENDER_PIXELS" in w and "14,400×842 pt" in w for w in doc.warnings), doc.warnings


def test_a_page_too_large_even_for_the_least_resolution_fails_naming_the_limit(tmp_path: Path, monkeypatch,
                                                                                settings) -> None:
    monkeypatch.setattr(pdf_reader, "_default_engine", lambda: GlyphEngine())
    path = tmp_path / "poster.pdf"
    path.write_bytes(_poster(14_400, 14_400))
    started = time.perf_counter()
    result = extract(path, settings)
    assert time.perf_counter() - started < 10
    assert result.status == "failed" and "EXTRACTOR_MAX_RENDER_PIXELS" in result.error, result.error


# ---- text outside tables is read in pieces bounded by pixels -------------------------------------
@pytest.mark.parametrize("shape", [(40, 6400), (6400, 40), (1180, 21_200), (1988, 1406), (3508, 2480), (100, 100)])
@pytest.mark.parametrize("lines", [False, True], ids=["blank", "lines of text"])
def test_pieces_keep_every_pixel_once_within_the_bounds(shape, lines: bool) -> None:
    image = np.full(shape, 255, np.uint8)
    if lines:  # rows of ink 30 px high every 45 px, broken every 40 px: cuts must fall in the gaps
        for y in range(10, shape[0] - 30, 45):
            for x in range(0, shape[1], 40):
                image[y:y + 30, x:x + 34] = 0
    overlap = 85
    rows = ocr.pieces(image, overlap)
    kept = np.zeros(shape, np.int32)
    for row in rows:
        assert len({keep[1] for _, keep in row}) == 1  # a row of pieces side by side
        for piece, keep in row:
            kept[keep[1]:keep[3], keep[0]:keep[2]] += 1
            assert piece[0] <= keep[0] and piece[1] <= keep[1] and piece[2] >= keep[2] and piece[3] >= keep[3]
            assert piece[2] - piece[0] <= ocr.MAX_SIDE + 2 * overlap
            # pixels: the bound, and what moving a cut back to a gap in the ink may add
            bound = ocr.MAX_PIXELS + overlap * (ocr.MAX_SIDE + 2 * overlap)
            assert (piece[2] - piece[0]) * (piece[3] - piece[1]) <= bound
            if lines:  # a cut across the lines of text falls where there is none
                assert keep[1] == 0 or not image[keep[1]].min() == 0
    assert (kept == 1).all()


def test_a_band_far_longer_than_the_detector_side_is_read_whole_by_the_real_engine() -> None:
    """rapidocr shrinks an image to 2,000 px on its long side: a band of text 6,400 px wide came out
    0 px high (ResizeImgError, an internal error). Cut in pieces, every figure is read, once, and a
    figure cut in two is one run again."""
    import cv2

    image = np.full((60, 6400), 255, np.uint8)
    for x, text in ((100, "1234"), (1550, "5678"), (4100, "9012"), (6200, "3456")):
        cv2.putText(image, text, (x, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    words = ocr.RapidOcrEngine().recognize(image, 150)
    runs = sorted(run.text for line in ocr.word_runs(words) for run in line)
    assert runs == ["1234", "3456", "5678", "9012"], runs
    assert all(100 * 72 / 150 - 5 < w.bbox[0] for w in words) and max(w.bbox[2] for w in words) > 6200 * 72 / 150


def test_a_scanned_page_drawn_14400_pt_wide_and_800_high_is_read_by_the_real_engine(tmp_path: Path,
                                                                                   settings) -> None:
    path = tmp_path / "band.pdf"
    path.write_bytes(_poster(14_400, 800))
    result = extract(path, settings)
    assert result.status != "failed", result.error
    assert any("EXTRACTOR_MAX_RENDER_PIXELS" in w for w in result.warnings), result.warnings


def test_an_image_the_engine_cannot_resize_is_a_clear_failure_not_an_internal_error() -> None:
    from rapidocr_onnxruntime.utils.process_img import ResizeImgError

    class Refuses:  # what rapidocr raises when a side would shrink to 0 px
        text_rec = SimpleNamespace(rec_image_shape=[3, 48, 96])

        def __call__(self, *args, **kwargs):
            raise ResizeImgError()

    engine = ocr.RapidOcrEngine()
    engine._model = Refuses()
    with pytest.raises(errors.CorruptInput, match="OCR failed on a page image: ResizeImgError"):
        engine.recognize(np.full((40, 400), 255, np.uint8), 150)
