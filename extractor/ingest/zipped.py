"""ZIP-based formats (DOCX, ODT) opened within limits, so a zip bomb is refused before it inflates.

A few MB of ZIP can inflate to gigabytes (a 3 MB DOCX whose body is 3 GiB of XML took 6.3 GB of
memory). Every limit is checked from the archive's own directory, before a byte is inflated:

- members: the count the end-of-central-directory record declares, and the size of the directory
  (at most ``DIRECTORY_BYTES_PER_MEMBER`` a member, so that a count that lies cannot make the
  directory itself the bomb), ``max_zip_members``;
- the sizes the members declare, all together, ``max_unzipped_bytes``;
- the one XML part that is parsed into memory, ``max_xml_bytes``.

Declared sizes can lie, but reading never goes past them: read in pieces, ``zipfile`` stops at the
declared size and fails the CRC check, which is a damaged file here. Only the parts a reader asks for are inflated.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

from .. import errors
from ..settings import Settings, limit_name

_END = b"PK\x05\x06"
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"
# a directory entry is 46 bytes plus its name, extra field and comment; 1 KB is generous
DIRECTORY_BYTES_PER_MEMBER = 1024
_PIECE = 1 << 20


def open_zip(data: bytes, what: str, settings: Settings) -> zipfile.ZipFile:
    """The archive, once its member count and inflated size are within the limits."""
    count, directory = declared_directory(data)
    if count > settings.max_zip_members:
        raise _too_many(what, count, settings)
    if directory > settings.max_zip_members * DIRECTORY_BYTES_PER_MEMBER:
        raise errors.TooLarge(f"the {what} file's member directory takes {size_text(directory)}, more than "
                              f"{settings.max_zip_members} members need ({limit_name('max_zip_members')})")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, struct.error, OverflowError) as exc:
        raise errors.CorruptInput(f"the {what} file is damaged or truncated: {exc}") from None
    members = archive.infolist()
    if len(members) > settings.max_zip_members:
        raise _too_many(what, len(members), settings)
    total = sum(m.file_size for m in members)
    if total > settings.max_unzipped_bytes:
        raise errors.TooLarge(
            f"the {what} file inflates to {size_text(total)}, over the {size_text(settings.max_unzipped_bytes)} "
            f"limit on its unzipped size ({limit_name('max_unzipped_bytes')})")
    return archive


def read_xml(archive: zipfile.ZipFile, name: str, what: str, settings: Settings) -> bytes:
    """One XML member, inflated only when it is within ``max_xml_bytes``."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise errors.CorruptInput(f"the {what} file has no {name}") from None
    if info.file_size > settings.max_xml_bytes:
        raise errors.TooLarge(
            f"the {what} file's {name} inflates to {size_text(info.file_size)}, over the "
            f"{size_text(settings.max_xml_bytes)} limit on one XML part ({limit_name('max_xml_bytes')})")
    try:
        return _read_bounded(archive, info)
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise errors.EncryptedInput(f"the {what} file is password-protected ({exc})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        # a CRC mismatch lands here too: a member that inflates past its declared size
        raise errors.CorruptInput(f"the {what} file is damaged or truncated: {exc}") from None


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """In pieces: ``ZipFile.read`` inflates a member's whole compressed stream in one call and cuts
    it to the declared size afterwards, so a member that lies about its size would inflate whole."""
    pieces: list[bytes] = []
    with archive.open(info) as member:
        while piece := member.read(_PIECE):
            pieces.append(piece)
    return b"".join(pieces)


def declared_directory(data: bytes) -> tuple[int, int]:
    """The member count and directory size the end record declares; (0, 0) when there is none
    (``zipfile`` then says what is wrong)."""
    end = data.rfind(_END, max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or end + 22 > len(data):
        return 0, 0
    entries, size = struct.unpack_from("<HI", data, end + 10)
    if entries == 0xFFFF or size == 0xFFFFFFFF:
        locator = end - 20
        if locator >= 0 and data[locator:locator + 4] == _END64_LOCATOR:
            offset = struct.unpack_from("<Q", data, locator + 8)[0]
            if offset + 56 <= len(data) and data[offset:offset + 4] == _END64:
                entries, size = struct.unpack_from("<QQ", data, offset + 32)
    return entries, size


def _too_many(what: str, count: int, settings: Settings) -> errors.TooLarge:
    return errors.TooLarge(f"the {what} file holds {count} members, over the limit of {settings.max_zip_members} "
                           f"({limit_name('max_zip_members')})")


def size_text(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GB"
    return f"{n / (1 << 20):.1f} MB"
