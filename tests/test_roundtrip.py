"""Every result the tool writes loads back into its schema, unchanged.

Results are written without their None fields (``exclude_none``), so a field that may be None must
also default to None, or a value the document does not give (``value: null``) makes the result
unreadable: the API answered 500 for it and the batch could not queue it for review (issue 11).

Two checks: the schema rule itself, over every model a Result holds; and a property test over the
labelled sets and mutated copies of them (rows removed, cells blanked, tables and text removed),
each result passed through every writer the tool has and read back.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from extractor import errors
from extractor.batch.jobs import flat_path, load_result, write_result
from extractor.batch.manifest import Key
from extractor.document import Document, TableBlock, TextBlock
from extractor.ingest import load
from extractor.outputs import to_json
from extractor.pipeline import extract_document
from extractor.report import Result
from extractor.server.app import DocumentOut
from extractor.server.storage import UploadStore
from extractor.settings import Settings

from .conftest import REAL, ROOT, gold_files

SETS = [ROOT / "evals" / name for name in ("samples", "pdf_native")] + [REAL]
PER_RENDERING = 1  # generated documents of each rendering (every rendering, not every document)
VARIANTS = 2  # random variants of each mutation per document


def _documents() -> list[Path]:
    """Every document of the small sets, and the first few of each rendering of the generated set:
    the writers see every shape of result (mutations make the rest), while thirteen extractions of
    each of 240 generated documents cost CI a quarter of an hour and find nothing new (a second
    document per rendering cost a minute more, a glued one 50 s alone, and found nothing either)."""
    golds = [g for folder in SETS for g in gold_files(folder)]
    taken: dict[str, int] = {}
    for gold in gold_files(ROOT / "evals" / "synthetic"):
        rendering = json.loads(gold.read_text(encoding="utf-8")).get("rendering") or gold.name.split(".")[-3]
        taken[rendering] = taken.get(rendering, 0) + 1
        if taken[rendering] <= PER_RENDERING:
            golds.append(gold)
    docs = [g.with_name(g.name.removesuffix(".gold.json")) for g in golds]
    # the real set also holds scans; OCR is covered elsewhere and too slow to repeat for every mutation
    return [d for d in docs if d.suffix.lower() in (".txt", ".md", ".html", ".docx", ".pdf") and "scan" not in d.name]


DOCUMENTS = _documents()


# ---- the schema rule ------------------------------------------------------------------------------


def _models(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[type[BaseModel]]:
    seen = set() if seen is None else seen
    if model in seen:
        return seen
    seen.add(model)
    for info in model.model_fields.values():
        for inner in _inner_types(info.annotation):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                _models(inner, seen)
    return seen


def _inner_types(annotation: object) -> Iterator[object]:
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _inner_types(arg)


def _nullable(annotation: object) -> bool:
    return annotation is None or annotation is type(None) or any(
        _nullable(a) for a in typing.get_args(annotation)
        if typing.get_origin(annotation) in (typing.Union, types.UnionType))


def test_every_field_that_may_be_none_defaults_to_none() -> None:
    wrong = [f"{model.__name__}.{name}" for model in _models(Result) for name, info in model.model_fields.items()
             if _nullable(info.annotation) and (info.is_required() or info.default is not None)]
    assert not wrong, f"written without None fields, these would not load back: {wrong}"


# ---- mutated reports --------------------------------------------------------------------------------


def _tables(doc: Document) -> list[int]:
    return [i for i, b in enumerate(doc.blocks) if isinstance(b, TableBlock)]


def _remove_rows(doc: Document, rng: random.Random) -> None:
    for i in rng.sample(_tables(doc), k=min(2, len(_tables(doc)))):
        rows = doc.blocks[i].rows  # type: ignore[union-attr]
        for _ in range(rng.randint(1, 3)):
            if len(rows) > 1:
                del rows[rng.randrange(1, len(rows))]


def _blank_cells(doc: Document, rng: random.Random) -> None:
    for i in _tables(doc):
        for row in doc.blocks[i].rows:  # type: ignore[union-attr]
            for cell in row:
                if rng.random() < 0.15:
                    cell.text = ""


def _blank_figures(doc: Document, rng: random.Random) -> None:
    """Cells blanked in flattened page text, where the tables are lines of figures."""
    for block in doc.blocks:
        if isinstance(block, TextBlock):
            block.text = re.sub(r"\d+", lambda m: "" if rng.random() < 0.15 else m.group(0), block.text)


def _remove_table(doc: Document, rng: random.Random) -> None:
    if _tables(doc):
        del doc.blocks[rng.choice(_tables(doc))]


def _remove_text(doc: Document, rng: random.Random) -> None:
    doc.blocks = [b for b in doc.blocks if not (isinstance(b, TextBlock) and rng.random() < 0.5)]


def _remove_licensing(doc: Document, rng: random.Random) -> None:
    """The case of the issue: the 行政许可 row of the second table gone, wherever it is printed."""
    for i in _tables(doc):
        table = doc.blocks[i]
        table.rows = [r for r in table.rows if not any("行政许可" in c.text for c in r)]  # type: ignore[union-attr]
    doc.blocks = [b for b in doc.blocks if not (isinstance(b, TextBlock) and b.text.startswith("行政许可"))]


MUTATIONS: dict[str, Callable[[Document, random.Random], None]] = {
    "rows_removed": _remove_rows, "cells_blanked": _blank_cells, "figures_blanked": _blank_figures,
    "table_removed": _remove_table,
    "text_removed": _remove_text, "licensing_removed": _remove_licensing,
}


def _renumber(doc: Document) -> None:
    """Positions as a reader would have given them to the mutated document."""
    for index, block in enumerate(doc.blocks):
        if isinstance(block, TableBlock):
            block.where.table = index
            for r, row in enumerate(block.rows):
                for cell in row:
                    cell.where.table, cell.where.row = index, r


def _results(path: Path, settings: Settings) -> Iterator[tuple[str, Result]]:
    original = load(path, settings)
    yield "original", _extract(original, settings)
    rng = random.Random(path.name)  # deterministic: a failure names a reproducible case
    for name, mutate in MUTATIONS.items():
        for variant in range(VARIANTS):
            doc = original.model_copy(deep=True)
            mutate(doc, rng)
            _renumber(doc)
            yield f"{name}#{variant}", _extract(doc, settings)


def _extract(doc: Document, settings: Settings) -> Result:
    """As ``pipeline.extract`` answers for a document (the parser's own bugs are tests/test_fuzz.py's
    business; a result says "internal error" for them, and that result must round-trip too)."""
    try:
        return extract_document(doc, settings)
    except errors.NotAReport as exc:
        return Result(document=doc.source.path, status="not_a_report", error=str(exc))
    except Exception as exc:
        return Result(document=doc.source.path, status="failed", error=f"internal error: {type(exc).__name__}: {exc}")


# ---- every writer, and how its output is read back ---------------------------------------------------


def _extract_json(result: Result, tmp: Path) -> Result:
    return Result.model_validate_json(to_json(result, as_flat=False))


def _batch_files(result: Result, tmp: Path) -> Result:
    key = Key("ab" * 32, "{}")
    write_result(tmp / "batch", key, result)
    assert flat_path(tmp / "batch", key).exists()
    return load_result(tmp / "batch", key)


def _server_storage(result: Result, tmp: Path) -> Result:
    store = UploadStore(tmp / "service")
    doc_id = "cd" * 32
    store.write_result(doc_id, result)
    stored = Result.model_validate(store.result(doc_id))
    # and as GET /documents/{id} sends it (response_model_exclude_none), read by a client
    served = DocumentOut(id=doc_id, status="done", filename="x", format="text", size=1, received=0.0,
                         result=stored).model_dump_json(exclude_none=True)
    return DocumentOut.model_validate_json(served).result  # type: ignore[return-value]


def _review_queue(result: Result, tmp: Path) -> Result:
    review = pytest.importorskip("extractor.review.queue")
    from extractor.review.store import SQLiteStore

    if result.report is None or result.source is None:
        return result  # nothing to review: the queue refuses it by design
    # one store for the whole test (opening one costs its migrations); the queue keeps one version
    # per document (by content hash), so each case is queued as a document of its own
    store = SQLiteStore(tmp.parent / "review.sqlite")
    unique = result.source.sha256[:32] + hashlib.sha256(tmp.name.encode()).hexdigest()[:32]
    queued = result.model_copy(update={"source": result.source.model_copy(update={"sha256": unique})})
    doc_id, added = review.enqueue(store, queued, b"report bytes")
    assert added
    back = store.current(doc_id).result()
    assert back.source is not None
    back.source.sha256 = result.source.sha256
    return back


WRITERS: dict[str, Callable[[Result, Path], Result]] = {
    "extract_json": _extract_json, "batch_files": _batch_files, "server_storage": _server_storage,
    "review_queue": _review_queue,
}


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_results_round_trip_through_every_writer(path: Path, tmp_path: Path, settings: Settings) -> None:
    for case, result in _results(path, settings):
        for writer, round_trip in WRITERS.items():
            folder = tmp_path / f"{case}-{writer}"
            folder.mkdir()
            back = round_trip(result, folder)
            assert back == result, f"{path.name} {case}: {writer} does not read back what it wrote"


def test_the_mutations_leave_values_absent(settings: Settings) -> None:
    """Else the round trip above would prove nothing about absent values."""
    for path in DOCUMENTS[:5]:  # the bundled samples
        absent = [k for _, r in _results(path, settings) if r.report for k, v in r.report.values.items()
                  if v.value is None]
        assert absent, f"{path.name}: no mutation left a value absent"
