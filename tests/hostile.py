"""Builders of hostile files, shared by the tests and scripts/bench_hostile.py.

Each writes a file that is small on disk and enormous once read: archives whose members inflate far
beyond their size (zip bombs), whose headers lie about it, or that hold countless members.
"""
from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

MB = 1024 * 1024
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PARAGRAPH = b"<w:p><w:r><w:t>0</w:t></w:r></w:p>"  # many small elements: the worst case for a parser


def small_docx() -> bytes:
    from docx import Document

    buf = io.BytesIO()
    doc = Document()
    doc.add_paragraph("某某县人民政府 2024 年政府信息公开工作年度报告")
    doc.save(buf)
    return buf.getvalue()


def docx_bomb(path: Path, inflated: int, member: str = "word/document.xml") -> Path:
    """A valid DOCX whose ``member`` (default the body) inflates to ``inflated`` bytes of XML."""
    with zipfile.ZipFile(io.BytesIO(small_docx())) as base, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in base.infolist():
            if info.filename != member:
                out.writestr(info, base.read(info))
        _stream_xml(out, member, inflated)
    return path


def _stream_xml(archive: zipfile.ZipFile, name: str, inflated: int) -> None:
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body>'.encode()
    tail = b"</w:body></w:document>"
    chunk = PARAGRAPH * (MB // len(PARAGRAPH))
    with archive.open(name, "w", force_zip64=True) as fh:
        fh.write(head)
        left = inflated - len(head) - len(tail)
        while left >= len(PARAGRAPH):
            piece = chunk[:left - left % len(PARAGRAPH)]
            fh.write(piece)
            left -= len(piece)
        fh.write(b" " * left + tail)  # whole paragraphs, then blanks: the XML stays valid


def lying_docx(path: Path, inflated: int) -> Path:
    """A DOCX bomb whose headers claim the body inflates to 1 KB: only reading it shows the truth."""
    docx_bomb(path, inflated)
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    # local header: uncompressed size at offset 22; central directory entry: at offset 24. With
    # zip64 the sizes are 0xFFFFFFFF and live in the extra field; rewrite that 8-byte value instead.
    for signature, name_len_at, size_at, fixed in ((b"PK\x03\x04", 26, 22, 30), (b"PK\x01\x02", 28, 24, 46)):
        start = data.find(signature)
        while start != -1:
            n, e = struct.unpack_from("<HH", data, start + name_len_at)
            if bytes(data[start + fixed:start + fixed + n]) == name:
                _declare_size(data, start, size_at, fixed + n, e, 1024)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path


def _declare_size(data: bytearray, start: int, size_at: int, extra_at: int, extra_len: int, size: int) -> None:
    if struct.unpack_from("<I", data, start + size_at)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", data, start + size_at, size)
        return
    offset, end = start + extra_at, start + extra_at + extra_len
    while offset + 4 <= end:
        tag, length = struct.unpack_from("<HH", data, offset)
        if tag == 0x0001:  # zip64: uncompressed size first
            struct.pack_into("<Q", data, offset + 4, size)
            return
        offset += 4 + length


def many_members(path: Path, count: int) -> Path:
    """A DOCX with ``count`` extra (empty) members."""
    with zipfile.ZipFile(io.BytesIO(small_docx())) as base, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in base.infolist():
            out.writestr(info, base.read(info))
        for i in range(count):
            out.writestr(f"extra/{i}.xml", b"")
    return path


def odt_bomb(path: Path, inflated: int) -> Path:
    """An OpenDocument text whose content.xml inflates to ``inflated`` bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        out.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest '
                     'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
        _stream_xml(out, "content.xml", inflated)
    return path
