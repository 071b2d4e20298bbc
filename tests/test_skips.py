"""Tests that need a missing system tool are skipped with ONE loud line per tool (tests/conftest.py):
never failed, never silently passed. Run on a PATH without LibreOffice and Chromium."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

NEEDY = '''
import pytest
from extractor.tools import Tool

@pytest.mark.needs(Tool.LIBREOFFICE)
def test_converts(): pass

@pytest.mark.needs(Tool.LIBREOFFICE)
def test_converts_again(): pass

@pytest.mark.needs(Tool.CHROMIUM)
def test_browses(): pass

def test_needs_nothing(): pass
'''


def test_each_missing_tool_is_one_loud_line_and_its_tests_skip(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import pytest_collection_modifyitems, pytest_configure, pytest_terminal_summary\n",
        encoding="utf-8")
    (tmp_path / "test_needy.py").write_text(NEEDY, encoding="utf-8")
    empty = tmp_path / "empty-path"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    loud = [line for line in lines if line.startswith("SKIPPED ")]
    assert len(loud) == 2, done.stdout
    assert loud[0].startswith("SKIPPED 1 tests: Chromium is not installed") and "apt-get install chromium" in loud[0]
    assert loud[1].startswith("SKIPPED 2 tests: LibreOffice is not installed")
    assert "apt-get install libreoffice-writer-nogui" in loud[1]
    assert lines[-1].startswith("1 passed, 3 skipped")
