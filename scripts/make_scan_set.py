"""Builds the scanned evaluation set's ``scan_*`` documents: reports printed the way offices print
them, scanned the way scanners scan them.

usage: python scripts/make_scan_set.py [--out evals/scanned] [--check] [--only NAME]

Each document is a labelled synthetic report (values and wording from ``extractor.synthetic``, whose
tables follow the national form, with the gold its values give) that goes through a real printer
path, not through anything of the extractor's:
- ``html``: a CMS-style web page, printed to PDF by headless Chromium (``chromium --print-to-pdf``)
  with CSS borders: black, or thin light grey as web pages use (``1px solid #c8c8c8``); its table 三
  header in ``<thead>`` when the spec repeats it, which Chromium prints again on every page the
  table runs over;
- ``docx``: the Word rendering, re-laid out on A4 like the national template (make_pdf_sets'
  form layout), border colour and "repeat header rows" (``w:tblHeader``) set in its XML, printed to
  PDF by LibreOffice.
Filler paragraphs before table 三 move where it breaks across pages. A ``sparse`` report prints every
zero of tables 三 and 四 as a blank cell (what most offices do); a dense one prints ``0``.

The PDF's pages are then rasterised at the spec's dpi (150/200/300) in grey, turned by its tilt (up
to ±3°), blurred, given sensor noise and JPEG-compressed, all seeded per document and page, and
wrapped as an image-only PDF of the original page size. JPEG quality is kept low (what office
scanners default to) so that the committed set stays small.

``--check`` rebuilds the set in a temporary folder and compares it with the committed one: golds byte
for byte, PDFs by page count and by page images (quarter size, mean difference under one grey level),
as scripts/make_pdf_sets.py does. Chromium and LibreOffice versions other than the ones the set was
made with may lay pages out differently; the golds do not depend on them.
"""
from __future__ import annotations

import argparse
import io
import random
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from make_pdf_sets import FILLER, form_layout  # noqa: E402

from extractor.ingest.office import convert  # noqa: E402
from extractor.synthetic import model  # noqa: E402
from extractor.synthetic.build import gold_bytes  # noqa: E402
from extractor.synthetic.layout import build_document  # noqa: E402
from extractor.synthetic.values import make_values  # noqa: E402
from extractor.synthetic.variants import Variant  # noqa: E402
from extractor.synthetic.word import render_docx  # noqa: E402
from extractor.tools import Tool, absence, find  # noqa: E402

OUT = ROOT / "evals" / "scanned"
PREFIX = "scan_"
GOLD_SUFFIX = ".gold.json"
SEED = 14
MEAN_PIXEL_TOLERANCE = 1.0
WHITE_POINT = 235.0
MAX_TILT = 3.0  # degrees either way
SPARSE_ZEROS = 0.7  # share of table-三 cells that must be 0 for a sparse report (redrawn until so)


@dataclass(frozen=True)
class Spec:
    index: int
    source: str  # html | docx
    rule: str  # black | grey
    sparse: bool
    dpi: int
    tilt: float  # degrees, counter-clockwise
    repeat_header: bool  # table 三's header rows repeat on every page it runs over
    filler: int  # filler paragraphs before table 三

    @property
    def name(self) -> str:
        kind = "sparse" if self.sparse else "dense"
        head = "rephead" if self.repeat_header else "nohead"
        return f"{PREFIX}{self.index:03d}_{self.source}_{self.rule}_{kind}_{self.dpi}dpi_{head}.pdf"


