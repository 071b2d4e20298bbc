"""The closed vocabulary of flags a value can carry, each with the one-line meaning users read.

A flag says why a value needs a person's look (or, for provenance flags, where it came from). The
parser, the LLM reconciliation, the checker and the review queue may only use these; outputs,
review grouping and the README's table are generated from ``MEANING``. ``Flag`` is a ``StrEnum``, so
a flag serialises as its plain string in JSON and compares equal to it.
"""
from __future__ import annotations

from enum import StrEnum


class Flag(StrEnum):
    # how the value was obtained (provenance): still true after a reviewer corrects the number
    INFERRED = "inferred"
    BLANK = "blank"
    MISSING = "missing"
    NOT_FOUND = "not_found"
    PLACED_BY_ORDER = "placed_by_order"
    LLM_ONLY = "llm_only"
    # the print admits more than one value
    AMBIGUOUS = "ambiguous"
    AMBIGUOUS_SPLIT = "ambiguous_split"
    SHORT_ROW = "short_row"
    PLACEMENT = "placement"
    EXTRA_CELLS = "extra_cells"
    COLUMN_NOT_IN_HEADER = "column_not_in_header"
    MERGED_CELL = "merged_cell"
    SEARCH_INCOMPLETE = "search_incomplete"
    # the value was read, but not surely
    LOW_CONFIDENCE = "low_confidence"
    OCR_LOW_CONFIDENCE = "ocr_low_confidence"
    OCR_SUSPECT = "ocr_suspect"
    # the checker's doubts about a value as printed
    IDENTITY_FAILS = "identity_fails"
    IMPLAUSIBLE_UNIT = "implausible_unit"
    PROSE_TABLE_MISMATCH = "prose_table_mismatch"
    # the LLM and the parser
    PARSER_LLM_DISAGREE = "parser_llm_disagree"
    LLM_UNVERIFIED = "llm_unverified"
    # set by a reviewer
    CORRECTED = "corrected"
    SOURCE_ERROR = "source_error"


MEANING: dict[Flag, str] = {
    Flag.INFERRED: "not printed; the value follows from an identity (勾稽关系)",
    Flag.BLANK: "printed blank; nothing confirms that it means 0",
    Flag.MISSING: "the cell is not in the print and no identity fixes it; shown as 0",
    Flag.NOT_FOUND: "the parser did not find this value at all; null",
    Flag.PLACED_BY_ORDER: "the row lost its label; placed by the template's row order",
    Flag.LLM_ONLY: "only the LLM read this value; no parser reading confirms it",
    Flag.AMBIGUOUS: "several readings of the print fit the identities and give different values",
    Flag.AMBIGUOUS_SPLIT: "digits of several cells are glued together and can be cut several ways",
    Flag.SHORT_ROW: "the row prints fewer values than it has columns and no identity says which is absent",
    Flag.PLACEMENT: "the row left a cell out and the print does not say which; the identities fix the value "
                    "either way",
    Flag.EXTRA_CELLS: "the row prints more values than it has columns",
    Flag.COLUMN_NOT_IN_HEADER: "the row prints a cell in a column its header does not show",
    Flag.MERGED_CELL: "one printed cell spans several value columns",
    Flag.SEARCH_INCOMPLETE: "too many readings to try them all; this cell was not proven",
    Flag.LOW_CONFIDENCE: "read by a loose pattern or a weak rule",
    Flag.OCR_LOW_CONFIDENCE: "OCR read this weakly and no identity vouches for it",
    Flag.OCR_SUSPECT: "a one-digit OCR confusion here would make every identity hold",
    Flag.IDENTITY_FAILS: "an identity through this cell fails as printed",
    Flag.IMPLAUSIBLE_UNIT: "the amount is implausible in its unit (元 printed as 万元?)",
    Flag.PROSE_TABLE_MISMATCH: "the prose states a different figure than the table",
    Flag.PARSER_LLM_DISAGREE: "the parser and the LLM read different values",
    Flag.LLM_UNVERIFIED: "the LLM's value could not be checked by any identity",
    Flag.CORRECTED: "a reviewer corrected this value",
    Flag.SOURCE_ERROR: "a reviewer confirmed the document prints this wrong",
}

# Where a value came from: still true after a reviewer corrects the number.
PROVENANCE: frozenset[Flag] = frozenset({
    Flag.INFERRED, Flag.BLANK, Flag.MISSING, Flag.NOT_FOUND, Flag.PLACED_BY_ORDER, Flag.LLM_ONLY,
})
# Flags the checker derives from the values alone: recomputed from scratch on every re-check.
CHECKER: frozenset[Flag] = frozenset({
    Flag.IMPLAUSIBLE_UNIT, Flag.PROSE_TABLE_MISMATCH, Flag.OCR_SUSPECT,
    Flag.OCR_LOW_CONFIDENCE,
})


def meaning(flag: str) -> str:
    try:
        return MEANING[Flag(flag)]
    except ValueError:
        return flag
