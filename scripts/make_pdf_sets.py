"""Builds the PDF evaluation sets: evals/pdf_native (made by LibreOffice) and evals/scanned (image-only).

usage: python scripts/make_pdf_sets.py [--check] [--native DIR] [--scanned DIR]

Sources are documents of the labelled synthetic set (evals/synthetic when present, otherwise the same
documents rendered in memory by ``extractor.synthetic`` with its default seed), each with its gold.
- ``as_generated``: the DOCX/HTML converted as it is (a DOCX's equal column widths give the narrow,
  many-line label cells of C12; an HTML page prints with its site chrome, as a browser would).
- ``form``: the DOCX re-laid out like the national form: A4, label columns wide, number columns
  narrow; ``filler`` paragraphs of prose (no figures) go before table 三 so that it breaks across a
  page at another place than it would otherwise.
LibreOffice converts the result to PDF. Scanned PDFs start from such a PDF: each page is rendered at
150 dpi in grey, turned by up to ±1.5°, blurred, given sensor noise and JPEG-compressed (all seeded
per document and page), and wrapped as an image-only PDF. Golds are the source's gold with the
document name changed and a note added; the values are the same.

``--check`` rebuilds the sets in a temporary folder and compares them with the committed ones (exit 1
on a difference). What is compared is what the extractor reads from each PDF, not its bytes or text:
LibreOffice embeds dates and IDs, another build or font wraps a line elsewhere, another libjpeg
encodes the same pixels differently, and none of that matters unless the extracted values or the
status change. Gold files must be identical byte for byte. LibreOffice must be installed for both
modes, with CJK fonts (fonts-noto-cjk); another LibreOffice version than the one the sets were made
with (``LIBREOFFICE``) may break pages elsewhere, so ``--check`` is only meaningful with that version.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import docx
import numpy as np
import pymupdf
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.ingest.office import convert  # noqa: E402
from extractor.synthetic.build import DEFAULT_N, DEFAULT_SEED, gold_bytes, make_document, plan_set  # noqa: E402

SYNTHETIC = ROOT / "evals" / "synthetic"
NATIVE_DIR = ROOT / "evals" / "pdf_native"
SCANNED_DIR = ROOT / "evals" / "scanned"
GOLD_SUFFIX = ".gold.json"
SET_PREFIX = "syn_"  # the documents this script makes (evals/scanned's scan_* come from make_scan_set.py)

_NUMBER_CELL = re.compile(r"^[-+]?[\d０-９][\d０-９,，.．]*(?:[（(].*)?$")
LIBREOFFICE = "7.4"  # the version the committed sets were made with (Debian 12: 7.4.7)
SCAN_DPI = 150
MAX_TILT = 1.5  # degrees either way
TEXT_WIDTH_MM = 160.0  # A4 (210 mm) less 25 mm margins
MAX_VALUE_COLUMN_MM = 25.0

FILLER = (
    "本机关持续推进政务公开标准化规范化建设，梳理完善公开事项目录，明确公开主体、公开内容、公开时限和公开方式，"
    "推动公开工作制度化、程序化。",
    "围绕群众关切，加强政策解读和回应工作，坚持政策文件与解读材料同步组织、同步审签、同步部署，"
    "以图文、问答等形式增强解读的针对性和可读性。",
    "加强政府信息公开平台日常管理，定期开展栏目巡查，及时发现并整改空白栏目、更新不及时等问题，"
    "确保平台信息准确、完整、可用。",
    "严格落实保密审查制度，坚持先审查、后公开，一事一审、全面审查，防止泄露国家秘密和工作秘密，"
    "保护个人隐私和商业秘密。",
    "健全依申请公开工作机制，规范受理、登记、审核、答复、归档等环节，加强与申请人的沟通，"
    "依法保障申请人的合法权益。",
)


@dataclass(frozen=True)
class Spec:
    source: str  # prefix of a synthetic document name, e.g. "syn_004"
    layout: str  # "form" | "as_generated"
    filler: int = 0  # filler paragraphs before table 三 (form layout only)


NATIVE = (
    Spec("syn_004", "as_generated"),
    Spec("syn_009", "form", filler=8),
    Spec("syn_014", "form", filler=14),
    Spec("syn_019", "form", filler=3),
    Spec("syn_033", "as_generated"),
)
SCANNED = (
    Spec("syn_024", "form", filler=10),
    Spec("syn_029", "form"),
    Spec("syn_039", "form", filler=5),
    Spec("syn_044", "as_generated"),
)


# ---- sources --------------------------------------------------------------------------------------
def source(prefix: str) -> tuple[str, bytes, dict]:
    """(name, bytes, gold) of the synthetic document starting with ``prefix``."""
    if SYNTHETIC.is_dir():
        matches = sorted(p for p in SYNTHETIC.glob(f"{prefix}_*") if not p.name.endswith(GOLD_SUFFIX))
        if matches:
            gold = json.loads((matches[0].parent / (matches[0].name + GOLD_SUFFIX)).read_text(encoding="utf-8"))
            return matches[0].name, matches[0].read_bytes(), gold
    for plan in plan_set(DEFAULT_N, DEFAULT_SEED):
        if plan.name.startswith(prefix + "_"):
            data, gold = make_document(plan, DEFAULT_SEED)
            return plan.name, data, gold
    raise SystemExit(f"no synthetic document {prefix}_*")


# ---- the form layout (DOCX) -----------------------------------------------------------------------
def form_layout(data: bytes, filler: int) -> bytes:
    """The DOCX on A4 with form-like column widths, ``filler`` paragraphs before table 三."""
    word = docx.Document(io.BytesIO(data))
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(25)
    for table in word.tables:
        _set_widths(table._tbl)
    if filler:
        heading = next(p for p in word.paragraphs if p.text.strip().endswith("收到和处理政府信息公开申请情况"))
        for i in range(filler):
            heading.insert_paragraph_before(FILLER[i % len(FILLER)])
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _set_widths(tbl: etree._Element) -> None:
    """Number columns narrow (≤ 25 mm), label columns share the rest by the length of their text."""
    grid = _grid_texts(tbl)
    n = max(len(row) for row in grid)
    values = [c for c in range(n) if any(_numeric(row[c][0]) for row in grid if c < len(row) and row[c][1] == 1)]
    labels = [c for c in range(n) if c not in values]
    value_mm = min(MAX_VALUE_COLUMN_MM, (TEXT_WIDTH_MM * (0.55 if labels else 1.0)) / max(1, len(values)))
    weights = {c: min(20, max(4, max((len(row[c][0]) for row in grid if c < len(row) and row[c][1] == 1),
                                     default=4))) for c in labels}
    rest = TEXT_WIDTH_MM - value_mm * len(values)
    widths = [value_mm if c in values else rest * weights[c] / sum(weights.values()) for c in range(n)]
    _write_widths(tbl, [round(w * 56.7) for w in widths])  # mm → twentieths of a point


def _grid_texts(tbl: etree._Element) -> list[list[tuple[str, int]]]:
    """Per row, per grid column: (text of the cell covering it, its column span)."""
    rows = []
    for tr in tbl.iter(qn("w:tr")):
        row: list[tuple[str, int]] = []
        for tc in tr.iter(qn("w:tc")):
            span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            n = int(span.get(qn("w:val"))) if span is not None else 1
            text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
            row += [(text, n)] * n
        rows.append(row)
    return rows


def _numeric(text: str) -> bool:
    """A number cell (ASCII or full-width digits, perhaps a note after): not a label like 1.属于国家秘密."""
    return bool(_NUMBER_CELL.match(text.strip()))


def _write_widths(tbl: etree._Element, widths: list[int]) -> None:
    grid = tbl.find(qn("w:tblGrid"))
    for col, width in zip(grid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(width))
    props = tbl.find(qn("w:tblPr"))
    layout = props.find(qn("w:tblLayout"))
    if layout is None:
        layout = etree.SubElement(props, qn("w:tblLayout"))
    layout.set(qn("w:type"), "fixed")
    for tr in tbl.iter(qn("w:tr")):
        c = 0
        for tc in tr.iter(qn("w:tc")):
            span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
            n = int(span.get(qn("w:val"))) if span is not None else 1
            tc_w = tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
            if tc_w is not None:
                tc_w.set(qn("w:w"), str(sum(widths[c:c + n])))
                tc_w.set(qn("w:type"), "dxa")
            c += n


# ---- PDFs -----------------------------------------------------------------------------------------
def native_pdf(spec: Spec) -> tuple[str, bytes, dict]:
    name, data, gold = source(spec.source)
    suffix = Path(name).suffix
    if spec.layout == "form":
        data = form_layout(data, spec.filler)
    pdf = _normalised(convert(data, suffix, "pdf"), Path(name).stem)
    how = (f"A4 form layout, {spec.filler} filler paragraph(s) before table 三" if spec.layout == "form"
           else f"the {suffix.lstrip('.')} as generated")
    return name, pdf, _gold(gold, Path(name).stem + ".pdf", f"PDF made by LibreOffice from {name} ({how}).",
                            "libreoffice_pdf")


def _normalised(pdf_bytes: bytes, title: str) -> bytes:
    """LibreOffice's PDF without its volatile parts (dates, XMP, a fresh /ID)."""
    with pymupdf.open(stream=pdf_bytes, filetype="pdf") as pdf:
        pdf.set_metadata({"title": title, "producer": "LibreOffice (scripts/make_pdf_sets.py)"})
        pdf.del_xml_metadata()
        return pdf.tobytes(garbage=3, deflate=True, no_new_id=True)


