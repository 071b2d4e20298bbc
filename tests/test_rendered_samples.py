"""Each sample's gold values rendered into every format the extractor reads, with the quirks of
real reports: every value right, nothing silent, a deliberately wrong printed total flagged and
left as printed (issue 2's acceptance test; the renderers are extractor.synthetic's)."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from extractor.flat import flat
from extractor.pipeline import extract
from extractor.synthetic import EXTENSIONS, Variant, render
from extractor.synthetic.build import html_options
from extractor.synthetic.layout import build_document
from extractor.synthetic.variants import QUIRK_BY_NAME, hidden_keys, misprint_total

from .conftest import SAMPLES, gold_files, load_gold

SAMPLE_GOLDS = gold_files(SAMPLES)
VARIANTS = {
    "html": ["span_split", "blank_nbsp", "gbk", "chrome"],
    "html_merged": ["typo_zhi", "blank_zeros", "span_split"],
    "docx": ["typo_fagui", "enum_comma"],
    "docx_no_other": ["no_other_col", "thousands"],
    "markdown": ["fullwidth", "other_label"],
    "markdown_single": ["single_other", "no_query_row"],
    "text_tabs": ["wrong_total", "thousands"],
    "text_cells": ["blank_zeros", "cell_note"],
}


def _values_for(variant: Variant, gold: dict) -> dict:
    values = dict(gold["values"])
    # fold the three (六) rows into the single row of the 2019 layout
    if variant.has("single_other") and "requests.other.total.total" not in values:
        for col in ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org",
                    "total"):
            keys = [f"requests.other.{r}.{col}" for r in ("overdue_amendment", "unpaid_fee", "other")]
            values[f"requests.other.total.{col}"] = sum(values.pop(k) for k in keys)
    return values


@pytest.mark.parametrize("case", sorted(VARIANTS))
@pytest.mark.parametrize("gold_path", SAMPLE_GOLDS, ids=lambda p: p.name.split("_")[0])
def test_sample_values_in_every_format(tmp_path: Path, gold_path: Path, case: str, settings, scorer) -> None:
    fmt = case.split("_")[0] if not case.startswith("text") else "_".join(case.split("_")[:2])
    gold = load_gold(gold_path)
    quirks = set(VARIANTS[case])
    if "requests.other.total.total" in gold["values"]:  # 002 prints the single-row （六） itself
        quirks.add("single_other")
    values = _values_for(Variant(frozenset(quirks)), gold)
    # a quirk the values cannot carry is left out (thousands separators need a count ≥ 1000, a
    # dropped row is recoverable only when it holds zeros)
    quirks = {q for q in quirks if not ((fits := QUIRK_BY_NAME[q].fits) and not fits(values))}
    variant = Variant(frozenset(quirks))
    rng = random.Random(f"{gold_path.name}:{case}")
    must_flag: list[str] = []
    if variant.has("wrong_total"):
        misprint = misprint_total(rng, values, variant.table3)
        values[misprint.key] = misprint.printed
        must_flag.append(misprint.key)
    data = render(build_document(values, variant, rng), fmt, html_options(variant))
    path = tmp_path / f"report{EXTENSIONS[fmt]}"
    path.write_bytes(data)
    out = flat(extract(path, settings))
    expected = {"values": values, "aliases": gold.get("aliases", {}), "implied": hidden_keys(variant),
                "must_flag": must_flag}
    score = scorer(expected, out)
    assert score["silent_errors"] == 0, [w for w in score["wrong"] if w[3] == "SILENT"]
    assert score["accuracy"] == 1.0, score["wrong"]
    for key in must_flag:  # the misprint is flagged and left as printed
        assert out["values"][key] == values[key]
        assert any(key in f["cells"] for f in out["findings"])
