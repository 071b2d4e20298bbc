"""The labelled synthetic set: n documents, each a different format × quirk combination, with gold.

``plan_set`` chooses the combinations: the first document of each format is clean (no quirks), the
rest take the least-used quirks that their format allows and that go together, so every quirk
recurs in several formats. ``make_document`` turns one plan into the rendered bytes and the gold
label (shared/spec/output.md format). Every random choice comes from a ``random.Random`` seeded
with the set seed and the document index, so the same seed gives byte-identical files.
"""
from __future__ import annotations

import json
import random
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fuzz import choose_case, make_case
from .html_page import HtmlOptions
from .layout import build_document
from .render import EXTENSIONS, render
from .variants import (
    FORMATS,
    QUIRK_BY_NAME,
    QUIRKS,
    Variant,
    compatible,
    draw_values,
    hidden_keys,
    misprint_total,
)

SET_PREFIX = "syn_"
GOLD_SUFFIX = ".gold.json"
DEFAULT_N = 48
DEFAULT_SEED = 20241
DEFAULT_RENDERINGS = 192  # documents drawn from the fuzz's choice space (printings × renderings)
_QUIRKS_PER_DOCUMENT = (1, 2, 2, 3, 3, 4)
_SPECIAL_PER_DOCUMENT = (1, 1, 2)


@dataclass(frozen=True)
class Plan:
    index: int
    fmt: str
    quirks: tuple[str, ...]  # in QUIRKS order

    @property
    def name(self) -> str:
        tag = "-".join(self.quirks) or "clean"
        return f"{SET_PREFIX}{self.index:03d}_{self.fmt}_{tag}.{EXTENSIONS[self.fmt]}"


def plan_set(n: int, seed: int) -> list[Plan]:
    rng = random.Random(f"plan:{seed}")
    usage: Counter[str] = Counter()
    taken: set[tuple[str, tuple[str, ...]]] = set()
    plans: list[Plan] = []
    for index in range(n):
        fmt = FORMATS[index % len(FORMATS)]
        quirks = () if index < len(FORMATS) else _pick_quirks(rng, fmt, usage, taken)
        taken.add((fmt, quirks))
        usage.update(quirks)
        plans.append(Plan(index, fmt, quirks))
    return plans


def _pick_quirks(rng: random.Random, fmt: str, usage: Counter[str],
                 taken: set[tuple[str, tuple[str, ...]]]) -> tuple[str, ...]:
    """A combination not used before for this format, favouring the quirks used least so far.

    Quirks of every format and quirks of this format only (html's encoding, spans, chrome) are
    drawn apart, so that the format-only ones do not crowd the table quirks out of that format."""
    general = [q.name for q in QUIRKS if q.formats == FORMATS]
    special = [q.name for q in QUIRKS if fmt in q.formats and q.formats != FORMATS]
    for _ in range(100):
        chosen: list[str] = []
        _take(rng, general, rng.choice(_QUIRKS_PER_DOCUMENT), usage, chosen)
        if special:
            _take(rng, special, rng.choice(_SPECIAL_PER_DOCUMENT), usage, chosen)
        combo = tuple(q.name for q in QUIRKS if q.name in chosen)
        if (fmt, combo) not in taken:
            return combo
    raise RuntimeError(f"no unused quirk combination left for format {fmt}")


def _take(rng: random.Random, names: list[str], size: int, usage: Counter[str], chosen: list[str]) -> None:
    """Add up to ``size`` of ``names`` to ``chosen``, least used first, with what they require."""
    ranked = sorted(names, key=lambda name: (usage[name], rng.random()))
    added = 0
    for name in ranked:
        if added >= size:
            break
        if name in chosen:
            continue
        group = [*(r for r in QUIRK_BY_NAME[name].requires if r not in chosen), name]
        if all(compatible(q, tuple(chosen)) for q in group):
            chosen += group
            added += 1


def html_options(variant: Variant) -> HtmlOptions:
    return HtmlOptions(
        split_spans=variant.has("span_split"),
        nbsp_blanks=variant.has("blank_nbsp"),
        encoding="gbk" if variant.has("gbk") else "utf-8",
        chrome=variant.has("chrome"),
    )


