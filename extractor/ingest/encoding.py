"""Bytes → str for text-family inputs: BOMs, UTF-8, GB18030/GBK, or detection."""
from __future__ import annotations

from .. import errors

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding). ``declared`` (e.g. an HTML meta charset) is tried after BOMs."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc
    tried: list[str] = []
    for enc in filter(None, (_normal(declared), "utf-8", "gb18030")):
        if enc in tried:
            continue
        tried.append(enc)
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if _looks_binary(text):
            raise errors.UnsupportedFormat("the file is binary data, not text or a known document format")
        return text, enc
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency
        best = None
    else:
        best = from_bytes(data[:2_000_000]).best()
    if best is None or _looks_binary(str(best)):
        raise errors.UnsupportedFormat("the file is binary data, not text or a known document format")
    return data.decode(best.encoding, errors="replace"), best.encoding


def _normal(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    # GBK and GB2312 pages routinely contain GB18030-only characters; GB18030 is their superset.
    return "gb18030" if name in {"gbk", "gb2312", "gb_2312-80", "x-gbk", "cp936"} else name


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    return bad / len(sample) > 0.02
