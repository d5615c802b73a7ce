"""A report in a few plain lines for the terminal (ndr report, ndr demo, the end of ndr scan)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from reports.cells import plain
from reports.model import Report

MAX_LINES = 5


def _pct(now: int, before: int) -> str:
    if before == 0:
        return "none in the previous period" if now else "none before either"
    pct = 100.0 * (now - before) / before
    return f"{'+' if pct >= 0 else ''}{pct:.0f}% vs the previous period"


def summary_lines(report: Report, *, lines: int = MAX_LINES) -> list[str]:
    """The headline, then the biggest clusters (failures first, then delays), one per line."""
    h = report.headline
    out = [
        f"{report.period.label()}: {h.failures:,} failed recipients ({_pct(h.failures, h.previous_failures)}), "
        f"{h.delays:,} delayed, {h.clusters} clusters from {h.prefixes} sending prefixes"
    ]
    table = report.clusters
    for raw in table.head(max(0, lines - 1)).to_dict("records"):
        rec = {str(k): plain(v) for k, v in raw.items()}
        where = "an unknown sending address" if rec["prefix"] == "unknown" else str(rec["prefix"])
        if rec["network"]:
            where = f"{where} ({rec['network']})"
        listed = f" on {rec['blocklist']}" if rec["blocklist"] else ""
        kind = "delayed" if rec["type"] == "delay" else "failed"
        trend = _weeks(report.failures, str(rec["id"]), report.period.day_list())
        if trend is None:
            trend = "new" if rec["trend"] == "new" else f"{rec['trend']}, {int(str(rec['change'])):+d} vs before"
        out.append(f"{rec['id']} {rec['reason']}{listed}: {int(str(rec['failures'])):,} {kind} from {where}, {trend}")
    return out[:lines]


def _weeks(failures: pd.DataFrame, cluster: str, days: list[date]) -> str | None:
    """'3.1/day in the first week, 14.6/day in the last' for periods of at least two weeks."""
    if len(days) < 14 or failures.empty:
        return None
    at = pd.to_datetime(failures.loc[failures["cluster"] == cluster, "date"], utc=True).dt.date
    first, last = set(days[:7]), set(days[-7:])
    return (f"{at.isin(first).sum() / 7:.1f}/day in the first week, "
            f"{at.isin(last).sum() / 7:.1f}/day in the last")
