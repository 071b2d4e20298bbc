"""A grid row is a row of the table whatever it holds: a row of empty cells under a bound header is
read as its cells (table 四 printed all blank, as sparse reports print it), not merged into the
header above it and lost."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractor.pipeline import extract
from extractor.settings import Settings
from extractor.template import APPEAL_KEYS

OUTCOMES = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
HEADER = ("<tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr>"
          "<tr>" + "".join(f"<td rowspan=2>{h}</td>" for h in OUTCOMES)
          + "<td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr>"
          "<tr>" + "".join(f"<td>{h}</td>" for h in OUTCOMES * 2) + "</tr>")


def _page(cells: list[str]) -> str:
    row = "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
    return ("<html><body><p>某县政府信息公开工作年度报告</p><p>一、总体情况</p><p>本年度工作有序开展。</p>"
            "<p>二、主动公开政府信息情况</p><p>三、收到和处理政府信息公开申请情况</p>"
            f"<p>四、政府信息公开行政复议、行政诉讼情况</p><table>{HEADER}{row}</table>"
            "<p>五、存在的主要问题及改进情况</p><p>无。</p></body></html>")


@pytest.mark.parametrize("cells", [
    [""] * 15,
    [""] * 6 + ["1", "", "", "1"] + [""] * 5,
    ["0"] * 15,
], ids=["all-blank", "one-block", "all-zero"])
def test_table4_row_is_read_cell_by_cell(cells: list[str], tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(_page(cells), encoding="utf-8")
    values = extract(path, Settings()).report.values
    for key, cell in zip(APPEAL_KEYS, cells):
        value = values[key]
        assert value.value == int(cell or 0), key
        assert "not_found" not in value.flags, key


# what OCR and a rule finder leave of table 四's header: a spanning header cut into cells, noise
# inside a word, punctuation after it
DAMAGED = {
    "split": HEADER.replace("<td colspan=5>未经复议直接起诉</td>",
                            "<td>未经</td><td>复议直</td><td colspan=3>接起诉</td>"),
    "noise": HEADER.replace("<td colspan=5>行政复议</td>", "<td colspan=5>行政1复议</td>"),
    "colon": HEADER.replace("<td colspan=5>未经复议直接起诉</td>", "<td colspan=5>未经复议直接起诉：</td>"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGED))
def test_a_damaged_table4_header_still_binds_every_column(damage: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(globals(), "HEADER", DAMAGED[damage])
    cells = ["1", "1", "2", "0", "4", "2", "1", "0", "1", "4", "0", "0", "0", "0", "0"]
    path = tmp_path / "report.html"
    path.write_text(_page(cells), encoding="utf-8")
    values = extract(path, Settings()).report.values
    for key, cell in zip(APPEAL_KEYS, cells):
        assert values[key].value == int(cell), key
        assert not {"ambiguous", "not_found"} & set(values[key].flags), (key, values[key].flags)
