"""Document → a flat stream of tokens, and the full text with a map back to tokens.

Tables arrive in every shape: real grids, one cell per line, tab rows, Markdown pipes, or text with
no separators at all (``…申请数量640020470二、上年结转…``). The parser therefore reads a *stream*:
each cell or line is a token carrying its provenance and whether it starts a source row. Tokens are
then split into label text and number runs (``pieces``), keeping for every number run whether its
digits may hold several glued cells (``glued``: it came out of free text, not out of its own cell).
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from ..document import Document, TableBlock, TextBlock, Where


@dataclass(slots=True)
class Token:
    text: str
    where: Where
    row_start: bool
    cell: bool  # True when the token is one whole table cell (its own separators are certain)
    grid: bool = False  # a cell of a grid block: its row is a row of the table, whatever it holds


_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－]+\s*\d{1,4}\s*[-—–－]+|第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?"
                          r"|\d{1,4}\s*/\s*\d{1,4})\s*$")


def document_tokens(doc: Document) -> list[Token]:
    tokens: list[Token] = []
    for t_index, block in enumerate(doc.blocks):
        if isinstance(block, TextBlock):
            if not _PAGE_NUMBER.match(block.text):  # page furniture: "- 9 -", "第 9 页", "9/12"
                tokens.append(Token(block.text, block.where, True, False))
            continue
        assert isinstance(block, TableBlock)
        for row in block.rows:
            first = True
            for cell in row:
                if cell.spanned:
                    continue
                # the block's index in the document: the header binding looks rows up by it
                where = cell.where if cell.where.table == t_index else cell.where.model_copy(update={"table": t_index})
                tokens.append(Token(cell.text, where, first, True, block.geometry == "grid"))
                first = False
    return tokens


class FlowText:
    """The document as one string (tokens joined by tab/newline) with offset → token lookup."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        parts: list[str] = []
        self.starts: list[int] = []
        pos = 0
        for i, tok in enumerate(tokens):
            sep = "" if i == 0 else ("\n" if tok.row_start else "\t")
            pos += len(sep)
            parts.append(sep + tok.text)
            self.starts.append(pos)
            pos += len(tok.text)
        self.text = "".join(parts)

    def token_at(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def where(self, start: int, end: int) -> Where:
        a, b = self.token_at(start), self.token_at(max(start, end - 1))
        w = self.tokens[a].where
        for i in range(a + 1, b + 1):
            w = w.merged(self.tokens[i].where)
        return w


# ---- normalisation ---------------------------------------------------------------------------
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


def normalize(text: str) -> str:
    """NFKC-lite: full-width digits and punctuation to ASCII, non-breaking spaces to spaces."""
    text = text.translate(_FULLWIDTH)
    return text.replace("\u00a0", " ").replace("\u3000", " ").replace("&nbsp;", " ")


def squash(text: str) -> str:
    """Label text for matching: no whitespace, markdown emphasis or heading marks, unified brackets."""
    text = normalize(text)
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\s*#|]", "", text)
    return text.replace("(", "（").replace(")", "）")


# ---- pieces: label text vs number runs -------------------------------------------------------
BLANK_MARKS = {"", "-", "—", "–", "/", "／", "无", "——", "－", "\\", "…"}


@dataclass(slots=True)
class Piece:
    kind: str  # "text" | "num" | "blank"
    text: str  # for num: the digits (and sign/decimal point) only
    where: Where
    row_start: bool
    glued: bool = False  # a number run from free text: may hold several cells' digits
    in_text: bool = False  # read out of free text, not a table cell of its own
    spaced: bool = False  # in free text: whitespace stands between this number and what precedes it
    grid: bool = False  # a cell of a grid block
    note: str | None = None  # text printed with the number in its cell, e.g. （其中修订16件）
    unit: str | None = None  # e.g. 元 for 2019 procurement amounts


# a cell that is a number, possibly with a thousands separator, a note or a unit
_CELL_NUMBER = re.compile(
    r"^\s*(?P<num>[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?)\s*(?P<unit>万?元|件|条|个|项)?\s*(?P<note>[（(].*[）)])?\s*$"
)
# number runs inside free text; a digit followed by 、/./． and a CJK character is list numbering
_RUN = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:\s*万?元)?")
_NUMBERING_AFTER = re.compile(r"^\s*[.、．]\s*[\u4e00-\u9fff“\"]")
# a number followed by a unit or a date word is prose ("2024年", "收到 99 件"), never a table cell
_PROSE_UNIT_AFTER = re.compile(r"^\s*[年月日件条个起项次人名%％余多篇期家户]")
# ... unless the unit ends a cell of a table row: another value or the line's end follows
# a note printed right after a number in a row of free text: 22（其中修订16件）
# (one that says something of the number: 其中/含/包括 or a count; "（六）" is the next row's label)
_NOTE_AFTER = re.compile(r"\s*([（(](?=[^（）()]*(?:其中|含|包括|\d))[^（）()]{1,30}[）)])")
_CELL_UNIT_AFTER = re.compile(r"^\s*[件条个项](?=\s*[-\d/—–－无]|\s*$)")


