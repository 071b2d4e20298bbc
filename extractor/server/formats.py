"""Which uploads the service accepts, decided by their bytes (``extractor.ingest.sniff``), not their
name or declared content type, which clients get wrong.

Accepted: the formats this installation has a reader for. Text-family bytes must also decode as
text; anything else (executables, archives, random bytes) is refused with 415 before it is stored.
"""
from __future__ import annotations

import importlib.util
from types import MappingProxyType

from .. import errors
from ..ingest import TEXT_FORMATS, sniff
from ..ingest.encoding import decode

# readers that always ship; the others (legacy office, images) are optional modules
CORE_FORMATS = frozenset({"text", "markdown", "html", "docx", "pdf"})
OPTIONAL_READERS = MappingProxyType({"ole": "office", "rtf": "office", "odt": "office", "image": "image"})
# magic numbers of things that are never documents, refused with a precise message
NOT_DOCUMENTS = ((b"MZ", "a Windows executable"), (b"\x7fELF", "an executable"), (b"\x1f\x8b", "a gzip archive"),
                 (b"7z\xbc\xaf", "a 7-Zip archive"), (b"Rar!", "a RAR archive"))


class Unacceptable(Exception):
    """``str`` says why, for the client."""


def accepted_format(data: bytes, filename: str) -> str:
    """The sniffed format of an acceptable upload; raises ``Unacceptable`` otherwise."""
    for magic, what in NOT_DOCUMENTS:
        if data.startswith(magic) and b"\x00" in data[:1024]:
            raise Unacceptable(f"this is {what}, not a document")
    fmt = sniff(data, filename)
    if fmt in TEXT_FORMATS:
        _must_be_text(data)
        return fmt
    if fmt in CORE_FORMATS or _has_reader(fmt):
        return fmt
    raise Unacceptable(f"unsupported format ({fmt}): send PDF, Word (.docx), HTML, Markdown or plain text")


def _must_be_text(data: bytes) -> None:
    try:
        decode(data)
    except errors.UnsupportedFormat as exc:
        raise Unacceptable(str(exc)) from None


def _has_reader(fmt: str) -> bool:
    module = OPTIONAL_READERS.get(fmt)
    return module is not None and importlib.util.find_spec(f"extractor.ingest.{module}") is not None
