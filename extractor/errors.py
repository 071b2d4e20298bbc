"""Every error the extractor raises on purpose, in one hierarchy, and what each means to a user.

    ExtractorError                 base; never escapes to a user as a traceback      HTTP 500
    ├── InputError                 the file itself cannot be used (result ``failed``)     422
    │   ├── EmptyInput             zero bytes, or nothing but whitespace                  400
    │   ├── TooLarge               over the configured size/page limit                    413
    │   │   └── server.limits._TooLarge            a request body over the upload limit
    │   ├── UnsupportedFormat      not a format we read (random bytes, executables, …)    415
    │   │   └── server.formats.Unacceptable        an upload refused before it is stored
    │   ├── CorruptInput           a known format that fails to open (truncated, broken)  422
    │   ├── EncryptedInput         password-protected                                    422
    │   └── DecodeError            text whose encoding cannot be determined              415
    ├── NotAReport                 readable, but not an annual report (``not_a_report``) 422
    ├── DependencyMissing          a system tool or optional package is absent           503
    │   ├── batch.review.ReviewUnavailable         the review store cannot be opened
    │   ├── batch.engines.EngineUnavailable        e.g. --engine ray without ray
    │   └── ToolFailed             the tool ran but did not do its job
    │       └── evaluate.screenshot.ScreenshotError
    ├── LLMError                   the model endpoint failed (the parser's result stands) 502
    │   ├── LLMUnavailable         connection refused, timeouts, circuit open             503
    │   │   ├── llm.client.EndpointRefused         401/403/404: URL, model or key wrong
    │   │   └── llm.client._Transient              one failed attempt, retried inside the client
    │   └── LLMBadResponse         the model never produced a valid answer               502
    │       └── llm.client.NoValidAnswer           … with its last answer, for flagging
    ├── StoreError                 the review store refused an operation                 409
    │   └── LeaseConflict          another reviewer holds the item                        409
    ├── UsageError                 a command line or request that cannot be carried out   400
    │   ├── InvalidRequest         a request whose parameters or body fail validation     422
    │   ├── batch.runner.BatchError                no inputs, an unknown or unavailable engine
    │   └── ConfigError            a setting, or a file the command was pointed at, is unusable
    │       ├── evaluate.sets.SetError             a labelled set (missing gold, …)
    │       ├── evaluate.thresholds.ThresholdError evals/thresholds.json
    │       ├── evaluate.baseline.BaselineError    a baseline run.json
    │       └── evaluate.run.Unusable              every problem that stops an eval
    ├── batch.manifest.JournalDamaged          a batch's journal is damaged or foreign (set aside, rebuilt)
    ├── OutputUnwritable           results cannot be written (read-only, disk full)       503
    ├── NotFound                   no document, item or reviewer with that id             404
    ├── NotReady                   asked for a result that is still being made           409
    ├── Unauthorized               no or wrong credentials                               401
    └── Forbidden                  known credentials, refused action (e.g. stale CSRF)   403

Subclasses defined elsewhere are listed above so the tree stays whole; a test checks that every
exception class in the package derives from ``ExtractorError`` and is named here.

Foreign exceptions (PyMuPDF, python-docx, lxml, openai, sqlite3) are translated into these once,
at the boundary where the foreign call is made; nothing downstream catches library exceptions.
In a batch, errors become data: a ``Result`` with a status and a message, never an exception.

What an error means to an HTTP client is decided here, once: ``http_status`` and ``error_body`` give
the API (``server.errors``, its routes and middleware) one status per class and one JSON shape,
``{"error": code, "message": text}``. (The review UI's page script gets ``{"ok": false, "error":
text, "state": …}`` from ``review.web``, whose statuses are still its own.)

The CLI maps errors to exit codes in one table (``extractor.cli.EXIT_CODES``): usage errors 2, an
output folder that cannot be written 3, every other failure 1.
"""
from __future__ import annotations

from typing import ClassVar, TypedDict


class ErrorBody(TypedDict):
    error: str  # a stable machine code: the class's ``code`` ("too_large", "not_found", …)
    message: str  # for people


class ExtractorError(Exception):
    """Base class; ``str(err)`` is a message fit for a user."""

    http_status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"  # subclasses elsewhere inherit their parent's code


class InputError(ExtractorError):
    code = "bad_input"
    http_status = 422


class EmptyInput(InputError):
    code = "empty"
    http_status = 400


class TooLarge(InputError):
    code = "too_large"
    http_status = 413


class UnsupportedFormat(InputError):
    code = "unsupported_format"
    http_status = 415


class CorruptInput(InputError):
    code = "corrupt"


class EncryptedInput(InputError):
    code = "encrypted"


class DecodeError(InputError):
    code = "undecodable"
    http_status = 415


class NotAReport(ExtractorError):
    code = "not_a_report"
    http_status = 422


class DependencyMissing(ExtractorError):
    code = "dependency_missing"
    http_status = 503


class ToolFailed(DependencyMissing):
    """The tool is there but did not do its job (no output, a timeout); the message carries its output."""

    code = "tool_failed"


class LLMError(ExtractorError):
    code = "llm_error"
    http_status = 502


class LLMUnavailable(LLMError):
    code = "llm_unavailable"
    http_status = 503


class LLMBadResponse(LLMError):
    code = "llm_bad_response"


class StoreError(ExtractorError):
    code = "refused"
    http_status = 409


class LeaseConflict(StoreError):
    code = "lease_conflict"


class UsageError(ExtractorError):
    code = "bad_request"
    http_status = 400


class InvalidRequest(UsageError):
    code = "invalid_request"
    http_status = 422


class ConfigError(UsageError):
    code = "bad_config"


class OutputUnwritable(ExtractorError):
    """Where results go refuses them (read-only, disk full): not the input's fault, and what is
    finished is kept, so the same command is run again once the folder or disk is fixed."""

    code = "output_unwritable"
    http_status = 503  # for the service: it cannot take uploads until its folder or disk is fixed


class NotFound(ExtractorError):
    code = "not_found"
    http_status = 404


class NotReady(ExtractorError):
    code = "pending"  # as the API names the state of a document still waiting or running
    http_status = 409


class Unauthorized(ExtractorError):
    code = "unauthorized"
    http_status = 401


class Forbidden(ExtractorError):
    code = "forbidden"
    http_status = 403


def http_status(exc: BaseException) -> int:
    """The HTTP status of ``exc``: its class's, or 500 for anything that is not ours (a bug)."""
    return exc.http_status if isinstance(exc, ExtractorError) else 500


def error_body(exc: BaseException) -> ErrorBody:
    """The one JSON shape of an error response. A foreign exception is a bug of ours: its text may
    hold paths or internals, so the client gets a plain message (the server logs the traceback)."""
    if isinstance(exc, ExtractorError):
        return {"error": exc.code, "message": str(exc) or exc.code.replace("_", " ")}
    return {"error": ExtractorError.code, "message": "internal error; the server log has the details"}


def http_error(exc: BaseException) -> tuple[int, ErrorBody]:
    """Status and body together: what a web app's exception handler sends."""
    return http_status(exc), error_body(exc)
