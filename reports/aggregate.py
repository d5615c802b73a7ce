"""Clusters: failures grouped by sending prefix x reason (and failure/delay), with the change
against the previous period of the same length and the recommended action.

Input: the enriched frames of `reports.frame` (current and previous period). Output: one DataFrame
with CLUSTER_COLUMNS, biggest clusters first, and the sample diagnostics of each for drill-downs.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import pandas as pd

from reports.advice import cluster_advice
from reports.frame import DELAY, FAILURE, UNKNOWN_PREFIX
from reports.networks_data import OWNER_ACTIONS

KEYS: list[str] = ["type", "prefix", "reason"]
CLUSTER_COLUMNS: tuple[str, ...] = (
    "id", "type", "prefix", "prefix_wide", "network", "reason", "blocklist", "failures", "share", "recipients",
    "domains", "top_domains", "sender_domains", "providers", "first_seen", "last_seen", "ip_count", "sending_ips",
    "top_status", "top_diagnostic", "previous", "change", "change_pct", "trend", "advice", "spf_domains",
)
TOP_DOMAINS = 3  # recipient domains named per cluster
MAX_IPS = 20  # sending addresses listed per cluster (the count is always given)
SAMPLES = 5  # distinct diagnostics (by shape: ids and addresses masked) kept per cluster for the drill-down
TREND_THRESHOLD = 20.0  # percent change that counts as up / down

Key = tuple[Hashable, ...]


def top_values(frame: pd.DataFrame, keys: list[str], column: str, n: int | None) -> dict[Key, list[tuple[str, int]]]:
    """Per group of `keys`: the most frequent non-empty values of `column` with counts (ties by value)."""
    sub = frame.loc[frame[column].notna(), [*keys, column]]
    sub = sub[sub[column].astype(str) != ""]
    if sub.empty:
        return {}
    counts = sub.groupby([*keys, column], sort=False, dropna=False).size().reset_index(name="_n")
    counts[column] = counts[column].astype(str)
    counts = counts.sort_values([*keys, "_n", column], ascending=[*([True] * len(keys)), False, True], kind="stable")
    out: dict[Key, list[tuple[str, int]]] = {}
    width = len(keys)
    for row in counts.itertuples(index=False, name=None):
        bucket = out.setdefault(tuple(row[:width]), [])
        if n is None or len(bucket) < n:
            bucket.append((str(row[width]), int(row[width + 1])))
    return out


def _first(values: Sequence[tuple[str, int]] | None) -> str | None:
    return values[0][0] if values else None


def _trend(current: int, previous: int) -> tuple[int, float | None, str]:
    change = current - previous
    if previous == 0:
        return change, None, "new"
    pct = round(100.0 * change / previous, 1)
    if pct >= TREND_THRESHOLD:
        return change, pct, "up"
    if pct <= -TREND_THRESHOLD:
        return change, pct, "down"
    return change, pct, "steady"


def clusters(current: pd.DataFrame, previous: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[tuple[str, int]]]]:
    """(cluster table, cluster id -> sample diagnostics with counts)."""
    if current.empty:
        return pd.DataFrame(columns=list(CLUSTER_COLUMNS)), {}
    grouped = current.groupby(KEYS, sort=False, dropna=False)
    base = grouped.agg(
        failures=("at", "size"), recipients=("recipient", "nunique"), domains=("domain", "nunique"),
        first_seen=("at", "min"), last_seen=("at", "max"), ip_count=("sending_ip", "nunique"),
    ).reset_index()
    before = previous.groupby(KEYS, sort=False, dropna=False).size().to_dict() if not previous.empty else {}
    totals = current.groupby("type").size().to_dict()
    tops = {col: top_values(current, KEYS, col, n) for col, n in (
        ("domain", TOP_DOMAINS), ("provider", None), ("sending_ip", None), ("status", 1), ("diagnostic_shape", SAMPLES),
        ("blocklist", None), ("network", 1), ("network_owner", 1), ("prefix_wide", 1), ("sender_domain", TOP_DOMAINS),
        ("spf_domain", TOP_DOMAINS))}
    base["_order"] = base["type"].map({FAILURE: 0, DELAY: 1}).fillna(2)
    base = base.sort_values(["_order", "failures", "prefix", "reason"], ascending=[True, False, True, True],
                            kind="stable").reset_index(drop=True)
    examples = _examples(current)
    rows: list[dict[str, object]] = []
    samples: dict[str, list[tuple[str, int]]] = {}
    for i, rec in enumerate(base.to_dict("records"), start=1):
        key: Key = (rec["type"], rec["prefix"], rec["reason"])
        cid = f"C{i:03d}"
        shapes = tops["diagnostic_shape"].get(key, [])
        samples[cid] = [(examples[shape], n) for shape, n in shapes]
        rows.append(_row(cid, key, rec, tops, previous=int(before.get(key, 0)), total=int(totals.get(rec["type"], 0)),
                         diagnostic=samples[cid][0][0] if samples[cid] else None))
    return pd.DataFrame(rows, columns=list(CLUSTER_COLUMNS)), samples


def _examples(frame: pd.DataFrame) -> dict[str, str]:
    """For each diagnostic shape, the first real diagnostic text of that shape (what drill-downs show)."""
    sub = frame.loc[frame["diagnostic_shape"].notna(), ["diagnostic_shape", "diagnostic"]]
    first = sub.drop_duplicates("diagnostic_shape")
    return {str(k): str(v) for k, v in zip(first["diagnostic_shape"], first["diagnostic"], strict=True)}


def _row(cid: str, key: Key, rec: Mapping[Hashable, object], tops: dict[str, dict[Key, list[tuple[str, int]]]],
         *, previous: int, total: int, diagnostic: str | None) -> dict[str, object]:
    failures = int(str(rec["failures"]))
    prefix = str(rec["prefix"])
    ips = [ip for ip, _ in sorted(tops["sending_ip"].get(key, []), key=lambda v: v[0])]
    owner = _first(tops["network_owner"].get(key))
    lists = [name for name, _ in tops["blocklist"].get(key, [])]  # every list named, most frequent first
    senders = [d for d, _ in tops["sender_domain"].get(key, [])]
    change, pct, trend = _trend(failures, previous)
    listed = ", ".join(ips[:MAX_IPS]) + (f", ... (+{len(ips) - MAX_IPS})" if len(ips) > MAX_IPS else "")
    return {
        "id": cid,
        "type": rec["type"],
        "prefix": prefix,
        "prefix_wide": _first(tops["prefix_wide"].get(key)) or UNKNOWN_PREFIX,
        "network": _first(tops["network"].get(key)),
        "reason": rec["reason"],
        "blocklist": ", ".join(lists) or None,
        "failures": failures,
        "share": round(failures / total, 4) if total else 0.0,
        "recipients": int(str(rec["recipients"])),
        "domains": int(str(rec["domains"])),
        "top_domains": ", ".join(f"{d} ({n})" for d, n in tops["domain"].get(key, [])) or None,
        "sender_domains": ", ".join(senders) or None,
        "providers": ", ".join(p for p, _ in tops["provider"].get(key, [])) or None,
        "first_seen": rec["first_seen"],
        "last_seen": rec["last_seen"],
        "ip_count": int(str(rec["ip_count"])),
        "sending_ips": listed or None,
        "top_status": _first(tops["status"].get(key)),
        "top_diagnostic": diagnostic,
        "previous": previous,
        "change": change,
        "change_pct": pct,
        "trend": trend,
        "advice": cluster_advice(str(rec["reason"]), ips=ips, prefix=prefix, blocklists=lists, senders=senders,
                                 owner_action=OWNER_ACTIONS.get(owner) if owner else None,
                                 status=_first(tops["status"].get(key)), temporary=rec["type"] == DELAY),
        # the domains SPF applies to (envelope sender's, else From's), checked by the DNS checks
        "spf_domains": ", ".join(d for d, _ in tops["spf_domain"].get(key, [])) or None,
    }
