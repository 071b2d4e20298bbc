"""Legacy office files (.doc, .wps, .rtf, .odt) through LibreOffice, and what happens without it.

The documents are made here, by LibreOffice itself, from a bundled sample (text) and a synthetic
report (DOCX with real merged-cell tables): .doc via the "MS Word 97" filter; .wps is that .doc
renamed, which is what WPS Office's .wps is (the Word 97 binary format); .rtf and .odt via their
filters. Tests that need LibreOffice are marked ``needs_libreoffice`` (skipped, loudly, without it).
Encryption and OLE sniffing are tested on compound files built byte by byte (no LibreOffice needed).
"""
from __future__ import annotations

import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractor import errors
from extractor.flat import flat
from extractor.ingest import load_bytes
from extractor.ingest.office import Completed, convert, legacy_format, ole_streams, read_legacy_office, run_command
from extractor.pipeline import extract
from extractor.tools import Tool, find

from .conftest import SAMPLES, SYNTHETIC, load_gold, needs_libreoffice

SOFFICE = find(Tool.LIBREOFFICE)

SAMPLE = SAMPLES / "002_bedebc31cbf810fe.txt"
REPORT = SYNTHETIC / "syn_004_docx_clean.docx"  # the clean national form, real merged cells


def _libreoffice(src: Path, target: str, out: Path, infilter: str | None = None) -> Path:
    """``src`` saved by LibreOffice with the export filter ``target`` (e.g. "doc:MS Word 97")."""
    argv = [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={(out / 'profile').as_uri()}"]
    argv += [f"--infilter={infilter}"] if infilter else []
    argv += ["--convert-to", target, "--outdir", str(out), str(src)]
    subprocess.run(argv, check=True, capture_output=True, timeout=180)
    made = out / f"{src.stem}.{target.split(':')[0]}"
    assert made.is_file(), f"LibreOffice did not write {made.name}"
    return made


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """The legacy files, made once: {kind: path} (only tests marked needs_libreoffice use them)."""
    assert SOFFICE is not None
    out = tmp_path_factory.mktemp("legacy")
    files = {"sample.doc": _libreoffice(SAMPLE, "doc:MS Word 97", out, infilter="Text (encoded):UTF8,LF,,,")}
    report_doc = _libreoffice(REPORT, "doc:MS Word 97", out)
    files["report.wps"] = report_doc.rename(out / "report.wps")
    files["report.rtf"] = _libreoffice(REPORT, "rtf:Rich Text Format", out)
    files["report.odt"] = _libreoffice(REPORT, "odt:writer8", out)
    return files


CASES = {  # made file → (gold, format it is converted from)
    "sample.doc": (SAMPLE.with_name(SAMPLE.name + ".gold.json"), "doc"),
    "report.wps": (REPORT.with_name(REPORT.name + ".gold.json"), "wps"),
    "report.rtf": (REPORT.with_name(REPORT.name + ".gold.json"), "rtf"),
    "report.odt": (REPORT.with_name(REPORT.name + ".gold.json"), "odt"),
}


@needs_libreoffice
@pytest.mark.parametrize("kind", sorted(CASES))
def test_legacy_files_read_through_libreoffice_all_right(made, kind: str, settings, scorer) -> None:
    gold, fmt = CASES[kind]
    result = extract(made[kind], settings)
    assert result.status in ("ok", "needs_review"), result.error
    assert result.source.converted_via == f"libreoffice:{fmt}->docx"
    score = scorer(load_gold(gold), flat(result))
    assert score["silent_errors"] == 0, score["wrong"]
    assert score["accuracy"] == 1.0, score["wrong"]


@needs_libreoffice
def test_doc_sniffs_as_ole_and_wps_converts_as_word_binary(made) -> None:
    data = made["report.wps"].read_bytes()
    assert "worddocument" in ole_streams(data)
    assert legacy_format(data, "report.wps") == "wps"
    assert legacy_format(data, "report.doc") == "doc"


# ---- LibreOffice absent, failing, hanging ----------------------------------------------------
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def test_libreoffice_missing_is_a_failed_status_saying_how_to_install(tmp_path: Path, monkeypatch, settings) -> None:
    doc = tmp_path / "report.doc"
    doc.write_bytes(_compound_file({"WordDocument": _fib(encrypted=False)}))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = extract(doc, settings)
    assert result.status == "failed"
    assert "LibreOffice" in result.error and "apt-get install libreoffice-writer-nogui" in result.error
    with pytest.raises(errors.DependencyMissing):
        load_bytes(doc.read_bytes(), "report.doc", settings)


def test_the_command_has_no_shell_a_private_profile_and_a_timeout(settings) -> None:
    calls: list[tuple[list[str], float]] = []

    def runner(argv, timeout):
        calls.append((list(argv), timeout))
        return Completed(1, "Error: source file could not be loaded\n")

    with pytest.raises(errors.CorruptInput, match="could not be loaded"):
        convert(b"{\\rtf1 x}", ".rtf", "docx", runner=runner, timeout=42, soffice="/opt/lo/soffice")
    (argv, timeout), = calls
    assert argv[0] == "/opt/lo/soffice" and timeout == 42
    assert "--headless" in argv and "--convert-to" in argv and "docx:MS Word 2007 XML" in argv
    profile = next(a for a in argv if a.startswith("-env:UserInstallation=file:///"))
    assert "extractor-lo-" in profile  # a throw-away profile of its own, not the user's


def test_a_conversion_that_hangs_is_killed_in_bounded_time() -> None:
    # the child starts a grandchild, as soffice starts soffice.bin: the whole group must go
    script = "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"
    started = time.perf_counter()
    with pytest.raises(errors.CorruptInput, match="did not finish"):
        run_command([sys.executable, "-c", script], timeout=1.0)
    assert time.perf_counter() - started < 5


def test_runner_output_when_libreoffice_writes_nothing(settings) -> None:
    source = _source("x.odt")
    with pytest.raises(errors.CorruptInput, match="could not convert the odt file"):
        read_legacy_office(_odt(encrypted=False), source, settings, runner=lambda argv, t: Completed(0, ""),
                           soffice="/opt/lo/soffice")  # the runner stands in for LibreOffice: none needed


# ---- refused before conversion: encrypted files, workbooks ------------------------------------
def test_encrypted_word_binary_is_refused(settings) -> None:
    data = _compound_file({"WordDocument": _fib(encrypted=True), "1Table": b"\x00" * 64})
    with pytest.raises(errors.EncryptedInput, match="password"):
        load_bytes(data, "secret.doc", settings)


def test_encrypted_office_package_is_refused(settings) -> None:
    data = _compound_file({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\x00" * 60, "EncryptedPackage": b"\x00" * 600})
    with pytest.raises(errors.EncryptedInput, match="password"):
        load_bytes(data, "secret.docx", settings)


def test_encrypted_result_status_is_failed_with_the_reason(tmp_path: Path, settings) -> None:
    path = tmp_path / "secret.doc"
    path.write_bytes(_compound_file({"WordDocument": _fib(encrypted=True)}))
    result = extract(path, settings)
    assert result.status == "failed" and "password-protected" in result.error


def test_encrypted_odt_is_refused(settings) -> None:
    with pytest.raises(errors.EncryptedInput, match="password"):
        load_bytes(_odt(encrypted=True), "secret.odt", settings)


def test_excel_workbook_in_ole_is_unsupported(settings) -> None:
    with pytest.raises(errors.UnsupportedFormat, match="Excel"):
        load_bytes(_compound_file({"Workbook": b"\x09\x08" + b"\x00" * 100}), "table.xls", settings)


def test_unencrypted_word_binary_is_sent_to_libreoffice(settings) -> None:
    seen: list[str] = []

    def runner(argv, timeout):
        seen.append(argv[-1])
        return Completed(0, "")

    with pytest.raises(errors.CorruptInput):
        read_legacy_office(_compound_file({"WordDocument": _fib(encrypted=False)}), _source("a.wps"), settings,
                           runner=runner, soffice="/opt/lo/soffice")
    assert seen and seen[0].endswith("input.doc")  # a Word-binary .wps is converted as .doc


def test_damaged_compound_file_does_not_hang(settings) -> None:
    data = bytearray(_compound_file({"WordDocument": _fib(encrypted=False)}))
    struct.pack_into("<I", data, 512, 0)  # the FAT's first entry points at itself: a loop
    assert isinstance(ole_streams(bytes(data)), dict)


# ---- helpers: minimal compound files and ODF packages ------------------------------------------
def _fib(encrypted: bool) -> bytes:
    flags = 0x0100 if encrypted else 0
    return struct.pack("<HHHHHH", 0xA5EC, 0x00C1, 0, 0, 0, flags).ljust(4096, b"\x00")


def _compound_file(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file (512-byte sectors): FAT in sector 0, directory in sector 1, each
    stream in whole sectors after that (no mini stream: enough for a reader of names and FIBs)."""
    sector = 512
    body: list[bytes] = []
    fat = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0: the FAT itself; sector 1: the directory (one sector)
    entries = [_dir_entry("Root Entry", 5, 0xFFFFFFFE, 0, child=1 if streams else 0xFFFFFFFF)]
    for i, (name, data) in enumerate(streams.items()):
        start = len(fat)
        count = max(1, -(-len(data) // sector))
        fat += [start + k + 1 for k in range(count - 1)] + [0xFFFFFFFE]
        body.append(data.ljust(count * sector, b"\x00"))
        right = i + 2 if i + 1 < len(streams) else 0xFFFFFFFF
        entries.append(_dir_entry(name, 2, start, len(data), right=right))
    assert len(entries) <= 4 and len(fat) <= 128
    header = bytearray(512)
    header[:8] = OLE_MAGIC
    struct.pack_into("<HHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9)
    struct.pack_into("<H", header, 0x20, 6)
    struct.pack_into("<IIII", header, 0x2C, 1, 1, 0, 0x1000)
    struct.pack_into("<IIII", header, 0x3C, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)
    fat_sector = struct.pack(f"<{128}I", *(fat + [0xFFFFFFFF] * (128 - len(fat))))
    directory = b"".join(entries).ljust(sector, b"\x00")
    return bytes(header) + fat_sector + directory + b"".join(body)


def _dir_entry(name: str, kind: int, start: int, size: int, child: int = 0xFFFFFFFF,
               right: int = 0xFFFFFFFF) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    entry = bytearray(128)
    entry[: len(encoded)] = encoded
    struct.pack_into("<HBB", entry, 0x40, len(encoded), kind, 1)
    struct.pack_into("<III", entry, 0x44, 0xFFFFFFFF, right, child)
    struct.pack_into("<IQ", entry, 0x74, start, size)
    return bytes(entry)


def _odt(encrypted: bool) -> bytes:
    import io
    import zipfile

    manifest = ('<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
                + ('<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>' if encrypted else "")
                + "</manifest:file-entry></manifest:manifest>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def _source(name: str):
    from extractor.document import Source

    return Source(path=name, name=name, sha256="-", size=0, format="odt")
