"""The report as one JSON document for machines: the same tables as the CSV files, plus the period,
the options and the headline numbers (and, with DNS checks, `dns`: per address the evidence). Times
are ISO 8601 UTC, days YYYY-MM-DD, missing values null.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

from reports.cells import Value, rows
from reports.model import Period, Report, Table, tables

FORMAT_VERSION = 1  # bump when a field is renamed or removed (adding fields keeps the version)


def json_value(value: Value, *, day: bool = False) -> object:
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.date().isoformat() if day else moment.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def table_records(table: Table) -> list[dict[str, object]]:
    """A table as a list of objects keyed by column."""
    columns = [str(c) for c in table.frame.columns]
    days = [c in table.day_columns for c in columns]
    return [
        {c: json_value(v, day=d) for c, v, d in zip(columns, values, days, strict=True)}
        for values in rows(table.frame)
    ]


def _period(period: Period) -> dict[str, str]:
    return {"start": period.start.astimezone(UTC).isoformat(), "end": period.end.astimezone(UTC).isoformat(),
            "label": period.label()}


def report_document(report: Report, *, include_failures: bool = True) -> dict[str, object]:
    """The report as a JSON-ready dict."""
    doc: dict[str, object] = {
        "ndr_report": FORMAT_VERSION,
        "generated_at": report.generated_at.astimezone(UTC).isoformat(),
        "period": _period(report.period),
        "previous_period": _period(report.previous),
        "sources": list(report.sources),
        "options": asdict(report.options),
        "headline": asdict(report.headline),
    }
    for table in tables(report):
        if table.name == "failures" and not include_failures:
            continue
        doc[table.name] = table_records(table)
    doc["samples"] = {cid: [{"diagnostic": d, "count": n} for d, n in s] for cid, s in report.samples.items()}
    if report.dns is not None:
        from reports.dns import document  # noqa: PLC0415 - only reports with DNS checks load the checks

        doc["dns"] = document(report.dns)
    return doc


def write_json(report: Report, out: Path) -> list[Path]:
    """report.json in `out`."""
    path = out / "report.json"
    with path.open("w", encoding="utf-8") as fh:
        json.dump(report_document(report), fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return [path]
