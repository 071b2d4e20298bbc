"""Ingestion: any supported file → one ``Document``, through one registry of formats.

``sniff(data, name)`` decides the ``Format`` from the bytes (the name only breaks ties the bytes
leave open: .md vs .txt, .odt vs another zip); ``FORMATS`` says, for each format, which module
reads it, which suffixes name it, whether it is text, and which system tools its reader needs
(``extractor.tools``: LibreOffice for .doc/.wps/.rtf/.odt). The server (what uploads it accepts),
the review queue (which sources it can show as lines) and the eval (which sets this machine can
read) ask this registry; nothing else keeps a list of formats.

``load(path, settings)`` enforces the input limits and dispatches to the reader. Readers translate
their libraries' exceptions into ``errors.InputError`` subclasses; nothing else escapes.
"""
from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from .. import errors
from ..document import Document, Source
from ..settings import Settings
from ..tools import Tool, available

Reader = Callable[[bytes, Source, Settings], Document]


class Format(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"
    DOCX = "docx"
    PDF = "pdf"
    OLE = "ole"  # an OLE compound file: Word 97 .doc, WPS .wps (the office reader refuses .xls/.ppt)
    RTF = "rtf"
    ODT = "odt"
    IMAGE = "image"  # PNG, JPEG, TIFF (multi-page): OCR
    ZIP = "zip"  # a zip archive that is neither DOCX nor ODT: no reader


@dataclass(frozen=True)
class FormatSpec:
    format: Format
    description: str  # for people: "PDF", "Word 97 (.doc) or WPS (.wps)"
    suffixes: tuple[str, ...]  # the first is the one a stored copy gets
    reader: str | None  # "module:function" inside extractor.ingest; None: not a document we read
    text: bool = False  # a text family format: read as decoded characters, lines are meaningful
    needs: frozenset[Tool] = frozenset()  # system tools the reader runs

    @property
    def suffix(self) -> str:
        return self.suffixes[0]

    def missing_tools(self) -> list[Tool]:
        return [t for t in sorted(self.needs) if not available(t)]

    @property
    def readable(self) -> bool:
        """A reader exists and every tool it needs is on this machine."""
        return self.reader is not None and not self.missing_tools()


_OFFICE = frozenset({Tool.LIBREOFFICE})
FORMATS: MappingProxyType[Format, FormatSpec] = MappingProxyType({s.format: s for s in (
    FormatSpec(Format.TEXT, "plain text", (".txt", ".text"), "text:read_text", text=True),
    FormatSpec(Format.MARKDOWN, "Markdown", (".md", ".markdown"), "text:read_text", text=True),
    FormatSpec(Format.HTML, "HTML", (".html", ".htm", ".shtml", ".xhtml"), "html:read_html", text=True),
    FormatSpec(Format.DOCX, "Word (.docx)", (".docx",), "docx:read_docx"),
    FormatSpec(Format.PDF, "PDF", (".pdf",), "pdf:read_pdf"),
    FormatSpec(Format.OLE, "Word 97 (.doc) or WPS (.wps)", (".doc", ".wps"), "office:read_legacy_office",
               needs=_OFFICE),
    FormatSpec(Format.RTF, "RTF", (".rtf",), "office:read_legacy_office", needs=_OFFICE),
    FormatSpec(Format.ODT, "OpenDocument text (.odt)", (".odt",), "office:read_legacy_office", needs=_OFFICE),
    FormatSpec(Format.IMAGE, "scanned image (PNG, JPEG, TIFF)", (".png", ".jpg", ".jpeg", ".tif", ".tiff"),
               "image:read_image"),
    FormatSpec(Format.ZIP, "zip archive", (".zip",), None),
)})
TEXT_FORMATS = frozenset(f for f, s in FORMATS.items() if s.text)
HTML_MARKERS = (b"<html", b"<!doctype html", b"<table", b"<body", b"<div")


def sniff(data: bytes, name: str) -> Format:
    """The format of ``data`` (named ``name``), from its bytes first."""
    head = data[:8192]
    suffix = Path(name).suffix.lower()
    if head.startswith(b"%PDF") or (b"%PDF-" in head[:1024]):
        return Format.PDF
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:200_000] or suffix == ".docx":
            return Format.DOCX
        if suffix in {".odt", ".ods"} or b"opendocument" in data[:200_000]:
            return Format.ODT
        return Format.ZIP
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return Format.OLE
    if head.startswith(b"{\\rtf"):
        return Format.RTF
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head[:4] in (b"II*\x00", b"MM\x00*"):
        return Format.IMAGE
    if suffix in FORMATS[Format.HTML].suffixes or any(tag in head.lower() for tag in HTML_MARKERS):
        return Format.HTML
    if suffix in FORMATS[Format.MARKDOWN].suffixes:
        return Format.MARKDOWN
    return Format.TEXT


def sniff_file(path: str | Path) -> Format:
    """The format of the file at ``path`` from its first bytes (as ``load`` would decide it)."""
    with open(path, "rb") as f:
        return sniff(f.read(200_000), str(path))


def format_of_name(name: str) -> Format | None:
    """The format a file name suggests, for documents that were never read (None: no idea)."""
    suffix = Path(name).suffix.lower()
    return next((f for f, s in FORMATS.items() if suffix in s.suffixes), None)


def load(path: str | Path, settings: Settings) -> Document:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise errors.InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size == 0:
        raise errors.EmptyInput("the file is empty (0 bytes)")
    if size > max(settings.max_text_bytes, settings.max_binary_bytes):
        raise errors.TooLarge(_too_large(size, max(settings.max_text_bytes, settings.max_binary_bytes)))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise errors.InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return load_bytes(data, str(path), settings)


def load_bytes(data: bytes, name: str, settings: Settings) -> Document:
    if not data.strip():
        raise errors.EmptyInput("the file is empty or holds only whitespace")
    fmt = sniff(data, name)
    limit = settings.max_text_bytes if fmt in TEXT_FORMATS else settings.max_binary_bytes
    if len(data) > limit:
        raise errors.TooLarge(_too_large(len(data), limit))
    source = Source(
        path=name, name=Path(name).name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), format=fmt
    )
    return reader(fmt)(data, source, settings)


def reader(fmt: Format) -> Reader:
    """The reader of ``fmt``; UnsupportedFormat when there is none. A reader whose tool is absent
    raises DependencyMissing itself, after what it can say without the tool (an encrypted file is
    refused as encrypted, whether LibreOffice is installed or not)."""
    spec = FORMATS[fmt]
    if spec.reader is None:
        raise errors.UnsupportedFormat(f"unsupported file format ({spec.description})")
    module, function = spec.reader.split(":")
    reader_fn: Reader = getattr(importlib.import_module(f"{__name__}.{module}"), function)
    return reader_fn


def _too_large(size: int, limit: int) -> str:
    return f"file too large: {size / 1_048_576:.1f} MB exceeds the {limit / 1_048_576:.0f} MB limit"
