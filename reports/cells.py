"""Plain Python values out of report DataFrames, and spreadsheet-safe text.

Every writer goes through `rows()` (NaN/NaT become None, numpy scalars become int/float/bool,
timestamps become timezone-aware datetimes) and, for spreadsheets, `neutralise()`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime

import pandas as pd

Value = None | bool | int | float | str | datetime | date

# A spreadsheet evaluates a cell whose text starts with one of these (OWASP "CSV injection"); the
# full-width forms are included because some spreadsheet locales accept them as operators.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula (leading spaces ignored)."""
    return text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """Prefix a formula-like text with an apostrophe so the spreadsheet shows it as text."""
    return "'" + text if is_formula_like(text) else text


def plain(value: object) -> Value:
    """One DataFrame cell as a plain Python value; missing values become None."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, bool | str | datetime | date):
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, bool | int | str | datetime | date):
        return value
    return str(value)


def rows(frame: pd.DataFrame) -> Iterator[list[Value]]:
    """The frame's rows as lists of plain values, in column order."""
    for record in frame.itertuples(index=False, name=None):
        yield [plain(v) for v in record]