def specs() -> list[Spec]:
    """32 documents: every source × rule colour × density × resolution appears several times,
    tilts spread over ±3°, and table 三 broken across pages at different rows."""
    rng = random.Random(f"specs:{SEED}")
    out: list[Spec] = []
    combos = [(source, rule) for source, rule in
              [("html", "grey")] * 14 + [("html", "black")] * 8 + [("docx", "black")] * 6 + [("docx", "grey")] * 4]
    for i, (source, rule) in enumerate(combos):
        tilt = rng.choice((-1, 1)) * (rng.uniform(2.0, 3.0) if i % 3 == 0 else rng.uniform(0.0, 2.0))
        out.append(Spec(index=i, source=source, rule=rule, sparse=i % 2 == 0, dpi=(150, 200, 300)[i % 3],
                        tilt=round(tilt, 2), repeat_header=(i // 2) % 2 == 0, filler=rng.randint(0, 12)))
    return out


# ---- the report ------------------------------------------------------------------------------------
def report(spec: Spec) -> tuple[model.Document, dict]:
    """The report's model (national order, 2021 form) and its gold."""
    rng = random.Random(f"doc:{SEED}:{spec.index}")
    for _ in range(500):
        values = make_values(rng, "2021", "2021")
        zeros = [v for k, v in values.items() if k.startswith("requests.")]
        if not spec.sparse or sum(v == 0 for v in zeros) >= SPARSE_ZEROS * len(zeros):
            break
    doc = build_document(values, Variant(), rng)
    blocks = list(doc.blocks)
    if spec.sparse:  # table 二 keeps its zeros: each of its cells is a figure the form asks for
        tables = [(i, b) for i, b in enumerate(blocks) if isinstance(b, model.Table)]
        for i, table in tables[1:]:
            blocks[i] = _blank_zeros(table)
    if spec.filler:
        at = next(i for i, b in enumerate(blocks) if isinstance(b, model.Heading)
                  and b.text.endswith("收到和处理政府信息公开申请情况"))
        blocks[at:at] = [model.Paragraph(FILLER[i % len(FILLER)]) for i in range(spec.filler)]
    doc = replace(doc, blocks=tuple(blocks))
    how = {"html": "a web page printed to PDF by Chromium", "docx": "a Word document printed to PDF by LibreOffice"}
    notes = [
        f"Scanned synthetic report (scripts/make_scan_set.py, seed {SEED}, document {spec.index}): "
        f"{how[spec.source]}, {spec.rule} table rules, {'sparse (zeros printed blank)' if spec.sparse else 'dense'}, "
        f"table 三 header {'repeated on each page' if spec.repeat_header else 'printed once'}; "
        f"pages scanned at {spec.dpi} dpi grey, turned {spec.tilt:+.2f}°, blurred, noisy, JPEG."
    ]
    gold = {"document": spec.name, "template": "2021", "values": values, "aliases": {}, "implied": [],
            "must_flag": [], "notes": notes}
    return doc, gold


def _blank_zeros(table: model.Table) -> model.Table:
    return model.Table(tuple(tuple(replace(c, text="") if c.text == "0" else c for c in row) for row in table.rows))


# ---- HTML → Chromium ---------------------------------------------------------------------------------
_CSS = """
@page { size: A4; margin: 20mm 18mm; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 11pt; line-height: 1.6; }
h1 { font-size: 16pt; text-align: center; }
p { text-indent: 2em; margin: 0.3em 0; }
p.h { text-indent: 0; font-weight: bold; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; font-size: 9.5pt; line-height: 1.3; }
td, th { border: BORDER; padding: 3px 4px; text-align: center; font-weight: normal; }
td.l { text-align: left; }
tr { page-break-inside: avoid; }
thead { display: table-header-group; }
"""
BORDERS = {"black": "1px solid #000", "grey": "1px solid #c8c8c8"}
_NUMERIC = re.compile(r"^[\d,.]*$")


def html_page(doc: model.Document, spec: Spec) -> str:
    body = [f"<h1>{escape(doc.title)}</h1>"]
    tables = 0
    for block in doc.blocks:
        if isinstance(block, model.Heading):
            body.append(f'<p class="h">{escape(block.text)}</p>')
        elif isinstance(block, model.Paragraph):
            body.append(f"<p>{escape(block.text)}</p>")
        else:
            tables += 1
            body.append(_html_table(block, head_rows=3 if tables == 2 and spec.repeat_header else 0))
    css = _CSS.replace("BORDER", BORDERS[spec.rule])
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(doc.title)}</title>'
            f"<style>{css}</style></head><body>{''.join(body)}</body></html>")


def _html_table(table: model.Table, head_rows: int) -> str:
    def row_html(row: tuple[model.Cell, ...]) -> str:
        cells = []
        for cell in row:
            span = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
                f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
            cls = "" if _NUMERIC.match(cell.text) else ' class="l"'
            cells.append(f"<td{span}{cls}>{escape(cell.text)}</td>")
        return f"<tr>{''.join(cells)}</tr>"

    head = "".join(row_html(r) for r in table.rows[:head_rows])
    body = "".join(row_html(r) for r in table.rows[head_rows:])
    return f"<table>{f'<thead>{head}</thead>' if head else ''}<tbody>{body}</tbody></table>"


def chromium_pdf(html: str) -> bytes:
    exe = find(Tool.CHROMIUM)
    if exe is None:
        raise SystemExit(absence(Tool.CHROMIUM))
    with tempfile.TemporaryDirectory() as tmp:
        page, pdf = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        page.write_text(html, encoding="utf-8")
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--user-data-dir={tmp}/profile", f"--print-to-pdf={pdf}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
        return pdf.read_bytes()


# ---- DOCX → LibreOffice ------------------------------------------------------------------------------
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_BORDERS = {"black": ("000000", 4), "grey": ("BFBFBF", 4)}  # colour, eighths of a point


def docx_bytes(doc: model.Document, spec: Spec) -> bytes:
    data = form_layout(render_docx(doc), 0)
    colour, size = DOCX_BORDERS[spec.rule]
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        xml = source.read("word/document.xml").decode("utf-8")
        xml = re.sub(r'(<w:(?:top|left|bottom|right|insideH|insideV) w:val="single")[^/]*/>',
                     rf'\1 w:sz="{size}" w:space="0" w:color="{colour}"/>', xml)
        if "<w:tblBorders>" not in xml:  # "Table Grid" draws its borders from the style
            xml = xml.replace("<w:tblPr>", "<w:tblPr>" + _tbl_borders(colour, size))
        if spec.repeat_header:
            xml = _repeat_header(xml, table=1, rows=3)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                payload = xml.encode("utf-8") if info.filename == "word/document.xml" else source.read(info.filename)
                target.writestr(info, payload)
    return out.getvalue()


def _tbl_borders(colour: str, size: int) -> str:
    sides = "".join(f'<w:{side} w:val="single" w:sz="{size}" w:space="0" w:color="{colour}"/>'
                    for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return f"<w:tblBorders>{sides}</w:tblBorders>"


def _repeat_header(xml: str, table: int, rows: int) -> str:
    """Mark the first ``rows`` rows of the ``table``-th table (0-based) as header rows."""
    pos = [m.start() for m in re.finditer(r"<w:tbl>", xml)][table]
    for _ in range(rows):
        found = re.compile(r"<w:tr[ >]").search(xml, pos)
        assert found is not None, f"table {table} has fewer than {rows} rows"
        tr = found.start()
        end = xml.index(">", tr) + 1
        if xml.startswith("<w:trPr>", end):
            end += len("<w:trPr>")
            xml = xml[:end] + "<w:tblHeader/>" + xml[end:]
        else:
            xml = xml[:end] + "<w:trPr><w:tblHeader/></w:trPr>" + xml[end:]
        pos = xml.index("</w:tr>", tr)
    return xml


# ---- scanning ------------------------------------------------------------------------------------------
def scanned(pdf_bytes: bytes, spec: Spec) -> bytes:
    out = pymupdf.open()
    with pymupdf.open(stream=pdf_bytes, filetype="pdf") as pdf:
        for number, page in enumerate(pdf):
            rng = random.Random(f"scan:{spec.name}:{number}")
            image = out.new_page(width=page.rect.width, height=page.rect.height)
            image.insert_image(image.rect, stream=_degraded(page, spec, rng))
    out.set_metadata({"title": Path(spec.name).stem, "producer": "scripts/make_scan_set.py"})
    return out.tobytes(garbage=3, deflate=True, no_new_id=True)


def _degraded(page: pymupdf.Page, spec: Spec, rng: random.Random) -> bytes:
    pix = page.get_pixmap(dpi=spec.dpi, colorspace=pymupdf.csGRAY, alpha=False)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    # each page of a stack goes in a little differently: the spec's tilt, ±0.3°, within ±MAX_TILT
    tilt = max(-MAX_TILT, min(MAX_TILT, spec.tilt + rng.uniform(-0.3, 0.3)))
    image = image.rotate(tilt, resample=Image.Resampling.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7) * spec.dpi / 150))
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0.0, rng.uniform(2.0, 5.0), pixels.shape)
    # a scanner's white point: paper at 235 or lighter comes out white, as scanners' auto-levels do
    image = Image.fromarray(np.clip((pixels + noise) * (255 / WHITE_POINT), 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=rng.randint(30, 50), optimize=True)
    return buffer.getvalue()


# ---- the set -------------------------------------------------------------------------------------------
def make(spec: Spec) -> tuple[bytes, dict]:
    doc, gold = report(spec)
    if spec.source == "html":
        printed = chromium_pdf(html_page(doc, spec))
    else:
        printed = convert(docx_bytes(doc, spec), ".docx", "pdf")
    return scanned(printed, spec), gold


def build(out_dir: Path, only: str | None = None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted: set[str] = set()
    for spec in specs():
        wanted |= {spec.name, spec.name + GOLD_SUFFIX}
        if only and only not in spec.name:
            continue
        pdf, gold = make(spec)
        (out_dir / spec.name).write_bytes(pdf)
        (out_dir / (spec.name + GOLD_SUFFIX)).write_bytes(gold_bytes(gold))
        print(f"{spec.name}: {pymupdf.open(stream=pdf).page_count} pages, {len(pdf):,} bytes", flush=True)
    if not only:
        for stale in out_dir.glob(f"{PREFIX}*"):
            if stale.name not in wanted:
                stale.unlink()


def check(out_dir: Path) -> list[str]:
    """Golds byte for byte; PDFs by what the extractor reads from them (as make_pdf_sets.py --check:
    another Chromium, LibreOffice or libjpeg changes bytes and pixels, which matter only if a value
    or the status changes)."""
    from make_pdf_sets import _extraction_differences

    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        fresh = {p.name: p for p in Path(tmp).glob(f"{PREFIX}*")}
        present = {p.name: p for p in out_dir.glob(f"{PREFIX}*")}
        problems = [f"missing: {n}" for n in sorted(fresh.keys() - present.keys())]
        problems += [f"unexpected: {n}" for n in sorted(present.keys() - fresh.keys())]
        for name in sorted(fresh.keys() & present.keys()):
            if name.endswith(GOLD_SUFFIX):
                if fresh[name].read_bytes() != present[name].read_bytes():
                    problems.append(f"differs: {name}")
                continue
            problems += [f"differs: {name}: {d}" for d in _extraction_differences(fresh[name], present[name])]
    return problems


def check_golds(out_dir: Path) -> list[str]:
    """The committed golds against the generator (no rendering: fast enough for every test run),
    and every document of the plan present."""
    problems = []
    for spec in specs():
        _, gold = report(spec)
        committed = out_dir / (spec.name + GOLD_SUFFIX)
        if not (out_dir / spec.name).is_file() or not committed.is_file():
            problems.append(f"missing: {spec.name}")
        elif committed.read_bytes() != gold_bytes(gold):
            problems.append(f"differs: {committed.name}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--only", help="build only the documents whose name contains this")
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.out)
        for problem in problems:
            print(problem, file=sys.stderr)
        print("the scanned set is current" if not problems else "rebuild with python scripts/make_scan_set.py")
        return 1 if problems else 0
    build(args.out, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