def make_document(plan: Plan, seed: int) -> tuple[bytes, dict[str, Any]]:
    """The rendered document and its gold label."""
    rng = random.Random(f"doc:{seed}:{plan.index}")
    variant = Variant(frozenset(plan.quirks))
    printed = draw_values(rng, variant)
    notes = [f"Synthetic report (extractor.synthetic, seed {seed}, document {plan.index}), format {plan.fmt}."]
    notes += [QUIRK_BY_NAME[q].note for q in plan.quirks] or ["No quirks: the clean national form."]
    must_flag: list[str] = []
    if variant.has("wrong_total"):
        misprint = misprint_total(rng, printed, variant.table3)
        printed[misprint.key] = misprint.printed
        must_flag.append(misprint.key)
        notes.append(f"{misprint.key} is printed {misprint.printed}; the identities give {misprint.true_value}.")
    data = render(build_document(printed, variant, rng), plan.fmt, html_options(variant))
    gold = {
        "document": plan.name,
        "template": variant.table2,
        "values": printed,
        "aliases": {},
        "implied": hidden_keys(variant),
        "must_flag": must_flag,
        "notes": notes,
        "rendering": plan.fmt,
    }
    return data, gold


def rendering_name(index: int, fmt: str, suffix: str) -> str:
    return f"{SET_PREFIX}r{index:03d}_{fmt}.{suffix}"


def make_rendering(index: int, seed: int) -> tuple[str, bytes, dict[str, Any]]:
    """One document of the fuzz's choice space (``fuzz.choose_case``): its name, bytes and gold."""
    rng = random.Random(f"rendering:{seed}:{index}")
    case = choose_case(rng.choice, rng.randrange(2**31))
    generated = make_case(case)
    name = rendering_name(index, case.render.fmt, generated.suffix)
    gold = {**generated.gold, "document": name, "rendering": case.render.fmt, "aliases": {},
            "notes": [f"Drawn from the fuzz choice space (extractor.synthetic.fuzz, seed {seed}, document {index}).",
                      *generated.gold["notes"]]}
    return name, generated.data, gold


def gold_bytes(gold: dict[str, Any]) -> bytes:
    return (json.dumps(gold, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def build_set(out_dir: Path, n: int = DEFAULT_N, seed: int = DEFAULT_SEED,
              renderings: int = DEFAULT_RENDERINGS) -> list[Path]:
    """Write the set's documents and golds (``<document>.gold.json``) to ``out_dir``.

    Files of an earlier set (``syn_*``) that this set does not contain are removed, so the folder
    always holds exactly one set. Returns the document paths, in plan order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    for plan in plan_set(n, seed):
        data, gold = make_document(plan, seed)
        files[plan.name] = data
        files[plan.name + GOLD_SUFFIX] = gold_bytes(gold)
    for index in range(renderings):
        name, data, gold = make_rendering(index, seed)
        files[name] = data
        files[name + GOLD_SUFFIX] = gold_bytes(gold)
    for stale in out_dir.glob(f"{SET_PREFIX}*"):
        if stale.name not in files:
            stale.unlink()
    for name, data in files.items():
        (out_dir / name).write_bytes(data)
    return [out_dir / name for name in files if not name.endswith(GOLD_SUFFIX)]


def check_set(out_dir: Path, n: int = DEFAULT_N, seed: int = DEFAULT_SEED,
              renderings: int = DEFAULT_RENDERINGS) -> list[str]:
    """Differences between ``out_dir`` and a fresh build: 'missing: …', 'differs: …', 'unexpected: …'.
    An empty list means the committed set is current."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        build_set(fresh, n, seed, renderings)
        expected = {p.name: p.read_bytes() for p in fresh.glob(f"{SET_PREFIX}*")}
    present = {p.name: p for p in out_dir.glob(f"{SET_PREFIX}*")} if out_dir.is_dir() else {}
    problems = [f"missing: {name}" for name in sorted(expected.keys() - present.keys())]
    problems += [f"differs: {name}" for name in sorted(expected.keys() & present.keys())
                 if present[name].read_bytes() != expected[name]]
    problems += [f"unexpected: {name}" for name in sorted(present.keys() - expected.keys())]
    return problems
