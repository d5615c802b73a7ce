"""PTR and forward-confirmed reverse DNS (FCrDNS) of one IP, IPv4 (in-addr.arpa) and IPv6 (nibble ip6.arpa),
and whether a PTR name looks generic/dynamic."""

from __future__ import annotations

import ipaddress
import re

import dns.reversename

from ndr.check.model import Forward, PtrCheck
from ndr.check.resolver import Resolver, Status

MAX_NAMES = 5  # PTR names followed forward (a PTR RRset can be long; receivers check a few)

# Words in a PTR name that mark end-user or dynamic address space. Source: naming conventions of
# access ISPs as collected in draft-msullivan-dnsop-generic-naming-schemes and the Spamhaus PBL /
# Gmail guidance on "generic" reverse DNS. Matched as whole tokens (split on . - _ and digits).
GENERIC_WORDS: tuple[tuple[str, str], ...] = (
    ("dynamic", "the word 'dynamic'"), ("dyn", "'dyn' (dynamic)"), ("dhcp", "'dhcp'"),
    ("dsl", "'dsl'"), ("adsl", "'adsl'"), ("vdsl", "'vdsl'"), ("xdsl", "'xdsl'"),
    ("pool", "'pool'"), ("ppp", "'ppp'"), ("pppoe", "'pppoe'"), ("dial", "'dial'"), ("dialup", "'dialup'"),
    ("cable", "'cable'"), ("catv", "'catv'"), ("broadband", "'broadband'"), ("ftth", "'ftth'"), ("fttx", "'fttx'"),
    ("customer", "'customer'"), ("cust", "'cust' (customer)"), ("client", "'client'"), ("clients", "'clients'"),
    ("subscriber", "'subscriber'"), ("residential", "'residential'"), ("res", "'res' (residential)"),
    ("user", "'user'"), ("users", "'users'"), ("cpe", "'cpe' (customer equipment)"), ("nat", "'nat'"),
    ("mobile", "'mobile'"), ("wireless", "'wireless'"), ("lte", "'lte'"), ("unassigned", "'unassigned'"),
    ("unknown", "'unknown'"), ("noptr", "'noptr'"), ("no-reverse", "'no-reverse'"),
)
_GENERIC = dict(GENERIC_WORDS)
_TOKENS = re.compile(r"[^a-z0-9]+")
_WORDS = re.compile(r"[a-z]+")


def reverse_name(ip: str) -> str:
    """'192.0.2.10' -> '10.2.0.192.in-addr.arpa'; IPv6 -> the 32-nibble ip6.arpa name."""
    return str(dns.reversename.from_address(ip).to_text(omit_final_dot=True))


def check_ptr(ip: str, resolver: Resolver) -> PtrCheck:
    """Look up the PTR names of `ip` and whether one of them resolves (A/AAAA) back to it."""
    addr = ipaddress.ip_address(ip)
    rtype = "A" if addr.version == 4 else "AAAA"
    query = reverse_name(ip)
    answer = resolver.lookup(query, "PTR")
    names = answer.records if answer.status is Status.OK else ()
    if not names:
        return PtrCheck(ip=ip, query=query, answer=answer, fcrdns=False if answer.definite else None)
    followed = names[:MAX_NAMES]
    answers = resolver.lookup_many((n, rtype) for n in followed)
    forward: list[Forward] = []
    for name, fwd in zip(followed, answers, strict=True):
        addresses = fwd.records if fwd.status is Status.OK else ()
        confirms = any(_same(addr, a) for a in addresses)
        forward.append(Forward(name=name, addresses=addresses, answer=fwd, confirms=confirms))
    confirmed = next((f.name for f in forward if f.confirms), None)
    if confirmed is not None:
        fcrdns: bool | None = True
    elif all(f.answer.definite for f in forward):
        fcrdns = False
    else:
        fcrdns = None
    generic = tuple((n, why) for n in names if (why := generic_reason(n, ip)) is not None)
    return PtrCheck(ip=ip, query=query, answer=answer, names=names, forward=tuple(forward), fcrdns=fcrdns,
                    confirmed_name=confirmed, generic=generic)


def _same(addr: ipaddress.IPv4Address | ipaddress.IPv6Address, text: str) -> bool:
    try:
        return ipaddress.ip_address(text) == addr
    except ValueError:
        return False


def generic_reason(name: str, ip: str) -> str | None:
    """Why `name` looks like a generic/dynamic reverse name for `ip` (None: it does not)."""
    host = name.lower().rstrip(".")
    labels = host.split(".")
    local = ".".join(labels[:-2]) if len(labels) > 2 else labels[0]  # leave out the registered domain
    if contains_address(local, ip):
        return "it contains the address digits"
    for token in _TOKENS.split(local):
        for word in (token, *_WORDS.findall(token)):
            if word in _GENERIC:
                return f"it contains {_GENERIC[word]}"
    return None


def contains_address(text: str, ip: str) -> bool:
    """`text` spells out the address: '192-0-2-13', '13.2.0.192', 'c000020d', '2001-db8-0-1--5', ..."""
    addr = ipaddress.ip_address(ip)
    tokens = [t for t in _TOKENS.split(text.lower()) if t]
    compact = "".join(tokens)
    if addr.version == 4:
        octets = [str(b) for b in addr.packed]
        padded = "".join(f"{b:03d}" for b in addr.packed)
        hexed = addr.packed.hex()
        if padded in compact or hexed in tokens:
            return True
        return any(_has_run(tokens, seq) for seq in (octets, octets[::-1], octets[1:], octets[::-1][:3]))
    v6 = ipaddress.IPv6Address(ip)
    nibbles = v6.exploded.replace(":", "")
    if nibbles in compact or nibbles[::-1] in compact:
        return True
    groups = [g.lstrip("0") or "0" for g in v6.exploded.split(":")]
    significant = [g for g in groups if g != "0"]
    hits = sum(1 for g in significant if g in tokens)
    return len(significant) >= 3 and hits >= min(4, len(significant))


def _has_run(tokens: list[str], seq: list[str]) -> bool:
    n = len(seq)
    return any(tokens[i : i + n] == seq for i in range(len(tokens) - n + 1))
