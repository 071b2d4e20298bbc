"""Builds evals/office: legacy office files and scanned images of labelled synthetic reports.

usage: python scripts/make_office_set.py [--check]

- .doc, .rtf, .odt: a synthetic DOCX converted by LibreOffice (``soffice``, as the extractor uses);
- .wps: WPS Office saves Word binary documents under .wps, so the .doc bytes under that name;
- .tif: a scanned report of evals/scanned, every page image a frame of one multi-page TIFF.
Golds are the source's gold with the document name changed. ``--check`` rebuilds into a temporary
folder and compares golds byte for byte and documents by the text (or page count) they yield, since
LibreOffice embeds dates in its output.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path

import pymupdf
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.ingest.office import convert  # noqa: E402

OUT = ROOT / "evals" / "office"
DOCX = ROOT / "evals" / "synthetic" / "syn_004_docx_clean.docx"
DOCX_QUIRKY = ROOT / "evals" / "synthetic" / "syn_019_docx_enum_comma-no_other_col.docx"
SCAN = ROOT / "evals" / "scanned" / "syn_024_docx_typo_fagui.pdf"


def _gold(source: Path, name: str) -> bytes:
    gold = json.loads(source.with_name(source.name + ".gold.json").read_text(encoding="utf-8"))
    gold["document"] = name
    gold["notes"] = [f"{name}: made from {source.name} by scripts/make_office_set.py.", *gold.get("notes", [])]
    return (json.dumps(gold, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _tiff(pdf: Path) -> bytes:
    frames = []
    with pymupdf.open(pdf) as doc:
        for page in doc:
            image = page.get_images()[0]
            frames.append(Image.open(io.BytesIO(doc.extract_image(image[0])["image"])).convert("L"))
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate",
                   dpi=(150, 150))
    return buf.getvalue()


def documents() -> dict[str, tuple[bytes, bytes]]:
    doc = convert(DOCX.read_bytes(), ".docx", "doc")
    quirky = convert(DOCX_QUIRKY.read_bytes(), ".docx", "doc")
    return {
        f"{DOCX.stem}.doc": (doc, _gold(DOCX, f"{DOCX.stem}.doc")),
        f"{DOCX_QUIRKY.stem}.wps": (quirky, _gold(DOCX_QUIRKY, f"{DOCX_QUIRKY.stem}.wps")),
        f"{DOCX.stem}.rtf": (convert(DOCX.read_bytes(), ".docx", "rtf"), _gold(DOCX, f"{DOCX.stem}.rtf")),
        f"{DOCX_QUIRKY.stem}.odt": (convert(DOCX_QUIRKY.read_bytes(), ".docx", "odt"),
                                    _gold(DOCX_QUIRKY, f"{DOCX_QUIRKY.stem}.odt")),
        f"{SCAN.stem}.tif": (_tiff(SCAN), _gold(SCAN, f"{SCAN.stem}.tif")),
    }


def write(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, (data, gold) in documents().items():
        (out / name).write_bytes(data)
        (out / f"{name}.gold.json").write_bytes(gold)


def check(out: Path) -> list[str]:
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp))
        for fresh in sorted(Path(tmp).iterdir()):
            committed = out / fresh.name
            if not committed.exists():
                problems.append(f"missing: {committed}")
            elif fresh.name.endswith(".gold.json") and fresh.read_bytes() != committed.read_bytes():
                problems.append(f"differs: {committed}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    if args.check:
        problems = check(OUT)
        print("\n".join(problems) or "evals/office is current")
        return 1 if problems else 0
    write(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
