"""DNS checks of a report's clusters: `ndr report --dns`, `ndr scan --dns`, or `[dns] enabled = true`.

Each cluster's sending IPs are checked once per run, through one Resolver (per-run cache, bounded
concurrency) and one Checker (ndr/check): PTR present, forward-confirmed reverse DNS, the block
lists, and SPF for each address of the domains SPF applies to: the returned originals' envelope sender
domains, the From domain where the envelope sender is not known (as `ndr check` does; the cluster's
`spf_domains`, reports/frame.py). Bounds: the `max_ips` addresses of a cluster with the most failures
(`[report] dns_max_ips`, default 5), at most MAX_IPS_TOTAL distinct addresses per run (biggest
clusters first), the cluster's first TOP_DOMAINS such domains. The
cluster table gains DNS_COLUMNS; the report gains `dns` (DnsResults). Nothing here runs unless a
caller asks: `check_report` is called only with DNS checks on (reports/write.py imports this module
only then).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from analyzer.ipaddr import parse_ip
from ndr.check.config import DnsConfig
from ndr.check.model import IpCheck, Outcome
from ndr.check.resolver import Resolver
from ndr.check.run import Checker
from ndr.check.serialize import ip_dict
from reports.aggregate import TOP_DOMAINS
from reports.cells import plain
from reports.dns_columns import IP_COLUMNS, cluster_columns, ip_row
from reports.model import Report
from reports.networks import NetworkTable

MAX_IPS_PER_CLUSTER = 5  # default of [report] dns_max_ips
MAX_IPS_TOTAL = 200  # distinct addresses checked in one run, biggest clusters first
# Added to the cluster table (clusters.csv, the XLSX clusters sheet, the JSON, the HTML table).
DNS_COLUMNS: tuple[str, ...] = ("dns_checked", "ptr_present", "fcrdns_ok", "spf_result", "listed_on", "dns_advice")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterDns:
    """What was checked for one cluster, and the results."""

    cluster: str  # cluster id, e.g. "C001"
    ips: tuple[str, ...]  # addresses checked, most failures first
    not_checked: int  # the cluster's other sending addresses, left out by the bounds
    domains: tuple[str, ...]  # envelope sender (else From) domains whose SPF was evaluated for each address
    checks: tuple[IpCheck, ...] = ()  # one per address of `ips`, SPF limited to `domains`


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class DnsResults:
    """The DNS checks of one report run."""

    servers: tuple[str, ...]  # the resolvers queried
    offline: bool  # [dns] offline: nothing was queried
    max_ips: int  # addresses checked per cluster at most
    clusters: dict[str, ClusterDns]  # cluster id -> what was checked (clusters without addresses are absent)
    ips: dict[str, IpCheck]  # every address checked (with SPF of every domain it was checked for)
    table: pd.DataFrame  # dns_checks: one row per address (IP_COLUMNS)
    queries: int  # DNS queries sent in this run (the resolver's counter)
    cache_hits: int  # lookups answered from the run's cache
    seconds: float  # time the checks took

    @property
    def incomplete(self) -> tuple[str, ...]:
        """Addresses with a check that could not be done (timeout, SERVFAIL, refused...)."""
        return tuple(ip for ip, c in self.ips.items() if any(f.outcome is Outcome.UNKNOWN for f in c.findings))


def plan(report: Report, max_ips: int, total: int = MAX_IPS_TOTAL) -> dict[str, ClusterDns]:
    """Which addresses and domains to check per cluster (biggest clusters first), within the bounds."""
    failures = report.failures
    if failures.empty or report.clusters.empty:
        return {}
    known = failures.loc[failures["sending_ip"].notna() & failures["cluster"].notna(), ["cluster", "sending_ip"]]
    counts = known.groupby(["cluster", "sending_ip"]).size().reset_index(name="n")
    counts = counts.sort_values(["cluster", "n", "sending_ip"], ascending=[True, False, True], kind="stable")
    by_cluster: dict[str, list[str]] = {}
    for cid, ip in zip(counts["cluster"], counts["sending_ip"], strict=True):
        addr = parse_ip(str(ip))
        if addr is not None and str(addr) not in by_cluster.setdefault(str(cid), []):
            by_cluster[str(cid)].append(str(addr))
    chosen: set[str] = set()
    plans: dict[str, ClusterDns] = {}
    for cid, senders in zip(report.clusters["id"], report.clusters["spf_domains"], strict=True):
        candidates = by_cluster.get(str(cid), [])
        picked: list[str] = []
        for ip in candidates:
            if len(picked) >= max_ips:
                break
            if ip in chosen or len(chosen) < total:
                picked.append(ip)
                chosen.add(ip)
        if candidates:
            plans[str(cid)] = ClusterDns(cluster=str(cid), ips=tuple(picked), not_checked=len(candidates) - len(picked),
                                         domains=_domains(senders))
    return plans


def _domains(value: object) -> tuple[str, ...]:
    text = plain(value)
    if not isinstance(text, str):
        return ()
    return tuple(d.strip() for d in text.split(",") if d.strip())[:TOP_DOMAINS]


def check_report(report: Report, config: DnsConfig, *, networks: NetworkTable,
                 max_ips: int = MAX_IPS_PER_CLUSTER) -> Report:
    """The report with DNS_COLUMNS in its cluster table and `dns` set. Queries DNS (unless offline)."""
    plans = plan(report, max_ips)
    started = time.monotonic()
    with Resolver(config) as resolver:
        checker = Checker(resolver, networks=networks)
        every = list(dict.fromkeys(ip for p in plans.values() for ip in p.ips))
        checker.check_ips(every)  # PTR, FCrDNS and block lists: each address once, in parallel
        checker.spf_many(list(dict.fromkeys((d, ip) for p in plans.values() for ip in p.ips for d in p.domains)))
        done = {cid: replace(p, checks=tuple(checker.check_ips(p.ips, p.domains)[ip] for ip in p.ips))
                for cid, p in plans.items()}  # from the checker's memo: no further queries
        servers = tuple(str(s) for s in resolver.servers)
        queries, hits = resolver.sent, resolver.hits
    merged = _merge(done)
    owners: dict[str, list[str]] = {}
    for cid, p in done.items():
        for ip in p.ips:
            owners.setdefault(ip, []).append(cid)
    table = pd.DataFrame([ip_row(c, owners[ip]) for ip, c in merged.items()], columns=list(IP_COLUMNS))
    results = DnsResults(servers=servers, offline=config.offline, max_ips=max_ips, clusters=done, ips=merged,
                         table=table, queries=queries, cache_hits=hits, seconds=time.monotonic() - started)
    return replace(report, clusters=_with_columns(report.clusters, done, offline=config.offline), dns=results)


def _merge(done: Mapping[str, ClusterDns]) -> dict[str, IpCheck]:
    """One IpCheck per address, with the SPF results of every cluster that named it."""
    merged: dict[str, IpCheck] = {}
    for p in done.values():
        for c in p.checks:
            prev = merged.get(c.ip)
            if prev is None:
                merged[c.ip] = c
                continue
            seen = {s.domain for s in prev.spf}
            merged[c.ip] = replace(prev, spf=prev.spf + tuple(s for s in c.spf if s.domain not in seen),
                                   findings=prev.findings + tuple(f for f in c.findings if f not in prev.findings))
    return merged


def _with_columns(clusters: pd.DataFrame, done: Mapping[str, ClusterDns], *, offline: bool) -> pd.DataFrame:
    out = clusters.copy()
    values: dict[str, list[object]] = {name: [] for name in DNS_COLUMNS}
    for cid, advice in zip(out["id"], out["advice"], strict=True):
        p = done.get(str(cid))
        row: dict[str, object] = dict.fromkeys(DNS_COLUMNS)
        if p is not None:
            row["dns_checked"] = checked_text(p)
            if p.ips:
                row.update(cluster_columns(p.checks, p.domains, offline=offline, cluster_advice=str(advice)))
        for name in DNS_COLUMNS:
            values[name].append(row[name])
    for name in DNS_COLUMNS:
        out[name] = pd.Series(values[name], index=out.index, dtype=object)
    return out


def checked_text(p: ClusterDns) -> str:
    """'192.0.2.10, 192.0.2.11 (+3 not checked)'."""
    if not p.ips:
        return f"none ({p.not_checked} not checked: the run's limit of {MAX_IPS_TOTAL} addresses)"
    return ", ".join(p.ips) + (f" (+{p.not_checked} not checked)" if p.not_checked else "")


def summary_line(results: DnsResults) -> str:
    """One line for the terminal: what was checked, how many queries, what could not be done."""
    if results.offline:
        return f"DNS checks: offline, nothing looked up ({len(results.ips)} addresses)"
    where = ", ".join(results.servers) or "no resolver"
    line = (f"DNS checks: {len(results.ips)} sending addresses of {len(results.clusters)} clusters via {where}, "
            f"{results.queries} queries in {results.seconds:.1f} s")
    missing = results.incomplete
    if missing:
        line += f"; could not check everything for {len(missing)} address{'es' if len(missing) != 1 else ''}"
    return line


def document(results: DnsResults) -> dict[str, Any]:
    """The `dns` part of report.json: settings, counters, per cluster what was checked, per address the evidence."""
    return {
        "servers": list(results.servers),
        "offline": results.offline,
        "max_ips_per_cluster": results.max_ips,
        "max_ips_total": MAX_IPS_TOTAL,
        "queries": results.queries,
        "cache_hits": results.cache_hits,
        "incomplete": list(results.incomplete),
        "clusters": {cid: {"ips": list(p.ips), "not_checked": p.not_checked, "domains": list(p.domains)}
                     for cid, p in results.clusters.items()},
        "ips": {ip: ip_dict(c) for ip, c in results.ips.items()},
    }
