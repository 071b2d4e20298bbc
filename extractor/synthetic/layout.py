"""Assembles one report ``Document``: title, the six sections in national or Shanghai order, tables.

The national order puts each table under its own section (二/三/四). The Shanghai-local order
(上海市政府信息公开规定) writes six custom prose parts first and appends the tables renumbered
一、/二、/三、, followed by 四、存在的主要问题及改进情况 and 五、其他需要报告的事项: the same headings by
text, other numerals, which is why a parser has to match sections by text.
"""
from __future__ import annotations

import random
from collections.abc import Mapping

from . import prose, tables
from .model import Block, Document, Heading
from .variants import Variant


def build_document(values: Mapping[str, int | str], variant: Variant, rng: random.Random) -> Document:
    """The document for these (printed) values; ``rng`` picks the wording and cell notes."""
    org, year = str(values["meta.org_name"]), int(values["meta.year"])
    blocks = _shanghai(values, variant, rng) if variant.has("shanghai") else _national(values, variant, rng)
    return Document(title=f"{org} {year} 年政府信息公开工作年度报告", org=org, year=year, blocks=tuple(blocks))


def _tables(values: Mapping[str, int | str], variant: Variant, rng: random.Random,
            numerals: tuple[str, str, str]) -> list[Block]:
    return [
        Heading(f"{numerals[0]}、主动公开政府信息情况"), tables.table2(values, variant, rng),
        Heading(f"{numerals[1]}、收到和处理政府信息公开申请情况"), tables.table3(values, variant),
        Heading(f"{numerals[2]}、政府信息公开行政复议、行政诉讼情况"), tables.table4(values, variant),
    ]


def _national(values: Mapping[str, int | str], variant: Variant, rng: random.Random) -> list[Block]:
    blocks: list[Block] = []
    if rng.random() < 0.5:
        blocks.append(prose.preamble(values, rng))
    blocks += [Heading("一、总体情况"), prose.opening(values, rng)]
    blocks += prose.parts(rng, (
        ("（一）主动公开", prose.proactive(values, rng)),
        ("（二）依申请公开", prose.requests(values, rng, state_outcome=not variant.has("wrong_total"))),
        ("（三）政府信息管理", prose.management(rng)),
        ("（四）政府信息公开平台建设", prose.platform(rng)),
        ("（五）监督保障", prose.supervision(rng)),
    ))
    blocks += _tables(values, variant, rng, ("二", "三", "四"))
    blocks += [Heading("五、存在的主要问题及改进情况"), *prose.problems(rng)]
    blocks += [Heading("六、其他需要报告的事项"), prose.fee(values)]
    return blocks


def _shanghai(values: Mapping[str, int | str], variant: Variant, rng: random.Random) -> list[Block]:
    return [
        prose.preamble(values, rng),
        Heading("一、总体情况"), prose.opening(values, rng),
        Heading("二、工作机制保障"), prose.mechanism(rng),
        Heading("三、主动公开工作情况"), prose.proactive(values, rng),
        Heading("四、政府信息公开申请情况"),
        prose.requests(values, rng, state_outcome=not variant.has("wrong_total")),
        Heading("五、政府信息管理"), prose.management(rng),
        Heading("六、政府信息公开平台建设"), prose.platform(rng),
        *_tables(values, variant, rng, ("一", "二", "三")),
        Heading("四、存在的主要问题及改进情况"), *prose.problems(rng),
        Heading("五、其他需要报告的事项"), prose.fee(values),
    ]
