"""The batch's table files, rebuilt from the per-document flat results at the end of every run.

``results.jsonl`` (the flat contract of spec/output.md, one document a line), ``results.csv`` (one row
per document: document, status, error, template, then every canonical key) and ``results.parquet``
(the same table, typed). They depend only on the inputs and their results, taken in input-path
order, never on timing or on which run produced which result: an interrupted-then-resumed batch
writes the same bytes as an uninterrupted one. Each file is written atomically.

The CSV is UTF-8 with a byte-order mark, because the people who open these files mostly use Excel,
which otherwise shows the Chinese org names as mojibake.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..template import all_keys
from . import atomic

LEAD_COLUMNS = ("document", "status", "error", "template")
# keys whose values are text; every other canonical key is a count (an integer)
TEXT_KEYS = frozenset({"meta.org_name", "active.admin_fees.amount_10k_yuan", "active2019.procurement.amount"})
JSONL_NAME, CSV_NAME, PARQUET_NAME = "results.jsonl", "results.csv", "results.parquet"

FlatRow = dict[str, Any]


def value_columns() -> list[str]:
    """Every canonical key of both formats, in document order (2021 first), each once.

    The same columns for every batch, whatever its reports, so files of different runs line up.
    """
    keys: dict[str, None] = {}
    for table2, table3 in (("2021", "2021"), ("2019", "2019")):
        keys.update(dict.fromkeys(all_keys(table2, table3)))
    return list(keys)


def template_text(row: FlatRow) -> str:
    """'2021', '2019', or 'table2/table3' when the two tables follow different formats."""
    t = row.get("template") or {}
    t2, t3 = t.get("table2"), t.get("table3")
    if t2 == t3:
        return t2 or ""
    return f"{t2 or '-'}/{t3 or '-'}"


def write_all(rows: Sequence[FlatRow], out_dir: Path) -> list[Path]:
    columns = value_columns()
    paths = [out_dir / JSONL_NAME, out_dir / CSV_NAME, out_dir / PARQUET_NAME]
    atomic.write_bytes(paths[0], jsonl_bytes(rows))
    atomic.write_bytes(paths[1], csv_bytes(rows, columns))
    atomic.write_bytes(paths[2], parquet_bytes(rows, columns))
    return paths


def jsonl_bytes(rows: Sequence[FlatRow]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")


def csv_bytes(rows: Sequence[FlatRow], columns: Sequence[str]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*LEAD_COLUMNS, *columns])
    for row in rows:
        values = row.get("values") or {}
        lead = [row["document"], row["status"], row.get("error") or "", template_text(row)]
        writer.writerow(lead + [_csv_cell(values.get(key)) for key in columns])
    return buf.getvalue().encode("utf-8-sig")


def parquet_bytes(rows: Sequence[FlatRow], columns: Sequence[str]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data: dict[str, list[Any]] = {
        "document": [r["document"] for r in rows],
        "status": [r["status"] for r in rows],
        "error": [r.get("error") for r in rows],
        "template": [template_text(r) or None for r in rows],
    }
    fields = [pa.field(name, pa.string()) for name in LEAD_COLUMNS]
    for key in columns:
        column = [(r.get("values") or {}).get(key) for r in rows]
        kind = _arrow_type(key, column)
        data[key] = column if kind == pa.int64() else [None if v is None else str(v) for v in column]
        fields.append(pa.field(key, kind))
    table = pa.Table.from_pydict(data, schema=pa.schema(fields))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def _arrow_type(key: str, column: list[Any]):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    if key in TEXT_KEYS:
        return pa.string()
    # a count the parser could only keep as text stays text rather than being lost
    if all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in column):
        return pa.int64()
    return pa.string()


def _csv_cell(value: Any) -> str:
    return "" if value is None else str(value)
