"""Configuration: one object, built at the entry point (CLI, server, tests) and passed down.

Values come from keyword arguments first, then ``EXTRACTOR_*`` environment variables, then defaults.
With no configuration at all everything runs: parser + checker, no LLM, SQLite review store.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from . import errors

MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    # input limits: bad input is an answer, so every limit is a clear status (``failed``, with a
    # message naming the limit and its variable), never a hang or an exhausted machine
    max_text_bytes: int = 20 * MB  # text/markdown/html: a real report is < 1 MB
    max_binary_bytes: int = 200 * MB  # pdf/docx/images
    max_pages: int = 200  # pages of a PDF, frames of an image
    # archives (DOCX, ODT): checked from the archive's directory before anything is inflated, so a
    # zip bomb costs nothing. A report's DOCX inflates to a few MB; its body XML is < 5 MB.
    max_unzipped_bytes: int = 256 * MB  # all members together, once inflated
    max_zip_members: int = 5000  # a DOCX holds 10-200
    max_xml_bytes: int = 16 * MB  # one XML part parsed; tiny paragraphs take ~60× their size (1 GB)
    # the HTTP service: the largest upload it accepts
    max_upload_bytes: int = 50 * MB
    # a batch gives each document this long (seconds; 0: no limit), then stops its worker and tries
    # the document again on the next run. OCR of a 200-page scan takes minutes, a text report 0.1 s.
    document_timeout: float = 600.0
    # a page read by OCR is rendered with at most this many pixels (A4 at 150 dpi is 2.2 M; at the
    # cap, a page drawn 14,400 pt wide is read at ~100 dpi instead of taking gigabytes)
    max_render_pixels: int = 25_000_000
    # LLM (off unless a base URL is configured)
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)  # never printed
    llm_mode: str = "JSON_SCHEMA"
    llm_use: str = "auto"  # off | fallback | always | auto (= fallback when configured)
    llm_timeout: float = 60.0
    llm_concurrency: int = 2
    llm_max_tokens: int = 4096  # longest answer asked for (a full table-三 grid fits in ~2k tokens)
    # review store and its web UI
    db_path: Path | None = None
    review_secret: str | None = field(default=None, repr=False)  # session signing key; else kept in the store
    # mark the review UI's session cookie Secure (browsers send it over HTTPS only): for a UI served
    # behind TLS. One setting for `review serve` and the UI the API mounts under /review alike.
    review_secure_cookies: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"EXTRACTOR_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            try:
                values[f.name] = _coerce(f.type, raw)
            except ValueError:
                raise errors.ConfigError(f"EXTRACTOR_{f.name.upper()}={raw!r} is not a valid {f.type}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def llm_enabled(self) -> bool:
        if self.llm_use == "off":
            return False
        return bool(self.llm_base_url and self.llm_model)


def limit_name(field_name: str) -> str:
    """The environment variable that sets a field, for messages that name a limit."""
    return f"EXTRACTOR_{field_name.upper()}"


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def _coerce(type_name: object, raw: str) -> object:
    t = str(type_name)
    if t.startswith("bool"):
        # bool("false") is True: a switch is read by its word, and any other word is refused
        word = raw.strip().lower()
        if word not in TRUE_WORDS + FALSE_WORDS:
            raise ValueError(raw)
        return word in TRUE_WORDS
    if t.startswith("int"):
        return int(raw)
    if t.startswith("float"):
        return float(raw)
    if "Path" in t:
        return Path(raw)
    return raw
