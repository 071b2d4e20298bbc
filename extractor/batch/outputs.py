"""The batch's table files, rebuilt from the per-document results at the end of every run.

- ``results.jsonl``: the flat contract of spec/output.md, one document a line;
- ``results.csv``: one row per document: document, status, error, template, source format, review
  reasons (the finding rules and flags that sent it to review), then every canonical key;
- ``results.parquet``: the same table, typed: counts int64, the 万元 amount decimal(38, 6), text
  as text (a column holding a value its type cannot hold exactly stays text rather than lose it);
- ``values.csv``: one row per extracted value: document, key, label, value, unit, flags, method
  (parsed, inferred, …) and the page it was read on, so an inferred value never passes for a
  printed one;
- ``fields.csv``: the field dictionary (``fields``): key, Chinese label, table, row, column, unit, type.

They depend only on the inputs and their results, taken in input-path order, never on timing or on
which run produced which result: an interrupted-then-resumed batch writes the same bytes as an
uninterrupted one. Each file is written atomically.

The CSVs are UTF-8 with a byte-order mark, because the people who open these files mostly use
Excel, which otherwise shows the Chinese org names as mojibake.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..template import all_keys
from . import atomic
from .fields import FIELD_COLUMNS, Field, dictionary, kind

LEAD_COLUMNS = ("document", "status", "error", "template", "format", "review_reasons")
VALUE_COLUMNS = ("document", "key", "label", "value", "unit", "flags", "method", "page")
JSONL_NAME, CSV_NAME, PARQUET_NAME = "results.jsonl", "results.csv", "results.parquet"
VALUES_NAME, FIELDS_NAME = "values.csv", "fields.csv"
DECIMAL_SCALE = 6  # 万元 to the 分 (0.01 元); more printed digits than that keep the column text

FlatRow = dict[str, Any]


@dataclass(frozen=True)
class Detail:
    """What the rich result of a document adds to its flat row."""

    format: str | None = None  # the source format (pdf, docx, …), when the file was read
    methods: Mapping[str, str] = field(default_factory=dict)  # key → parsed | inferred | llm | …
    pages: Mapping[str, int] = field(default_factory=dict)  # key → the page it was read on (paged formats)

    @classmethod
    def of(cls, rich: Mapping[str, Any]) -> Detail:
        """From a rich result as written (JSON), without validating it again."""
        values = (rich.get("report") or {}).get("values") or {}
        pages = {}
        for key, v in values.items():
            found = [w["page"] for w in v.get("where") or [] if w.get("page") is not None]
            if found:
                pages[key] = min(found)
        return cls(format=(rich.get("source") or {}).get("format"),
                   methods={k: v.get("method", "parsed") for k, v in values.items()}, pages=pages)


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


def review_reasons(row: FlatRow) -> list[str]:
    """The finding rules and flags of a document that needs review, sorted."""
    if row.get("status") != "needs_review":
        return []
    reasons = {f["rule"] for f in row.get("findings") or []}
    reasons |= {r for rs in (row.get("flags") or {}).values() for r in rs}
    return sorted(reasons)


def write_all(rows: Sequence[FlatRow], details: Sequence[Detail], out_dir: Path) -> list[Path]:
    columns = value_columns()
    known = dictionary()
    fields = {key: known[key] for key in columns}  # in column order; a key without a field fails loudly
    files = {
        JSONL_NAME: jsonl_bytes(rows),
        CSV_NAME: csv_bytes(rows, details, columns),
        PARQUET_NAME: parquet_bytes(rows, details, columns),
        VALUES_NAME: values_csv_bytes(rows, details, fields),
        FIELDS_NAME: fields_csv_bytes(fields),
    }
    for name, data in files.items():
        atomic.write_bytes(out_dir / name, data)
    return [out_dir / name for name in files]


def jsonl_bytes(rows: Sequence[FlatRow]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")


def _lead(row: FlatRow, detail: Detail) -> list[str]:
    return [row["document"], row["status"], row.get("error") or "", template_text(row), detail.format or "",
            "; ".join(review_reasons(row))]


def csv_bytes(rows: Sequence[FlatRow], details: Sequence[Detail], columns: Sequence[str]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*LEAD_COLUMNS, *columns])
    for row, detail in zip(rows, details, strict=True):
        values = row.get("values") or {}
        writer.writerow(_lead(row, detail) + [_csv_cell(values.get(key)) for key in columns])
    return buf.getvalue().encode("utf-8-sig")


def values_csv_bytes(rows: Sequence[FlatRow], details: Sequence[Detail], fields: Mapping[str, Field]) -> bytes:
    """Long form: every value a document has (absent ones too, when flagged), in key order."""
    order = {key: i for i, key in enumerate(fields)}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(VALUE_COLUMNS)
    for row, detail in zip(rows, details, strict=True):
        values, flags = row.get("values") or {}, row.get("flags") or {}
        for key in sorted(values.keys() | flags.keys(), key=lambda k: (order.get(k, len(order)), k)):
            spec = fields.get(key)
            page = detail.pages.get(key)
            writer.writerow([row["document"], key, spec.label if spec else "", _csv_cell(values.get(key)),
                             spec.unit if spec else "", "; ".join(flags.get(key) or []),
                             detail.methods.get(key, ""), "" if page is None else str(page)])
    return buf.getvalue().encode("utf-8-sig")


def fields_csv_bytes(fields: Mapping[str, Field]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FIELD_COLUMNS)
    writer.writerows(f.cells() for f in fields.values())
    return buf.getvalue().encode("utf-8-sig")


def parquet_bytes(rows: Sequence[FlatRow], details: Sequence[Detail], columns: Sequence[str]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    leads = [_lead(r, d) for r, d in zip(rows, details, strict=True)]
    data: dict[str, list[Any]] = {name: [lead[i] or None for lead in leads] for i, name in enumerate(LEAD_COLUMNS)}
    data["document"] = [r["document"] for r in rows]
    fields = [pa.field(name, pa.string()) for name in LEAD_COLUMNS]
    for key in columns:
        column, kind_ = _typed([(r.get("values") or {}).get(key) for r in rows], kind(key))
        data[key] = column
        fields.append(pa.field(key, kind_))
    table = pa.Table.from_pydict(data, schema=pa.schema(fields))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def _typed(column: list[Any], wanted: str) -> tuple[list[Any], Any]:
    """The column in its type, or as text when one of its values cannot be held exactly by it."""
    import pyarrow as pa

    if wanted == "int" and all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in column):
        return column, pa.int64()
    if wanted == "decimal":
        decimals = [_decimal(v) for v in column]
        if all(d is not None or v is None for d, v in zip(decimals, column, strict=True)):
            return decimals, pa.decimal128(38, DECIMAL_SCALE)
    return [None if v is None else str(v) for v in column], pa.string()


def _decimal(value: Any) -> Decimal | None:
    """A printed amount as a decimal with DECIMAL_SCALE places; None when it is not one exactly."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    scaled = number.quantize(Decimal(1).scaleb(-DECIMAL_SCALE))
    return scaled if scaled == number else None


def _csv_cell(value: Any) -> str:
    return "" if value is None else str(value)
