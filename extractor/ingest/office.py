"""Legacy word-processor files (.doc, .wps, .rtf, .odt) → DOCX with LibreOffice → ``read_docx``.

LibreOffice runs headless, without a shell, with a private throw-away profile (two conversions at
once must not share one, and a user's own profile must not be touched), under a timeout that kills
its whole process group (``soffice`` starts ``soffice.bin`` as a child; killing only the parent would
leave the child running). The command runner is a parameter so tests can replace it.

Refused before LibreOffice is started, with a clear status:
- password-protected files: an OLE file holding an ``EncryptedPackage`` (an encrypted .docx), a Word
  binary whose FIB says ``fEncrypted``, an .odt whose manifest carries encryption data;
- OLE files that are workbooks or presentations (.xls/.ppt), which no report reader can use.

``.wps`` is WPS Office's word-processor format, which is the Word 97 binary format (a ``WordDocument``
stream) under another extension; such files are converted as .doc. An OLE file without that stream
(e.g. Microsoft Works .wps) keeps its extension so LibreOffice picks its own import filter.
"""
from __future__ import annotations

import io
import os
import signal
import struct
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import errors, tools
from ..document import Document, Source
from ..settings import Settings, limit_name
from .docx import read_docx
from .zipped import open_zip, size_text

TIMEOUT = 120.0  # s: a first start with a fresh profile takes 3-10 s; a report converts in 1-2 s more
TARGETS = {  # pdf: the exporter of whichever module opened it; doc/rtf/odt: for building test sets
    "docx": "docx:MS Word 2007 XML", "pdf": "pdf", "doc": "doc:MS Word 97", "rtf": "rtf", "odt": "odt",
}
INSTALL_HINT = ("it was not found on PATH (looked for soffice and libreoffice); install it (Debian/Ubuntu: "
                "apt-get install libreoffice-writer-nogui; macOS: brew install --cask libreoffice), "
                "or save the document as .docx or .pdf")


@dataclass(frozen=True)
class Completed:
    returncode: int
    output: str


Runner = Callable[[Sequence[str], float], Completed]


def run_command(argv: Sequence[str], timeout: float) -> Completed:
    """Run ``argv`` (no shell) in its own session; on timeout kill the whole group and refuse."""
    proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise errors.CorruptInput(f"LibreOffice did not finish the conversion within {timeout:.0f} s") from None
    return Completed(proc.returncode, out.decode("utf-8", "replace"))


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it ended between the timeout and the kill
    proc.communicate()


def find_soffice() -> str:
    """The LibreOffice executable on PATH, or DependencyMissing saying how to install it."""
    exe = tools.find(tools.Tool.LIBREOFFICE)
    if exe is None:
        raise errors.DependencyMissing(f"reading .doc/.wps/.rtf/.odt files needs LibreOffice: {INSTALL_HINT}")
    return exe


def convert(data: bytes, suffix: str, target: str, *, runner: Runner = run_command,
            timeout: float = TIMEOUT, soffice: str | None = None) -> bytes:
    """``data`` (a file with extension ``suffix``) converted by LibreOffice to ``target`` (docx|pdf)."""
    exe = soffice or find_soffice()
    with tempfile.TemporaryDirectory(prefix="extractor-lo-") as tmp:
        work = Path(tmp)
        source = work / f"input{suffix}"
        source.write_bytes(data)
        argv = [exe, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--convert-to", TARGETS[target], "--outdir", str(work / "out"), str(source)]
        result = runner(argv, timeout)
        produced = work / "out" / f"input.{target}"
        if not produced.is_file() or produced.stat().st_size == 0:
            detail = _last_line(result.output) or f"exit status {result.returncode}"
            raise errors.CorruptInput(f"LibreOffice could not convert the {suffix.lstrip('.')} file ({detail})")
        return produced.read_bytes()


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip() and "javaldx" not in line]
    return lines[-1][:200] if lines else ""


def read_legacy_office(data: bytes, source: Source, settings: Settings, *, runner: Runner = run_command,
                       timeout: float = TIMEOUT, soffice: str | None = None) -> Document:
    if data.startswith(b"PK\x03\x04"):
        _check_odf(data, settings)  # LibreOffice would inflate a zip bomb whole: refused first
    fmt = legacy_format(data, source.name)
    suffix = "." + ("doc" if fmt == "wps" and _is_word_binary(data) else fmt)
    docx_bytes = convert(data, suffix, "docx", runner=runner, timeout=timeout, soffice=soffice)
    doc = read_docx(docx_bytes, source, settings)
    return doc.model_copy(update={"source": source.model_copy(update={"converted_via": f"libreoffice:{fmt}->docx"})})


def legacy_format(data: bytes, name: str) -> str:
    """doc | wps | rtf | odt, refusing encrypted files and OLE files that are not documents."""
    if data.startswith(b"{\\rtf"):
        return "rtf"
    if data.startswith(b"PK\x03\x04"):
        _refuse_encrypted_odf(data)
        return "odt"
    streams = ole_streams(data)
    _refuse_encrypted_ole(data, streams)
    others = sorted(streams.keys() & _NOT_DOCUMENTS.keys())
    if others and "worddocument" not in streams:
        raise errors.UnsupportedFormat(f"unsupported file format: {_NOT_DOCUMENTS[others[0]]}, not a text document")
    return "wps" if Path(name).suffix.lower() == ".wps" else "doc"


