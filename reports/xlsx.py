"""One XLSX workbook: a summary sheet with the daily trend chart, then a sheet per table.

Header row frozen and bold, autofilter on, column widths from the content, times and days as real
Excel dates (UTC), counts as numbers. Text from mail is always a string cell (never a formula);
text a spreadsheet would evaluate if retyped also carries Excel's quote prefix.

openpyxl (write-only mode) writes the workbook: the summary sheet and its chart, styles, and each
table sheet's widths, frozen header row, header and autofilter. The table rows themselves are then
streamed into those sheets by reports/xlsx_rows.py while the package is copied to report.xlsx
(openpyxl's per-cell objects cost 33 s for 100,000 failures; the rows as text cost a few). Memory
stays flat: rows are written in chunks, never held as a whole.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from reports.cells import Value, is_formula_like, plain
from reports.model import Report, Table, tables
from reports.xlsx_rows import Styles, clean_text, naive_utc, sheet_rows

MAX_ROWS = 1_048_576  # Excel's limit on rows in a sheet (header included)
WIDTH_SAMPLE = 500  # rows looked at to size columns
MIN_WIDTH, MAX_WIDTH = 8, 60
CHART_SERIES = 8  # reasons drawn in the trend chart (the most frequent), plus delays
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
DAY_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
SHEET_DATA_END = b"</sheetData>"
COPY_CHUNK = 1 << 20


def _cell(ws: object, value: Value, *, day: bool) -> object:
    """A summary-sheet value: plain numbers and safe strings as they are, dates and risky text as styled cells."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=naive_utc(value).date() if day else naive_utc(value))
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


def _styles(ws: object) -> Styles:
    """Register the table cells' styles in the workbook (as openpyxl would for such cells) and return their ids."""
    day = WriteOnlyCell(ws)
    day.number_format = DAY_FORMAT
    time = WriteOnlyCell(ws)
    time.number_format = TIME_FORMAT
    quoted = WriteOnlyCell(ws)
    quoted.quotePrefix = True
    return Styles(day=day.style_id, time=time.style_id, quoted=quoted.style_id)


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


def _table_sheet(wb: Any, table: Table) -> tuple[Any, int]:
    """One table sheet's frame: widths, frozen header row, autofilter over the rows to come.

    Returns the sheet and how many data rows it gets (write_xlsx streams them in)."""
    ws = wb.create_sheet(table.name)
    columns = [str(c) for c in table.frame.columns]
    for i, width in enumerate(_widths(table), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append(_header(ws, columns))
    count = min(len(table.frame), MAX_ROWS - 1)
    last = get_column_letter(max(1, len(columns)))
    ws.auto_filter.ref = f"A1:{last}{count + 1}"
    return ws, count


def _summary_sheet(wb: Any, report: Report) -> None:
    ws = wb.create_sheet("summary")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 28
    h = report.headline
    lines: list[tuple[str, Value]] = [
        ("ndr report", None),
        ("period (UTC)", report.period.label()),
        ("previous period (UTC)", report.previous.label()),
        ("generated (UTC)", naive_utc(report.generated_at)),
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


def _copy_sheet(dst: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, *, table: Table, count: int,
                styles: Styles, tmp: Path) -> None:
    """A table sheet into `dst`: openpyxl's XML (header row in) with the table's rows streamed in.

    The XML goes through an unnamed temporary file first: the zip entry is sized before it is written,
    so ZIP64 headers appear only for a sheet over 2 GiB (as openpyxl does), never by guess."""
    head, tail = data.split(SHEET_DATA_END, 1)
    days = [str(c) in table.day_columns for c in table.frame.columns]
    with tempfile.TemporaryFile(dir=tmp) as xml:
        xml.write(head)
        for chunk in sheet_rows(table.frame, first=2, limit=count, days=days, styles=styles):
            xml.write(chunk)
        xml.write(SHEET_DATA_END + tail)
        entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = info.external_attr
        entry.file_size = xml.tell()
        xml.seek(0)
        with dst.open(entry, "w") as sheet:
            shutil.copyfileobj(xml, sheet, COPY_CHUNK)


def write_xlsx(report: Report, out: Path) -> list[Path]:
    """report.xlsx in `out`."""
    wb = openpyxl.Workbook(write_only=True)
    _summary_sheet(wb, report)
    sheets = [(table, *_table_sheet(wb, table)) for table in tables(report)]
    styles = _styles(sheets[0][1])
    skeleton = io.BytesIO()
    wb.save(skeleton)  # every part but the table rows
    rows_of = {ws.path.lstrip("/"): (table, count) for table, ws, count in sheets}
    path = out / "report.xlsx"
    with zipfile.ZipFile(skeleton) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in rows_of:
                table, count = rows_of[info.filename]
                _copy_sheet(dst, info, data, table=table, count=count, styles=styles, tmp=out)
            else:
                dst.writestr(info, data)
    return [path]
