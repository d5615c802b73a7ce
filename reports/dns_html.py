"""The DNS evidence of a cluster for the HTML drill-down: per checked address, each check's result in
words and the DNS answers behind it (PTR names, forward answers, SPF record and deciding mechanism,
block-list answers and TXT reasons), and the findings with their remedies.

Plain dicts and strings for the template (which escapes every one of them: TXT records and PTR names
come from other people's DNS).
"""

from __future__ import annotations

from ndr.check.model import IpCheck, ListResult, PtrCheck, SpfCheck
from ndr.check.resolver import Status
from reports.dns import DnsResults, checked_text
from reports.dns_columns import NO, OFFLINE, UNKNOWN, YES

FCRDNS = "Forward-confirmed (FCrDNS)"
Fact = dict[str, object]  # {"label": str, "value": str, "state": ok|bad|warn|unknown, "evidence": [str]}


def cell_state(column: str, value: object) -> str:
    """CSS state of a cluster-table DNS cell: ok, bad, warn or unknown (empty: no value)."""
    if not isinstance(value, str) or not value:
        return ""
    if value in (UNKNOWN, OFFLINE) or value.startswith("could not check"):
        return "unknown"
    if column == "listed_on":
        return "ok" if value in ("none", "no list applies") else ("warn" if value.startswith("none;") else "bad")
    if column == "spf_result":
        results = [part.rpartition(": ")[2] for part in value.split("; ")]
        return "ok" if all(r == "pass" for r in results) else "bad"
    return {YES: "ok", NO: "bad"}.get(value, "warn")


def cluster_evidence(results: DnsResults, cid: str) -> dict[str, object] | None:
    """What the drill-down shows for cluster `cid` (None: it has no sending address to check)."""
    p = results.clusters.get(cid)
    if p is None:
        return None
    via = ", ".join(results.servers) or "no resolver"
    note = (f"Checked {checked_text(p)} via {via}" + (" (offline: nothing was queried)" if results.offline else "")
            + (f"; SPF of {', '.join(p.domains)}" if p.domains else "; no sender domain known for SPF") + ".")
    return {"note": note, "ips": [ip_evidence(c) for c in p.checks]}


def ip_evidence(c: IpCheck) -> dict[str, object]:
    facts: list[Fact] = []
    if c.ptr is not None:
        facts += _ptr_facts(c.ptr)
    facts += [_spf_fact(s) for s in c.spf]
    facts += [_list_fact(r) for r in c.lists]
    findings = [{"outcome": f.outcome.value, "text": f.text, "remedy": f.remedy} for f in c.findings]
    return {"ip": c.ip, "network": c.network, "shared": c.shared, "facts": facts, "findings": findings}


def _fact(label: str, value: str, state: str, evidence: list[str]) -> Fact:
    return {"label": label, "value": value, "state": state, "evidence": evidence}


def _ptr_facts(p: PtrCheck) -> list[Fact]:
    head = [p.answer.describe()]
    if p.answer.status is Status.OFFLINE:
        return [_fact("PTR", OFFLINE, "unknown", head)]
    if not p.answer.definite:
        return [_fact("PTR", f"{UNKNOWN}: {p.answer.status.value}", "unknown", head)]
    if not p.names:
        return [_fact("PTR", "none", "bad", head), _fact(FCRDNS, "no: there is no PTR", "bad", [])]
    forward = [f.answer.describe() + (" (resolves back)" if f.confirms else "") for f in p.forward]
    if p.fcrdns:
        fcrdns = _fact(FCRDNS, f"yes: {p.confirmed_name}", "ok", forward)
    elif p.fcrdns is False:
        fcrdns = _fact(FCRDNS, "no: no PTR name resolves back to the address", "bad", forward)
    else:
        fcrdns = _fact(FCRDNS, UNKNOWN, "unknown", forward)
    facts = [_fact("PTR", ", ".join(p.names), "ok", head), fcrdns]
    facts += [_fact("Generic-looking name", f"{name}: {why}", "warn", []) for name, why in p.generic]
    return facts


def _spf_fact(s: SpfCheck) -> Fact:
    value = s.result + (f", decided by '{s.mechanism}'" if s.mechanism else "")
    evidence = [f"record: {s.record}" if s.record else "no v=spf1 record"]
    if s.lookups is not None:
        evidence.append(f"DNS-querying terms: {s.lookups} (limit 10)")
    if s.explanation:
        evidence.append(s.explanation)
    evidence += [a.describe() for a in s.answers]
    state = "ok" if s.result == "pass" else "unknown" if s.result in ("temperror", "skipped") else "bad"
    return _fact(f"SPF of {s.domain}", value, state, evidence)


def _list_fact(r: ListResult) -> Fact:
    evidence = [a.describe() for a in r.answers]
    if r.status == "listed":
        value = "listed: " + "; ".join(r.meanings or r.codes)
        if r.reason:
            evidence.append(f'the list says: "{r.reason}"')
        if r.removal:
            evidence.append(f"removal: {r.removal}")
        return _fact(f"{r.name} ({r.zone})", value, "bad", evidence)
    words = {"not_listed": ("not listed", "ok"), "not_applicable": ("; ".join(r.meanings) or "does not apply", "ok"),
             "skipped": (OFFLINE, "unknown")}
    value, state = words.get(r.status, (f"{UNKNOWN}: " + ("; ".join(r.meanings) or "no answer"), "unknown"))
    return _fact(f"{r.name} ({r.zone})", value, state, evidence)
