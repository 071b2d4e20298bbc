"""Ingestion: any supported file → one ``Document``.

``load(path, settings)`` sniffs the format from the bytes (not the extension alone), enforces the
input limits and dispatches to the reader for that format. Readers translate their libraries'
exceptions into ``errors.InputError`` subclasses; nothing else escapes.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from .. import errors
from ..document import Document, Source
from ..settings import Settings

TEXT_FORMATS = {"text", "markdown", "html"}


def sniff(data: bytes, name: str) -> str:
    """The format of ``data``: pdf, docx, ole (doc/wps), rtf, odt, image, html, markdown or text."""
    head = data[:8192]
    suffix = Path(name).suffix.lower()
    if head.startswith(b"%PDF") or (b"%PDF-" in head[:1024]):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:200_000] or suffix == ".docx":
            return "docx"
        if suffix in {".odt", ".ods"} or b"opendocument" in data[:200_000]:
            return "odt"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image"
    lowered = head.lower()
    if suffix in {".html", ".htm", ".shtml", ".xhtml"} or any(
        tag in lowered for tag in (b"<html", b"<!doctype html", b"<table", b"<body", b"<div")
    ):
        return "html"
    if suffix in {".md", ".markdown"}:
        return "markdown"
    return "text"


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
    return _reader(fmt)(data, source, settings)


def _reader(fmt: str):
    if fmt in ("text", "markdown"):
        from .text import read_text

        return read_text
    if fmt == "html":
        from .html import read_html

        return read_html
    if fmt == "docx":
        from .docx import read_docx

        return read_docx
    if fmt == "pdf":
        from .pdf import read_pdf

        return read_pdf
    if fmt in ("ole", "rtf", "odt"):
        from .office import read_legacy_office

        return read_legacy_office
    if fmt == "image":
        from .image import read_image

        return read_image
    raise errors.UnsupportedFormat(f"unsupported file format ({fmt})")


def _too_large(size: int, limit: int) -> str:
    return f"file too large: {size / 1_048_576:.1f} MB exceeds the {limit / 1_048_576:.0f} MB limit"
