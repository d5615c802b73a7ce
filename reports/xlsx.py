"""One XLSX workbook: a summary sheet with the daily trend chart, then a sheet per table.

Header row frozen and bold, autofilter on, column widths from the content, times and days as real
Excel dates (UTC), counts as numbers. Text from mail is always a string cell (never a formula);
text a spreadsheet would evaluate if retyped also carries Excel's quote prefix. Written in
openpyxl's write-only mode, so memory stays flat for large failure tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reports.cells import Value, is_formula_like, plain, rows
from reports.model import Report, Table, tables

MAX_CELL = 32_767  # Excel's limit on characters in a cell
MAX_ROWS = 1_048_576  # Excel's limit on rows in a sheet (header included)
WIDTH_SAMPLE = 500  # rows looked at to size columns
MIN_WIDTH, MAX_WIDTH = 8, 60
CHART_SERIES = 8  # reasons drawn in the trend chart (the most frequent), plus delays
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
DAY_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def clean_text(text: str) -> str:
    """Text Excel can store: control characters removed, cut at Excel's cell limit."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _cell(ws: object, value: Value, *, day: bool) -> object:
    """The value to append: plain numbers and safe strings as they are, dates and risky text as styled cells."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=_naive_utc(value).date() if day else _naive_utc(value))
        cell.number_format = DAY_FORMAT if day else TIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DAY_FORMAT
        return cell
    if isinstance(value, str):
        text = clean_text(value)
        if is_formula_like(text) or text.startswith("'"):
            cell = WriteOnlyCell(ws, value=text)
            cell.data_type = "s"  # a string, never a formula
            cell.quotePrefix = True  # and Excel keeps it text if someone edits it
            return cell
        return text
    return value


def _header(ws: object, columns: list[str]) -> list[object]:
    out = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=clean_text(name))
        cell.data_type = "s"
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        out.append(cell)
    return out


def _widths(table: Table) -> list[float]:
    frame = table.frame.head(WIDTH_SAMPLE)
    widths = []
    for name in frame.columns:
        longest = len(str(name)) + 2
        for v in frame[name]:
            value = plain(v)
            if isinstance(value, datetime):
                longest = max(longest, 11 if name in table.day_columns else 20)
            elif value is not None:
                longest = max(longest, len(str(value)) + 1)
        widths.append(float(max(MIN_WIDTH, min(MAX_WIDTH, longest))))
    return widths


def _table_sheet(wb: openpyxl.Workbook, table: Table) -> int:
    """Write one table sheet; returns the number of data rows written."""
    ws = wb.create_sheet(table.name)
    columns = [str(c) for c in table.frame.columns]
    for i, width in enumerate(_widths(table), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append(_header(ws, columns))
    days = [c in table.day_columns for c in columns]
    written = 0
    for values in rows(table.frame):
        if written + 1 >= MAX_ROWS:
            break
        ws.append([_cell(ws, v, day=d) for v, d in zip(values, days, strict=True)])
        written += 1
    last = get_column_letter(max(1, len(columns)))
    ws.auto_filter.ref = f"A1:{last}{written + 1}"
    return written


def _summary_sheet(wb: openpyxl.Workbook, report: Report) -> None:
    ws = wb.create_sheet("summary")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 28
    h = report.headline
    lines: list[tuple[str, Value]] = [
        ("ndr report", None),
        ("period (UTC)", report.period.label()),
        ("previous period (UTC)", report.previous.label()),
        ("generated (UTC)", _naive_utc(report.generated_at)),
        ("sources", ", ".join(report.sources) or "all"),
        ("failed recipients", h.failures),
        ("failed recipients, previous period", h.previous_failures),
        ("delayed recipients (4.x.x)", h.delays),
        ("delayed recipients, previous period", h.previous_delays),
        ("distinct failed recipients", h.recipients),
        ("recipient domains", h.domains),
        ("sending prefixes", h.prefixes),
        ("clusters (prefix x reason)", h.clusters),
    ]
    for label, value in lines:
        first = WriteOnlyCell(ws, value=label)
        first.data_type = "s"
        if value is None:
            first.font = Font(bold=True, size=14)
        ws.append([first, _cell(ws, value, day=False)])
    note = WriteOnlyCell(ws, value="Times are UTC. The chart shows failed recipients per day by reason, and delays.")
    note.alignment = Alignment(wrap_text=False)
    ws.append([])
    ws.append([note])
    _chart(ws, report)


def _chart(ws: object, report: Report) -> None:
    """A line chart of the daily_wide sheet: one line per reason (most frequent first) and one for delays."""
    wide = report.daily_wide
    n_days = len(wide)
    if n_days == 0:
        return
    columns = [str(c) for c in wide.columns]
    reasons = [c for c in columns[1:] if c not in ("failures", "delays")][:CHART_SERIES]
    chart = LineChart()
    chart.title = "Failed recipients per day, by reason"
    chart.y_axis.title = "recipients"
    chart.x_axis.title = "day (UTC)"
    chart.x_axis.number_format = "mm-dd"
    chart.height, chart.width = 9, 22
    for name in [*reasons, "delays"]:
        col = get_column_letter(columns.index(name) + 1)
        chart.add_data(Reference(range_string=f"daily_wide!${col}$1:${col}${n_days + 1}"), titles_from_data=True)
    chart.set_categories(Reference(range_string=f"daily_wide!$A$2:$A${n_days + 1}"))
    ws.add_chart(chart, "D2")  # type: ignore[attr-defined]


def write_xlsx(report: Report, out: Path) -> list[Path]:
    """report.xlsx in `out`."""
    wb = openpyxl.Workbook(write_only=True)
    _summary_sheet(wb, report)
    for table in tables(report):
        _table_sheet(wb, table)
    path = out / "report.xlsx"
    wb.save(path)
    return [path]
