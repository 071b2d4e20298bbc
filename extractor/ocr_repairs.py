"""Which single OCR digit confusion would make every identity hold (used by the checker).

When identities fail on a scanned report, the cause may be the document (a misprinted total) or the
OCR (a 6 read as 8). This function only *names* the readings that would explain a failure by one
confused digit in one OCR-read cell; it never changes a value.

Rules, and why:
- only cells read by OCR, only cells of an identity that fails (a repair must touch a failure);
- only digit pairs PP-OCR and Tesseract actually confuse, both ways (0/6/8/9, 3/8, 5/6, 1/7);
- no candidate with a leading zero, none negative;
- a candidate must make *every* evaluable identity hold, not just the failing one;
- cells read with high confidence can be excluded (``max_confidence``): a digit read at 0.99 is far
  more likely printed wrong than read wrong, and a printed mistake must stay a finding about the
  document, not become a "repair".
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from .identities import Equation, evaluate

CONFUSED: dict[str, str] = {
    "0": "689", "6": "058", "8": "0369", "9": "08", "3": "8", "5": "6", "1": "7", "7": "1",
}


def single_substitution_repairs(
    values: Mapping[str, int | None],
    identities: Sequence[Equation],
    ocr_cells: Collection[str] | Mapping[str, float],
    max_confidence: float = 1.0,
) -> list[tuple[str, int, int]]:
    """(key, printed, candidate) for every one-digit confusion that makes all identities hold.

    ``ocr_cells`` names the keys read by OCR; given as a mapping key → confidence, cells read with
    a confidence above ``max_confidence`` are left out. An empty list when no identity fails. The
    checker should mention a repair only when exactly one is returned (more is a guess)."""
    failing = [eq for eq in identities if not _holds(eq, values)]
    if not failing:
        return []
    confidence = ocr_cells if isinstance(ocr_cells, Mapping) else dict.fromkeys(ocr_cells, 0.0)
    suspects = sorted({k for eq in failing for k in eq.cells
                       if k in confidence and confidence[k] <= max_confidence and isinstance(values.get(k), int)})
    repairs: list[tuple[str, int, int]] = []
    for key in suspects:
        printed = int(values[key])  # type: ignore[arg-type]
        for candidate in _substitutions(printed):
            trial = {**values, key: candidate}
            if all(_holds(eq, trial) for eq in identities):
                repairs.append((key, printed, candidate))
    return repairs


def _substitutions(printed: int) -> list[int]:
    if printed < 0:
        return []
    text = str(printed)
    out: list[int] = []
    for i, digit in enumerate(text):
        for alternative in CONFUSED.get(digit, ""):
            if i == 0 and alternative == "0" and len(text) > 1:
                continue
            out.append(int(text[:i] + alternative + text[i + 1:]))
    return out


def _holds(eq: Equation, values: Mapping[str, int | None]) -> bool:
    sides = evaluate(eq, values)
    return sides is None or sides[0] == sides[1]
