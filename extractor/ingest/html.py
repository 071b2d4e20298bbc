"""HTML → Document.

Decodes the page (BOM, then the ``<meta>`` charset, then UTF-8/GB18030/detection), removes what a
reader never sees (scripts, styles, the head, hidden and white-on-white elements), narrows the page
to the element that holds the report when one clearly does, and emits blocks in document order:
one text block per paragraph-like element or ``<br>``-separated line, one table block per innermost
``<table>`` with rowspan/colspan expanded. Text is every descendant text node concatenated, so labels
and digits that Word split across ``<span>``s (``20</span><span>23``) come back whole.
"""
from __future__ import annotations

import re
from collections import deque

import lxml.html
from lxml import etree

from .. import errors
from ..document import Block, Cell, Document, Source, TableBlock, TextBlock, Where
from ..settings import Settings
from .encoding import decode

_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^(\s*)<\?xml[^>]*\?>")
_INVISIBLE_CHARS = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_WHITESPACE = re.compile(r"\s+")  # str patterns match \xa0 (&nbsp;) and \u3000 too
_NOT_DISPLAYED = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_WHITE = r"(?:#fff(?:fff)?\b|white\b|rgba?\(\s*255\s*,\s*255\s*,\s*255\b)"
_WHITE_TEXT = re.compile(r"(?<![\w-])color\s*:\s*" + _WHITE, re.IGNORECASE)
_ZERO_FONT = re.compile(r"font-size\s*:\s*0(?:\.0*)?(?:px|pt|em|rem|%)?\s*(?:;|!|$)", re.IGNORECASE)
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*([^;]+)", re.IGNORECASE)
_WHITE_VALUE = re.compile(r"^\s*" + _WHITE, re.IGNORECASE)

# Elements whose content is never part of the reading text.
_DROPPED_TAGS = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "meta", "link", "select", "textarea",
     "iframe", "object", "embed", "svg"}
)
# Elements that start a new line of text; everything else (span, font, b, o:p, …) flows inline.
_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
     "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
     "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section",
     "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
)
_CONTENT_HINTS = ("content", "article", "zoom", "trs_editor", "custom_unionstyle", "main", "detail", "text")
# A "table" with a cell this long is page layout wrapping prose, not a data table.
_LAYOUT_CELL_CHARS = 300
# Browsers cap colspan at 1000; report tables have < 20 columns, so a huge span is junk or hostile.
_MAX_COLSPAN = 100
# libxml2's nesting limit with huge_tree (XML_PARSE_HUGE); not configurable
MAX_DEPTH = 2048


def read_html(data: bytes, source: Source, settings: Settings) -> Document:
    text, encoding = decode(data, _declared_charset(data[:4096]))
    source = source.model_copy(update={"encoding": encoding})
    page = _parse(text)
    title = _page_title(page)
    warnings: list[str] = _comment_warnings(text)
    _remove_invisible(page, warnings)
    body = page.find("body")
    root = _content_root(page if body is None else body)
    blocks = _Walker().blocks(root)
    if title is not None:
        # the page <title> often is the report's title when the body repeats none; it goes first
        blocks.insert(0, title)
        _renumber_tables(blocks)
    return Document(source=source, blocks=blocks, warnings=warnings)


_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_WORDS = re.compile(r"[\u4e00-\u9fff]{4,}|[A-Za-z]{3,}(?:\s+[A-Za-z]{3,}){3,}")


def _comment_warnings(text: str) -> list[str]:
    """Comments are not read, but one that holds sentences is worth a warning: text a reader never
    sees is where instructions to a language model hide (the LLM assistant checks these)."""
    out = []
    for m in _COMMENT.finditer(text):
        body = " ".join(m.group(1).split())
        if _WORDS.search(body):
            out.append(f"an HTML comment held text that was not read: {body[:200]!r}")
    return out


def _renumber_tables(blocks: list[Block]) -> None:
    for index, block in enumerate(blocks):
        if isinstance(block, TableBlock):
            block.where.table = index
            for row in block.rows:
                for cell in row:
                    cell.where.table = index


def _page_title(page: lxml.html.HtmlElement) -> TextBlock | None:
    element = page.find(".//title")
    if element is None:
        return None
    text = " ".join((element.text_content() or "").split())
    return TextBlock(text=text, where=Where(line=element.sourceline)) if text else None


