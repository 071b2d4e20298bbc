"""Shared fixtures: paths to the labelled sets, the independent scorer, default settings; and the
``needs`` marker for tests that need a system tool.

``@pytest.mark.needs(Tool.LIBREOFFICE, ...)``: on a machine without the tool (``extractor.tools``,
looked up on PATH) the test is skipped, and the run ends with ONE loud line per missing tool saying
how many tests it skipped and how to install it. Never failed, never silently passed.
"""
from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

from extractor.settings import Settings
from extractor.tools import Tool, absence, find

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "evals" / "samples"
SYNTHETIC = ROOT / "evals" / "synthetic"
REAL = SHARED / "real"
MISSING_TOOLS = frozenset(t for t in Tool if find(t) is None)  # looked up once per session
_chromium = find(Tool.CHROMIUM)
CHROMIUM: Path | None = Path(_chromium) if _chromium else None  # for Playwright's executable_path
needs_chromium = pytest.mark.needs(Tool.CHROMIUM)
needs_libreoffice = pytest.mark.needs(Tool.LIBREOFFICE)
_SKIPPED_FOR = pytest.StashKey[Counter]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(*tools): system tools (extractor.tools.Tool) the test needs; "
                                       "skipped, with one loud line per tool, where they are missing")
    config.stash[_SKIPPED_FOR] = Counter()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skipped = config.stash[_SKIPPED_FOR]
    for item in items:
        wanted = [t for mark in item.iter_markers("needs") for t in mark.args]
        missing = [Tool(t) for t in wanted if Tool(t) in MISSING_TOOLS]
        if missing:
            item.add_marker(pytest.mark.skip(reason=absence(missing[0])))
            skipped[missing[0]] += 1


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    for tool, count in sorted(config.stash[_SKIPPED_FOR].items()):
        terminalreporter.write_line(f"SKIPPED {count} tests: {absence(tool)}", yellow=True, bold=True)


def gold_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.gold.json"))
    assert files, f"no gold files in {folder}: a labelled set that is missing is an error"
    return files


def document_of(gold: Path) -> Path:
    doc = gold.with_name(gold.name.removesuffix(".gold.json"))
    assert doc.exists(), f"gold {gold.name} has no document beside it"
    return doc


def load_gold(gold: Path) -> dict:
    return json.loads(gold.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def scorer():
    """../shared/tools/score.py: the project-independent scorer of spec/output.md."""
    path = SHARED / "tools" / "score.py"
    assert path.exists(), f"{path} is missing"
    spec = importlib.util.spec_from_file_location("shared_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.score


@pytest.fixture
def settings() -> Settings:
    return Settings()
