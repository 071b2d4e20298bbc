"""The flat JSON contract of ../shared/spec/output.md: what evaluators score."""
from __future__ import annotations

from typing import Any

from .report import Result


def flat(result: Result) -> dict[str, Any]:
    report = result.report
    values: dict[str, Any] = {}
    flags: dict[str, list[str]] = {}
    template: dict[str, str | None] = {"table2": None, "table3": None}
    if report is not None:
        template = {"table2": report.template.table2, "table3": report.template.table3}
        for key, v in report.values.items():
            values[key] = v.value
            if v.flags:
                flags[key] = list(v.flags)
    return {
        "document": result.document,
        "status": result.status,
        "template": template,
        "values": values,
        "flags": flags,
        "findings": [f.model_dump(exclude_none=True) for f in result.findings],
        "error": result.error,
    }
