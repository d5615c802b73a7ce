"""IP address helpers: normalisation of the forms found in mail, prefixes, public/internal tests."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PREFIX_V4 = 24
DEFAULT_PREFIX_V6 = 64


@lru_cache(maxsize=4096)
def parse_ip(text: str) -> IPAddress | None:
    """Parse an address as it appears in mail: '[IPv6:2001:db8::1]', 'fe80::1%4', '::ffff:192.0.2.1'.

    IPv4-mapped IPv6 addresses become IPv4. Zone ids are dropped. Returns None when not an address.
    """
    s = text.strip().strip("[]()<>").strip()
    if s[:5].lower() == "ipv6:":
        s = s[5:]
    if "%" in s:
        s = s.split("%", 1)[0]
    if not s or len(s) > 45:
        return None
    try:
        addr = ipaddress.ip_address(s)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


@lru_cache(maxsize=4096)  # pure: the same addresses recur in every message of a source
def normalize_ip(text: str | None) -> str | None:
    """The canonical text form of an address in `text`, or None."""
    if not text:
        return None
    addr = parse_ip(text)
    return str(addr) if addr is not None else None


@lru_cache(maxsize=4096)  # pure: the same addresses recur in every message of a source
def prefix_of(ip: str | None, v4: int = DEFAULT_PREFIX_V4, v6: int = DEFAULT_PREFIX_V6) -> str | None:
    """The network of `ip` at the given prefix lengths: '2a01:111:f403:2612::700' -> '2a01:111:f403:2612::/64'."""
    addr = parse_ip(ip) if ip else None
    if addr is None:
        return None
    length = v4 if addr.version == 4 else v6
    return str(ipaddress.ip_network(f"{addr}/{length}", strict=False))


@lru_cache(maxsize=4096)  # pure: the same addresses recur in every message of a source
def is_public(ip: str | None) -> bool:
    """True for a globally routable address that could be a sending IP seen by another network.

    Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) count as
    public: ndr's own samples and tests use them in place of real addresses.
    """
    addr = parse_ip(ip) if ip else None
    if addr is None:
        return False
    if addr.is_loopback or addr.is_link_local or addr.is_multicast or addr.is_unspecified:
        return False
    if _is_documentation(addr):
        return True
    return addr.is_global and not addr.is_reserved  # is_global: not RFC 1918/4193, not 100.64/10 (CGNAT)


# Microsoft's 2603:1000::/24: the addresses of Exchange Online's own servers talking to each other
# (hops between *.prod.outlook.com / *.exchangelabs.com hosts, ../shared/reference/ndr-texts.md 3.4).
# Not a sending address other networks see: Microsoft 365 sends out from 2a01:111:f400::/48 and f403::/48.
MICROSOFT_INTERNAL_V6 = ipaddress.ip_network("2603:1000::/24")


@lru_cache(maxsize=4096)  # pure: the same addresses recur in every message of a source
def is_microsoft_internal(ip: str | None) -> bool:
    """True for an address of Microsoft's internal 2603:10xx:: range."""
    addr = parse_ip(ip) if ip else None
    return isinstance(addr, ipaddress.IPv6Address) and addr in MICROSOFT_INTERNAL_V6


_DOC_NETS = tuple(
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


def _is_documentation(addr: IPAddress) -> bool:
    return any(addr.version == n.version and addr in n for n in _DOC_NETS)
