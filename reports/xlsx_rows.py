"""Table rows as SpreadsheetML `<row>` elements, written straight to the sheet's XML stream.

openpyxl's write-only mode builds a cell object and an XML element per value: about 15 us a cell,
33 s for a 100,000-row failures sheet. This module writes the same cells as text: what openpyxl
writes for the same values (inline strings, `t="n"` numbers with repr-like `%.16g`, `t="b"`
booleans, dates as Excel serial numbers with a number-format style), with the style ids openpyxl
itself registered for the workbook (reports/xlsx.py hands them over). Missing values are no cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from reports.cells import Value, is_formula_like, plain

MAX_CELL = 32_767  # Excel's limit on characters in a cell
# Characters XML 1.0 cannot carry (C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF):
# openpyxl's ILLEGAL_CHARACTERS_RE plus the ones it would write into an unreadable file.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ROWS_PER_WRITE = 500  # rows rendered and written at a time
MEMO_SIZE = 2_000  # escaped texts remembered per column
SECS_PER_DAY = 86_400
US_PER_DAY = SECS_PER_DAY * 1_000_000
EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "us")  # openpyxl's WINDOWS_EPOCH: serial 0
EXCEL_LEAP_BUG_END = np.datetime64("1900-03-01T00:00:00", "us")  # serials before it are shifted by a day


@dataclass(frozen=True, slots=True, kw_only=True)
class Styles:
    """The workbook's cell-format ids (cellXfs indexes) for dates, times and quote-prefixed text."""

    day: int  # number format yyyy-mm-dd
    time: int  # number format yyyy-mm-dd hh:mm:ss
    quoted: int  # quotePrefix: a string cell Excel keeps as text when edited


def clean_text(text: str) -> str:
    """Text Excel can store: characters XML cannot carry removed, cut at Excel's cell limit."""
    text = _ILLEGAL.sub("", text)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def naive_utc(value: datetime) -> datetime:
    """A datetime as Excel wants it: UTC wall time without a zone."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:  # a raw CR would come back as LF (XML end-of-line handling)
        text = text.replace("\r", "&#13;")
    return text


def _number(value: float) -> str:
    """openpyxl's safe_string for numbers: '%.16g', empty for NaN and infinities."""
    return "%.16g" % value if math.isfinite(value) else ""  # noqa: UP031


def _text_tail(text: str, styles: Styles) -> str:
    """A string cell after its reference: never a formula; formula-like text (and text starting with ')
    also quote-prefixed."""
    text = clean_text(text)
    style = f' s="{styles.quoted}"' if is_formula_like(text) or text.startswith("'") else ""
    if not text:
        return f'{style} t="inlineStr"/>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'{style} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def _serial_tail(serial: float, style: int) -> str:
    return f' s="{style}" t="n"><v>{_number(serial)}</v></c>'


def tail(value: Value, *, day: bool, styles: Styles) -> str:
    """One cell after `<c r="A1"`: its style, type and value ('' for None: no cell)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _text_tail(value, styles)
    if isinstance(value, bool):
        return f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f' t="n"><v>{_number(value)}</v></c>'
    if isinstance(value, datetime):
        moment = naive_utc(value)
        if day:
            return _serial_tail(to_excel(moment.date()), styles.day)
        return _serial_tail(to_excel(moment), styles.time)
    return _serial_tail(to_excel(value), styles.day)  # a date


def _column_tails(column: pd.Series, *, day: bool, styles: Styles, memo: dict[str, str]) -> list[str]:
    """The tails of one column's cells; repeated texts are escaped once (`memo`, kept small)."""
    if isinstance(column.dtype, pd.DatetimeTZDtype | np.dtypes.DateTime64DType):
        serials = _serials(column, day=day)
        if serials is not None:
            style = styles.day if day else styles.time
            return ["" if s is None else _serial_tail(s, style) for s in serials]
    out = []
    for value in column.tolist():
        if type(value) is str:
            text = memo.get(value)
            if text is None:
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                text = memo[value] = _text_tail(value, styles)
            out.append(text)
        else:
            out.append(tail(plain(value), day=day, styles=styles))
    return out


def _serials(column: pd.Series, *, day: bool) -> list[float | None] | None:
    """Excel serials of a datetime column, computed as openpyxl's to_excel does (None: not a time);
    None for a column with days before 1900-03-01 (Excel's leap-year bug: to_excel one by one)."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_convert("UTC").dt.tz_localize(None)
    if day:
        column = column.dt.floor("D")
    us = column.to_numpy(dtype="datetime64[us]")  # microseconds, as datetime has (and no overflow after 2192)
    missing = np.isnat(us)
    if (us[~missing] < EXCEL_LEAP_BUG_END).any():
        return None
    delta = (us - EXCEL_EPOCH).astype(np.int64)
    days = delta // US_PER_DAY
    rest = delta - days * US_PER_DAY
    seconds = rest // 1_000_000
    micros = rest % 1_000_000
    serials = [d + (s + u / 10**6) / SECS_PER_DAY for d, s, u in zip(days.tolist(), seconds.tolist(), micros.tolist(),
                                                                   strict=True)]
    return [None if m else v for v, m in zip(serials, missing.tolist(), strict=True)]


def sheet_rows(frame: pd.DataFrame, *, first: int, limit: int, days: list[bool], styles: Styles) -> Iterator[bytes]:
    """The frame's rows numbered from `first`, at most `limit` of them, as UTF-8 chunks of ROWS_PER_WRITE rows.

    Each chunk is rendered column by column (a column has one type, and repeats its texts)."""
    letters = [get_column_letter(i) for i in range(1, len(days) + 1)]
    memos: list[dict[str, str]] = [{} for _ in days]
    total = min(len(frame), limit)
    for start in range(0, total, ROWS_PER_WRITE):
        part = frame.iloc[start:min(start + ROWS_PER_WRITE, total)]
        columns = [_column_tails(part.iloc[:, j], day=d, styles=styles, memo=memos[j]) for j, d in enumerate(days)]
        out = []
        for index, tails in enumerate(zip(*columns, strict=True), start=first + start):
            cells = "".join([f'<c r="{letter}{index}"{t}' for letter, t in zip(letters, tails, strict=True) if t])
            out.append(f'<row r="{index}">{cells}</row>')
        yield "".join(out).encode("utf-8")
