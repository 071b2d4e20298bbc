"""Samples degraded the way real pages are: section headings lost, or every separator lost (the
平潭-style flattened page). Values stay right or flagged; never silently wrong."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from extractor.flat import flat
from extractor.pipeline import extract

from .conftest import SAMPLES, document_of, gold_files, load_gold

HEADINGS = ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况")
# with cells dropped AND separators gone, some cells cannot be recovered; they must come out flagged
EXACT_WHEN_GLUED = {"002_bedebc31cbf810fe.txt", "003_789289a633dda78a.txt", "004_d2a4fd40b0e98510.txt"}


def _degrade(text: str, how: str) -> str:
    if how == "no_headings":
        for h in HEADINGS:
            text = text.replace(h, "")
        return text
    return re.sub(r"[\t\n ]+", "", text)


@pytest.mark.parametrize("how", ["no_headings", "glued"])
@pytest.mark.parametrize("gold", gold_files(SAMPLES), ids=lambda p: p.name.split("_")[0])
def test_degraded_sample(tmp_path: Path, gold: Path, how: str, settings, scorer) -> None:
    doc = document_of(gold)
    path = tmp_path / doc.name
    path.write_text(_degrade(doc.read_text(encoding="utf-8"), how), encoding="utf-8")
    score = scorer(load_gold(gold), flat(extract(path, settings)))
    assert score["silent_errors"] == 0, [w for w in score["wrong"] if w[3] == "SILENT"]
    if how == "no_headings" or doc.name in EXACT_WHEN_GLUED:
        assert score["accuracy"] == 1.0, score["wrong"]
