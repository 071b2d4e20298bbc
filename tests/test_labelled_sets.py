"""The labelled reports, scored by the independent scorer: every value right or flagged."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.flat import flat
from extractor.pipeline import extract

from .conftest import REAL, SAMPLES, document_of, gold_files, load_gold

EXPECTED_STATUS = {
    "000_4ae575586cf2a2c2.txt": "needs_review",  # 其他 column dropped; implausible 万元 fee
    "001_6e2b379abcfd2652.txt": "needs_review",  # 其他 column dropped; totals not filled
    "002_bedebc31cbf810fe.txt": "ok",
    "003_789289a633dda78a.txt": "needs_review",  # row 8.属于行政查询事项 missing
    "004_d2a4fd40b0e98510.txt": "ok",
}


def _run(gold: Path, settings):
    return flat(extract(document_of(gold), settings))


@pytest.mark.parametrize("gold", gold_files(SAMPLES), ids=lambda p: p.name)
def test_samples_all_right_no_silent_errors(gold: Path, settings, scorer) -> None:
    out = _run(gold, settings)
    score = scorer(load_gold(gold), out)
    assert score["silent_errors"] == 0, score["wrong"]
    assert score["accuracy"] == 1.0, score["wrong"]
    assert out["status"] == EXPECTED_STATUS[document_of(gold).name]


def test_sample_000_reasons(settings) -> None:
    out = _run(SAMPLES / "000_4ae575586cf2a2c2.txt.gold.json", settings)
    assert "implausible_unit" in out["flags"]["active.admin_fees.amount_10k_yuan"]
    assert out["values"]["active.admin_fees.amount_10k_yuan"] == "5268464.2119"  # printed value kept
    assert "inferred" in out["flags"]["requests.granted.other_org"]
    assert out["values"]["requests.granted.other_org"] == 9


def test_sample_003_missing_row_inferred(settings) -> None:
    out = _run(SAMPLES / "003_789289a633dda78a.txt.gold.json", settings)
    for col in ("natural_person", "total"):
        key = f"requests.withheld.query_matter.{col}"
        assert out["values"][key] == 0 and "inferred" in out["flags"][key]


REAL_GOLD = gold_files(REAL)


@pytest.mark.parametrize("gold", REAL_GOLD, ids=lambda p: p.name)
def test_real_reports_right_or_flagged(gold: Path, settings, scorer) -> None:
    out = _run(gold, settings)
    score = scorer(load_gold(gold), out)
    assert out["status"] in ("ok", "needs_review"), out["error"]
    assert score["silent_errors"] == 0, [w for w in score["wrong"] if w[3] == "SILENT"]
