"""Both ``pip install .`` and ``pip install -e .`` must find prompts/ and schemas/ and carry the
version of ``extractor.__version__`` (the one place it is written); the committed JSON Schemas must
match the models (a missing or stale schema file fails, it is never rewritten)."""
from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .conftest import ROOT

SCHEMAS = ROOT / "schemas"


@pytest.mark.parametrize("name", ["report.schema.json", "result.schema.json"])
def test_committed_schema_matches_models(name: str) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from export_schemas import TARGETS, render
    finally:
        sys.path.pop(0)
    path = SCHEMAS / name
    assert path.exists(), f"{path} is missing: run scripts/export_schemas.py and commit it"
    assert path.read_text(encoding="utf-8") == render(TARGETS[name]), (
        f"{name} is stale: run scripts/export_schemas.py and review the change")


@pytest.mark.slow
@pytest.mark.parametrize("editable", [False, True], ids=["install", "editable"])
def test_installed_package_finds_prompts_and_schemas(tmp_path: Path, editable: bool) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    target = ["-e", str(ROOT)] if editable else [str(ROOT)]
    # --no-deps: the point is where the files land, not the dependency set (already tested)
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", *target], check=True,
                   capture_output=True, timeout=600)
    probe = ("from extractor.resources import resource_dir; from importlib.resources import files; "
             "p = resource_dir('prompts'); s = resource_dir('schemas'); "
             "assert any(p.iterdir()), p; assert (s / 'report.schema.json').exists(), s; "
             "r = files('extractor.review'); assert (r / 'templates').is_dir() and (r / 'static').is_dir(), r; "
             "import extractor; from importlib.metadata import version; "
             "assert version('gidr-extractor') == extractor.__version__, version('gidr-extractor'); "
             "print(p, s)")
    out = subprocess.run([str(py), "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    located = out.stdout.strip()
    if editable:
        assert str(ROOT) in located
    else:
        assert "site-packages" in located and "_resources" in located
