"""The README keeps its promises: two set-up commands on its first screen, the flags table generated
from the closed vocabulary, --flat documented as JSON Lines."""
from __future__ import annotations

import importlib.util
import re
import sys

from .conftest import ROOT

README = ROOT / "README.md"


def _script():
    spec = importlib.util.spec_from_file_location("readme_flags", ROOT / "scripts" / "readme_flags.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_flags_table_matches_the_vocabulary() -> None:
    script = _script()
    found = script.current(README.read_text(encoding="utf-8"))
    assert found is not None, "README.md has no flags table (run scripts/readme_flags.py)"
    assert found == script.render(), "README's flags table is stale: run python scripts/readme_flags.py"


def test_first_screen_has_exactly_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first_screen = text.split("\n---\n", 1)[0]
    block = re.search(r"```sh\n(.*?)```", first_screen, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make samples", "make test"]


def test_flat_output_is_documented_as_json_lines() -> None:
    text = README.read_text(encoding="utf-8")
    assert "`--flat` prints the flat contract" in text and "JSON Lines" in text
