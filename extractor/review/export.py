"""Corrected reports out of the store: flat JSON per document, one CSV, or gold files.

JSON is the flat contract of spec/output.md (plus a ``review`` block); CSV has one row per document
and the canonical keys as columns; ``--as-gold`` writes ``<document>.gold.json`` in the gold format
with the original document copied beside it, so the reviewed set becomes a labelled set.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..flat import flat
from ..report import Result
from ..template import all_keys
from .records import DocumentRecord
from .store import ReviewStore

FIXED_COLUMNS = ("document", "org", "year", "version", "status", "open_items")
# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Reviewed:
    """One document's current version, as exported."""

    document: DocumentRecord
    file_name: str  # unique within the export
    version: int
    created_by: str
    result: Result
    open_items: int


def reviewed(store: ReviewStore) -> list[Reviewed]:
    out: list[Reviewed] = []
    used: set[str] = set()
    for doc in store.documents():
        current = store.current(doc.id)
        name = doc.name if doc.name not in used else f"{doc.id}_{doc.name}"
        used.add(name)
        open_items = sum(1 for i in store.items(doc.id) if i.status == "open")
        result = current.result()
        result.document = name
        out.append(Reviewed(doc, name, current.number, current.created_by, result, open_items))
    return out


def export_json(store: ReviewStore, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in reviewed(store):
        record = flat(item.result)
        record["review"] = {"version": item.version, "saved_by": item.created_by, "open_items": item.open_items}
        path = out_dir / f"{item.file_name}.json"
        path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(path)
    return paths


def export_csv(store: ReviewStore, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    items = reviewed(store)
    rows = [_csv_row(item) for item in items]
    keys = _key_columns(rows)
    path = out_dir / "reports.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*FIXED_COLUMNS, *keys], extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return path


def export_gold(store: ReviewStore, out_dir: Path) -> list[Path]:
    """``<name>.gold.json`` plus the original ``<name>`` beside it, for ``extractor eval``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in reviewed(store):
        (out_dir / item.file_name).write_bytes(store.source(item.document.id).data)
        path = out_dir / f"{item.file_name}.gold.json"
        path.write_text(json.dumps(gold_of(item), ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(path)
    return paths


def gold_of(item: Reviewed) -> dict[str, Any]:
    report = item.result.report
    values = {k: v.value for k, v in report.values.items() if v.value is not None} if report else {}
    flags = {k: v.flags for k, v in report.values.items()} if report else {}
    template = (report.template.table3 or report.template.table2) if report else None
    return {
        "document": item.file_name,
        "template": template,
        "values": values,
        "aliases": {},
        "implied": [k for k in values if "inferred" in flags[k]],
        "must_flag": [k for k in values if "source_error" in flags[k]],
        "notes": [f"exported from the review store: version {item.version} saved by {item.created_by}; "
                  f"{item.open_items} item(s) still open"],
    }


def _csv_row(item: Reviewed) -> dict[str, Any]:
    values = flat(item.result)["values"]
    return {"document": item.file_name, "org": item.document.org, "year": item.document.year,
            "version": item.version, "status": item.result.status, "open_items": item.open_items, **values}


def _key_columns(rows: list[dict[str, Any]]) -> list[str]:
    """Canonical keys present in any row, in document order; unknown keys last, sorted."""
    present = {k for row in rows for k in row} - set(FIXED_COLUMNS)
    order = list(dict.fromkeys(all_keys("2021", "2021") + all_keys("2019", "2019")))
    known = [k for k in order if k in present]
    return known + sorted(present - set(known))


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # keep a hostile org name from running as a spreadsheet formula
    return value
