"""A report in a few plain lines for the terminal (ndr report, ndr demo, the end of ndr scan).

What a postmaster must act on comes first: one line per sending prefix whose clusters have an
actionable reason (PTR, reputation, block lists, authentication, rate limits, ...), biggest first,
its failures and its delays together; then clusters whose sending address is unknown; and last,
one line for the address-hygiene noise (unknown users, full mailboxes, dead domains: "clean the
list") and what did not fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from reports.cells import plain
from reports.frame import DELAY, UNKNOWN_PREFIX
from reports.model import Report

MAX_LINES = 5
# Reasons that say something about the recipient's address, not about the sender: fixed by cleaning
# the list (Sisimai's reason definitions), with the words the summary uses for them.
ADDRESS_REASONS: dict[str, str] = {
    "userunknown": "unknown users",
    "mailboxfull": "full mailboxes",
    "hostunknown": "mistyped or dead domains",
    "notaccept": "domains that accept no mail",
    "hasmoved": "moved addresses",
    "suspend": "suspended mailboxes",
    "syntaxerror": "malformed addresses",
}
# Reasons whose line names the From domains concerned (the domain is what the fix is about).
DOMAIN_REASONS = frozenset({"authfailure"})


@dataclass(frozen=True, slots=True, kw_only=True)
class _Item:
    """One line's worth of clusters: a sending prefix's actionable clusters, or one cluster."""

    clusters: tuple[dict[str, object], ...]  # biggest first (failures before delays)
    failures: int  # failed recipients of its failure clusters
    delays: int  # delayed recipients of its delay clusters


def _pct(now: int, before: int) -> str:
    if before == 0:
        return "none in the previous period" if now else "none before either"
    pct = 100.0 * (now - before) / before
    return f"{'+' if pct >= 0 else ''}{pct:.0f}% vs the previous period"


def summary_lines(report: Report, *, lines: int = MAX_LINES) -> list[str]:
    """The headline, then what to act on (see the module docstring); at most `lines` lines."""
    h = report.headline
    out = [
        f"{report.period.label()}: {h.failures:,} failed recipients ({_pct(h.failures, h.previous_failures)}), "
        f"{h.delays:,} delayed, {h.clusters} clusters from {h.prefixes} sending prefixes"
    ]
    records: list[dict[str, object]] = [{str(k): plain(v) for k, v in raw.items()}
                                        for raw in report.clusters.to_dict("records")]
    noise = [r for r in records if r["reason"] in ADDRESS_REASONS]
    items = _items([r for r in records if r["reason"] not in ADDRESS_REASONS])
    room = max(0, lines - 1)
    shown = items[:room]
    if noise or len(items) > room:
        shown = items[: max(0, room - 1)]
    out += [_item_line(item, report) for item in shown]
    tail = _tail(noise, items[len(shown):])
    if tail and len(out) < lines:
        out.append(tail)
    return out[:lines]


def _items(actionable: list[dict[str, object]]) -> list[_Item]:
    """Per known prefix one item, per cluster of an unknown prefix one item; biggest first."""
    by_prefix: dict[str, list[dict[str, object]]] = {}
    items: list[_Item] = []
    for rec in actionable:
        if rec["prefix"] == UNKNOWN_PREFIX:
            items.append(_item([rec]))
        else:
            by_prefix.setdefault(str(rec["prefix"]), []).append(rec)
    items += [_item(group) for group in by_prefix.values()]
    known = [i for i in items if i.clusters[0]["prefix"] != UNKNOWN_PREFIX]
    unknown = [i for i in items if i.clusters[0]["prefix"] == UNKNOWN_PREFIX]
    order = lambda i: (-i.failures, -i.delays, str(i.clusters[0]["id"]))  # noqa: E731
    return sorted(known, key=order) + sorted(unknown, key=order)


def _item(group: list[dict[str, object]]) -> _Item:
    ranked = sorted(group, key=lambda r: (r["type"] == DELAY, -_n(r), str(r["id"])))
    failures = sum(_n(r) for r in group if r["type"] != DELAY)
    return _Item(clusters=tuple(ranked), failures=failures, delays=sum(_n(r) for r in group) - failures)


def _n(rec: dict[str, object]) -> int:
    return int(str(rec["failures"]))


def _what(rec: dict[str, object]) -> str:
    """'604 requireptr', '480 blocked on zen.spamhaus.org', '200 authfailure (news.example.org)'."""
    text = f"{_n(rec):,} {rec['reason']}"
    if rec["blocklist"]:
        text += f" on {rec['blocklist']}"
    if rec["reason"] in DOMAIN_REASONS and rec.get("sender_domains"):
        text += f" ({rec['sender_domains']})"
    return text


def _item_line(item: _Item, report: Report) -> str:
    first = item.clusters[0]
    where = "an unknown sending address" if first["prefix"] == UNKNOWN_PREFIX else str(first["prefix"])
    network = next((r["network"] for r in item.clusters if r["network"]), None)
    if network:
        where = f"{where} ({network})"
    failed = [r for r in item.clusters if r["type"] != DELAY]
    delayed = [r for r in item.clusters if r["type"] == DELAY]
    parts: list[str] = []
    if failed:
        parts.append(f"{', '.join(_what(r) for r in failed)} failed, {_trend(failed, report)}")
    if delayed:
        statuses = ", ".join(dict.fromkeys(str(r["top_status"]) for r in delayed if r.get("top_status")))
        reasons = ", ".join(f"{_n(r):,} {r['reason']}" if len(delayed) > 1 else str(r["reason"]) for r in delayed)
        parts.append(f"{item.delays:,} delayed ({reasons}{f', {statuses}' if statuses else ''})")
    return f"{first['id']} {where}: {'; '.join(parts)}"


def _trend(clusters: Sequence[dict[str, object]], report: Report) -> str:
    weeks = _weeks(report.failures, {str(r["id"]) for r in clusters}, report.period.day_list())
    if weeks is not None:
        return weeks
    if len(clusters) == 1:
        rec = clusters[0]
        return "new" if rec["trend"] == "new" else f"{rec['trend']}, {int(str(rec['change'])):+d} vs before"
    change = sum(int(str(r["change"])) for r in clusters)
    return f"{change:+d} vs before"


def _tail(noise: list[dict[str, object]], rest: list[_Item]) -> str | None:
    """'plus 700 address errors (unknown users, full mailboxes): clean the list; 2 more clusters ...'."""
    parts: list[str] = []
    if noise:
        by_reason: dict[str, int] = {}
        for rec in noise:
            by_reason[str(rec["reason"])] = by_reason.get(str(rec["reason"]), 0) + _n(rec)
        kinds = ", ".join(ADDRESS_REASONS[r] for r, _ in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0])))
        total = sum(by_reason.values())
        parts.append(f"{total:,} address error{'s' if total != 1 else ''} ({kinds}): clean the list")
    if rest:
        count = sum(len(i.clusters) for i in rest)
        failed, delayed = sum(i.failures for i in rest), sum(i.delays for i in rest)
        numbers = ", ".join(x for x in (f"{failed:,} failed" if failed else "",
                                        f"{delayed:,} delayed" if delayed else "") if x)
        parts.append(f"{count} more cluster{'s' if count != 1 else ''} ({numbers}) in the report")
    return "plus " + "; ".join(parts) if parts else None


def _weeks(failures: pd.DataFrame, clusters: set[str], days: list[date]) -> str | None:
    """'3.1/day in the first week, 14.6/day in the last' for periods of at least two weeks."""
    if len(days) < 14 or failures.empty:
        return None
    at = pd.to_datetime(failures.loc[failures["cluster"].isin(clusters), "date"], utc=True).dt.date
    first, last = set(days[:7]), set(days[-7:])
    return (f"{at.isin(first).sum() / 7:.1f}/day in the first week, "
            f"{at.isin(last).sum() / 7:.1f}/day in the last")
