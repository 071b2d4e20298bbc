"""The pieces the parser's arithmetic rests on: cutting glued runs, propagating identities,
and choosing between row readings."""
from __future__ import annotations

import pytest

from extractor.identities import appeal_equations, propagate, table3_equations
from extractor.parse.splits import split_runs, splits


def test_splits_respect_leading_zeros() -> None:
    assert list(splits("00", 2)) == [["0", "0"]]
    assert list(splits("105", 2)) == [["10", "5"]]  # "1","05" is not a printed number
    assert list(splits("000", 2)) == []


def test_glued_row_has_unique_row_sum_cut() -> None:
    def row_sum(parts: list[str]) -> bool:
        nums = [int(p) for p in parts]
        return sum(nums[:-1]) == nums[-1]

    found = split_runs(["640020470"], 7, row_sum)
    assert ["64", "0", "0", "2", "0", "4", "70"] in found


def test_separators_that_survived_are_boundaries() -> None:
    found = split_runs(["230", "000023"], 7, lambda p: sum(map(int, p[:-1])) == int(p[-1]))
    assert found == [["23", "0", "0", "0", "0", "0", "23"]]


def test_table4_blocks_settle_a_17_digit_run() -> None:
    def blocks(parts: list[str]) -> bool:
        n = [int(p) for p in parts]
        return all(sum(n[b:b + 4]) == n[b + 4] for b in (0, 5, 10))

    found = split_runs(["21317000001324019"], 15, blocks, max_digits=5)
    assert ["2", "1", "3", "1", "7", "0", "0", "0", "0", "0", "13", "2", "4", "0", "19"] in found


def test_propagation_fixes_one_unknown_and_zero_sums() -> None:
    eqs = appeal_equations()
    values = {k.key if hasattr(k, "key") else k: 0 for eq in eqs for k in eq.cells}
    values.update({"appeals.review.upheld": 1, "appeals.review.total": None})
    prop = propagate(values, {"appeals.review.total"}, eqs)
    assert prop.solved == {"appeals.review.total": 1}


def test_propagation_never_invents_negative_counts() -> None:
    eqs = table3_equations("2021")
    values = {c: 0 for eq in eqs for c in eq.cells}
    values["requests.granted.total"] = 1
    values["requests.granted.natural_person"] = 3
    values["requests.granted.commercial"] = None
    prop = propagate(values, {"requests.granted.commercial"}, eqs)
    assert prop.solved.get("requests.granted.commercial", 0) >= 0
    assert any(eq.rule == "row_sum" for eq in prop.contradictions)


@pytest.mark.parametrize("text,expected", [("３２５８３", "32583"), ("32,583", "32583")])
def test_number_normalisation(text: str, expected: str) -> None:
    from extractor.document import Where
    from extractor.parse.tokens import Token, pieces

    [piece] = pieces([Token(text, Where(), True, True)])
    assert piece.kind == "num" and piece.text == expected
