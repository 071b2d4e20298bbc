"""Hostile input (issue 11): files built to exhaust memory or to be misread end as ``failed`` with
a message that names the limit, before the damage is done; nothing is cut silently.

Time and memory are measured by scripts/bench_hostile.py (a 3 GiB zip bomb), not here.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from extractor import errors
from extractor.ingest.office import read_legacy_office
from extractor.ingest.zipped import open_zip
from extractor.pipeline import extract
from extractor.server.command import startup_warnings
from extractor.settings import Settings, limit_name

from .conftest import SYNTHETIC
from .hostile import MB, W, docx_bomb, lying_docx, many_members, odt_bomb, small_docx

# ---- zip bombs ------------------------------------------------------------------------------------


def test_docx_bomb_is_refused_from_its_directory(tmp_path: Path, settings: Settings) -> None:
    """300 MB of body XML in under 1 MB: refused before a byte is inflated (it took 5 GB)."""
    result = extract(docx_bomb(tmp_path / "bomb.docx", 300 * MB), settings)
    assert result.status == "failed"
    assert "inflates to" in result.error and limit_name("max_unzipped_bytes") in result.error


def test_a_body_over_the_xml_limit_is_refused(tmp_path: Path) -> None:
    result = extract(docx_bomb(tmp_path / "big.docx", 2 * MB), Settings(max_xml_bytes=MB))
    assert result.status == "failed"
    assert "word/document.xml" in result.error and limit_name("max_xml_bytes") in result.error


def test_a_docx_that_lies_about_its_size_is_damaged_not_inflated(tmp_path: Path, settings: Settings) -> None:
    path = lying_docx(tmp_path / "lying.docx", 64 * MB)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("word/document.xml").file_size == 1024, "the builder must lie"
    result = extract(path, settings)
    assert result.status == "failed" and "damaged" in result.error


def test_a_docx_with_too_many_members_is_refused(tmp_path: Path, settings: Settings) -> None:
    result = extract(many_members(tmp_path / "many.docx", settings.max_zip_members + 10), settings)
    assert result.status == "failed"
    assert "members" in result.error and limit_name("max_zip_members") in result.error


def test_a_directory_larger_than_its_declared_members_need_is_refused() -> None:
    """A member count that lies cannot make the directory itself the bomb."""
    data = bytearray(small_docx())
    end = data.rfind(b"PK\x05\x06")
    data[end + 12:end + 16] = (50 * MB).to_bytes(4, "little")  # the directory's size
    with pytest.raises(errors.TooLarge, match="member directory"):
        open_zip(bytes(data), "DOCX", Settings(max_zip_members=100))


def test_odt_bomb_is_refused_before_libreoffice_starts(tmp_path: Path, settings: Settings) -> None:
    from extractor.document import Source

    data = odt_bomb(tmp_path / "bomb.odt", 300 * MB).read_bytes()

    def runner(argv, timeout):  # type: ignore[no-untyped-def]
        raise AssertionError("LibreOffice must not be given a zip bomb")

    source = Source(path="bomb.odt", name="bomb.odt", sha256="0" * 64, size=len(data), format="odt")
    with pytest.raises(errors.TooLarge, match=limit_name("max_unzipped_bytes")):
        read_legacy_office(data, source, settings, runner=runner)
    with pytest.raises(errors.TooLarge, match=limit_name("max_xml_bytes")):
        read_legacy_office(data, source, Settings(max_unzipped_bytes=1 << 40), runner=runner)


def test_the_docx_reader_still_reads_the_labelled_docx_set(settings: Settings) -> None:
    """Reading only the main part (not the whole package) loses nothing."""
    for path in sorted(SYNTHETIC.glob("*.docx"))[:3]:
        result = extract(path, settings)
        assert result.status in ("ok", "needs_review"), (path.name, result.error)


def test_a_docx_whose_main_part_is_not_a_word_body(tmp_path: Path, settings: Settings) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small_docx())) as base, zipfile.ZipFile(buf, "w") as out:
        for info in base.infolist():
            data = base.read(info)
            out.writestr(info, data.replace(b"<w:body>", b"<w:notbody>").replace(b"</w:body>", b"</w:notbody>")
                         if info.filename == "word/document.xml" else data)
    path = tmp_path / "nobody.docx"
    path.write_bytes(buf.getvalue())
    result = extract(path, settings)
    assert result.status == "failed" and "not a Word document" in result.error


# ---- nesting deeper than parsers go -----------------------------------------------------------------


def _deep_html(depth: int) -> str:
    page = (SYNTHETIC / "syn_003_html_clean.html").read_text(encoding="utf-8")
    return page.replace("<body>", "<body>" + "<div>" * depth, 1)


@pytest.mark.parametrize("depth", [300, 1200])
def test_html_nested_deeper_than_256_levels_is_read_whole(tmp_path: Path, settings: Settings, depth: int) -> None:
    """It was cut at 256 levels and called not_a_report; 1200 is past Python's recursion limit."""
    path = tmp_path / "deep.html"
    path.write_text(_deep_html(depth), encoding="utf-8")
    result = extract(path, settings)
    assert result.status == "ok", result.error
    assert result.report.get("requests.new_received.total") is not None


def test_html_nested_past_the_parser_limit_fails_clearly(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "deeper.html"
    path.write_text(_deep_html(5000), encoding="utf-8")
    result = extract(path, settings)
    assert result.status == "failed" and "deeper than 2048 levels" in result.error


def test_docx_nested_past_the_parser_limit_fails_clearly(tmp_path: Path, settings: Settings) -> None:
    body = "<w:sdt><w:sdtContent>" * 300 + "<w:p/>" + "</w:sdtContent></w:sdt>" * 300
    xml = f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small_docx())) as base, zipfile.ZipFile(buf, "w") as out:
        for info in base.infolist():
            out.writestr(info, xml.encode() if info.filename == "word/document.xml" else base.read(info))
    path = tmp_path / "deep.docx"
    path.write_bytes(buf.getvalue())
    result = extract(path, settings)
    assert result.status == "failed" and "deeper" in result.error


# ---- the service's start-up warnings -------------------------------------------------------------------


@pytest.mark.parametrize("host,public", [("0.0.0.0", True), ("::", True), ("192.168.1.5", True),
                                         ("example.org", True), ("127.0.0.1", False), ("::1", False),
                                         ("localhost", False)])
def test_a_public_host_is_warned_about(host: str, public: bool) -> None:
    warnings = startup_warnings(host, "x" * 32)
    assert bool(warnings) == public
    assert not warnings or "reachable from other machines" in warnings[0]


def test_a_short_token_is_warned_about() -> None:
    [warning] = startup_warnings("127.0.0.1", "a")
    assert "1 characters" in warning and "token_urlsafe" in warning
    assert startup_warnings("127.0.0.1", "k" * 16) == []


def test_serve_prints_the_warnings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    import uvicorn

    from extractor.cli import main

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(kw))
    assert main(["serve", "--host", "0.0.0.0", "--token", "a", "--data", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "warning: listening on 0.0.0.0" in err and "warning: the API token has 1 characters" in err
    assert served == [{"host": "0.0.0.0", "port": 8000, "log_level": "info"}]
