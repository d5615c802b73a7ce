"""SPF (RFC 7208) of a domain for an IP: the full evaluation by pyspf (module `spf`), its DNS routed
through the run's Resolver.

pyspf implements the whole RFC: include, a, mx, ptr, ip4/ip6, exists, redirect, exp, the macros
(%{i} %{ir} %{d} %{s} %{l} %{o} %{h} %{v} ...), the 10-lookup limit and the void-lookup limit of 2.
It looks names up through the module-level function `spf.DNSLookup`; `_lookup` below replaces it
once with a function that asks the Resolver of the evaluation running in this thread (a context
variable), so no query ever leaves through another path, and each answer is kept as evidence.
"""

from __future__ import annotations

import contextvars
import threading
from dataclasses import dataclass, field
from typing import Any

import spf

from ndr.check.model import SpfCheck
from ndr.check.resolver import Answer, Resolver, Status

# An address no SPF record authorizes (240.0.0.0/4 is reserved), evaluated when only a record's
# validity is asked (a domain target without an IP): it walks every term, so the lookup limits and
# syntax errors show.
PROBE_IP = "240.0.0.1"


@dataclass(slots=True)
class _Run:
    resolver: Resolver
    answers: list[Answer] = field(default_factory=list)


_CURRENT: contextvars.ContextVar[_Run] = contextvars.ContextVar("ndr_spf_run")
_INSTALL = threading.Lock()


def _lookup(name: str, qtype: str, strict: object = True, timeout: object = None) -> list[tuple[tuple[str, str], Any]]:
    """pyspf's DNS hook: ((name, type), value) pairs, [] for no data, TempError when the DNS failed."""
    run = _CURRENT.get(None)
    if run is None:
        raise spf.TempError("DNS lookups outside an ndr SPF evaluation are not allowed")
    if qtype == "SPF":  # the obsolete type 99: RFC 7208 says not to query it
        return []
    answer = run.resolver.lookup(name, qtype)
    run.answers.append(answer)
    if answer.status in (Status.NXDOMAIN, Status.NODATA):
        return []
    if answer.status is not Status.OK:
        raise spf.TempError(f"DNS {answer.status.value} for {name} {qtype}" + (f": {answer.detail}"
                                                                                if answer.detail else ""))
    key = (name, qtype)
    if qtype == "MX":
        pairs = []
        for record in answer.records:
            pref, _, host = record.partition(" ")
            pairs.append((key, (int(pref), host)))
        return pairs
    if qtype == "TXT":
        return [(key, (record.encode("utf-8"),)) for record in answer.records]
    return [(key, record) for record in answer.records]


def _install() -> None:
    with _INSTALL:
        if spf.DNSLookup is not _lookup:
            spf.DNSLookup = _lookup


def spf_records(txt: Answer) -> tuple[str, ...]:
    """The v=spf1 records among a TXT answer."""
    return tuple(r for r in txt.records if r.lower() == "v=spf1" or r.lower().startswith("v=spf1 "))


def evaluate(domain: str, ip: str | None, resolver: Resolver, *, sender: str | None = None,
             helo: str | None = None) -> SpfCheck:
    """SPF result of `domain` for `ip` (None: validity only), with the deciding mechanism and the evidence."""
    if resolver.offline:
        return SpfCheck(domain=domain, ip=ip, result="skipped")
    txt = resolver.lookup(domain, "TXT")
    records = spf_records(txt)
    record = records[0] if len(records) == 1 else None
    if not txt.definite:
        why = f"the TXT lookup of {domain} failed ({txt.status.value}" + (f": {txt.detail})" if txt.detail else ")")
        return SpfCheck(domain=domain, ip=ip, result="temperror", explanation=why, answers=(txt,))
    if not records:
        return SpfCheck(domain=domain, ip=ip, result="none", answers=(txt,))
    _install()
    run = _Run(resolver=resolver)
    token = _CURRENT.set(run)
    try:
        query = spf.query(i=ip or PROBE_IP, s=sender or f"postmaster@{domain}", h=helo or domain, querytime=0)
        result, _code, explanation = query.check()
    finally:
        _CURRENT.reset(token)
    mechanism = query.mechanism if isinstance(query.mechanism, str) else None
    if result in ("permerror", "temperror") or result == "none":
        mechanism = None
    answers = tuple(dict.fromkeys([txt, *run.answers]))
    explanation = str(explanation) if explanation else None
    if len(records) > 1 and result == "permerror":
        explanation = f"{len(records)} SPF records published (only one is allowed)"
    if ip is None and result not in ("permerror", "temperror"):
        result, mechanism, explanation = "valid", None, None
    return SpfCheck(domain=domain, ip=ip, result=result, record=record or "; ".join(records), mechanism=mechanism,
                    explanation=explanation, lookups=int(query.lookups), answers=answers)
