"""One registry of formats (extractor.ingest) and of the system tools their readers need
(extractor.tools): what the server, the review queue and the eval ask instead of keeping lists."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from extractor.ingest import FORMATS, TEXT_FORMATS, Format, format_of_name, reader, sniff, sniff_file
from extractor.server.formats import Unacceptable, accepted_format
from extractor.tools import TOOLS, Tool, absence, find, missing

from .conftest import ROOT, SAMPLES

OFFICE = ROOT / "evals" / "office"


def hide_tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PATH holding nothing: every executable tool is missing (fonts are files, not on PATH)."""
    empty = tmp_path / "empty-path"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))


def test_every_format_has_one_spec_and_suffixes_name_one_format() -> None:
    assert set(FORMATS) == set(Format)
    suffixes = [s for spec in FORMATS.values() for s in spec.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert TEXT_FORMATS == {Format.TEXT, Format.MARKDOWN, Format.HTML}


@pytest.mark.parametrize("fmt", [f for f in Format if FORMATS[f].reader], ids=str)
def test_every_reader_resolves(fmt: Format) -> None:
    assert callable(reader(fmt))


def test_a_format_without_reader_is_unsupported() -> None:
    from extractor import errors

    with pytest.raises(errors.UnsupportedFormat, match="zip archive"):
        reader(Format.ZIP)


@pytest.mark.parametrize("path, fmt", [
    (SAMPLES / "000_4ae575586cf2a2c2.txt", Format.TEXT),
    (OFFICE / "syn_004_docx_clean.doc", Format.OLE),
    (OFFICE / "syn_019_docx_enum_comma-no_other_col.wps", Format.OLE),
    (OFFICE / "syn_004_docx_clean.rtf", Format.RTF),
    (OFFICE / "syn_019_docx_enum_comma-no_other_col.odt", Format.ODT),
    (OFFICE / "syn_024_docx_typo_fagui.tif", Format.IMAGE),
    (ROOT / "evals" / "pdf_native" / "syn_004_docx_clean.pdf", Format.PDF),
], ids=lambda v: v.name if isinstance(v, Path) else str(v))
def test_sniffed_formats_are_enum_members(path: Path, fmt: Format) -> None:
    found = sniff_file(path)
    assert found is fmt and isinstance(found, Format)
    assert found == fmt.value  # a StrEnum: JSON and comparisons see the plain string


def test_bytes_decide_and_names_only_break_ties() -> None:
    assert sniff(b"%PDF-1.7 ...", "report.txt") is Format.PDF
    assert sniff("# 标题\n正文".encode(), "report.md") is Format.MARKDOWN
    assert sniff("标题\n正文".encode(), "report.txt") is Format.TEXT
    assert format_of_name("scan.TIFF") is Format.IMAGE and format_of_name("x.unknown") is None


def test_office_formats_need_libreoffice_and_say_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert {f for f, s in FORMATS.items() if Tool.LIBREOFFICE in s.needs} == {Format.OLE, Format.RTF, Format.ODT}
    hide_tools(monkeypatch, tmp_path)
    assert not FORMATS[Format.OLE].readable and FORMATS[Format.PDF].readable
    assert FORMATS[Format.RTF].missing_tools() == [Tool.LIBREOFFICE]


def test_the_server_refuses_what_this_machine_cannot_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = (OFFICE / "syn_004_docx_clean.rtf").read_bytes()
    hide_tools(monkeypatch, tmp_path)
    with pytest.raises(Unacceptable, match="LibreOffice is not installed"):
        accepted_format(data, "report.rtf")
    assert accepted_format((SAMPLES / "000_4ae575586cf2a2c2.txt").read_bytes(), "a.txt") is Format.TEXT


def test_missing_tools_are_found_on_path_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    hide_tools(monkeypatch, tmp_path)
    assert find(Tool.LIBREOFFICE) is None and find(Tool.CHROMIUM) is None
    assert {Tool.LIBREOFFICE, Tool.CHROMIUM} <= set(missing())
    message = absence(Tool.LIBREOFFICE)
    assert "soffice" in message and "apt-get install libreoffice-writer-nogui" in message


def test_tools_command_prints_the_missing_debian_packages(tmp_path: Path) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    done = subprocess.run([sys.executable, "-m", "extractor.tools"], capture_output=True, text=True,
                          env={"PATH": str(empty), "HOME": str(tmp_path)}, timeout=60, check=True)
    printed = set(done.stdout.split())
    assert {TOOLS[Tool.LIBREOFFICE].debian_package, TOOLS[Tool.CHROMIUM].debian_package} <= printed
