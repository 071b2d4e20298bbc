"""The synthetic set generator (extractor.synthetic) and the committed set evals/synthetic.

The golds are checked against the identities recomputed from their own values: a clean document
satisfies every identity, a must_flag document breaks exactly the identities through the misprinted
cell, and every implied cell follows from the printed ones. The committed set must be what the
generator writes today (``--check``), and two builds must be byte-identical.
"""
from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import docx
import pytest

from extractor.identities import Equation, appeal_equations, evaluate, propagate, table3_equations
from extractor.synthetic import EXTENSIONS, FORMATS, QUIRKS, build_set, make_values, plan_set
from extractor.synthetic.__main__ import main
from extractor.synthetic.build import GOLD_SUFFIX
from extractor.synthetic.renderings import FORMATS as RENDERINGS
from extractor.template import all_keys

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "evals" / "synthetic"
# the quirk set (48 planned combinations) and the renderings drawn from the fuzz choice space
GOLD_PATHS = sorted(p for p in COMMITTED.glob(f"syn_*{GOLD_SUFFIX}") if not p.name.startswith("syn_r"))
RENDERING_GOLDS = sorted(COMMITTED.glob(f"syn_r*{GOLD_SUFFIX}"))
NAME = re.compile(r"^syn_(\d{3})_(" + "|".join(FORMATS) + r")_([a-z0-9_-]+)\.(\w+)$")
SIGNED = re.compile(r"^active2019\.\w+\.change$")
LEGAL_PERSON = re.compile(r"\.(commercial|research|social_welfare|legal_service|other_org)$")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _versions(values: dict) -> tuple[str, str]:
    table2 = "2019" if any(k.startswith("active2019.") for k in values) else "2021"
    table3 = "2019" if "requests.other.total.total" in values else "2021"
    return table2, table3


def _equations(values: dict) -> list[Equation]:
    return table3_equations(_versions(values)[1]) + appeal_equations()


def _fails(eq: Equation, values: dict) -> bool:
    sides = evaluate(eq, values)
    assert sides is not None, f"{eq.name}: a cell is missing from the gold"
    return sides[0] != sides[1]


def _text_of(path: Path) -> str:
    """The document's text, enough to find the prose figures: tags dropped, runs joined."""
    data = path.read_bytes()
    if path.suffix == ".docx":
        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    if path.suffix == ".html":
        charset = re.search(rb'<meta charset="([\w-]+)">', data)
        return re.sub(r"<[^>]+>", "", data.decode(charset.group(1).decode() if charset else "utf-8"))
    return data.decode("utf-8")


# ---- the generator ----------------------------------------------------------------------------


@pytest.mark.parametrize("table2,table3", [("2021", "2021"), ("2021", "2019"), ("2019", "2019")])
def test_make_values_satisfies_every_identity(table2: str, table3: str) -> None:
    for seed in range(200):
        values = make_values(random.Random(seed), table2, table3)
        assert list(values) == all_keys(table2, table3)
        assert not [eq.name for eq in table3_equations(table3) + appeal_equations() if _fails(eq, values)]
        assert values["narrative.requests_received"] == values["requests.new_received.total"]


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    first = build_set(tmp_path / "a", renderings=12)
    second = build_set(tmp_path / "b", renderings=12)
    assert [p.name for p in first] == [p.name for p in second]
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    differing = [n for n in names if (tmp_path / "a" / n).read_bytes() != (tmp_path / "b" / n).read_bytes()]
    assert differing == []


def test_plans_are_distinct_combinations() -> None:
    plans = plan_set(48, 20241)
    assert len({(p.fmt, p.quirks) for p in plans}) == 48


def test_check_lists_changed_missing_and_unexpected_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    documents = build_set(tmp_path, n=6, seed=7, renderings=2)
    assert main([str(tmp_path), "--n", "6", "--seed", "7", "--renderings", "2", "--check"]) == 0
    documents[0].write_bytes(documents[0].read_bytes() + b" ")
    Path(str(documents[1]) + GOLD_SUFFIX).unlink()
    (tmp_path / "syn_999_text_tabs_clean.txt").write_text("stale", encoding="utf-8")
    capsys.readouterr()
    assert main([str(tmp_path), "--n", "6", "--seed", "7", "--renderings", "2", "--check"]) == 1
    err = capsys.readouterr().err
    assert f"differs: {documents[0].name}" in err
    assert f"missing: {documents[1].name}{GOLD_SUFFIX}" in err
    assert "unexpected: syn_999_text_tabs_clean.txt" in err
    assert documents[0].read_bytes().endswith(b" ")  # --check never rewrites


# ---- the committed set ------------------------------------------------------------------------


