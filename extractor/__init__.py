"""Extraction of China's annual government-information-disclosure reports into checked data.

    from extractor import Extractor, Settings
    result = Extractor.from_settings(Settings.from_env()).extract("report.pdf")

``Extractor`` and ``Settings`` are loaded on first use, so ``import extractor`` (and the CLI's start)
stays cheap.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Extractor", "Result", "Settings", "__version__", "errors"]

if TYPE_CHECKING:
    from . import errors
    from .pipeline import Extractor
    from .report import Result
    from .settings import Settings

_LAZY = {"Extractor": "pipeline", "Result": "report", "Settings": "settings"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
