"""Records of `ndr check`: one per check, one per IP and domain, one per target. Serialised in
exactly one place: ndr.check.serialize."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ndr.check.resolver import Answer


class Outcome(StrEnum):
    """What one finding means for the postmaster."""

    PROBLEM = "problem"  # something to fix
    WARNING = "warning"  # works today, weak or risky
    UNKNOWN = "unknown"  # could not be checked (timeout, SERVFAIL, refused by a list, ...)
    SKIPPED = "skipped"  # not checked on purpose (offline mode)


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One thing a check found, in plain words, with what to do about it."""

    code: str  # stable id, e.g. "ptr.missing", "dnsbl.listed" (see ndr.check.remedies)
    outcome: Outcome
    subject: str  # what it is about: an IP, a domain, "zen.spamhaus.org for 192.0.2.66", ...
    text: str  # what is wrong, for people
    remedy: str | None = None  # what to do about it


@dataclass(frozen=True, slots=True, kw_only=True)
class Forward:
    """A PTR name and what it resolves to (forward confirmation)."""

    name: str  # the PTR target
    addresses: tuple[str, ...]  # its A (IPv4) or AAAA (IPv6) records
    answer: Answer  # the lookup
    confirms: bool  # one of `addresses` is the IP


@dataclass(frozen=True, slots=True, kw_only=True)
class PtrCheck:
    """Reverse DNS of one IP: PTR names, forward confirmation, generic-looking names."""

    ip: str
    query: str  # the reverse name queried (in-addr.arpa, or nibble ip6.arpa)
    answer: Answer
    names: tuple[str, ...] = ()  # PTR names
    forward: tuple[Forward, ...] = ()  # each name resolved forward
    fcrdns: bool | None = None  # a PTR name resolves back to the IP (None: could not tell)
    confirmed_name: str | None = None  # the name that does
    generic: tuple[tuple[str, str], ...] = ()  # (name, why it looks generic/dynamic)

    @property
    def present(self) -> bool | None:
        """A PTR exists (None: could not tell)."""
        return bool(self.names) if self.answer.definite else None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListResult:
    """One block list's answer for one IP."""

    zone: str  # e.g. "zen.spamhaus.org"
    name: str  # e.g. "Spamhaus ZEN"
    status: str  # listed | not_listed | could_not_check | not_applicable | skipped
    query: str | None = None  # the name queried
    codes: tuple[str, ...] = ()  # answer addresses (127.0.0.x)
    meanings: tuple[str, ...] = ()  # what each code means, or why it could not be checked
    reason: str | None = None  # the list's TXT record, when listed
    removal: str | None = None  # where to request removal
    answers: tuple[Answer, ...] = ()  # evidence


@dataclass(frozen=True, slots=True, kw_only=True)
class SpfCheck:
    """SPF of one domain, evaluated for one IP (or checked for validity only when `ip` is None)."""

    domain: str
    ip: str | None  # the address evaluated; None: record validity only
    result: str  # pass | fail | softfail | neutral | none | permerror | temperror | skipped
    record: str | None = None  # the v=spf1 record of `domain`
    mechanism: str | None = None  # the mechanism (or modifier) that decided, e.g. "include:_spf.example.net"
    explanation: str | None = None  # the evaluator's words (permerror/temperror reason)
    lookups: int | None = None  # DNS-querying mechanisms counted (limit 10)
    answers: tuple[Answer, ...] = ()  # evidence: every lookup the evaluation made