def test_committed_set_is_current() -> None:
    run = subprocess.run([sys.executable, "-m", "extractor.synthetic", str(COMMITTED), "--check"],
                         cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr


def test_committed_set_size() -> None:
    documents = [p for p in COMMITTED.glob("syn_*") if not p.name.endswith(GOLD_SUFFIX)]
    assert len(documents) == 240 and len(GOLD_PATHS) == 48 and len(RENDERING_GOLDS) == 192
    assert sum(p.stat().st_size for p in COMMITTED.glob("syn_*")) < 10_000_000


def test_every_rendering_is_drawn_several_times() -> None:
    renderings = Counter(_load(p)["rendering"] for p in RENDERING_GOLDS)
    assert set(renderings) == set(RENDERINGS) and min(renderings.values()) >= 10, renderings


def test_every_format_and_quirk_is_covered_several_times() -> None:
    formats: Counter[str] = Counter()
    quirks: Counter[str] = Counter()
    combos = set()
    for gold_path in GOLD_PATHS:
        match = NAME.match(gold_path.name[: -len(GOLD_SUFFIX)])
        assert match, gold_path.name
        _, fmt, tag, ext = match.groups()
        assert ext == EXTENSIONS[fmt]
        named = () if tag == "clean" else tuple(tag.split("-"))
        formats[fmt] += 1
        quirks.update(named)
        combos.add((fmt, named))
    assert len(combos) == len(GOLD_PATHS)
    assert {f: n for f, n in formats.items() if n < 3} == {} and set(formats) == set(FORMATS)
    assert {q.name: quirks[q.name] for q in QUIRKS if quirks[q.name] < 3} == {}
    assert set(quirks) == {q.name for q in QUIRKS}


def _golds(where: Callable[[dict], bool] = lambda gold: True) -> pytest.MarkDecorator:
    """Parametrize over the committed golds (those ``where`` accepts)."""
    golds = [gold for gold in map(_load, GOLD_PATHS) if where(gold)]
    assert golds, "no committed gold fits this test"
    return pytest.mark.parametrize("gold", golds, ids=[gold["document"] for gold in golds])


@_golds()
def test_gold_has_the_label_format(gold: dict) -> None:
    assert set(gold) == {"document", "template", "values", "aliases", "implied", "must_flag", "notes", "rendering"}
    assert (COMMITTED / gold["document"]).is_file()
    table2, table3 = _versions(gold["values"])
    assert gold["template"] == table2
    assert list(gold["values"]) == all_keys(table2, table3)
    assert set(gold["implied"]) <= set(gold["values"]) and set(gold["must_flag"]) <= set(gold["values"])
    assert not set(gold["implied"]) & set(gold["must_flag"])


@_golds()
def test_gold_values_are_plausible(gold: dict) -> None:
    values = gold["values"]
    for key, value in values.items():
        if key in ("meta.org_name", "active.admin_fees.amount_10k_yuan", "active2019.procurement.amount"):
            assert isinstance(value, str) and value
        elif SIGNED.match(key):
            assert isinstance(value, int)
        else:
            assert isinstance(value, int) and value >= 0, key
    if "active.admin_fees.amount_10k_yuan" in values:
        assert Decimal(values["active.admin_fees.amount_10k_yuan"]) >= 0
    assert values["narrative.requests_received"] == values["requests.new_received.total"]


@_golds()
def test_gold_breaks_exactly_the_intended_identities(gold: dict) -> None:
    values = gold["values"]
    eqs = _equations(values)
    failing = [eq for eq in eqs if _fails(eq, values)]
    intended = [eq for eq in eqs if set(eq.cells) & set(gold["must_flag"])]
    assert failing == intended
    assert bool(gold["must_flag"]) == bool(failing)


@_golds(lambda gold: bool(gold["implied"]))
def test_implied_cells_follow_from_the_printed_ones(gold: dict) -> None:
    values, implied = gold["values"], set(gold["implied"])
    assert implied
    printed = {k: v for k, v in values.items() if k not in implied and isinstance(v, int)}
    result = propagate(printed, implied, _equations(values))
    assert result.free == [] and result.contradictions == []
    assert result.solved == {k: values[k] for k in implied}


@_golds(lambda gold: "blank_zeros" in gold["document"])
def test_blank_zeros_are_confirmed_by_the_identities(gold: dict) -> None:
    """Blank legal-person cells are not implied: with them unknown, the identities force each to 0."""
    values = gold["values"]
    blank = {k for k, v in values.items() if v == 0 and k.startswith("requests.") and LEGAL_PERSON.search(k)}
    assert blank
    printed = {k: v for k, v in values.items() if k not in blank and isinstance(v, int)}
    result = propagate(printed, blank, _equations(values))
    assert result.free == [] and result.solved == dict.fromkeys(blank, 0)


@_golds()
def test_document_states_the_prose_figures(gold: dict) -> None:
    values = gold["values"]
    text = _text_of(COMMITTED / gold["document"])
    assert values["meta.org_name"] in text
    assert f"{values['meta.org_name']} {values['meta.year']} 年政府信息公开工作年度报告" in text
    assert f"主动公开政府信息 {values['narrative.proactive_items']} 条" in text
    assert f"共收到政府信息公开申请 {values['narrative.requests_received']} 件" in text
    fee = values["fees.info_processing_fee_yuan"]
    assert (f"收取信息处理费 {fee} 元" if fee else "未收取信息处理费") in text


def test_docx_merges_group_labels_and_header() -> None:
    path = next(COMMITTED.glob("syn_*_docx_*.docx"))
    body = docx.Document(str(path)).element.body.xml
    assert "<w:gridSpan " in body and "<w:vMerge" in body


def test_html_spans_group_labels_and_header() -> None:
    path = next(COMMITTED.glob("syn_*_html_clean.html"))
    page = path.read_text(encoding="utf-8")
    assert 'rowspan="3" colspan="3"' in page and "三、本年度办理结果" in page
