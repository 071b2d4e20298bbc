"""Labelled sets: which documents a set holds and the gold file of each.

A set is a folder. Either it holds the documents themselves, each with ``<document name>.gold.json``
beside it, or it holds a ``set.json`` pointing elsewhere::

    {"root": "../../../shared/real", "documents": "*.gold.json"}

``root`` is relative to the folder of ``set.json``; ``documents`` is a glob inside it. A glob of gold
files selects the labelled documents beside them (so unlabelled reports may share the folder); any
other glob selects documents, each of which must then have its gold.

A document without gold, or gold without its document, is an error of the set: it is reported, never
skipped and never regenerated, because a silently shrinking set would make every metric lie. All the
problems of a set are collected before raising, so one run shows them all.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import errors

GOLD_SUFFIX = ".gold.json"
SET_FILE = "set.json"


class SetError(errors.ConfigError):
    """A labelled set that cannot be evaluated as it stands; ``problems`` lists every reason."""

    def __init__(self, set_path: Path, problems: list[str]) -> None:
        self.set_path = set_path
        self.problems = problems
        super().__init__(f"labelled set {set_path}: " + "; ".join(problems))


@dataclass(frozen=True)
class LabelledDocument:
    set_name: str
    path: Path  # the document
    gold_path: Path
    gold: dict[str, Any] = field(compare=False, repr=False)  # read once, when the set is discovered

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def ident(self) -> str:
        """Stable across runs and machines (baseline diffs match documents by it): ``set/name``."""
        return f"{self.set_name}/{self.name}"


@dataclass(frozen=True)
class LabelledSet:
    name: str  # the set folder's name: the key of evals/thresholds.json
    path: Path  # the set folder (holding set.json or the documents)
    root: Path  # where the documents are
    documents: tuple[LabelledDocument, ...]


def discover(path: Path) -> LabelledSet:
    """The set at ``path``; raises ``SetError`` listing every problem found."""
    path = Path(path)
    if not path.is_dir():
        raise SetError(path, [f"{path} is not a folder"])
    name = path.resolve().name
    spec_file = path / SET_FILE
    if spec_file.exists():
        root, pattern = _read_set_file(spec_file)
    else:
        root, pattern = path, None
    if not root.is_dir():
        raise SetError(path, [f"root {root} is not a folder"])
    pairs, problems = _pairs(root, pattern)
    documents = []
    for doc, gold_path in pairs:
        gold, problem = _read_gold(gold_path)
        if problem:
            problems.append(problem)
        else:
            documents.append(LabelledDocument(name, doc, gold_path, gold))
    if not documents and not problems:
        problems.append(f"no labelled documents in {root}" + (f" matching {pattern!r}" if pattern else ""))
    if problems:
        raise SetError(path, problems)
    return LabelledSet(name=name, path=path, root=root, documents=tuple(documents))


def discover_all(paths: list[Path]) -> tuple[list[LabelledSet], list[SetError]]:
    """Every set that could be read, and the errors of the others (errors are data here)."""
    found: list[LabelledSet] = []
    failed: list[SetError] = []
    for path in paths:
        try:
            found.append(discover(path))
        except SetError as exc:
            failed.append(exc)
    names = [s.name for s in found]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        # set names key thresholds and baseline diffs, so two sets of one name would blur both
        failed.append(SetError(Path(dup), [f"two sets are named {dup!r}"]))
    return found, failed


def _read_set_file(spec_file: Path) -> tuple[Path, str]:
    try:
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
        root = (spec_file.parent / spec["root"]).resolve()
        pattern = str(spec.get("documents") or "*" + GOLD_SUFFIX)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SetError(spec_file.parent, [f"{spec_file} is unreadable: {type(exc).__name__}: {exc}"]) from None
    return root, pattern


def _pairs(root: Path, pattern: str | None) -> tuple[list[tuple[Path, Path]], list[str]]:
    """(document, gold) pairs under ``root`` and the problems: documents or gold without partner."""
    if pattern is not None and pattern.endswith(GOLD_SUFFIX):
        golds = sorted(p for p in root.glob(pattern) if p.is_file())
        return _pairs_from_gold(golds)
    candidates = root.glob(pattern) if pattern else root.iterdir()
    files = sorted(p for p in candidates if p.is_file() and not _is_bookkeeping(p))
    docs = [p for p in files if not p.name.endswith(GOLD_SUFFIX)]
    pairs, problems = _pairs_from_documents(docs)
    if pattern is None:  # a plain folder: every gold file there must belong to a document
        golds = [p for p in files if p.name.endswith(GOLD_SUFFIX)]
        problems += _pairs_from_gold(golds)[1]
    return pairs, problems


def _pairs_from_gold(golds: list[Path]) -> tuple[list[tuple[Path, Path]], list[str]]:
    pairs, problems = [], []
    for gold in golds:
        doc = gold.with_name(gold.name.removesuffix(GOLD_SUFFIX))
        if doc.is_file():
            pairs.append((doc, gold))
        else:
            problems.append(f"gold {gold.name} has no document {doc.name} beside it")
    return pairs, problems


def _pairs_from_documents(docs: list[Path]) -> tuple[list[tuple[Path, Path]], list[str]]:
    pairs, problems = [], []
    for doc in docs:
        gold = doc.with_name(doc.name + GOLD_SUFFIX)
        if gold.is_file():
            pairs.append((doc, gold))
        else:
            problems.append(f"document {doc.name} has no gold file {gold.name}")
    return pairs, problems


def _is_bookkeeping(path: Path) -> bool:
    """Files of a set folder that are not documents: hidden files, set.json, README."""
    return path.name.startswith(".") or path.name == SET_FILE or path.name.upper().startswith("README")


def _read_gold(gold_path: Path) -> tuple[dict[str, Any], str | None]:
    """The gold labels, or the reason they cannot be used."""
    try:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {}, f"gold {gold_path.name} is unreadable: {exc}"
    if not isinstance(gold, dict) or not isinstance(gold.get("values"), dict):
        return {}, f"gold {gold_path.name} has no 'values' object"
    return gold, None
