"""Header binding: which canonical column each position of a table row stands in.

A table that keeps its geometry says where every cell is; its header says what each position means.
The binding reads the header rows of a table block (the rows with column words and no numbers) and
maps positions to canonical columns by their text: 自然人 / 商业企业 / … / 总计 for table 三,
结果维持 … 总计 under 行政复议 / 未经复议直接起诉 / 复议后起诉 for table 四, 本年制发件数 … for table 二.
A data row is then *pinned*: each of its value cells lands in the column it stands in, whatever is
blank around it, and no reading of the row is needed.

Geometry is trusted only as far as the source keeps it:
- a ``grid`` block (HTML/DOCX cells, PDF or scan ruling lines) lines up across rows;
- a ``rows`` block (tabs, pipes) lines up only between rows with the same number of cells, because a
  pasted table leaves merged label cells out; a row of another length gets no binding.
A row is pinned only when its own print agrees with the binding: label text and no numbers before
the first bound position, and no label text in a bound position. Anything else is read as a row
whose geometry is lost (``readings``). A block with no header of its own continues the table before
it when its width matches (a table broken across pages): the binding is inherited and the evidence
recorded.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..document import Cell, Document, TableBlock
from .tokens import cell_kind, squash


@dataclass(frozen=True)
class Vocabulary:
    """Header words of one table kind. ``columns`` name positions; ``groups`` (table 四's blocks) are
    spanning words above them that qualify the column: the bound id is ``group.column``."""

    name: str
    columns: tuple[tuple[str, re.Pattern[str]], ...]
    groups: tuple[tuple[str, re.Pattern[str]], ...] = ()

    def column(self, text: str) -> str | None:
        return _first(self.columns, text)

    def group(self, text: str) -> str | None:
        return _first(self.groups, text)


def _first(words: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> str | None:
    for name, pattern in words:
        if pattern.fullmatch(text):
            return name
    return None


def _words(*pairs: tuple[str, str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((name, re.compile(pattern)) for name, pattern in pairs)


TABLE3 = Vocabulary("table3", _words(
    ("natural_person", r"自然人"), ("commercial", r"商业企业"), ("research", r"科研机构"),
    ("social_welfare", r"社会公益组织"), ("legal_service", r"法律服务机构"), ("other_org", r"其他(?:组织)?"),
    ("total", r"总计|合计"),
))
TABLE4 = Vocabulary(
    "table4",
    _words(("upheld", r"结果维持"), ("corrected", r"结果纠正"), ("other", r"其他结果"), ("pending", r"尚未审结"),
           ("total", r"总计|合计")),
    _words(("suit_direct", r"(?:行政诉讼)?[（(]?未经复议直接起诉[）)]?"),
           ("suit_after_review", r"(?:行政诉讼)?[（(]?复议后起诉[）)]?"), ("review", r"行政复议")),
)
TABLE2 = Vocabulary("table2", _words(
    ("issued", r"本年制发件数"), ("repealed", r"本年废止件数"), ("in_force", r"现行有效件数"),
    ("amount_10k_yuan", r"本年收费金额.*"), ("new_made", r"本年新制作数量"), ("new_published", r"本年新公开数量"),
    ("total_published", r"对外公开总数量"), ("prev_items", r"上一年项目数量"), ("change", r"本年增[/／]?减"),
    ("decisions", r"(?:本年)?处理决定数量"), ("items", r"采购项目数量"), ("amount", r"采购总金额.*"),
))

def cell_role(cell: Cell) -> str:
    """blank | num | text, by what the cell prints (a note after a number is still a number)."""
    return cell_kind(cell.text)


@dataclass
class Binding:
    """Column ids by position, for rows of ``width`` cells; ``evidence`` says where it came from."""

    width: int
    columns: dict[int, str]
    evidence: str

    @property
    def first(self) -> int:
        return min(self.columns)


@dataclass
class BlockBindings:
    """Every header group of one block, by the first row it governs."""

    header_rows: set[int] = field(default_factory=set)
    # (first data row, bindings by width) in row order
    spans: list[tuple[int, dict[int, Binding]]] = field(default_factory=list)
    inherited: str | None = None

    def at(self, row: int, width: int) -> Binding | None:
        """The binding of the last header group above ``row``, for rows of this width."""
        current: dict[int, Binding] = {}
        for start, by_width in self.spans:
            if start > row:
                break
            current = by_width
        return current.get(width)


class Bindings:
    """Header bindings of one table kind over every table block of a document."""

    def __init__(self, doc: Document, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.blocks: dict[int, BlockBindings] = {}
        self.evidence: list[str] = []
        previous: tuple[int, TableBlock, BlockBindings] | None = None
        for index, block in enumerate(doc.blocks):
            if not isinstance(block, TableBlock):
                continue
            found = _block_bindings(block, vocabulary)
            if previous is not None and _continues(found, block, previous[1], previous[2]):
                found = _inherit(found, previous[2], previous[0])
                self.evidence.append(f"table {index} has no header of its own and the width of table "
                                     f"{previous[0]}: read as its continuation, columns bound by its header")
            if found.spans:
                self.blocks[index] = found
                previous = (index, block, found)

    def row_columns(self, doc: Document, table: int, row: int) -> dict[int, str] | None:
        """Column id by position for the cells of this row, when the row is pinned; else None."""
        bindings = self.blocks.get(table)
        if bindings is None or row in bindings.header_rows:
            return None
        block = doc.blocks[table]
        assert isinstance(block, TableBlock)
        cells = block.rows[row]
        binding = bindings.at(row, len(cells))
        if binding is None or not _agrees(cells, binding, block.geometry):
            return None
        return binding.columns

    def shown(self, table: int, row: int) -> set[str]:
        """Every column the header governing this row names, across its header rows: in separated
        text each header row binds rows of its own width only, and a two-row header (自然人 … 总计
        above 商业企业 … 其他) names its columns on rows of different widths."""
        found = self.blocks.get(table)
        if found is None:
            return set()
        current: dict[int, Binding] = {}
        for start, by_width in found.spans:
            if start > row:
                break
            current = by_width
        return {name for binding in current.values() for name in binding.columns.values()}

    def is_header(self, table: int, row: int) -> bool:
        found = self.blocks.get(table)
        return found is not None and row in found.header_rows


def _block_bindings(block: TableBlock, vocabulary: Vocabulary) -> BlockBindings:
    """Header groups (consecutive rows with column words and no numbers) and the data rows under each."""
    out = BlockBindings()
    group: list[list[Cell]] = []
    for r, cells in enumerate(block.rows):
        if _is_header_row(cells, vocabulary):
            out.header_rows.add(r)
            group.append(cells)
            continue
        if group:
            by_width = _bind(group, vocabulary, block.geometry)
            if by_width:
                out.spans.append((r, by_width))
            group = []
    if group:  # the header closes the block: its rows continue in the next block (a page break)
        by_width = _bind(group, vocabulary, block.geometry)
        if by_width:
            out.spans.append((len(block.rows), by_width))
    return out


_CJK = "\u4e00-\u9fff"
_NOISE_INSIDE = re.compile(f"(?<=[{_CJK}])[0-9A-Za-z|!！:：;；,，.。、·\\-_~]+(?=[{_CJK}])")
_NOISE_AFTER = re.compile(r"[:：;；,，.。、!！\-_~]+$")


def header_text(text: str) -> str:
    """A header cell's text for matching header words: squashed, without what OCR leaves inside a
    word (行政1复议) or after it (未经复议直接起诉：). Not before it: "3.其他" is a row label."""
    return _NOISE_AFTER.sub("", _NOISE_INSIDE.sub("", squash(text)))


def _header_names(cells: Sequence[Cell], words: Callable[[str], str | None]) -> dict[int, str]:
    """Positions named by a header word: a cell's own text, else the text of adjacent cells read
    together (a spanning header the geometry cut into cells, 未经 | 复议直 | 接起诉, or that OCR
    read in parts), each run of repeated text (a span expanded) counted once."""
    runs: list[tuple[str, list[int]]] = []
    for pos, cell in enumerate(cells):
        text = header_text(cell.text)
        if runs and runs[-1][0] == text:
            runs[-1][1].append(pos)
        else:
            runs.append((text, [pos]))
    names: dict[int, str] = {}
    i = 0
    while i < len(runs):
        for j in range(i + 1, min(len(runs), i + MAX_HEADER_PARTS) + 1):
            if not runs[j - 1][0] or (j > i + 1 and words(runs[j - 1][0])):
                break  # a blank or a header word of its own ends a split header
            name = words("".join(text for text, _ in runs[i:j]))
            if name is not None:
                names.update((pos, name) for _, positions in runs[i:j] for pos in positions)
                i = j - 1
                break
        i += 1
    return names


MAX_HEADER_PARTS = 3  # cells a header word may be cut into


def _is_header_row(cells: Sequence[Cell], vocabulary: Vocabulary) -> bool:
    roles = [cell_role(c) for c in cells if not c.spanned]
    if "num" in roles:
        return False
    return bool(_header_names(cells, vocabulary.column) or _header_names(cells, vocabulary.group))


def _bind(group: list[list[Cell]], vocabulary: Vocabulary, geometry: str) -> dict[int, Binding]:
    """Bindings by row width. In a grid every header row has the grid's width and they stack; in
    separated text each header row binds rows of its own length only."""
    by_width: dict[int, dict[int, str]] = {}
    groups_by_width: dict[int, dict[int, str]] = {}
    for cells in group:
        width = len(cells)
        columns = by_width.setdefault(width, {})
        groups = groups_by_width.setdefault(width, {})
        columns.update(_header_names(cells, vocabulary.column))
        groups.update(_header_names(cells, vocabulary.group))
    out: dict[int, Binding] = {}
    for width, columns in by_width.items():
        if vocabulary.groups:
            columns = _qualified(columns, groups_by_width[width], width)
        if columns and _distinct_runs(columns):
            out[width] = Binding(width, dict(sorted(columns.items())),
                                 f"{geometry} header: " + " ".join(f"{p}={c}" for p, c in sorted(columns.items())))
    return out


def _qualified(columns: dict[int, str], groups: dict[int, str], width: int) -> dict[int, str]:
    """Table 四: each outcome column takes the block word standing over it (the nearest to its left in
    the header rows, as a spanning cell is printed at its first position). Unqualified columns drop."""
    out: dict[int, str] = {}
    current: str | None = None
    for pos in range(width):
        current = groups.get(pos, current)
        if pos in columns and current is not None:
            out[pos] = f"{current}.{columns[pos]}"
    return out


def _distinct_runs(columns: dict[int, str]) -> bool:
    """A column id may cover several adjacent positions (a spanning header cell), never two apart."""
    seen: dict[str, int] = {}
    for pos in sorted(columns):
        name = columns[pos]
        if name in seen and seen[name] != pos - 1:
            return False
        seen[name] = pos
    return True


def _agrees(cells: Sequence[Cell], binding: Binding, geometry: str) -> bool:
    """The row's own print agrees with the binding: a label (and no number) before the first bound
    position, no label text at a bound position, no padded position, and a number only where a
    column is bound or could be (after the first bound position).

    In separated text every value must stand under a column word of the binding, and a row whose
    label positions hold no text may have lost its label cells (a
    label printed alone on the line before, its values on this one, often with a trailing separator
    that restores the width): its positions say nothing, so it is not pinned."""
    first = binding.first
    if any(c.padded for c in cells):
        return False
    head = cells[:first]
    if any(cell_role(c) == "num" for c in head if not c.spanned):
        return False
    if geometry == "rows" and head and not any(cell_role(c) == "text" for c in head):
        return False
    for pos in range(first, len(cells)):
        cell = cells[pos]
        if cell.spanned:
            continue
        role = cell_role(cell)
        if role == "text" and pos in binding.columns:
            return False
        if role == "num" and geometry == "rows" and pos not in binding.columns:
            # separated text: a header row binds rows of its own width only, and a row that lost a
            # cell may have the width of a header row that names only some columns (自然人 … 总计
            # over a spanning 法人或其他组织): a value under no column word is not placed by this row
            return False
    return True


def _continues(found: BlockBindings, block: TableBlock, prev_block: TableBlock, prev: BlockBindings) -> bool:
    if found.spans and min(found.spans)[0] <= _first_data_row(block) < len(block.rows):
        return False  # it has a header of its own above its data
    widths = {len(r) for r in block.rows}
    last = prev.spans[-1][1] if prev.spans else {}
    return block.geometry == prev_block.geometry and any(w in last for w in widths)


def _first_data_row(block: TableBlock) -> int:
    for r, cells in enumerate(block.rows):
        if any(cell_role(c) == "num" for c in cells if not c.spanned):
            return r
    return len(block.rows)


def _inherit(found: BlockBindings, prev: BlockBindings, prev_index: int) -> BlockBindings:
    last = prev.spans[-1][1]
    inherited = {w: Binding(b.width, b.columns, f"inherited from table {prev_index}: {b.evidence}")
                 for w, b in last.items()}
    spans = [(0, inherited)] + found.spans
    return BlockBindings(found.header_rows, spans, inherited=f"table {prev_index}")
