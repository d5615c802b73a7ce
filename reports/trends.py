"""Trends: failures per day by reason, by prefix (top N), by recipient domain and by receiving
provider, with delays (4.x.x) kept apart from failures.

`daily_long` is the long table (date, type, by, key, count); `daily_wide` is a date x reason pivot
of failures with every day of the period present (zeros included), ready for a chart.
"""

from __future__ import annotations

import pandas as pd

from reports.frame import DELAY, FAILURE
from reports.model import Period

DIMENSIONS: tuple[str, ...] = ("reason", "prefix", "domain", "provider")
LONG_COLUMNS: tuple[str, ...] = ("date", "type", "by", "key", "count")
OTHER = "other"  # the key of everything outside the top N
UNKNOWN = "unknown"  # the key of rows without a value


def _days(period: Period) -> pd.DatetimeIndex:
    days = period.day_list()
    return pd.DatetimeIndex([pd.Timestamp(d.isoformat(), tz="UTC") for d in days], name="date")


def top_keys(frame: pd.DataFrame, column: str, n: int | None) -> list[str]:
    """The n most frequent values of a column (unknown counted as a value), ties by name."""
    values = frame[column].fillna(UNKNOWN).astype(str)
    counts = values.value_counts()
    ordered = sorted(counts.items(), key=lambda kv: (-int(kv[1]), str(kv[0])))
    keys = [str(k) for k, _ in ordered]
    return keys if n is None else keys[:n]


def daily_long(frame: pd.DataFrame, top: int) -> pd.DataFrame:
    """Counts per day, type, dimension and key. Keys beyond the top N of a dimension become 'other'."""
    parts: list[pd.DataFrame] = []
    for kind in (FAILURE, DELAY):
        sub = frame[frame["type"] == kind]
        if sub.empty:
            continue
        for by in DIMENSIONS:
            keep = set(top_keys(sub, by, None if by == "reason" else top))
            keys = sub[by].fillna(UNKNOWN).astype(str)
            keys = keys.where(keys.isin(keep), OTHER)
            counts = pd.DataFrame({"date": sub["day"], "key": keys}).groupby(["date", "key"]).size()
            part = counts.reset_index(name="count")
            part.insert(1, "type", kind)
            part.insert(2, "by", by)
            parts.append(part)
    if not parts:
        return pd.DataFrame(columns=list(LONG_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    out["count"] = out["count"].astype("int64")
    order = {name: i for i, name in enumerate(DIMENSIONS)}
    out["_t"] = out["type"].map({FAILURE: 0, DELAY: 1})
    out["_b"] = out["by"].map(order)
    out = out.sort_values(["date", "_t", "_b", "count", "key"], ascending=[True, True, True, False, True],
                          kind="stable")
    return out[list(LONG_COLUMNS)].reset_index(drop=True)


def daily_wide(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    """date x reason counts of failures (most frequent reason first), then 'failures' and 'delays' totals."""
    days = _days(period)
    failures = frame[frame["type"] == FAILURE]
    reasons = top_keys(failures, "reason", None) if not failures.empty else []
    if reasons:
        pivot = failures.groupby(["day", "reason"]).size().unstack("reason", fill_value=0)
        pivot = pivot.reindex(index=days, columns=reasons, fill_value=0)
    else:
        pivot = pd.DataFrame(index=days)
    pivot.index.name = "date"
    pivot["failures"] = failures.groupby("day").size().reindex(days, fill_value=0).to_numpy()
    delays = frame[frame["type"] == DELAY]
    pivot["delays"] = delays.groupby("day").size().reindex(days, fill_value=0).to_numpy()
    out = pivot.reset_index()
    out.columns = [str(c) for c in out.columns]
    for col in out.columns[1:]:
        out[col] = out[col].astype("int64")
    return out


def series(frame: pd.DataFrame, period: Period, kind: str, by: str, keys: list[str]) -> dict[str, list[int]]:
    """Per key, the count on every day of the period (zeros included), for charts."""
    days = _days(period)
    sub = frame[frame["type"] == kind]
    values = sub[by].fillna(UNKNOWN).astype(str)
    out: dict[str, list[int]] = {}
    for key in keys:
        counts = sub[values == key].groupby("day").size().reindex(days, fill_value=0)
        out[key] = [int(v) for v in counts.to_numpy()]
    return out