def _declared_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _parse(text: str) -> lxml.html.HtmlElement:
    # lxml refuses str input that carries an XML encoding declaration; the text is already decoded.
    text = _XML_DECLARATION.sub(r"\1", text, count=1)
    # huge_tree: libxml2 otherwise stops at 256 levels of nesting, which pages generated by editors
    # exceed, and the HTML parser, recovering, silently drops everything deeper (the report's tables
    # with it). With it the limit is MAX_DEPTH; a page deeper still is refused, never cut.
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        page = lxml.html.document_fromstring(text, parser=parser)
    except etree.ParserError:
        raise errors.EmptyInput("the HTML file holds no content") from None
    except ValueError as exc:
        raise errors.CorruptInput(f"the HTML file could not be parsed: {exc}") from None
    limits = [e.message for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"]
    if limits:  # the parser stopped there and dropped the rest: refused rather than read in part
        what = (f"nests elements deeper than {MAX_DEPTH} levels" if "depth" in limits[0].lower()
                else f"exceeds a limit of the HTML parser ({limits[0]})")
        raise errors.TooLarge(f"the HTML file {what}: it cannot be read whole")
    return page


# --- removing what a reader does not see -------------------------------------------------------


def _remove_invisible(page: lxml.html.HtmlElement, warnings: list[str]) -> None:
    for element in list(page.iter()):
        if not isinstance(element.tag, str) or element.getroottree().getroot() is not page:
            continue  # an entity/comment node, or inside a subtree already removed
        tag = element.tag.lower()
        if tag in _DROPPED_TAGS:
            element.drop_tree()  # drop_tree keeps the tail text, which belongs to the parent
        elif tag in ("html", "body"):
            continue  # pages that hide <body> until a script runs would otherwise lose everything
        elif _NOT_DISPLAYED.search(element.get("style", "")) or element.get("hidden") is not None:
            element.drop_tree()
        elif _is_camouflaged(element):
            hidden = _clean(element.text_content())
            _clear(element)
            if hidden:
                warnings.append(
                    f"dropped invisible (white-on-white or zero-size) text at line {element.sourceline}, "
                    f"a possible prompt-injection attempt: {hidden[:80]!r}"
                )


def _is_camouflaged(element: lxml.html.HtmlElement) -> bool:
    """Text styled to be invisible on the page: zero-size, or white with no coloured background."""
    style = element.get("style", "")
    if _ZERO_FONT.search(style):
        return True
    white = _WHITE_TEXT.search(style) or _WHITE_VALUE.match(element.get("color", ""))
    return bool(white) and not _has_coloured_background(element)


def _has_coloured_background(element: lxml.html.HtmlElement) -> bool:
    # White text on a dark header cell is legitimate; only the nearest declared background decides.
    for node in (element, *element.iterancestors()):
        match = _BACKGROUND.search(node.get("style", ""))
        colour = match.group(1) if match else node.get("bgcolor")
        if colour and colour.strip().lower() not in ("transparent", "inherit", "none", "initial"):
            return not _WHITE_VALUE.match(colour)
    return False


def _clear(element: lxml.html.HtmlElement) -> None:
    """Empty an element but keep it (a cleared <td> must still occupy its grid position)."""
    for child in list(element):
        element.remove(child)  # lxml removes the child's tail with it: all of it was invisible
    element.text = None


# --- choosing the part of the page that holds the report ---------------------------------------


def _content_root(body: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The smallest article/content-like element holding every data table and most of the text."""
    total = _text_size(body)
    if total == 0:
        return body
    tables = [table for table in body.iter("table") if _is_data_table(table)]
    best, best_size = body, total
    for element in body.iter():
        if element is body or not isinstance(element.tag, str) or not _looks_like_content(element):
            continue
        size = _text_size(element)
        if size * 2 < total or size >= best_size:
            continue
        if all(_contains(element, table) for table in tables):
            best, best_size = element, size
    return best


def _looks_like_content(element: lxml.html.HtmlElement) -> bool:
    if element.tag == "article":
        return True
    marks = f"{element.get('class', '')} {element.get('id', '')}".lower()
    return any(hint in marks for hint in _CONTENT_HINTS)


def _contains(ancestor: lxml.html.HtmlElement, element: lxml.html.HtmlElement) -> bool:
    return any(node is ancestor for node in element.iterancestors())


def _text_size(element: lxml.html.HtmlElement) -> int:
    return len(_WHITESPACE.sub("", element.text_content()))


# --- emitting blocks ------------------------------------------------------------------------------


class _Walker:
    """Turns an element tree into blocks; holds the text of the line being assembled."""

    def __init__(self) -> None:
        self._blocks: list[Block] = []
        self._pieces: list[str] = []
        self._first_line: int | None = None
        self._last_line: int | None = None

    def blocks(self, root: lxml.html.HtmlElement) -> list[Block]:
        walk = etree.iterwalk(root, events=("start", "end"))
        for event, element in walk:
            if not isinstance(element.tag, str):
                continue
            tag = element.tag.lower()
            if event == "start":
                if tag == "table" and _is_data_table(element):
                    self._flush()
                    self._table(element)
                    walk.skip_subtree()  # the "end" event still follows and adds the tail
                    continue
                if tag in _BLOCK_TAGS or tag == "br":
                    self._flush()
                self._add(element.text, element.sourceline)
            else:
                if tag in _BLOCK_TAGS:
                    self._flush()
                if element is not root and element.tail and element.tail.strip():
                    self._add(element.tail, _last_line(element))
        self._flush()
        return self._blocks

    def _add(self, text: str | None, line: int | None) -> None:
        if not text:
            return
        self._pieces.append(text)
        if text.strip() and line is not None:
            self._first_line = self._first_line or line
            self._last_line = max(self._last_line or line, line)

    def _flush(self) -> None:
        text = _clean("".join(self._pieces))
        if text:
            where = Where(line=self._first_line, line_end=self._last_line)
            self._blocks.append(TextBlock(text=text, where=where))
        self._pieces, self._first_line, self._last_line = [], None, None

    def _table(self, table: lxml.html.HtmlElement) -> None:
        caption = table.find("caption")
        if caption is not None and _element_text(caption):
            line = caption.sourceline
            self._blocks.append(TextBlock(text=_element_text(caption), where=Where(line=line, line_end=line)))
        self._blocks.append(_table_block(table, index=len(self._blocks)))


def _is_data_table(table: lxml.html.HtmlElement) -> bool:
    """Innermost tables with at least two columns and short cells; the rest is page layout."""
    if table.find(".//table") is not None:
        return False
    rows = _rows(table)
    if max((sum(_span(cell, "colspan") for cell in _row_cells(row)) for row in rows), default=0) < 2:
        return False
    return all(len(_element_text(cell)) <= _LAYOUT_CELL_CHARS for row in rows for cell in _row_cells(row))


def _rows(table: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def _row_cells(row: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return row.xpath("./td | ./th")


def _span(cell: lxml.html.HtmlElement, attribute: str) -> int:
    match = re.match(r"\s*(\d+)", cell.get(attribute, ""))
    return max(1, int(match.group(1))) if match else 1


def _table_block(table: lxml.html.HtmlElement, index: int) -> TableBlock:
    """The table as a rectangular grid: spanned positions hold marked copies of their origin cell."""
    rows = _rows(table)
    placed: dict[tuple[int, int], tuple[lxml.html.HtmlElement, str, int, int, bool]] = {}
    for r, row in enumerate(rows):
        c = 0
        for cell in _row_cells(row):
            while (r, c) in placed:
                c += 1
            rowspan = min(_span(cell, "rowspan"), len(rows) - r)  # browsers stop spans at the table end
            colspan = min(_span(cell, "colspan"), _MAX_COLSPAN)
            text = _element_text(cell)
            for dr in range(rowspan):
                for dc in range(colspan):
                    # setdefault: in malformed tables a span may run into a cell placed earlier
                    placed.setdefault((r + dr, c + dc), (cell, text, rowspan, colspan, bool(dr or dc)))
            c += colspan
    width = max((c + 1 for _, c in placed), default=0)
    kept = [r for r in range(len(rows)) if any((r, c) in placed for c in range(width))]
    grid: list[list[Cell]] = []
    padded = 0
    for out_row, r in enumerate(kept):
        line = rows[r].sourceline
        cells: list[Cell] = []
        for c in range(width):
            where = Where(table=index, row=out_row, col=c, line=line)
            if (r, c) not in placed:
                padded += 1
                cells.append(Cell(text="", where=where, padded=True))
                continue
            cell, text, rowspan, colspan, spanned = placed[(r, c)]
            where = where.model_copy(update={"line": cell.sourceline})
            if spanned:
                cells.append(Cell(text=text, where=where, spanned=True))
            else:
                cells.append(Cell(text=text, where=where, rowspan=rowspan, colspan=colspan))
        grid.append(cells)
    evidence = [f"{padded} missing cell(s) padded with blanks to square the grid"] if padded else []
    last_line = rows[kept[-1]].sourceline if kept else table.sourceline
    return TableBlock(
        rows=grid, where=Where(table=index, line=table.sourceline, line_end=last_line), evidence=evidence
    )


# --- text -----------------------------------------------------------------------------------------


def _element_text(element: lxml.html.HtmlElement) -> str:
    """All descendant text with no separator (Word splits words and numbers across spans)."""
    return _clean("".join(_text_pieces(element)))


def _text_pieces(element: lxml.html.HtmlElement) -> list[str]:
    """Text in document order; a loop over an explicit stack, since pages nest deeper than Python's
    recursion limit."""
    pieces: list[str] = []
    todo: list[lxml.html.HtmlElement | str] = [element]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            pieces.append(item)
            continue
        pieces.append(item.text or "")
        for child in reversed(item):  # pushed in reverse: popped in document order
            todo.append(child.tail or "")
            if isinstance(child.tag, str):
                # a <br> is a visible line break; a space keeps "1<br>2" from reading as 12
                todo.append(" " if child.tag.lower() == "br" else child)
    return pieces


def _clean(text: str) -> str:
    return _WHITESPACE.sub(" ", _INVISIBLE_CHARS.sub("", text)).strip()


def _last_line(element: lxml.html.HtmlElement) -> int | None:
    """The line where an element's tail text starts, approximated by its last descendant's line."""
    descendants = deque(element.iter(), maxlen=1)  # the last element in document order
    return descendants[0].sourceline
