"""From check results to findings in plain words, each tied to its remedy (ndr/check/remedies.py)."""

from __future__ import annotations

from collections.abc import Sequence

from ndr.check.dnsbl_data import blocklist
from ndr.check.model import DkimKeyCheck, DmarcCheck, Finding, ListResult, PtrCheck, SpfCheck
from ndr.check.remedies import finding
from ndr.check.resolver import Status

WEAK_BITS = 1024  # RFC 8301: verifiers must not accept RSA keys under 1024 bits
GOOD_BITS = 2048  # and should use at least 2048


def ptr_findings(ptr: PtrCheck, shared_action: str | None = None) -> list[Finding]:
    ip = ptr.ip
    rtype = "AAAA" if ":" in ip else "A"
    found: list[Finding] = []
    if ptr.answer.status is Status.OFFLINE:
        return [finding("offline", ip, what=f"reverse DNS of {ip}")]
    if not ptr.answer.definite:
        return [finding("ptr.unknown", ip, ip=ip, why=_why(ptr.answer.status.value, ptr.answer.detail))]
    if not ptr.names:
        found.append(finding("ptr.missing", ip, override_remedy=shared_action, ip=ip, rtype=rtype))
    elif ptr.fcrdns is False:
        forward = "; ".join(f.answer.describe() for f in ptr.forward)
        found.append(finding("ptr.not_confirmed", ip, override_remedy=shared_action, ip=ip, rtype=rtype,
                             names=", ".join(ptr.names), name=ptr.names[0], forward=forward))
    elif ptr.fcrdns is None:
        unsure = next(f for f in ptr.forward if not f.answer.definite)
        found.append(finding("ptr.forward_unknown", ip, ip=ip, name=unsure.name,
                             why=_why(unsure.answer.status.value, unsure.answer.detail)))
    if ptr.generic and ptr.fcrdns is not False:
        name, why = ptr.generic[0]
        found.append(finding("ptr.generic", ip, override_remedy=shared_action, ip=ip, rtype=rtype, name=name,
                             why=why))
    return found


def list_findings(ip: str, results: Sequence[ListResult], shared_action: str | None = None) -> list[Finding]:
    found: list[Finding] = []
    skipped = [r for r in results if r.status == "skipped"]
    if skipped:
        found.append(finding("offline", ip, what=f"block lists for {ip}"))
    for r in results:
        subject = f"{r.zone} for {ip}"
        if r.status == "listed":
            bl = blocklist(r.zone)
            policy_only = bool(bl.policy) and all(c in bl.policy for c in r.codes)
            note = f" ({bl.note}.)" if bl.note else ""
            meaning = "; ".join(r.meanings) + (f' — the list says: "{r.reason}"' if r.reason else "")
            code = "dnsbl.pbl" if policy_only else "dnsbl.listed"
            found.append(finding(code, subject, override_remedy=shared_action, ip=ip, list=r.name, zone=r.zone,
                                 meaning=meaning, removal=r.removal or "the list's web site", note=note))
        elif r.status == "could_not_check":
            found.append(finding("dnsbl.unknown", subject, ip=ip, list=r.name, zone=r.zone,
                                 why="; ".join(r.meanings) or "no answer"))
    return found


def spf_findings(s: SpfCheck) -> list[Finding]:
    subject = f"SPF of {s.domain}" + (f" for {s.ip}" if s.ip else "")
    params = {"domain": s.domain, "ip": s.ip or "the sending IP", "result": s.result,
              "mechanism": s.mechanism or "the default (no match)"}
    if s.result in ("fail", "softfail"):
        return [finding("spf.fail", subject, **params)]
    if s.result == "neutral":
        return [finding("spf.neutral", subject, **params)]
    if s.result == "none":
        return [finding("spf.none", subject, **params)]
    if s.result == "permerror":
        why = (s.explanation or "permanent error").removeprefix("SPF Permanent Error: ")
        return [finding("spf.permerror", subject, why=why, **params)]
    if s.result == "temperror":
        return [finding("spf.temperror", subject, why=s.explanation or "temporary DNS error", **params)]
    if s.result == "skipped":
        return [finding("offline", subject, what=subject)]
    return []


def dkim_findings(k: DkimKeyCheck) -> list[Finding]:
    subject = f"DKIM key {k.name}"
    params = {"name": k.name, "domain": k.domain, "selector": k.selector}
    if k.status == "missing":
        return [finding("dkim.missing", subject, **params)]
    if k.status == "revoked":
        return [finding("dkim.revoked", subject, **params)]
    if k.status == "invalid":
        return [finding("dkim.invalid", subject, why=k.problem or "unreadable", **params)]
    if k.status == "unknown":
        return [finding("dkim.unknown", subject, why=k.problem or "no answer", **params)]
    if k.status == "skipped":
        return [finding("offline", subject, what=subject)]
    if k.key_type == "rsa" and k.bits is not None and k.bits < WEAK_BITS:
        return [finding("dkim.weak", subject, bits=k.bits, **params)]
    if k.key_type == "rsa" and k.bits is not None and k.bits < GOOD_BITS:
        return [finding("dkim.short", subject, bits=k.bits, **params)]
    return []


def dmarc_findings(d: DmarcCheck) -> list[Finding]:
    subject = f"DMARC of {d.domain}"
    org = d.org_domain or d.domain
    if d.status == "skipped":
        return [finding("offline", subject, what=subject)]
    if d.status == "none":
        org_note = f" and _dmarc.{org}" if org != d.domain else ""
        return [finding("dmarc.none", subject, domain=d.domain, org=org, org_note=org_note)]
    if d.status == "invalid":
        return [finding("dmarc.invalid", subject, domain=d.domain, why=d.problem or "unreadable",
                        record_domain=f"_dmarc.{d.record_domain or org}")]
    if d.status == "unknown":
        return [finding("dmarc.unknown", subject, domain=d.domain, why=d.problem or "no answer")]
    if d.spf_aligned is False and d.dkim_aligned is False:
        return [finding("dmarc.not_aligned", subject, domain=d.domain, org=org, policy=d.effective_policy,
                        spf_why=d.spf_alignment, dkim_why=d.dkim_alignment)]
    return []


def _why(status: str, detail: str | None) -> str:
    return f"{status} ({detail})" if detail else status
