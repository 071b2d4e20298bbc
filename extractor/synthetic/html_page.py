"""HTML rendering in the style of a Word document exported to a government website.

Real pages carry MsoNormal paragraphs, text in ``<span>`` runs, tables with ``rowspan``/``colspan``
for the group labels and the header, and often the site's chrome (navigation, a metadata box that
is itself a ``<table>``, related links) around the report. The options reproduce what makes such
pages hard: runs that split digits and labels, ``&nbsp;`` in blank cells, GBK encoding.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from .model import Document, Heading, Paragraph, Table

_PIECES = re.compile(r"\d+|\D+")
_HEADING_FONTS = {1: "黑体", 2: "楷体_GB2312"}


@dataclass(frozen=True)
class HtmlOptions:
    split_spans: bool = False  # digits and labels split across <span> runs, as Word leaves them
    nbsp_blanks: bool = False  # blank cells hold &nbsp; rather than nothing
    encoding: str = "utf-8"  # or "gbk", declared in <meta charset>
    chrome: bool = False  # site navigation, metadata table, related links and footer around <article>


def render_html(doc: Document, options: HtmlOptions) -> bytes:
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        f'<meta charset="{options.encoding}">',
        f"<title>{escape(doc.title)}</title>",
        "</head>",
        "<body>",
    ]
    if options.chrome:
        lines += _chrome_top(doc)
    lines += ["<article>", f'<p class="MsoTitle" align="center"><b>{_runs(doc.title, options)}</b></p>',
              '<div class="TRS_Editor">']
    for block in doc.blocks:
        if isinstance(block, Heading):
            font = _HEADING_FONTS[block.level]
            lines.append(f'<p class="MsoNormal" style="text-indent:2em"><b>'
                         f'<span style="font-family:{font}">{_runs(block.text, options)}</span></b></p>')
        elif isinstance(block, Paragraph):
            lines.append(f'<p class="MsoNormal" style="text-indent:2em;line-height:28pt">'
                         f'<span style="font-family:仿宋_GB2312">{_runs(block.text, options)}</span></p>')
        else:
            lines += _table(block, options)
    lines += ["</div>", "</article>"]
    if options.chrome:
        lines += _chrome_bottom(doc)
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines).encode(options.encoding)


def _runs(text: str, options: HtmlOptions) -> str:
    """The text as <span> runs: one run, or split inside numbers and longer labels."""
    if not options.split_spans:
        return f"<span>{escape(text)}</span>"
    runs: list[str] = []
    for piece in _PIECES.findall(text):
        # Word splits a run where formatting or editing history changed: inside numbers, and
        # somewhere inside longer stretches of text.
        if len(piece) >= 2 and (piece[0].isdigit() or len(piece) >= 6):
            runs += [piece[: len(piece) // 2], piece[len(piece) // 2:]]
        else:
            runs.append(piece)
    return "".join(f"<span>{escape(run)}</span>" for run in runs)


def _table(table: Table, options: HtmlOptions) -> list[str]:
    lines = ['<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
             'style="border-collapse:collapse">', "<tbody>"]
    for row in table.rows:
        lines.append("<tr>")
        for cell in row:
            spans = "".join(f' {name}="{n}"' for name, n in (("rowspan", cell.rowspan), ("colspan", cell.colspan))
                            if n > 1)
            if cell.text:
                content = _runs(cell.text, options)
            else:
                content = "<span>&nbsp;</span>" if options.nbsp_blanks else "<span></span>"
            lines.append(f'<td{spans} valign="center"><p class="MsoNormal" align="center">{content}</p></td>')
        lines.append("</tr>")
    lines += ["</tbody>", "</table>"]
    return lines


def _chrome_top(doc: Document) -> list[str]:
    return [
        '<div class="header">',
        f'<div class="site-name">{escape(doc.org)}</div>',
        '<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
        '<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul>',
        "</div>",
        '<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
        "政府信息公开年报</div>",
        '<table class="xxgk-meta">',
        f"<tr><td>索引号</td><td>XXGK-{doc.year + 1}-0001</td><td>发布机构</td><td>{escape(doc.org)}</td></tr>",
        f'<tr><td>名称</td><td colspan="3">{escape(doc.title)}</td></tr>',
        f"<tr><td>发文日期</td><td>{doc.year + 1}-01-20</td><td>分类</td><td>政府信息公开年报</td></tr>",
        "</table>",
    ]


def _chrome_bottom(doc: Document) -> list[str]:
    return [
        '<div class="related">',
        f'<p>上一篇：<a href="#">{escape(doc.org)}{doc.year - 1}年政府信息公开工作年度报告</a></p>',
        f'<p>下一篇：<a href="#">{escape(doc.org)}关于公布政府信息公开指南的通知</a></p>',
        "</div>",
        '<div class="footer">',
        f"<p>主办单位：{escape(doc.org)}　网站标识码：0000000001　备案号：某ICP备00000001号</p>",
        "</div>",
    ]
