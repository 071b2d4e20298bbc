"""Every error the extractor raises on purpose, in one hierarchy.

    ExtractorError                 base; never escapes to a user as a traceback
    ├── InputError                 the file itself cannot be used (result status ``failed``)
    │   ├── EmptyInput             zero bytes, or nothing but whitespace
    │   ├── TooLarge               over the configured size/page limit
    │   ├── UnsupportedFormat      not a format we read (random bytes, images without OCR, …)
    │   ├── CorruptInput           a known format that fails to open (truncated DOCX, broken PDF)
    │   ├── EncryptedInput         password-protected
    │   └── DecodeError            text whose encoding cannot be determined
    ├── NotAReport                 readable, but not an annual disclosure report (status ``not_a_report``)
    ├── DependencyMissing          an optional system tool (LibreOffice, OCR engine) is absent
    ├── LLMError                   the configured model endpoint failed (the parser's result stands)
    │   ├── LLMUnavailable         connection refused, timeouts, circuit open
    │   └── LLMBadResponse         the model never produced a valid answer
    └── StoreError                 the review store refused an operation
        └── LeaseConflict          another reviewer holds the item

Foreign exceptions (PyMuPDF, python-docx, lxml, openai, sqlite3) are translated into these once,
at the boundary where the foreign call is made; nothing downstream catches library exceptions.
In a batch, errors become data: a ``Result`` with a status and a message, never an exception.
"""
from __future__ import annotations


class ExtractorError(Exception):
    """Base class; ``str(err)`` is a message fit for a user."""


class InputError(ExtractorError):
    pass


class EmptyInput(InputError):
    pass


class TooLarge(InputError):
    pass


class UnsupportedFormat(InputError):
    pass


class CorruptInput(InputError):
    pass


class EncryptedInput(InputError):
    pass


class DecodeError(InputError):
    pass


class NotAReport(ExtractorError):
    pass


class DependencyMissing(ExtractorError):
    pass


class LLMError(ExtractorError):
    pass


class LLMUnavailable(LLMError):
    pass


class LLMBadResponse(LLMError):
    pass


class StoreError(ExtractorError):
    pass


class LeaseConflict(StoreError):
    pass
