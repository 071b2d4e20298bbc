"""Bad input is an answer: a clear status and message, never a traceback; a batch goes on."""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from extractor.cli import main
from extractor.pipeline import extract

from .conftest import SAMPLES

SAMPLE = SAMPLES / "002_bedebc31cbf810fe.txt"


def _docx_bytes() -> bytes:
    from docx import Document

    buf = io.BytesIO()
    doc = Document()
    doc.add_paragraph("某某县人民政府 2024 年政府信息公开工作年度报告")
    doc.save(buf)
    return buf.getvalue()


def _make(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


CASES = {
    "empty.txt": (b"", "failed", "empty"),
    "random.bin": (os.urandom(4096), "failed", "binary"),
    "truncated.docx": (None, "failed", "damaged"),
    "article.txt": ("今天天气晴朗，市民纷纷外出踏青。公园里游人如织，春意盎然。".encode(), "not_a_report",
                    "not look like"),
    "notazip.docx": (b"PK\x03\x04garbage", "failed", ""),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_files_give_status_and_message(tmp_path: Path, settings, name: str) -> None:
    data, status, words = CASES[name]
    if data is None:
        full = _docx_bytes()
        data = full[: len(full) // 2]
    result = extract(_make(tmp_path, name, data), settings)
    assert result.status == status
    assert result.error and words in result.error
    assert "Traceback" not in result.error


def test_gbk_text_report_is_read(tmp_path: Path, settings) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    path = _make(tmp_path, "gbk.txt", text.encode("gb18030"))
    result = extract(path, settings)
    assert result.status == "ok"
    assert result.source.encoding == "gb18030"
    assert result.report.get("requests.new_received.total") == 8


def test_huge_text_file_is_refused_quickly(tmp_path: Path, settings) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        chunk = ("政府信息公开" * 1000 + "\n").encode()
        while fh.tell() < 100 * 1024 * 1024:
            fh.write(chunk)
    result = extract(path, settings)
    assert result.status == "failed" and "too large" in result.error
    assert result.seconds < 2


def test_several_files_good_ones_still_come_out(tmp_path: Path, capsys) -> None:
    bad = _make(tmp_path, "bad.pdf", b"%PDF-1.7 not really")
    empty = _make(tmp_path, "empty.txt", b"")
    code = main(["extract", str(bad), str(SAMPLE), str(empty), "--flat"])
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in lines] == ["failed", "ok", "failed"]
    assert lines[1]["values"]["requests.new_received.total"] == 8


def test_missing_file_is_an_answer(tmp_path: Path, settings) -> None:
    result = extract(tmp_path / "nope.txt", settings)
    assert result.status == "failed" and "cannot read" in result.error


def test_zip_that_is_not_docx(tmp_path: Path, settings) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello")
    result = extract(_make(tmp_path, "a.zip", buf.getvalue()), settings)
    assert result.status == "failed" and "unsupported" in result.error
