"""DMARC (RFC 7489) of a From domain: policy discovery (the domain, then its organizational domain),
the record's tags, and whether SPF and DKIM would align for a message.

The organizational domain comes from the Public Suffix List shipped inside the `publicsuffixlist`
package (no network: the list is a file in the wheel).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from publicsuffixlist import PublicSuffixList

from ndr.check.model import DkimKeyCheck, DmarcCheck, SpfCheck
from ndr.check.resolver import Answer, Resolver

POLICIES = ("none", "quarantine", "reject")


@functools.cache
def _psl() -> PublicSuffixList:
    return PublicSuffixList()  # the bundled snapshot; read-only after loading


def org_domain(domain: str) -> str:
    """The organizational domain: 'mail.example.co.uk' -> 'example.co.uk'. A public suffix maps to itself."""
    d = domain.lower().rstrip(".")
    return _psl().privatesuffix(d) or d


def aligned(a: str, b: str, mode: str) -> bool:
    """Identifier alignment: strict (s) needs equal names, relaxed (r) equal organizational domains."""
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    return a == b if mode == "s" else org_domain(a) == org_domain(b)


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """The tags of one DMARC record."""

    policy: str
    subdomain_policy: str
    pct: int
    rua: tuple[str, ...]
    adkim: str
    aspf: str


def parse_record(text: str) -> Record | str:
    """The record's tags, or why it is invalid."""
    tags: dict[str, str] = {}
    parts = [p.strip() for p in text.split(";") if p.strip()]
    for i, part in enumerate(parts):
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep:
            return f"'{part}' is not a tag=value pair"
        if i == 0 and (key != "v" or value != "DMARC1"):
            return "the record must start with v=DMARC1"
        tags.setdefault(key, value)
    policy = tags.get("p", "").lower()
    if policy not in POLICIES:
        return f"p={tags['p']!r} is not none, quarantine or reject" if "p" in tags else "no p= (policy) tag"
    sp = tags.get("sp", policy).lower()
    if sp not in POLICIES:
        return f"sp={tags['sp']!r} is not none, quarantine or reject"
    pct_text = tags.get("pct", "100")
    if not pct_text.isdigit() or int(pct_text) > 100:
        return f"pct={pct_text!r} is not 0-100"
    modes = {}
    for key in ("adkim", "aspf"):
        mode = tags.get(key, "r").lower()
        if mode not in ("r", "s"):
            return f"{key}={tags[key]!r} is not r or s"
        modes[key] = mode
    rua = tuple(u.strip() for u in tags.get("rua", "").split(",") if u.strip())
    return Record(policy=policy, subdomain_policy=sp, pct=int(pct_text), rua=rua, **modes)


def _dmarc_records(answer: Answer) -> list[str]:
    return [r for r in answer.records if r.strip().lower().startswith("v=dmarc1")]


def check_dmarc(domain: str, resolver: Resolver, *, message: bool = False, envelope: str | None = None,
                spf: Sequence[SpfCheck] = (), dkim: Sequence[DkimKeyCheck] = ()) -> DmarcCheck:
    """DMARC of `domain`; with `message`, also whether SPF (of `envelope`) and DKIM (`dkim` keys) align."""
    domain = domain.lower().rstrip(".")
    org = org_domain(domain)
    if resolver.offline:
        return DmarcCheck(domain=domain, org_domain=org, status="skipped")
    answers: list[Answer] = []
    record_domain, records = None, []
    for where in dict.fromkeys((domain, org)):
        answer = resolver.lookup(f"_dmarc.{where}", "TXT")
        answers.append(answer)
        if not answer.definite:
            why = f"_dmarc.{where}: {answer.status.value}" + (f" ({answer.detail})" if answer.detail else "")
            return DmarcCheck(domain=domain, org_domain=org, status="unknown", problem=why, answers=tuple(answers))
        records = _dmarc_records(answer)
        if records:
            record_domain = where
            break
    if not records or record_domain is None:
        return DmarcCheck(domain=domain, org_domain=org, status="none", answers=tuple(answers))
    make = functools.partial(DmarcCheck, domain=domain, org_domain=org, record_domain=record_domain,
                             answers=tuple(answers))
    if len(records) > 1:
        return make(status="invalid", record=" | ".join(records),
                    problem=f"{len(records)} DMARC records at _dmarc.{record_domain} (only one is allowed)")
    parsed = parse_record(records[0])
    if isinstance(parsed, str):
        return make(status="invalid", record=records[0], problem=parsed)
    if not message:
        spf_ok, spf_why, dkim_ok, dkim_why = None, None, None, None
    else:
        spf_ok, spf_why = spf_alignment(domain, envelope, spf, parsed.aspf)
        dkim_ok, dkim_why = dkim_alignment(domain, dkim, parsed.adkim)
    return make(
        status="ok", record=records[0], policy=parsed.policy, subdomain_policy=parsed.subdomain_policy,
        effective_policy=parsed.policy if record_domain == domain else parsed.subdomain_policy,
        pct=parsed.pct, rua=parsed.rua, adkim=parsed.adkim, aspf=parsed.aspf,
        spf_aligned=spf_ok, spf_alignment=spf_why, dkim_aligned=dkim_ok, dkim_alignment=dkim_why,
    )


def spf_alignment(from_domain: str, envelope: str | None, spf: Sequence[SpfCheck],
                  mode: str) -> tuple[bool | None, str]:
    """Would SPF pass *and* align with the From domain? (None: cannot tell.)"""
    if not envelope:
        return None, "the envelope sender (Return-Path) is not known"
    if not aligned(envelope, from_domain, mode):
        return False, f"the envelope domain {envelope} is not aligned with {from_domain} (aspf={mode})"
    results = [s for s in spf if s.domain == envelope.lower() and s.ip is not None]
    if not results:
        return None, f"SPF of {envelope} was not evaluated for a sending IP"
    failing = [s for s in results if s.result != "pass"]
    if any(s.result in ("temperror", "skipped") for s in failing):
        return None, f"SPF of {envelope} could not be evaluated"
    if failing:
        s = failing[0]
        return False, f"SPF of {envelope} gives {s.result} for {s.ip}"
    return True, f"SPF of {envelope} passes and is aligned (aspf={mode})"


def dkim_alignment(from_domain: str, keys: Sequence[DkimKeyCheck], mode: str) -> tuple[bool | None, str]:
    """Would a DKIM signature of the message align with the From domain, with a usable key?"""
    if not keys:
        return False, "the message has no DKIM signature"
    matching = [k for k in keys if aligned(k.domain, from_domain, mode)]
    if not matching:
        names = ", ".join(sorted({k.domain for k in keys}))
        return False, f"DKIM d={names} is not aligned with {from_domain} (adkim={mode})"
    usable = [k for k in matching if k.status == "ok"]
    if usable:
        k = usable[0]
        return True, (f"DKIM d={k.domain} s={k.selector} is aligned and its key is published (the signature itself "
                      "cannot be verified from a returned copy)")
    if any(k.status in ("unknown", "skipped") for k in matching):
        return None, "the aligned DKIM key could not be checked"
    k = matching[0]
    return False, f"the aligned DKIM key d={k.domain} s={k.selector} is {k.status}"
