"""A report in a few plain lines for the terminal (ndr report, ndr demo, the end of ndr scan)."""

from __future__ import annotations

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
    for rec in table.head(max(0, lines - 1)).to_dict("records"):
        where = str(rec["prefix"])
        if rec.get("network"):
            where = f"{where} in {rec['network']}"
        trend = "new" if rec["trend"] == "new" else f"{rec['trend']} {rec['change']:+d} vs before"
        listed = f" on {rec['blocklist']}" if rec.get("blocklist") else ""
        kind = "delayed" if rec["type"] == "delay" else "failed"
        out.append(f"{rec['id']} {rec['reason']}{listed}: {rec['failures']:,} {kind} from {where} ({trend})")
    return out[:lines]
