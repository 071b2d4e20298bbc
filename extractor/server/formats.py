"""Which uploads the service accepts, decided by their bytes (``extractor.ingest.sniff``), not their
name or declared content type, which clients get wrong.

Accepted: the formats of the ingest registry (``extractor.ingest.FORMATS``) that have a reader and
whose system tools this machine has (a .doc is refused up front when LibreOffice is absent, rather
than accepted and failed later). Text-family bytes must also decode as text; anything else
(executables, archives, random bytes) is refused with 415 before it is stored.
"""
from __future__ import annotations

from .. import errors
from ..ingest import FORMATS, Format, sniff
from ..ingest.encoding import decode
from ..tools import TOOLS

# magic numbers of things that are never documents, refused with a precise message
NOT_DOCUMENTS = ((b"MZ", "a Windows executable"), (b"\x7fELF", "an executable"), (b"\x1f\x8b", "a gzip archive"),
                 (b"7z\xbc\xaf", "a 7-Zip archive"), (b"Rar!", "a RAR archive"))


class Unacceptable(errors.UnsupportedFormat):
    """``str`` says why, for the client."""


def accepted_format(data: bytes, filename: str) -> Format:
    """The sniffed format of an acceptable upload; raises ``Unacceptable`` otherwise."""
    for magic, what in NOT_DOCUMENTS:
        if data.startswith(magic) and b"\x00" in data[:1024]:
            raise Unacceptable(f"this is {what}, not a document")
    spec = FORMATS[sniff(data, filename)]
    if spec.text:
        _must_be_text(data)
    if spec.reader is None:
        raise Unacceptable(f"unsupported format ({spec.description}): send PDF, Word (.docx), HTML, Markdown "
                           "or plain text")
    missing = spec.missing_tools()
    if missing:
        raise Unacceptable(f"this service cannot read {spec.description} files: {TOOLS[missing[0]].label} is "
                           "not installed on it; send PDF or Word (.docx)")
    return spec.format


def _must_be_text(data: bytes) -> None:
    try:
        decode(data)
    except errors.UnsupportedFormat as exc:
        raise Unacceptable(str(exc)) from None
