"""One error hierarchy: every exception class of the package derives from ExtractorError and is named
in errors.py's tree; each maps to one HTTP status and one body shape."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import extractor
from extractor import errors

# modules that need optional packages or system state to import are still imported: all ship
SKIP_MODULES = ("extractor.__main__",)


def _exception_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(extractor.__path__, "extractor."):
        if info.name in SKIP_MODULES:
            continue
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


CLASSES = _exception_classes()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_exception_is_an_extractor_error_named_in_the_tree(cls: type[BaseException]) -> None:
    assert issubclass(cls, errors.ExtractorError), f"{cls.__qualname__} is outside the hierarchy"
    assert cls.__name__ in (errors.__doc__ or ""), f"errors.py's tree does not name {cls.__name__}"


def test_the_hierarchy_is_found() -> None:
    names = {c.__name__ for c in CLASSES}
    assert {"ExtractorError", "SetError", "BatchError", "Unacceptable", "ScreenshotError"} <= names


def test_codes_of_errors_py_are_distinct() -> None:
    own = [c for c in CLASSES if c.__module__ == "extractor.errors" and issubclass(c, errors.ExtractorError)]
    codes = [c.code for c in own]
    assert len(codes) == len(set(codes)), codes


@pytest.mark.parametrize("exc, status, code", [
    (errors.EmptyInput("the upload is empty"), 400, "empty"),
    (errors.TooLarge("file too large"), 413, "too_large"),
    (errors.UnsupportedFormat("not a document"), 415, "unsupported_format"),
    (errors.CorruptInput("truncated"), 422, "corrupt"),
    (errors.InvalidRequest("limit: must be ≥ 1"), 422, "invalid_request"),
    (errors.Unauthorized("missing or wrong API token"), 401, "unauthorized"),
    (errors.Forbidden("stale CSRF token"), 403, "forbidden"),
    (errors.NotFound("no document with id 'x'"), 404, "not_found"),
    (errors.NotReady("still being extracted"), 409, "pending"),
    (errors.OutputUnwritable("disk full"), 503, "output_unwritable"),
    (errors.LeaseConflict("bob holds it"), 409, "lease_conflict"),
    (errors.DependencyMissing("LibreOffice is not installed"), 503, "dependency_missing"),
])
def test_one_http_status_and_body_per_class(exc: errors.ExtractorError, status: int, code: str) -> None:
    assert errors.http_error(exc) == (status, {"error": code, "message": str(exc)})


def test_a_subclass_elsewhere_answers_as_its_parent() -> None:
    from extractor.server.formats import Unacceptable

    assert errors.http_error(Unacceptable("this is an executable")) == (
        415, {"error": "unsupported_format", "message": "this is an executable"})


def test_a_foreign_exception_is_a_500_that_says_nothing_internal() -> None:
    status, body = errors.http_error(KeyError("/srv/secret/path"))
    assert status == 500 and body["error"] == "internal_error" and "secret" not in body["message"]