def scanned_pdf(spec: Spec) -> tuple[str, bytes, dict]:
    name, native, gold = native_pdf(spec)
    out = pymupdf.open()
    with pymupdf.open(stream=native, filetype="pdf") as pdf:
        for number, page in enumerate(pdf):
            rng = random.Random(f"scan:{name}:{number}")
            scan = out.new_page(width=page.rect.width, height=page.rect.height)
            scan.insert_image(scan.rect, stream=_degraded(page, rng))
    out.set_metadata({"title": Path(name).stem, "producer": "scripts/make_pdf_sets.py"})
    note = gold["notes"][-1] + f" Pages scanned: {SCAN_DPI} dpi grey, tilted ≤ ±{MAX_TILT}°, blurred, noisy, JPEG."
    gold = _gold({**gold, "notes": gold["notes"][:-1]}, gold["document"], note, "scanned_pdf")
    return name, out.tobytes(garbage=3, deflate=True, no_new_id=True), gold


def _degraded(page: pymupdf.Page, rng: random.Random) -> bytes:
    pix = page.get_pixmap(dpi=SCAN_DPI, colorspace=pymupdf.csGRAY, alpha=False)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    image = image.rotate(rng.uniform(-MAX_TILT, MAX_TILT), resample=Image.Resampling.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.8)))
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0.0, rng.uniform(2.0, 5.0), pixels.shape)
    image = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=rng.randint(45, 65))
    return out.getvalue()


