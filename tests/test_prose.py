"""The prose figures against a labelled phrase corpus (tests/data/prose_figures.jsonl): the ways
real reports state the requests received, the items proactively disclosed and the 信息处理费, and
sentences that must not match (another year, a sub-office's share, a percentage, appeals)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.parse import prose

CORPUS = Path(__file__).resolve().parent / "data" / "prose_figures.jsonl"
FINDERS = {
    "narrative.requests_received": prose.requests_received,
    "narrative.proactive_items": prose.proactive_items,
    "fees.info_processing_fee_yuan": prose.info_fee,
}


def _cases() -> list[dict]:
    assert CORPUS.exists(), f"{CORPUS} is missing"
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_corpus_is_large_and_has_negatives() -> None:
    cases = _cases()
    assert len(cases) >= 60
    assert sum(1 for c in cases if c["value"] is None) >= 15


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c['key'].split('.')[-1]}:{c['text'][:16]}")
def test_phrase(case: dict) -> None:
    text = case["text"]
    found = FINDERS[case["key"]](text, 0, len(text), case.get("year", 2024))
    assert (found.value if found else None) == case["value"], case.get("why", text)
