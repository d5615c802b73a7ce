"""Name the network a sending address or prefix belongs to: "Microsoft 365 outbound (2a01:111:f403::/48)".

The well-known table is data (`reports/networks_data.py`); the user's own networks come from the
config's `[networks]` section. The most specific match wins; at equal length the user's own wins.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from analyzer.ipaddr import parse_ip
from reports.networks_data import KNOWN_NETWORKS, OWNER_ACTIONS

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True, kw_only=True)
class Network:
    """One named network block."""

    name: str  # e.g. "Microsoft 365 outbound", or the user's own name ("our relays")
    prefix: str  # the block, e.g. "2a01:111:f403::/48"
    owner: str | None = None  # operator key for shared pools ("microsoft", ...), None for the user's own
    shared: bool = False  # a provider's shared pool: the customer cannot fix its DNS or listings
    user: bool = False  # defined in the user's config

    @property
    def label(self) -> str:
        """What reports show: 'Microsoft 365 outbound (2a01:111:f403::/48)'."""
        return f"{self.name} ({self.prefix})"

    @property
    def owner_action(self) -> str | None:
        """What to do when the addresses are someone else's shared pool."""
        return OWNER_ACTIONS.get(self.owner) if self.shared and self.owner else None


def known_networks() -> tuple[Network, ...]:
    """The built-in table as Network records."""
    return tuple(
        Network(name=name, prefix=str(ipaddress.ip_network(p)), owner=owner, shared=shared)
        for name, owner, shared, prefixes in KNOWN_NETWORKS
        for p in prefixes
    )


class NetworkTable:
    """Longest-prefix lookup over the built-in networks and the user's own (which win ties)."""

    __slots__ = ("_cache", "_entries")

    def __init__(self, user: Iterable[Network] = (), *, builtin: Iterable[Network] | None = None) -> None:
        own = [(n, ipaddress.ip_network(n.prefix), 0) for n in user]
        known = [(n, ipaddress.ip_network(n.prefix), 1) for n in (known_networks() if builtin is None else builtin)]
        # Longest prefix first; at equal length the user's own (rank 0) first.
        self._entries: list[tuple[Network, IPNetwork, int]] = sorted(
            own + known, key=lambda e: (-e[1].prefixlen, e[2])
        )
        self._cache: dict[str, Network | None] = {}

    def lookup(self, value: str | None) -> Network | None:
        """The most specific network containing an address or a whole prefix ('2001:db8:4a:1::/64'), or None."""
        if not value:
            return None
        if value in self._cache:
            return self._cache[value]
        found = self._find(value)
        self._cache[value] = found
        return found

    def _find(self, value: str) -> Network | None:
        target: IPNetwork | None
        if "/" in value:
            try:
                target = ipaddress.ip_network(value, strict=False)
            except ValueError:
                return None
        else:
            addr = parse_ip(value)
            if addr is None:
                return None
            target = ipaddress.ip_network(addr)
        for network, block, _rank in self._entries:
            if block.version == target.version and target.subnet_of(block):  # type: ignore[arg-type]
                return network
        return None

    def __len__(self) -> int:
        return len(self._entries)
