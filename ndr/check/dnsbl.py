"""Is an IP on a DNS block list? The answer code's meaning, the list's reason (TXT), its removal page.

A list that does not answer, refuses (127.255.255.x) or answers nonsense is "could_not_check",
never "not_listed".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from ndr.check.dnsbl_data import Blocklist, blocklist
from ndr.check.model import ListResult
from ndr.check.resolver import Resolver, Status

_ERROR_NET = ipaddress.IPv4Network("127.255.255.0/24")  # error answers of list services, never listings
_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")


def query_name(ip: str, zone: str) -> str:
    """'192.0.2.66' + 'zen.spamhaus.org' -> '66.2.0.192.zen.spamhaus.org'; IPv6 in nibble format."""
    addr = ipaddress.ip_address(ip)
    if addr.version == 4:
        return ".".join(reversed(ip.split("."))) + "." + zone
    return ".".join(reversed(addr.exploded.replace(":", ""))) + "." + zone


def applies(ip: str, bl: Blocklist) -> bool:
    version = ipaddress.ip_address(ip).version
    return bl.ipv4 if version == 4 else bl.ipv6


def queries(ip: str, zones: Sequence[str]) -> list[tuple[str, str]]:
    """The A lookups `check_lists` will make (for prefetching)."""
    return [(query_name(ip, z), "A") for z in zones if applies(ip, blocklist(z))]


def check_lists(ip: str, zones: Sequence[str], resolver: Resolver) -> tuple[ListResult, ...]:
    """One result per zone, in the order given."""
    resolver.lookup_many(queries(ip, zones))
    return tuple(check_list(ip, blocklist(z), resolver) for z in zones)


def check_list(ip: str, bl: Blocklist, resolver: Resolver) -> ListResult:
    if not applies(ip, bl):
        return _result(bl, "not_applicable", meanings=(f"{bl.name} lists only IPv{4 if bl.ipv4 else 6} addresses",))
    name = query_name(ip, bl.zone)
    answer = resolver.lookup(name, "A")
    if answer.status is Status.OFFLINE:
        return _result(bl, "skipped", query=name, answers=(answer,))
    if answer.status in (Status.NXDOMAIN, Status.NODATA):
        return _result(bl, "not_listed", query=name, answers=(answer,))
    if answer.status is not Status.OK:
        why = answer.detail or answer.status.value
        return _result(bl, "could_not_check", query=name, meanings=(f"{answer.status.value}: {why}",),
                       answers=(answer,))
    codes = answer.records
    errors = dict(bl.errors)
    refused = [c for c in codes if c in errors or _in(c, _ERROR_NET) or not _in(c, _LOOPBACK)]
    if refused:
        meanings = tuple(_error_meaning(c, errors) for c in refused)
        return _result(bl, "could_not_check", query=name, codes=codes, meanings=meanings, answers=(answer,))
    known = dict(bl.codes)
    meanings = tuple(known.get(c, f"listed (code {c})") for c in codes)
    txt = resolver.lookup(name, "TXT")
    reason = "; ".join(txt.records)[:500] if txt.status is Status.OK and txt.records else None
    return _result(bl, "listed", query=name, codes=codes, meanings=meanings, reason=reason, answers=(answer, txt))


def _result(bl: Blocklist, status: str, **fields: Any) -> ListResult:
    return ListResult(zone=bl.zone, name=bl.name, removal=bl.removal, status=status, **fields)


def _in(text: str, net: ipaddress.IPv4Network) -> bool:
    try:
        return ipaddress.ip_address(text) in net
    except ValueError:
        return False


def _error_meaning(code: str, errors: dict[str, str]) -> str:
    if code in errors:
        return f"{code}: {errors[code]}"
    if _in(code, _ERROR_NET):
        return f"{code}: the list refused the query (an error code, not a listing)"
    return f"{code}: not a block-list answer (the list may be defunct or answer everything)"
