"""Shared fixtures: paths to the labelled sets, the independent scorer, default settings."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from extractor.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "evals" / "samples"
SYNTHETIC = ROOT / "evals" / "synthetic"
REAL = SHARED / "real"


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
