"""Canonical values for one synthetic report: complete, internally consistent, realistic in size.

``make_values`` draws every key that ``template.all_keys`` lists for the chosen table versions, so
that the tables satisfy every identity of fields.md by construction: table 三 is built column by
column from the balance (new + carried over = processed + carried forward), the processed requests
are spread over the outcome rows, and the 总计 column and row are sums. Magnitudes follow the real
reports: most bodies get a handful of requests, most outcome rows and most legal-person columns
stay 0, while table 二 counts (licensing, penalties) range up to tens of thousands.
"""
from __future__ import annotations

import random
from collections import Counter

from ..template import (
    APPEAL_BLOCKS,
    APPLICANT_COLUMNS,
    all_keys,
    outcome_row_keys,
    request_key,
)

Values = dict[str, int | str]

# Real-looking reporting bodies of the three usual kinds: county/district governments and their
# offices, city departments, townships.
ORG_NAMES: tuple[str, ...] = (
    "清河县人民政府",
    "青石县人民政府办公室",
    "东湖区人民政府",
    "永宁县人民政府",
    "临川市自然资源和规划局",
    "安平市生态环境局",
    "南岭市交通运输局",
    "石门县市场监督管理局",
    "柳溪乡人民政府",
    "桃源乡人民政府",
    "白水镇人民政府",
    "北坡街道办事处",
)

# How likely an outcome row is used at all in a report, and its share of the requests when used.
# Granted and "not held" dominate real reports; most other rows stay 0.
_OUTCOME_USE: dict[str, tuple[float, int]] = {
    "granted": (1.0, 40),
    "partly_granted": (0.6, 10),
    "withheld.state_secret": (0.1, 1),
    "withheld.prohibited_by_law": (0.1, 1),
    "withheld.three_safeties": (0.1, 1),
    "withheld.third_party_rights": (0.3, 3),
    "withheld.internal_affairs": (0.2, 2),
    "withheld.process_info": (0.25, 3),
    "withheld.enforcement_files": (0.1, 1),
    "withheld.query_matter": (0.2, 2),
    "unavailable.not_held": (0.7, 25),
    "unavailable.needs_creation": (0.3, 3),
    "unavailable.unclear": (0.25, 3),
    "not_processed.petition": (0.3, 4),
    "not_processed.repeated": (0.3, 3),
    "not_processed.publication": (0.1, 1),
    "not_processed.excessive": (0.1, 1),
    "not_processed.confirm_or_reissue": (0.1, 1),
    "other.overdue_amendment": (0.3, 3),
    "other.unpaid_fee": (0.05, 1),
    "other.other": (0.3, 3),
    "other.total": (0.4, 6),
}

# Natural-person volume bands (new requests a year) and how often each band occurs.
_VOLUME_BANDS: tuple[tuple[int, int], ...] = ((0, 3), (1, 12), (5, 60), (20, 400))
_VOLUME_WEIGHTS: tuple[int, ...] = (2, 4, 3, 1)

# Legal-person columns: chance that the column has any requests, and the most it gets.
_ORG_COLUMN_USE: dict[str, tuple[float, int]] = {
    "commercial": (0.45, 8),
    "research": (0.1, 2),
    "social_welfare": (0.1, 2),
    "legal_service": (0.15, 3),
    "other_org": (0.3, 5),
}

# Chance that a review/suit block of table 四 has any cases.
_APPEAL_USE: dict[str, float] = {"review": 0.45, "suit_direct": 0.3, "suit_after_review": 0.2}

_FEE_CHOICES_YUAN: tuple[int, ...] = (100, 200, 300, 500, 1200)


def make_values(rng: random.Random, table2: str = "2021", table3: str = "2021") -> Values:
    """A full set of canonical values for a report with these table versions, in key order."""
    year = rng.randint(2019, 2020) if table2 == "2019" else rng.randint(2021, 2025)
    drawn: Values = {"meta.org_name": rng.choice(ORG_NAMES), "meta.year": year}
    drawn.update(_active_2019(rng) if table2 == "2019" else _active_2021(rng))
    drawn.update(_requests(rng, table3))
    drawn.update(_appeals(rng))
    drawn["narrative.proactive_items"] = _digits(rng, rng.randint(2, 4))
    drawn["narrative.requests_received"] = drawn[request_key("new_received", "total")]
    drawn["fees.info_processing_fee_yuan"] = rng.choice(_FEE_CHOICES_YUAN) if rng.random() < 0.15 else 0
    return {key: drawn[key] for key in all_keys(table2, table3)}


def _digits(rng: random.Random, n: int) -> int:
    """A number with exactly n digits (n >= 1; 1 digit may be 0)."""
    return rng.randint(10 ** (n - 1) if n > 1 else 0, 10**n - 1)


def _maybe(rng: random.Random, chance: float, draw: int) -> int:
    return draw if rng.random() < chance else 0


# ---- table 二 ---------------------------------------------------------------------------------


def _active_2021(rng: random.Random) -> Values:
    rules_issued = _maybe(rng, 0.15, rng.randint(1, 3))
    docs_issued = _maybe(rng, 0.7, rng.randint(1, 25))
    return {
        "active.rules.issued": rules_issued,
        "active.rules.repealed": _maybe(rng, 0.1, rng.randint(1, 2)),
        "active.rules.in_force": rules_issued + _maybe(rng, 0.15, rng.randint(1, 20)),
        "active.normative_docs.issued": docs_issued,
        "active.normative_docs.repealed": _maybe(rng, 0.5, rng.randint(1, 15)),
        "active.normative_docs.in_force": docs_issued + rng.randint(0, 150),
        "active.licensing.decisions": _maybe(rng, 0.7, _digits(rng, rng.randint(1, 5))),
        "active.penalty.decisions": _maybe(rng, 0.6, _digits(rng, rng.randint(1, 4))),
        "active.coercion.decisions": _maybe(rng, 0.4, rng.randint(1, 99)),
        "active.admin_fees.amount_10k_yuan": _amount_10k_yuan(rng),
    }