def _gold(gold: dict, document: str, note: str, rendering: str) -> dict:
    """The source's gold for the PDF; ``rendering`` names how the PDF was made (eval reports group by it)."""
    return {**gold, "document": document, "notes": [*gold.get("notes", []), note], "rendering": rendering}


# ---- the sets ---------------------------------------------------------------------------------------
def build(native_dir: Path, scanned_dir: Path) -> None:
    for folder, specs, make in ((native_dir, NATIVE, native_pdf), (scanned_dir, SCANNED, scanned_pdf)):
        folder.mkdir(parents=True, exist_ok=True)
        wanted = set()
        for spec in specs:
            _, pdf, gold = make(spec)
            (folder / gold["document"]).write_bytes(pdf)
            (folder / (gold["document"] + GOLD_SUFFIX)).write_bytes(gold_bytes(gold))
            wanted |= {gold["document"], gold["document"] + GOLD_SUFFIX}
            print(f"{folder.name}/{gold['document']}: {pymupdf.open(stream=pdf).page_count} pages, {len(pdf):,} bytes")
        for stale in folder.glob(f"{SET_PREFIX}*"):  # evals/scanned also holds make_scan_set.py's scan_*
            if stale.name not in wanted and stale.is_file():
                stale.unlink()


def check(native_dir: Path, scanned_dir: Path) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        fresh_native, fresh_scanned = Path(tmp) / "native", Path(tmp) / "scanned"
        build(fresh_native, fresh_scanned)
        return _compare(fresh_native, native_dir) + _compare(fresh_scanned, scanned_dir)


def _compare(fresh: Path, committed: Path) -> list[str]:
    expected = {p.name: p for p in fresh.glob(f"{SET_PREFIX}*")}
    present = {p.name: p for p in committed.glob(f"{SET_PREFIX}*")} if committed.is_dir() else {}
    problems = [f"missing: {committed.name}/{n}" for n in sorted(expected.keys() - present.keys())]
    problems += [f"unexpected: {committed.name}/{n}" for n in sorted(present.keys() - expected.keys())]
    for name in sorted(expected.keys() & present.keys()):
        if name.endswith(GOLD_SUFFIX):
            if expected[name].read_bytes() != present[name].read_bytes():
                problems.append(f"differs: {committed.name}/{name}")
            continue
        problems += [f"differs: {committed.name}/{name}: {d}" for d in _extraction_differences(expected[name],
                                                                                             present[name])]
    return problems


def _extraction_differences(fresh: Path, committed: Path) -> list[str]:
    """What the extractor reads differently from the two files: status, then each value (at most 5)."""
    from extractor.flat import flat
    from extractor.pipeline import extract
    from extractor.settings import Settings

    new, old = (flat(extract(p, Settings())) for p in (fresh, committed))
    found = [f"status {old['status']} -> {new['status']}"] if new["status"] != old["status"] else []
    keys = sorted(set(new["values"]) | set(old["values"]))
    found += [f"{k}: {old['values'].get(k)!r} -> {new['values'].get(k)!r}" for k in keys
              if new["values"].get(k) != old["values"].get(k)]
    return found[:6]


def libreoffice_version() -> str | None:
    """The installed LibreOffice's version ("7.4.7.2"), or None when it is absent."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        return None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60).stdout
    match = re.search(r"LibreOffice (\d+(?:\.\d+)+)", out)
    return match.group(1) if match else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare the committed sets with a fresh build")
    parser.add_argument("--native", type=Path, default=NATIVE_DIR)
    parser.add_argument("--scanned", type=Path, default=SCANNED_DIR)
    args = parser.parse_args(argv)
    if args.check:
        version = libreoffice_version()
        if version is None or not version.startswith(LIBREOFFICE + "."):
            print(f"warning: the sets were made with LibreOffice {LIBREOFFICE}, this is {version}; "
                  "page breaks may differ", file=sys.stderr)
        problems = check(args.native, args.scanned)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("the PDF sets are out of date; rebuild them with python scripts/make_pdf_sets.py", file=sys.stderr)
            return 1
        print("the PDF sets are current")
        return 0
    build(args.native, args.scanned)
    return 0


if __name__ == "__main__":
    sys.exit(main())
