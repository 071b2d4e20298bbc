"""The checker on its own: it re-verifies values, never changes them, and explains failures."""
from __future__ import annotations

from extractor.check import check, status_of
from extractor.pipeline import extract

from .conftest import SAMPLES

SAMPLE = SAMPLES / "004_d2a4fd40b0e98510.txt"


def _report(settings):
    result = extract(SAMPLE, settings)
    assert result.status == "ok"
    return result.report


def test_wrong_printed_total_is_flagged_and_kept(settings) -> None:
    report = _report(settings)
    report.values["requests.total.total"].value = 2  # printed 1
    findings = check(report)
    rules = {f.rule for f in findings if "requests.total.total" in f.cells}
    assert {"row_sum", "outcome_total", "balance"} <= rules
    assert report.get("requests.total.total") == 2
    row = next(f for f in findings if f.rule == "row_sum" and "requests.total.total" in f.cells)
    assert (row.left, row.right, row.delta) == ("2", "1", "1")
    assert status_of(report, findings) == "needs_review"


def test_ocr_digit_confusion_is_named(settings) -> None:
    report = _report(settings)
    for v in report.values.values():
        for w in v.where:
            w.route = "ocr"
    report.values["requests.new_received.natural_person"].value = 7  # OCR read 1 as 7
    findings = check(report)
    assert any("as 1 instead of 7" in f.message for f in findings)
    assert "ocr_suspect" in report.values["requests.new_received.natural_person"].flags
    assert report.get("requests.new_received.natural_person") == 7  # the value stays as read


def test_implausible_fee_unit(settings) -> None:
    report = _report(settings)
    report.values["active.admin_fees.amount_10k_yuan"].value = "5268464.2119"
    findings = check(report)
    assert any(f.rule == "implausible_unit" for f in findings)


def test_negative_count_is_a_domain_error(settings) -> None:
    report = _report(settings)
    report.values["appeals.review.upheld"].value = -1
    assert any(f.rule == "value_domain" for f in check(report))
