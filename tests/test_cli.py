"""The command line's surface: --version, usage of the subcommand that got a wrong option, --flat as
JSON Lines, errors as one line and the exit code of their class."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor import __version__, errors
from extractor.cli import EXIT_CODES, exit_code_of, main

from .conftest import SAMPLES

SAMPLE = SAMPLES / "002_bedebc31cbf810fe.txt"
OTHER = SAMPLES / "004_d2a4fd40b0e98510.txt"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"extractor {__version__}"


@pytest.mark.parametrize("argv, usage", [
    (["extract", "--bogus", str(SAMPLE)], "usage: extractor extract "),
    (["eval", str(SAMPLES), "--nope"], "usage: extractor eval "),
    (["review", "user", "add", "alice", "--zzz"], "usage: extractor review user add "),
    (["batch", "x", "--out", "y", "--workers", "many"], "usage: extractor batch "),
])
def test_a_wrong_option_prints_the_usage_of_its_subcommand(argv: list[str], usage: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage), err
    assert "{extract,eval,batch,review,serve}" not in err  # not the top level's usage


@pytest.mark.parametrize("files", [[SAMPLE], [SAMPLE, OTHER]], ids=["one", "two"])
def test_flat_is_always_json_lines(files: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "--flat", *map(str, files)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(files)
    objects = [json.loads(line) for line in lines]
    assert [Path(o["document"]).name for o in objects] == [f.name for f in files]
    assert all(o["status"] in ("ok", "needs_review") and "values" in o for o in objects)


def test_rich_result_of_one_file_is_pretty_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") > 10 and json.loads(out)["status"] == "ok"


def test_an_error_is_one_line_and_its_exit_code(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("EXTRACTOR_MAX_PAGES", "many")
    assert main(["extract", str(SAMPLE)]) == 2  # a configuration error is a usage error
    err = capsys.readouterr().err
    assert err == "extractor extract: error: EXTRACTOR_MAX_PAGES='many' is not a valid int\n"


def test_an_output_folder_that_cannot_be_written_is_exit_3(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """extract --out, like batch: one line naming the folder, exit 3, what was written is kept."""
    blocked = tmp_path / "a_file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert main(["extract", str(SAMPLE), "--out", str(blocked)]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"extractor extract: error: cannot write to the output folder {blocked}: ")
    assert err.count("\n") == 1 and "Traceback" not in err
    out = tmp_path / "out"
    (out / f"{OTHER.name}.json").mkdir(parents=True)  # the second document's file cannot be made
    assert main(["extract", str(SAMPLE), str(OTHER), "--out", str(out)]) == 3
    assert f"({out / OTHER.name}.json)" in capsys.readouterr().err
    assert json.loads((out / f"{SAMPLE.name}.json").read_text(encoding="utf-8"))["status"]


def test_exit_codes_are_mapped_once_by_class() -> None:
    assert [code for _, code in EXIT_CODES] == [3, 2, 1]
    assert exit_code_of(errors.OutputUnwritable("x")) == 3
    assert exit_code_of(errors.ConfigError("x")) == 2
    assert exit_code_of(errors.InvalidRequest("x")) == 2
    assert exit_code_of(errors.CorruptInput("x")) == 1
    assert exit_code_of(errors.LLMUnavailable("x")) == 1