_NOT_DOCUMENTS = {"workbook": "an Excel workbook (.xls)", "book": "an Excel workbook (.xls)",
                  "powerpoint document": "a PowerPoint presentation (.ppt)"}


def _is_word_binary(data: bytes) -> bool:
    return "worddocument" in ole_streams(data)


def _refuse_encrypted_ole(data: bytes, streams: dict[str, tuple[int, int]]) -> None:
    if streams.keys() & {"encryptedpackage", "encryptioninfo"}:
        raise errors.EncryptedInput("the document is password-protected (an encrypted Office file)")
    word = streams.get("worddocument")
    if word is not None:
        fib = _sector_bytes(data, word[0], 12)
        # FIB base: wIdent (0xA5EC) at 0, flags at 0x0A; bit 0x0100 is fEncrypted
        if len(fib) == 12 and struct.unpack_from("<H", fib, 0)[0] == 0xA5EC and fib[11] & 0x01:
            raise errors.EncryptedInput("the Word document is password-protected")


def _refuse_encrypted_odf(data: bytes) -> None:
    """An OpenDocument whose manifest names encryption data. Only the manifest's declared size is
    trusted here, since this runs before the archive limits are known (``_check_odf`` applies them)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(_MANIFEST) if _MANIFEST in archive.namelist() else None
            manifest = archive.read(info) if info is not None and info.file_size <= _MAX_MANIFEST else b""
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError, RuntimeError):
        return  # let LibreOffice say what is wrong with it
    if b"encryption-data" in manifest:
        raise errors.EncryptedInput("the OpenDocument file is password-protected")


_MANIFEST = "META-INF/manifest.xml"
_MAX_MANIFEST = 1 << 20


def _check_odf(data: bytes, settings: Settings) -> None:
    """The archive limits, and the ``max_xml_bytes`` limit for every XML part LibreOffice parses."""
    with open_zip(data, "OpenDocument", settings) as archive:
        for info in archive.infolist():
            if info.filename.endswith(".xml") and info.file_size > settings.max_xml_bytes:
                raise errors.TooLarge(
                    f"the OpenDocument file's {info.filename} inflates to {size_text(info.file_size)}, over the "
                    f"{size_text(settings.max_xml_bytes)} limit on one XML part ({limit_name('max_xml_bytes')})")


# ---- the OLE (compound file) directory, just enough to name the streams -------------------------
_MAX_SECTORS = 1 << 20  # a chain longer than this is a loop in a damaged file
_END = 0xFFFFFFFE
_FREE = 0xFFFFFFFF


def ole_streams(data: bytes) -> dict[str, tuple[int, int]]:
    """Lower-cased stream names → (first sector, size) of an OLE compound file; {} if unreadable."""
    if len(data) < 512 or not data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return {}
    try:
        return _directory(data)
    except (struct.error, ValueError, OverflowError):
        return {}  # a damaged compound file: LibreOffice will say what it makes of it


def _directory(data: bytes) -> dict[str, tuple[int, int]]:
    size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    if size not in (512, 4096):
        return {}
    fat = _fat(data, size)
    entries: dict[str, tuple[int, int]] = {}
    for sector in _chain(fat, struct.unpack_from("<I", data, 0x30)[0]):
        block = data[(sector + 1) * size:(sector + 2) * size]
        for offset in range(0, len(block) - 127, 128):
            name_len = struct.unpack_from("<H", block, offset + 0x40)[0]
            kind = block[offset + 0x42]
            if kind in (1, 2, 5) and 2 <= name_len <= 64:
                name = block[offset:offset + name_len - 2].decode("utf-16-le", "replace").lower()
                start, length = struct.unpack_from("<IQ", block, offset + 0x74)
                entries[name] = (start, length)
    return entries


def _fat(data: bytes, size: int) -> list[int]:
    difat = list(struct.unpack_from("<109I", data, 0x4C))
    next_difat = struct.unpack_from("<I", data, 0x44)[0]
    for sector in _chain_raw(data, size, next_difat):
        words = struct.unpack_from(f"<{size // 4}I", data, (sector + 1) * size)
        difat += words[:-1]
    fat: list[int] = []
    for sector in difat:
        if sector in (_FREE, _END) or (sector + 2) * size > len(data):
            continue
        fat += struct.unpack_from(f"<{size // 4}I", data, (sector + 1) * size)
    return fat


def _chain_raw(data: bytes, size: int, sector: int) -> list[int]:
    """DIFAT sectors: each one's last word names the next."""
    out: list[int] = []
    while sector not in (_FREE, _END) and (sector + 2) * size <= len(data) and len(out) < _MAX_SECTORS:
        out.append(sector)
        sector = struct.unpack_from("<I", data, (sector + 1) * size + size - 4)[0]
    return out


def _chain(fat: list[int], sector: int) -> list[int]:
    out: list[int] = []
    seen: set[int] = set()
    while 0 <= sector < len(fat) and sector not in seen and len(out) < _MAX_SECTORS:
        out.append(sector)
        seen.add(sector)
        sector = fat[sector]
    return out


def _sector_bytes(data: bytes, sector: int, n: int) -> bytes:
    size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    return data[(sector + 1) * size:(sector + 1) * size + n]
