"""The prose of a report: the sentences around the tables, with the three prose figures in them.

Every report states its proactive count (``主动公开政府信息 N 条``), the requests received
(``共收到政府信息公开申请 N 件``) and the information-processing fee (``未收取信息处理费`` or
``收取信息处理费 N 元``) in these exact phrasings, surrounded by boilerplate and a few distracting
figures (policy readings, trainings, appeals) the way real reports are.
"""
from __future__ import annotations

import random
from collections.abc import Mapping

from .model import Block, Heading, Paragraph

_OPENINGS = (
    "{year} 年，{org}以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》"
    "和上级关于政务公开工作的部署要求，坚持以公开为常态、不公开为例外，持续深化政务公开，切实保障人民群众知情权、参与权和监督权。",
    "{year} 年，在上级政务公开主管部门的指导下，{org}严格执行《中华人民共和国政府信息公开条例》，"
    "围绕中心工作和群众关切，不断完善工作机制、规范公开流程、拓宽公开渠道，政府信息公开工作取得新成效。",
)
_PREAMBLES = (
    "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定，编制本报告。本报告所列数据的统计期限自 "
    "{year} 年 1 月 1 日起至 {year} 年 12 月 31 日止。如对本报告有疑问，请与{org}联系。",
    "本报告根据《条例》要求编制，全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
    "政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。",
)
_PROACTIVE = (
    "{year} 年，{org}在政府门户网站主动公开政府信息 {n} 条，发布政策解读 {readings} 篇。",
    "全年共主动公开政府信息 {n} 条，涵盖机构职能、政策文件、财政预决算、重点领域信息等内容，"
    "其中发布政策解读 {readings} 篇。",
    "围绕年度重点工作和群众关切，不断加大主动公开力度，{year} 年主动公开政府信息 {n} 条。",
)
_REQUEST_HANDLING = (
    "严格按照法定程序和期限办理政府信息公开申请，规范答复文书，做到依法、及时、准确答复。",
    "进一步规范依申请公开受理、审核、答复流程，畅通网络、信函、当面等申请渠道。",
)
_MANAGEMENT = (
    "严格落实信息发布“三审三校”制度和保密审查机制，动态更新政府信息公开指南和公开目录，"
    "全年组织政务公开业务培训 {trainings} 次。",
    "加强公文公开属性源头认定，对拟公开信息进行合法性、保密性审查，及时清理更新过期信息，确保公开信息准确规范。",
)
_PLATFORM = (
    "持续加强政府网站和政务新媒体建设管理，优化政府信息公开专栏设置，及时更新栏目内容，提升平台的便民服务水平。",
    "充分发挥政府网站第一平台作用，统筹运用政务微信公众号、政务服务大厅公开专区等渠道，多渠道发布政府信息。",
)
_SUPERVISION = (
    "将政务公开工作纳入年度绩效考核，定期开展检查和通报，主动接受社会监督，全年未发生政务公开责任追究情况。",
    "健全政务公开监督考核机制，畅通社会评议渠道，对发现的问题及时督促整改，确保各项工作落到实处。",
)
_PROBLEMS = (
    "政府信息公开工作仍存在一些不足：一是公开内容的全面性和及时性有待提升；二是政策解读形式较为单一；"
    "三是基层政务公开工作人员业务能力有待加强。",
    "存在的主要问题：部分栏目更新不够及时，重点领域信息公开的深度和广度仍需拓展，依申请公开答复规范化水平有待提高。",
)
_MEASURES = (
    "下一步，将持续加强业务培训，完善信息发布审核机制，丰富政策解读形式，推动政务公开工作提质增效。",
    "改进措施：一是强化栏目日常巡查和内容保障；二是深化重点领域信息公开；三是规范依申请公开办理流程，提升答复质量。",
)
_MECHANISM = (
    "设立政务公开工作协调小组，统筹办公室、法制机构和业务处室协同推进政务公开工作，"
    "依申请公开已形成接收、审查、会商、复核、签发的完整办理流程。",
)


def _fill(rng: random.Random, templates: tuple[str, ...], **fields: object) -> Paragraph:
    return Paragraph(rng.choice(templates).format(**fields))


def preamble(values: Mapping[str, int | str], rng: random.Random) -> Paragraph:
    return _fill(rng, _PREAMBLES, org=values["meta.org_name"], year=values["meta.year"])


def opening(values: Mapping[str, int | str], rng: random.Random) -> Paragraph:
    return _fill(rng, _OPENINGS, org=values["meta.org_name"], year=values["meta.year"])


def proactive(values: Mapping[str, int | str], rng: random.Random) -> Paragraph:
    n = int(values["narrative.proactive_items"])
    return _fill(rng, _PROACTIVE, org=values["meta.org_name"], year=values["meta.year"], n=n,
                 readings=rng.randint(1, max(1, n // 10)))


def requests(values: Mapping[str, int | str], rng: random.Random, *, state_outcome: bool) -> Paragraph:
    """The requests paragraph; ``state_outcome`` adds the handled / carried-forward figures, which
    a document with a misprinted total leaves out so that the prose never contradicts the table."""
    year = values["meta.year"]
    text = f"{year} 年共收到政府信息公开申请 {values['narrative.requests_received']} 件"
    carried_over = int(values["requests.carried_over.total"])
    if carried_over:
        text += f"，上年结转 {carried_over} 件"
    if state_outcome:
        text += (f"，办结 {values['requests.total.total']} 件，"
                 f"结转下年度继续办理 {values['requests.carried_forward.total']} 件。")
    else:
        text += "。"
    text += rng.choice(_REQUEST_HANDLING)
    if rng.random() < 0.5:
        suits = int(values["appeals.suit_direct.total"]) + int(values["appeals.suit_after_review.total"])
        text += f"全年因政府信息公开被申请行政复议 {values['appeals.review.total']} 件，提起行政诉讼 {suits} 件。"
    return Paragraph(text)


def management(rng: random.Random) -> Paragraph:
    return _fill(rng, _MANAGEMENT, trainings=rng.randint(1, 6))


def platform(rng: random.Random) -> Paragraph:
    return _fill(rng, _PLATFORM)


def supervision(rng: random.Random) -> Paragraph:
    return _fill(rng, _SUPERVISION)


def mechanism(rng: random.Random) -> Paragraph:
    return _fill(rng, _MECHANISM)


def problems(rng: random.Random) -> list[Block]:
    return [_fill(rng, _PROBLEMS), _fill(rng, _MEASURES)]


def fee(values: Mapping[str, int | str]) -> Paragraph:
    year, org, amount = values["meta.year"], values["meta.org_name"], int(values["fees.info_processing_fee_yuan"])
    if amount:
        return Paragraph(f"{year} 年，{org}共收取信息处理费 {amount} 元，"
                         "均按照《政府信息公开信息处理费管理办法》规定收取。")
    return Paragraph(f"{year} 年，{org}未收取信息处理费。")


def parts(rng: random.Random, titled: tuple[tuple[str, Paragraph], ...]) -> list[Block]:
    """Section 一's parts （一）..（五）: either as headings of their own or run into their paragraph
    as in 「（一）主动公开：…」; real reports do both."""
    as_headings = rng.random() < 0.5
    blocks: list[Block] = []
    for title, paragraph in titled:
        if as_headings:
            blocks += [Heading(title, level=2), paragraph]
        else:
            blocks.append(Paragraph(f"{title}：{paragraph.text}"))
    return blocks