def cell_kind(text: str) -> str:
    """What a whole table cell prints: ``blank``, ``num`` (a number, maybe with a unit or a note) or
    ``text``."""
    stripped = normalize(text).strip()
    if stripped in BLANK_MARKS:
        return "blank"
    return "num" if _CELL_NUMBER.match(stripped) else "text"


def pieces(tokens: list[Token]) -> list[Piece]:
    out: list[Piece] = []
    for tok in tokens:
        text = normalize(tok.text)
        stripped = text.strip()
        if tok.cell:
            if stripped in BLANK_MARKS:
                out.append(Piece("blank", stripped, tok.where, tok.row_start, grid=tok.grid))
                continue
            m = _CELL_NUMBER.match(stripped)
            if m:
                out.append(Piece("num", m.group("num").replace(",", ""), tok.where, tok.row_start,
                                 note=m.group("note"), unit=m.group("unit"), grid=tok.grid))
                continue
        found = _split_free_text(text, tok)
        for p in found:
            p.grid = tok.grid
        out.extend(found)
    return out


def _split_free_text(text: str, tok: Token) -> list[Piece]:
    result: list[Piece] = []
    pos = 0
    first = tok.row_start
    in_text = not tok.cell

    def between(stretch: str) -> None:
        """Text between two numbers: a label, marks standing for blank cells ("5 / / 3", "— — —"),
        or a label followed by such marks ("一、本年新收… / / 4")."""
        nonlocal first
        if not stretch.strip():
            return
        words = stretch.split()
        marks = 0
        while in_text and marks < len(words) and words[len(words) - 1 - marks] in BLANK_MARKS:
            marks += 1
        if marks < len(words):
            label = stretch
            for word in words[len(words) - marks:][::-1]:
                label = label[: label.rstrip().rfind(word)]
            result.append(Piece("text", label, tok.where, first))
            first = False
        for mark in words[len(words) - marks:]:
            result.append(Piece("blank", mark, tok.where, first, in_text=True))
            first = False

    for m in _RUN.finditer(text):
        start, end = m.start(), m.end()
        run = m.group(0)
        if _NUMBERING_AFTER.match(text[end:]):
            # "…00000002.其他法律…": the last digit numbers the next label, it is not a value
            if len(run.rstrip()) == 1 or not run[-1].isdigit():
                continue
            end -= 1
            run = run[:-1]
        if start > 0 and text[start - 1] in "第（(" and end < len(text) and text[end:end + 1] in "项）)":
            continue  # 第20条-style references are text
        skip_unit = 0
        if _PROSE_UNIT_AFTER.match(text[end:]) and not run.endswith("元"):
            cell_unit = _CELL_UNIT_AFTER.match(text[end:])
            if cell_unit is None:
                continue
            skip_unit = cell_unit.end()
        between(text[pos:start])
        unit = None
        um = re.search(r"万?元$", run)
        if um:
            unit = um.group(0)
            run = run[: um.start()].rstrip()
        note = _NOTE_AFTER.match(text, end + skip_unit) if in_text else None
        spaced = start == 0 or text[start - 1].isspace()
        result.append(Piece("num", run.replace(",", ""), tok.where, first, glued=in_text, in_text=in_text, unit=unit,
                            note=note.group(1) if note else None, spaced=spaced))
        first = False
        pos = note.end() if note else end + skip_unit
    tail = text[pos:]
    if tail.strip() or not result:
        if tail.strip() in BLANK_MARKS and tok.cell:
            result.append(Piece("blank", tail.strip(), tok.where, first))
        elif tail.strip():
            between(tail)
        else:
            result.append(Piece("text", tail, tok.where, first))
    return result