def _amount_10k_yuan(rng: random.Random) -> str:
    """万元 with the printed digits kept: '0', '7545' or '1439.4967'."""
    if rng.random() < 0.45:
        return "0"
    whole = str(_digits(rng, rng.randint(1, 4)))
    decimals = rng.randint(0, 4)
    if not decimals:
        return whole
    return whole + "." + "".join(str(rng.randint(0, 9)) for _ in range(decimals))


def _active_2019(rng: random.Random) -> Values:
    values: Values = {}
    for row, chance in (("rules", 0.15), ("normative_docs", 0.8)):
        made = _maybe(rng, chance, rng.randint(1, 30))
        published = rng.randint(0, made)
        values[f"active2019.{row}.new_made"] = made
        values[f"active2019.{row}.new_published"] = published
        values[f"active2019.{row}.total_published"] = published + _maybe(rng, chance, rng.randint(1, 200))
    for row, digits in (("licensing", 4), ("other_services", 3), ("penalty", 4), ("coercion", 2)):
        values[f"active2019.{row}.prev_items"] = _digits(rng, rng.randint(1, 3))
        values[f"active2019.{row}.change"] = _change(rng)
        values[f"active2019.{row}.decisions"] = _maybe(rng, 0.7, _digits(rng, rng.randint(1, digits)))
    values["active2019.admin_fees.prev_items"] = rng.randint(0, 40)
    values["active2019.admin_fees.change"] = _change(rng)
    items = _maybe(rng, 0.6, rng.randint(1, 200))
    values["active2019.procurement.items"] = items
    values["active2019.procurement.amount"] = _procurement_amount(rng) if items else "0元"
    return values


def _change(rng: random.Random) -> int:
    """本年增/减: usually 0, sometimes a small rise or fall."""
    return _maybe(rng, 0.4, rng.choice((-1, 1)) * rng.randint(1, 25))


def _procurement_amount(rng: random.Random) -> str:
    """采购总金额 with its unit inside the cell, as printed: '251000元', '75394432.52元', '12.5万元'."""
    if rng.random() < 0.25:
        return f"{_digits(rng, rng.randint(1, 4))}.{rng.randint(1, 9)}万元"
    whole = _digits(rng, rng.randint(4, 8))
    if rng.random() < 0.5:
        return f"{whole}元"
    return f"{whole}.{rng.randint(0, 99):02d}元"


# ---- table 三 ---------------------------------------------------------------------------------


def _requests(rng: random.Random, table3: str) -> Values:
    weights = _used_outcomes(rng, table3)
    band = rng.choices(_VOLUME_BANDS, _VOLUME_WEIGHTS)[0]
    columns = {col: _request_column(rng, col, band, weights) for col in APPLICANT_COLUMNS}
    rows = ("new_received", "carried_over", *outcome_row_keys(table3), "total", "carried_forward")
    values: Values = {}
    for row in rows:
        for col in APPLICANT_COLUMNS:
            values[request_key(row, col)] = columns[col][row]
        values[request_key(row, "total")] = sum(columns[col][row] for col in APPLICANT_COLUMNS)
    return values


def _used_outcomes(rng: random.Random, table3: str) -> dict[str, int]:
    """The outcome rows this body uses, with their weights: one choice per report, so that the
    zeros line up across columns the way they do in real tables."""
    used = {}
    for row in outcome_row_keys(table3):
        chance, weight = _OUTCOME_USE[row]
        if rng.random() < chance:
            used[row] = weight
    return used


def _request_column(rng: random.Random, col: str, band: tuple[int, int], weights: dict[str, int]) -> Counter[str]:
    """One applicant column of table 三; its balance and outcome sum hold by construction."""
    if col == "natural_person":
        new = rng.randint(*band)
        carried_over = _maybe(rng, 0.3, rng.randint(1, max(1, new // 8)))
    else:
        chance, most = _ORG_COLUMN_USE[col]
        new = _maybe(rng, chance, rng.randint(1, most))
        carried_over = _maybe(rng, 0.1, 1)
    open_requests = new + carried_over
    carried_forward = _maybe(rng, 0.3, rng.randint(0, max(1, open_requests // 6))) if open_requests else 0
    processed = open_requests - carried_forward
    column: Counter[str] = Counter(rng.choices(list(weights), list(weights.values()), k=processed))
    column.update(new_received=new, carried_over=carried_over, total=processed, carried_forward=carried_forward)
    return column


# ---- table 四 ---------------------------------------------------------------------------------


def _appeals(rng: random.Random) -> Values:
    values: Values = {}
    for block in APPEAL_BLOCKS:
        outcomes = {"upheld": 0, "corrected": 0, "other": 0, "pending": 0}
        if rng.random() < _APPEAL_USE[block]:
            outcomes = {
                "upheld": rng.randint(0, 3),
                "corrected": rng.randint(0, 1),
                "other": rng.randint(0, 2),
                "pending": rng.randint(0, 2),
            }
        for outcome, n in outcomes.items():
            values[f"appeals.{block}.{outcome}"] = n
        values[f"appeals.{block}.total"] = sum(outcomes.values())
    return values
