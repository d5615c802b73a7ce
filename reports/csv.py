"""CSV files that Excel and LibreOffice open correctly and that cannot run anything.

UTF-8 with a byte-order mark (Excel then reads UTF-8), CRLF rows, one file per table. Every text
cell a spreadsheet would evaluate is neutralised with a leading apostrophe; numbers stay numbers,
times are 'YYYY-MM-DD HH:MM:SS' UTC, days 'YYYY-MM-DD'.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

from reports.cells import Value, neutralise, rows
from reports.model import Report, Table, tables


def text_of(value: Value, *, day: bool = False) -> str:
    """One cell as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.strftime("%Y-%m-%d") if day else moment.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def write_table(table: Table, path: Path) -> Path:
    """Write one table to `path` (UTF-8 with BOM, CRLF)."""
    columns = [str(c) for c in table.frame.columns]
    days = [c in table.day_columns for c in columns]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, dialect="excel")
        writer.writerow([neutralise(c) for c in columns])
        for values in rows(table.frame):
            writer.writerow([text_of(v, day=d) for v, d in zip(values, days, strict=True)])
    return path


def write_csv(report: Report, out: Path) -> list[Path]:
    """failures.csv, clusters.csv, daily.csv and daily_wide.csv in `out`."""
    return [write_table(t, out / f"{t.name}.csv") for t in tables(report)]
