"""Write the JSON Schemas of the report models into schemas/ (run after changing extractor/report.py).

The files are committed; tests/test_schemas.py fails when they differ from the models, so a schema
change is always a reviewed change. This script never runs implicitly.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from extractor.report import Report, Result

TARGETS: dict[str, type[BaseModel]] = {"report.schema.json": Report, "result.schema.json": Result}


def render(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for name, model in TARGETS.items():
        (out / name).write_text(render(model), encoding="utf-8")
        print(f"wrote {out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "schemas"))
