"""The `[dns]` configuration section: which resolver `ndr check` (and `--dns` enrichment) uses, and how.

```toml
[dns]
enabled = false                 # check sending IPs during triage/scan reports without --dns
resolvers = ["127.0.0.1:53"]    # IP or IP:PORT ([v6]:PORT); default: the system's (/etc/resolv.conf)
timeout = 3.0                   # seconds per try
retries = 1                     # further tries after a timeout
concurrency = 8                 # lookups in flight at once
dnsbl = ["zen.spamhaus.org", "b.barracudacentral.org", "bl.spamcop.net"]
offline = false                 # never query: every check says "skipped (offline)"
```
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from ndr.errors import ConfigError

# The block lists checked when none are configured (see ndr/check/dnsbl_data.py for their codes).
DEFAULT_DNSBLS: tuple[str, ...] = ("zen.spamhaus.org", "b.barracudacentral.org", "bl.spamcop.net")
KNOWN_KEYS = ("enabled", "resolvers", "timeout", "retries", "concurrency", "dnsbl", "offline")


@dataclass(frozen=True, slots=True, kw_only=True)
class Server:
    """One resolver to send queries to."""

    host: str  # an IP address (queries go to addresses, never to names)
    port: int = 53

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsConfig:
    """How DNS checks run. The defaults query the system's resolvers."""

    enabled: bool = False  # run checks during triage/scan reports without --dns
    servers: tuple[Server, ...] = ()  # empty: the system's resolvers (/etc/resolv.conf)
    timeout: float = 3.0  # seconds per try (UDP, then TCP when the answer is truncated)
    retries: int = 1  # further tries per server after a timeout
    concurrency: int = 8  # lookups in flight at once (threads)
    dnsbls: tuple[str, ...] = DEFAULT_DNSBLS  # block-list zones to query
    offline: bool = False  # skip every lookup


def parse_server(text: str) -> Server:
    """'192.0.2.53', '192.0.2.53:5353', '2001:db8::53', '[2001:db8::53]:5353' -> Server. Raises ValueError."""
    s = text.strip()
    host, port = s, 53
    if s.startswith("["):
        host, sep, rest = s[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"{text!r}: expected [IPv6]:PORT")
        if rest:
            port = _port(rest[1:], text)
    elif s.count(":") == 1:
        host, _, rest = s.partition(":")
        port = _port(rest, text)
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"{text!r}: not an IP address (give the resolver's address, optionally :PORT)") from None
    return Server(host=str(addr), port=port)


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{whole!r}: port must be 1-65535")
    return int(text)


def parse_dnsbl_list(items: list[str] | tuple[str, ...], where: str) -> tuple[str, ...]:
    """Block-list zone names, lowercased, without a trailing dot. Raises ValueError naming the bad one."""
    zones: list[str] = []
    for item in items:
        zone = item.strip().lower().rstrip(".")
        if not zone:
            continue
        labels = zone.split(".")
        if len(labels) < 2 or any(not lab or len(lab) > 63 or not lab.replace("-", "").isalnum() for lab in labels):
            raise ValueError(f"{where}: {item!r} is not a block-list zone name (e.g. zen.spamhaus.org)")
        zones.append(zone)
    return tuple(dict.fromkeys(zones))


def parse_dns_config(table: Mapping[str, object], where: str = "dns") -> DnsConfig:
    """Validate the `[dns]` table. Every error is a ConfigError naming `where.key`."""
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(KNOWN_KEYS)})")
    return DnsConfig(
        enabled=_flag(table, "enabled", False, where),
        servers=tuple(_servers(table, where)),
        timeout=_number(table, "timeout", 3.0, where, (0.05, 60.0)),
        retries=int(_number(table, "retries", 1, where, (0, 5), integer=True)),
        concurrency=int(_number(table, "concurrency", 8, where, (1, 64), integer=True)),
        dnsbls=_dnsbls(table, where),
        offline=_flag(table, "offline", False, where),
    )


def _flag(table: Mapping[str, object], key: str, default: bool, where: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{key}: must be true or false")
    return value


def _number(table: Mapping[str, object], key: str, default: float, where: str, bounds: tuple[float, float],
            *, integer: bool = False) -> float:
    low, high = bounds
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)):
        raise ConfigError(f"{where}.{key}: must be {'an integer' if integer else 'a number'}")
    if not low <= value <= high:
        raise ConfigError(f"{where}.{key}: must be between {low:g} and {high:g}")
    return float(value)


def _strings(table: Mapping[str, object], key: str, where: str) -> list[str] | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}.{key}: must be a list of strings")
    return [str(v) for v in value]


def _servers(table: Mapping[str, object], where: str) -> list[Server]:
    servers: list[Server] = []
    for i, text in enumerate(_strings(table, "resolvers", where) or []):
        try:
            servers.append(parse_server(text))
        except ValueError as exc:
            raise ConfigError(f"{where}.resolvers[{i}]: {exc}") from None
    return servers


def _dnsbls(table: Mapping[str, object], where: str) -> tuple[str, ...]:
    items = _strings(table, "dnsbl", where)
    if items is None:
        return DEFAULT_DNSBLS
    try:
        return parse_dnsbl_list(items, f"{where}.dnsbl")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
