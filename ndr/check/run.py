"""One run of checks: IPs, domains, messages. `Checker` holds the run's resolver, lists and results,
so each IP is checked once per run however many targets or clusters name it."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace

from analyzer import analyze
from analyzer.ipaddr import parse_ip
from analyzer.model import Analysis
from ndr.check import dnsbl, verdict
from ndr.check.config import DEFAULT_DNSBLS
from ndr.check.dkimkey import check_key
from ndr.check.dmarc import check_dmarc
from ndr.check.message import MessageFacts, facts_of
from ndr.check.model import DkimKeyCheck, DomainCheck, Finding, IpCheck, SpfCheck, TargetReport
from ndr.check.names import as_domain
from ndr.check.ptr import check_ptr, reverse_name
from ndr.check.remedies import finding
from ndr.check.resolver import Resolver
from ndr.check.spfcheck import evaluate
from reports.networks import NetworkTable


class Checker:
    """Runs checks over one Resolver. Results are memoised for the run (thread-safe)."""

    def __init__(self, resolver: Resolver, *, dnsbls: Sequence[str] | None = None,
                 networks: NetworkTable | None = None) -> None:
        self.resolver = resolver
        self.dnsbls = tuple(dnsbls) if dnsbls is not None else (resolver.config.dnsbls or DEFAULT_DNSBLS)
        self.networks = networks if networks is not None else NetworkTable()
        self._ips: dict[str, IpCheck] = {}
        self._spf: dict[tuple[str, str | None, str | None], SpfCheck] = {}
        self._lock = threading.Lock()

    # -- IPs ----------------------------------------------------------------------------------------

    def check_ips(self, ips: Iterable[str], spf_domains: Iterable[str] = ()) -> dict[str, IpCheck]:
        """PTR/FCrDNS and block lists of each IP (and SPF of `spf_domains` for it), checked once per run."""
        wanted = [ip for ip in dict.fromkeys(_norm_ip(i) for i in ips) if ip]
        domains = [d for d in dict.fromkeys(as_domain(x) for x in spf_domains) if d]
        todo = [ip for ip in wanted if ip not in self._ips]
        if todo:
            first = [(reverse_name(ip), "PTR") for ip in todo]
            first += [q for ip in todo for q in dnsbl.queries(ip, self.dnsbls)]
            first += [(d, "TXT") for d in domains]
            self.resolver.lookup_many(first)  # prefetch in parallel; the checks below read the cache
            for result in self.resolver.map(self._check_ip, todo):
                with self._lock:
                    self._ips.setdefault(result.ip, result)
        out: dict[str, IpCheck] = {}
        spf = self.spf_many([(d, ip) for ip in wanted for d in domains])
        for ip in wanted:
            base = self._ips[ip]
            mine = tuple(s for s in spf if s.ip == ip)
            if mine:
                extra = tuple(f for s in mine for f in verdict.spf_findings(s))
                base = replace(base, spf=mine, findings=base.findings + extra)
            out[ip] = base
        return out

    def _check_ip(self, ip: str) -> IpCheck:
        network = self.networks.lookup(ip)
        shared = network.owner_action if network is not None else None
        ptr = check_ptr(ip, self.resolver)
        lists = dnsbl.check_lists(ip, self.dnsbls, self.resolver)
        findings = verdict.ptr_findings(ptr, shared) + verdict.list_findings(ip, lists, shared)
        return IpCheck(ip=ip, version=ipaddress.ip_address(ip).version,
                       network=network.label if network is not None else None,
                       shared=bool(network and network.shared), ptr=ptr, lists=lists, findings=tuple(findings))

    # -- SPF ----------------------------------------------------------------------------------------

    def spf_many(self, pairs: Sequence[tuple[str, str | None]], sender: str | None = None) -> list[SpfCheck]:
        """SPF of each (domain, ip) pair, evaluated in parallel and memoised."""
        todo = [p for p in dict.fromkeys(pairs) if (p[0], p[1], sender) not in self._spf]
        for (domain, ip), result in zip(todo, self.resolver.map(
                lambda p: evaluate(p[0], p[1], self.resolver, sender=sender), todo), strict=True):
            with self._lock:
                self._spf[(domain, ip, sender)] = result
        return [self._spf[(d, ip, sender)] for d, ip in pairs]

    # -- domains ------------------------------------------------------------------------------------

    def check_domain(self, domain: str, *, role: str = "domain", ips: Sequence[str] = (),
                     sender: str | None = None, dkim: Sequence[DkimKeyCheck] = (), with_dmarc: bool = True,
                     message: bool = False, envelope: str | None = None,
                     envelope_spf: Sequence[SpfCheck] = ()) -> DomainCheck:
        """SPF of `domain` (for each of `ips`, or record validity), its DMARC, and the given DKIM keys."""
        spf: list[SpfCheck] = []
        if role != "from":
            spf = self.spf_many([(domain, ip) for ip in ips] or [(domain, None)], sender=sender)
        dmarc = None
        if with_dmarc:
            dmarc = check_dmarc(domain, self.resolver, message=message, envelope=envelope,
                                spf=[*spf, *envelope_spf], dkim=dkim)
        findings: list[Finding] = [f for s in spf for f in verdict.spf_findings(s)]
        findings += [f for k in dkim for f in verdict.dkim_findings(k)]
        if dmarc is not None:
            findings += verdict.dmarc_findings(dmarc)
        return DomainCheck(domain=domain, role=role, spf=tuple(spf), dmarc=dmarc, dkim=tuple(dkim),
                           findings=tuple(findings))

    def dkim_keys(self, pairs: Sequence[tuple[str, str]]) -> list[DkimKeyCheck]:
        return self.resolver.map(lambda p: check_key(p[0], p[1], self.resolver), list(pairs))

    # -- targets ------------------------------------------------------------------------------------

    def check_ip_target(self, target: str, ip: str) -> TargetReport:
        return TargetReport(target=target, kind="ip", ips=(self.check_ips([ip])[ip],))

    def check_domain_target(self, target: str, domain: str, ips: Sequence[str] = ()) -> TargetReport:
        return TargetReport(target=target, kind="domain", domains=(self.check_domain(domain, ips=ips),))

    def check_message(self, target: str, data: bytes, analysis: Analysis | None = None) -> TargetReport:
        """Sending IPs, envelope/From domains and DKIM keys of one message (a bounce or not)."""
        analysis = analysis if analysis is not None else analyze(data)
        facts = facts_of(analysis, data)
        notes = _notes(facts)
        ips = [ip for ip, _ in facts.ips]
        ip_checks = self.check_ips(ips)
        keys = self.dkim_keys(facts.dkim)
        domains: list[DomainCheck] = []
        env, frm = facts.envelope, facts.from_domain
        env_spf: list[SpfCheck] = []
        spf_domain = env or frm
        if spf_domain:
            role = "envelope+from" if env and env == frm else ("envelope" if env else "from (no envelope sender)")
            check = self.check_domain(spf_domain, role=role, ips=ips, sender=facts.sender,
                                      dkim=keys if spf_domain == frm else (), with_dmarc=spf_domain == frm,
                                      message=True, envelope=env)
            domains.append(check)
            env_spf = list(check.spf)
        if frm and frm != spf_domain:
            domains.append(self.check_domain(frm, role="from", dkim=keys, message=True, envelope=env,
                                             envelope_spf=env_spf))
        extra: list[Finding] = []
        if facts.headers_seen and not facts.dkim and frm:
            extra.append(finding("dkim.unsigned", f"DKIM of {frm}", domain=frm))
        other_keys = [k for k in keys if frm is None]
        extra += [f for k in other_keys for f in verdict.dkim_findings(k)]
        error = None
        if not ips and not domains:
            error = "found no public sending IP and no sender domain in this message"
        return TargetReport(target=target, kind="message", ips=tuple(ip_checks[ip] for ip in ips),
                            domains=tuple(domains), findings=tuple(extra), notes=notes, error=error)


def enrich(ips: Iterable[str], domains: Iterable[str], resolver: Resolver, *, dnsbls: Sequence[str] | None = None,
           networks: NetworkTable | None = None) -> dict[str, IpCheck]:
    """Check report clusters' sending IPs: PTR present / FCrDNS ok / SPF of `domains` / listed on.

    One call per run (or reuse a `Checker`): the resolver caches every answer, so an IP named by
    several clusters is looked up once. Lookups run only when the caller asked for DNS checks.
    """
    return Checker(resolver, dnsbls=dnsbls, networks=networks).check_ips(ips, domains)


def _norm_ip(text: str) -> str | None:
    addr = parse_ip(text)
    return str(addr) if addr is not None else None


def _notes(facts: MessageFacts) -> tuple[str, ...]:
    notes = [f"sending IP {ip}: {where}" for ip, where in facts.ips]
    notes += [f"not checked: {ip} ({why})" for ip, why in facts.skipped_ips]
    if facts.envelope:
        notes.append(f"envelope sender domain {facts.envelope}: from {facts.envelope_source}")
    if facts.from_domain:
        notes.append(f"From domain {facts.from_domain}")
    notes += [f"DKIM signature d={d} s={s}" for d, s in facts.dkim]
    return tuple(notes)