@dataclass(frozen=True, slots=True, kw_only=True)
class DkimKeyCheck:
    """The public key record of one DKIM selector."""

    domain: str  # d=
    selector: str  # s=
    name: str  # <selector>._domainkey.<domain>
    status: str  # ok | missing | revoked | invalid | unknown | skipped
    key_type: str | None = None  # rsa | ed25519
    bits: int | None = None  # key size
    record: str | None = None
    problem: str | None = None  # why it is invalid / unknown
    answer: Answer | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DmarcCheck:
    """DMARC of the From domain, and whether this message would align."""

    domain: str  # the From domain
    status: str  # ok | none | invalid | unknown | skipped
    org_domain: str | None = None  # organizational domain (public-suffix list)
    record_domain: str | None = None  # where the record was found (the domain or its org domain)
    record: str | None = None
    policy: str | None = None  # p=
    subdomain_policy: str | None = None  # sp= (defaults to p=)
    effective_policy: str | None = None  # the one that applies to `domain`
    pct: int | None = None
    rua: tuple[str, ...] = ()
    adkim: str | None = None  # r | s
    aspf: str | None = None  # r | s
    problem: str | None = None  # why the record is invalid / could not be read
    spf_aligned: bool | None = None  # None: not known for this target
    spf_alignment: str | None = None  # why (or why not), in words
    dkim_aligned: bool | None = None
    dkim_alignment: str | None = None
    answers: tuple[Answer, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class IpCheck:
    """Everything checked for one sending IP: what report clusters gain with DNS checks on."""

    ip: str
    version: int  # 4 | 6
    network: str | None = None  # a well-known sending network ("Microsoft 365 outbound (2a01:111:f403::/48)")
    shared: bool = False  # a provider's shared pool: its owner fixes PTR and listings, not you
    ptr: PtrCheck | None = None
    lists: tuple[ListResult, ...] = ()
    spf: tuple[SpfCheck, ...] = ()  # SPF of the affected domains for this IP
    findings: tuple[Finding, ...] = ()

    @property
    def ptr_present(self) -> bool | None:
        return self.ptr.present if self.ptr is not None else None

    @property
    def fcrdns_ok(self) -> bool | None:
        return self.ptr.fcrdns if self.ptr is not None else None

    @property
    def listed_on(self) -> tuple[str, ...]:
        return tuple(r.zone for r in self.lists if r.status == "listed")

    @property
    def spf_results(self) -> dict[str, str]:
        return {s.domain: s.result for s in self.spf}

    @property
    def advice(self) -> str:
        """One line for a report cluster: the first remedy, or that all is well."""
        for outcome in (Outcome.PROBLEM, Outcome.WARNING, Outcome.UNKNOWN):
            for f in self.findings:
                if f.outcome is outcome:
                    return f.text + (f" {f.remedy}" if f.remedy else "")
        return "Reverse DNS, block lists and SPF look fine for this address."


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainCheck:
    """SPF, DMARC and DKIM keys of one domain."""

    domain: str
    role: str  # "domain" (given as target) | "envelope" | "from" | "envelope+from"
    spf: tuple[SpfCheck, ...] = ()  # one per sending IP, or one validity check
    dmarc: DmarcCheck | None = None
    dkim: tuple[DkimKeyCheck, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetReport:
    """The result for one TARGET of `ndr check`."""

    target: str  # as given
    kind: str  # ip | domain | message | error
    ips: tuple[IpCheck, ...] = ()
    domains: tuple[DomainCheck, ...] = ()
    findings: tuple[Finding, ...] = ()  # message-level findings (alignment, no DKIM signature, ...)
    notes: tuple[str, ...] = ()  # what was read from a message (sources of IPs and domains)
    error: str | None = None  # why the target could not be checked at all

    def all_findings(self) -> tuple[Finding, ...]:
        found = [f for ip in self.ips for f in ip.findings]
        found += [f for d in self.domains for f in d.findings]
        found += self.findings
        return tuple(found)

    @property
    def complete(self) -> bool:
        """Every check ran (none could not be checked)."""
        return self.error is None and not any(f.outcome is Outcome.UNKNOWN for f in self.all_findings())

    @property
    def verdict(self) -> str:
        """The plain-words summary line."""
        if self.error:
            return f"not checked: {self.error}"
        found = self.all_findings()
        problems = [f for f in found if f.outcome is Outcome.PROBLEM]
        warnings = [f for f in found if f.outcome is Outcome.WARNING]
        unknown = [f for f in found if f.outcome is Outcome.UNKNOWN]
        skipped = [f for f in found if f.outcome is Outcome.SKIPPED]
        parts: list[str] = []
        if problems:
            parts.append(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} to fix")
        if warnings:
            parts.append(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}")
        if unknown:
            parts.append(f"{len(unknown)} check{'s' if len(unknown) != 1 else ''} could not be done")
        if skipped and not (problems or warnings or unknown):
            return "not checked (offline)"
        if not parts:
            return "all checks passed"
        return ", ".join(parts)
