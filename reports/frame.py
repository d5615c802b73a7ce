"""Failure rows (the store contract's dicts) into one enriched pandas DataFrame.

Adds: parsed UTC timestamps and days, the failure/delay split, prefixes recomputed from the
sending IP at the report's lengths (and the wider IPv6 /48), and the known-network label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from analyzer.ipaddr import parse_ip, prefix_of
from reports.model import ReportOptions
from reports.networks import NetworkTable

# The keys of Store.iter_failures (docs/ARCHITECTURE.md, "The store contract").
STORE_COLUMNS: tuple[str, ...] = (
    "message_id", "source", "ref", "date", "kind", "reporter", "recipient", "domain", "action", "status",
    "replycode", "reason", "hard", "sending_ip", "sending_prefix", "blocklist", "provider", "remote_mta",
    "diagnostic", "rule", "original_message_id", "original_subject", "original_from",
    "envelope_sender", "envelope_source", "original_from_domain",
)

UNKNOWN_PREFIX = "unknown"  # the prefix of failures whose sending IP is not known
FAILURE = "failure"  # type of a failed recipient (5.x.x, action failed)
DELAY = "delay"  # type of a delayed recipient (4.x.x, action delayed)


def raw_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """The rows as a DataFrame with exactly STORE_COLUMNS (missing keys are None)."""
    records = [[row.get(c) for c in STORE_COLUMNS] for row in rows]
    return pd.DataFrame.from_records(records, columns=list(STORE_COLUMNS)).astype(object)


# Parts of a diagnostic that differ between otherwise identical refusals: bracketed addresses (with
# Gmail's padding count), and tokens that mix letters and digits (session ids, queue ids, timestamps).
_VARYING = (
    (re.compile(r"\[(?:IPv6:)?[0-9A-Fa-f:.]{3,45}(?:\s+\d+)?\]"), "[…]"),
    (re.compile(r"<[^<>@\s]+@[^<>\s]+>|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "<…>"),
    (re.compile(r"\b[\w.:-]*\d[\w.:-]*\b"), "#"),
)
_DOMAIN = re.compile(r"@([A-Za-z0-9.-]+)>?\s*$")


def sender_domain(value: object) -> str | None:
    """The domain of a From value: 'Example News <news@news.example.org>' -> 'news.example.org'."""
    if not isinstance(value, str):
        return None
    m = _DOMAIN.search(value.strip())
    return m.group(1).lower().rstrip(".") if m else None


def diagnostic_shape(text: object) -> str | None:
    """The diagnostic with its varying parts masked, so that the same refusal groups as one text."""
    if not isinstance(text, str) or not text:
        return None
    shape = text
    for pattern, mask in _VARYING:
        shape = pattern.sub(mask, shape)
    return shape


def is_delay(action: object, status: object) -> bool:
    """A delay: action 'delayed', or no failed action and a 4.x.x status."""
    if action == "delayed":
        return True
    if action == "failed":
        return False
    return isinstance(status, str) and status.startswith("4")


def enrich(raw: pd.DataFrame, options: ReportOptions, networks: NetworkTable) -> pd.DataFrame:
    """Add at, day, type, prefix, prefix_wide, network, network_owner, sender_domain, envelope_domain,
    spf_domain, diagnostic_shape; drop undated rows.

    spf_domain is the domain SPF applies to: the envelope sender's, else (not known: e.g. rows stored
    before schema 2 and not re-analysed) the From domain, as `ndr check` does."""
    frame = raw.copy()
    frame["at"] = pd.to_datetime(frame["date"], utc=True, errors="coerce", format="ISO8601")
    frame = frame[frame["at"].notna()].copy()
    frame["day"] = frame["at"].dt.floor("D")
    frame["type"] = [DELAY if is_delay(a, s) else FAILURE for a, s in zip(frame["action"], frame["status"],
                                                                         strict=True)]
    ips = frame["sending_ip"].where(frame["sending_ip"].notna(), None)
    unique = {ip for ip in ips if isinstance(ip, str) and ip}
    prefix = {ip: prefix_of(ip, options.prefix_v4, options.prefix_v6) or UNKNOWN_PREFIX for ip in unique}
    wide = {ip: _wide(ip, options) for ip in unique}
    found = {ip: networks.lookup(ip) for ip in unique}
    frame["prefix"] = [prefix.get(ip, UNKNOWN_PREFIX) if isinstance(ip, str) else UNKNOWN_PREFIX for ip in ips]
    frame["prefix_wide"] = [wide.get(ip, UNKNOWN_PREFIX) if isinstance(ip, str) else UNKNOWN_PREFIX for ip in ips]
    labels = {ip: (n.label if n else None) for ip, n in found.items()}
    owners = {ip: (n.owner if n and n.shared else None) for ip, n in found.items()}
    frame["network"] = [labels.get(ip) if isinstance(ip, str) else None for ip in ips]
    frame["network_owner"] = [owners.get(ip) if isinstance(ip, str) else None for ip in ips]
    senders = [d if isinstance(d, str) and d else sender_domain(v)
               for d, v in zip(frame["original_from_domain"], frame["original_from"], strict=True)]
    envelopes = [sender_domain(v) for v in frame["envelope_sender"]]
    frame["sender_domain"] = pd.Series(senders, index=frame.index, dtype=object)
    frame["envelope_domain"] = pd.Series(envelopes, index=frame.index, dtype=object)
    frame["spf_domain"] = pd.Series([e or d for e, d in zip(envelopes, senders, strict=True)], index=frame.index,
                                    dtype=object)
    shapes = {d: diagnostic_shape(d) for d in set(frame["diagnostic"].dropna())}
    frame["diagnostic_shape"] = [shapes.get(d) if isinstance(d, str) else None for d in frame["diagnostic"]]
    for col in ("reason", "domain", "provider"):
        frame[col] = frame[col].where(frame[col].notna(), None)
    frame["reason"] = frame["reason"].fillna("undefined")
    return frame.reset_index(drop=True)


def _wide(ip: str, options: ReportOptions) -> str:
    """The wider IPv6 prefix (/48 by default) when the cluster prefix is longer; IPv4 keeps its prefix."""
    addr = parse_ip(ip)
    if addr is None:
        return UNKNOWN_PREFIX
    if addr.version == 6 and options.prefix_v6 > options.wide_v6:
        return prefix_of(ip, options.prefix_v4, options.wide_v6) or UNKNOWN_PREFIX
    return prefix_of(ip, options.prefix_v4, options.prefix_v6) or UNKNOWN_PREFIX


def split_periods(frame: pd.DataFrame, start: pd.Timestamp, middle: pd.Timestamp,
                  end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows in [middle, end), rows in [start, middle)): the current and the previous period."""
    current = frame[(frame["at"] >= middle) & (frame["at"] < end)].reset_index(drop=True)
    previous = frame[(frame["at"] >= start) & (frame["at"] < middle)].reset_index(drop=True)
    return current, previous
