"""The `[report]` and `[networks]` config sections, parsed into frozen records.

`ndr/config.py` hands each section's table to these functions with `where` naming it
("report", "networks"); a wrong key raises ConfigError naming the key ("report.formats: ...").
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import timedelta

from ndr.errors import ConfigError
from reports.networks import Network

FORMATS: tuple[str, ...] = ("csv", "xlsx", "html", "json")
_DURATION = re.compile(r"^\s*(\d{1,5})\s*([dwh])\s*$", re.I)
_UNIT = {"d": timedelta(days=1), "w": timedelta(weeks=1), "h": timedelta(hours=1)}
MAX_DNS_IPS = 50  # upper bound of dns_max_ips (a run checks at most reports.dns.MAX_IPS_TOTAL addresses)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportConfig:
    """What to report and where; defaults match `ndr report` with no options."""

    out: str | None = None  # output directory (relative: from the config's directory); None: no reports after a scan
    formats: tuple[str, ...] = FORMATS  # any of csv, xlsx, html, json
    since: str = "30d"  # length of the period ending now: Nd, Nw or Nh
    prefix_v6: int = 64  # IPv6 cluster prefix length
    prefix_v4: int = 24  # IPv4 cluster prefix length
    top: int = 10  # how many prefixes / domains / providers the trend tables name
    dns_max_ips: int = 5  # with DNS checks on: sending IPs checked per cluster (the most frequent)


def parse_duration(text: str, where: str = "since") -> timedelta:
    """'30d' -> 30 days; also weeks ('4w') and hours ('12h'). ConfigError otherwise."""
    m = _DURATION.match(text or "")
    if not m or int(m.group(1)) == 0:
        raise ConfigError(f"{where}: expected a duration like 30d, 4w or 12h, got {text!r}")
    return int(m.group(1)) * _UNIT[m.group(2).lower()]


def parse_formats(value: object, where: str) -> tuple[str, ...]:
    """A list (or comma-separated string) of report formats, validated, duplicates dropped."""
    items: list[object]
    if isinstance(value, str):
        items = [v for v in value.split(",") if v.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ConfigError(f"{where}: expected a list of formats ({', '.join(FORMATS)})")
    out: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or item.strip().lower() not in FORMATS:
            raise ConfigError(f"{where}[{i}]: unknown format {item!r} (choose from {', '.join(FORMATS)})")
        name = item.strip().lower()
        if name not in out:
            out.append(name)
    if not out:
        raise ConfigError(f"{where}: at least one format is needed ({', '.join(FORMATS)})")
    return tuple(out)


def _int(table: dict[str, object], key: str, where: str, *, default: int, lo: int, hi: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{where}.{key}: expected an integer from {lo} to {hi}, got {value!r}")
    return value


def parse_report_config(table: dict[str, object], where: str = "report") -> ReportConfig:
    """The `[report]` table: out, formats, since, prefix_v6, prefix_v4, top, dns_max_ips."""
    known = {"out", "formats", "since", "prefix_v6", "prefix_v4", "top", "dns_max_ips"}
    for key in table:
        if key not in known:
            raise ConfigError(f"{where}.{key}: unknown key (known: {', '.join(sorted(known))})")
    out = table.get("out")
    if out is not None and (not isinstance(out, str) or not out.strip()):
        raise ConfigError(f"{where}.out: expected a directory path")
    since = table.get("since", "30d")
    if not isinstance(since, str):
        raise ConfigError(f"{where}.since: expected a duration like 30d")
    parse_duration(since, f"{where}.since")
    return ReportConfig(
        out=out,
        formats=parse_formats(table["formats"], f"{where}.formats") if "formats" in table else FORMATS,
        since=since,
        prefix_v6=_int(table, "prefix_v6", where, default=64, lo=1, hi=128),
        prefix_v4=_int(table, "prefix_v4", where, default=24, lo=1, hi=32),
        top=_int(table, "top", where, default=10, lo=1, hi=1000),
        dns_max_ips=_int(table, "dns_max_ips", where, default=5, lo=1, hi=MAX_DNS_IPS),
    )


def parse_networks_config(table: dict[str, object], where: str = "networks") -> tuple[Network, ...]:
    """The `[networks]` table: `"our relays" = ["2001:db8:4a::/48", "192.0.2.0/24"]` (a string is one block)."""
    networks: list[Network] = []
    for name, value in table.items():
        key = f'{where}."{name}"'
        if not name.strip():
            raise ConfigError(f"{key}: a network needs a name")
        blocks = [value] if isinstance(value, str) else value
        if not isinstance(blocks, list) or not blocks:
            raise ConfigError(f"{key}: expected a list of networks like [\"2001:db8:4a::/48\"]")
        for i, block in enumerate(blocks):
            if not isinstance(block, str):
                raise ConfigError(f"{key}[{i}]: expected a network like \"2001:db8:4a::/48\"")
            try:
                net = ipaddress.ip_network(block.strip(), strict=False)
            except ValueError:
                raise ConfigError(f"{key}[{i}]: not an IP network: {block!r}") from None
            networks.append(Network(name=name.strip(), prefix=str(net), user=True))
    return tuple(networks)
