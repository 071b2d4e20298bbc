"""Corrected reports out of the store: flat JSON per document, one CSV, or gold files.

JSON is the flat contract of spec/output.md (plus a ``review`` block); CSV has one row per document
and the canonical keys as columns. A document whose every item a reviewer settled exports with status
``reviewed``. ``--as-gold`` writes ``<document>.gold.json`` in the gold format with the original
document copied beside it, so the reviewed set becomes a labelled set; it takes settled documents
only, because an unreviewed extraction exported as gold becomes its own label and inflates every
later evaluation. ``include_open`` is the explicit way to take the rest: each such gold file says
``"reviewed": false`` and carries a note that it was not reviewed.
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
from .stats import settled
from .store import ReviewStore

FIXED_COLUMNS = ("document", "org", "year", "version", "status", "open_items")
CSV_NAME = "reports.csv"  # the file written when --out names a folder
REVIEWED = "reviewed"  # the status of a settled document in every export
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
    open_items: int  # open or skipped: not decided yet
    settled: bool  # it had something to review, and every item of it is settled

    @property
    def status(self) -> str:
        return REVIEWED if self.settled else self.result.status


def reviewed(store: ReviewStore) -> list[Reviewed]:
    out: list[Reviewed] = []
    used: set[str] = set()
    for doc in store.documents():
        current = store.current(doc.id)
        name = doc.name if doc.name not in used else f"{doc.id}_{doc.name}"
        used.add(name)
        items = store.items(doc.id)
        result = current.result()
        result.document = name
        undecided = sum(1 for i in items if i.status != "settled")
        out.append(Reviewed(doc, name, current.number, current.created_by, result, undecided, settled(items)))
    return out


def export_json(store: ReviewStore, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in reviewed(store):
        record = flat(item.result)
        record["status"] = item.status
        record["review"] = {"version": item.version, "saved_by": item.created_by, "open_items": item.open_items,
                            "reviewed": item.settled}
        path = out_dir / f"{item.file_name}.json"
        path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        paths.append(path)
    return paths


def export_csv(store: ReviewStore, out: Path) -> Path:
    """One CSV: at ``out`` itself, or ``out/reports.csv`` when ``out`` is an existing folder."""
    path = out / CSV_NAME if out.is_dir() else out
    path.parent.mkdir(parents=True, exist_ok=True)
    items = reviewed(store)
    rows = [_csv_row(item) for item in items]
    keys = _key_columns(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*FIXED_COLUMNS, *keys], extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return path


def export_gold(store: ReviewStore, out_dir: Path, include_open: bool = False) -> list[Path]:
    """``<name>.gold.json`` plus the original ``<name>`` beside it, for ``extractor eval``: settled
    documents only, unless ``include_open``."""
    chosen = [item for item in reviewed(store) if item.settled or include_open]
    if chosen:
        out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in chosen:
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
    origin = f"exported from the review store: version {item.version} saved by {item.created_by}"
    note = (f"{origin}; every item settled by a reviewer" if item.settled else
            f"NOT REVIEWED: {origin}; {item.open_items} item(s) still undecided, so these values are the "
            f"extraction's own and cannot measure it")
    return {
        "document": item.file_name,
        "template": template,
        "values": values,
        "aliases": {},
        "implied": [k for k in values if "inferred" in flags[k]],
        "must_flag": [k for k in values if "source_error" in flags[k]],
        "reviewed": item.settled,
        "notes": [note],
    }


def _csv_row(item: Reviewed) -> dict[str, Any]:
    values = flat(item.result)["values"]
    return {"document": item.file_name, "org": item.document.org, "year": item.document.year,
            "version": item.version, "status": item.status, "open_items": item.open_items, **values}


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
