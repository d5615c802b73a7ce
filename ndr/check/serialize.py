"""The only place check records become JSON-ready dicts (`ndr check --json`, `triage --dns --json`, reports).

Field names are stable: add fields freely, rename none. Empty values are null, not "".
"""

from __future__ import annotations

import json
from typing import Any

from ndr.check.model import (
    DkimKeyCheck,
    DmarcCheck,
    DomainCheck,
    Finding,
    IpCheck,
    ListResult,
    PtrCheck,
    SpfCheck,
    TargetReport,
)
from ndr.check.resolver import Answer


def answer_dict(a: Answer) -> dict[str, Any]:
    return {"name": a.name, "type": a.rdtype, "status": a.status.value, "records": list(a.records),
            "server": a.server, "tcp": a.tcp, "detail": a.detail}


def finding_dict(f: Finding) -> dict[str, Any]:
    return {"code": f.code, "outcome": f.outcome.value, "subject": f.subject, "text": f.text, "remedy": f.remedy}


def ptr_dict(p: PtrCheck) -> dict[str, Any]:
    return {
        "query": p.query, "status": p.answer.status.value, "present": p.present, "names": list(p.names),
        "fcrdns": p.fcrdns, "confirmed_name": p.confirmed_name,
        "forward": [{"name": f.name, "addresses": list(f.addresses), "confirms": f.confirms,
                     "status": f.answer.status.value} for f in p.forward],
        "generic": [{"name": n, "why": why} for n, why in p.generic],
        "answers": [answer_dict(p.answer)] + [answer_dict(f.answer) for f in p.forward],
    }


def list_dict(r: ListResult) -> dict[str, Any]:
    return {"zone": r.zone, "name": r.name, "status": r.status, "query": r.query, "codes": list(r.codes),
            "meanings": list(r.meanings), "reason": r.reason, "removal": r.removal,
            "answers": [answer_dict(a) for a in r.answers]}


def spf_dict(s: SpfCheck) -> dict[str, Any]:
    return {"domain": s.domain, "ip": s.ip, "result": s.result, "record": s.record, "mechanism": s.mechanism,
            "explanation": s.explanation, "lookups": s.lookups, "answers": [answer_dict(a) for a in s.answers]}


def dkim_dict(k: DkimKeyCheck) -> dict[str, Any]:
    return {"domain": k.domain, "selector": k.selector, "name": k.name, "status": k.status, "key_type": k.key_type,
            "bits": k.bits, "record": k.record, "problem": k.problem,
            "answers": [answer_dict(k.answer)] if k.answer is not None else []}


def dmarc_dict(d: DmarcCheck) -> dict[str, Any]:
    return {
        "domain": d.domain, "status": d.status, "org_domain": d.org_domain, "record_domain": d.record_domain,
        "record": d.record, "policy": d.policy, "subdomain_policy": d.subdomain_policy,
        "effective_policy": d.effective_policy, "pct": d.pct, "rua": list(d.rua), "adkim": d.adkim, "aspf": d.aspf,
        "problem": d.problem, "spf_aligned": d.spf_aligned, "spf_alignment": d.spf_alignment,
        "dkim_aligned": d.dkim_aligned, "dkim_alignment": d.dkim_alignment,
        "answers": [answer_dict(a) for a in d.answers],
    }


def ip_dict(c: IpCheck) -> dict[str, Any]:
    """One IP, with the summary columns reports show first."""
    return {
        "ip": c.ip, "version": c.version, "network": c.network, "shared": c.shared,
        "ptr_present": c.ptr_present, "fcrdns_ok": c.fcrdns_ok, "listed_on": list(c.listed_on),
        "spf_results": c.spf_results, "advice": c.advice,
        "ptr": ptr_dict(c.ptr) if c.ptr is not None else None,
        "lists": [list_dict(r) for r in c.lists],
        "spf": [spf_dict(s) for s in c.spf],
        "findings": [finding_dict(f) for f in c.findings],
    }


def domain_dict(c: DomainCheck) -> dict[str, Any]:
    return {"domain": c.domain, "role": c.role, "spf": [spf_dict(s) for s in c.spf],
            "dmarc": dmarc_dict(c.dmarc) if c.dmarc is not None else None,
            "dkim": [dkim_dict(k) for k in c.dkim], "findings": [finding_dict(f) for f in c.findings]}


def to_dict(r: TargetReport) -> dict[str, Any]:
    """One target: verdict, completeness, every finding (with remedies), then the per-IP/per-domain details."""
    return {
        "target": r.target, "kind": r.kind, "verdict": r.verdict, "complete": r.complete, "error": r.error,
        "findings": [finding_dict(f) for f in r.all_findings()],
        "notes": list(r.notes),
        "ips": [ip_dict(c) for c in r.ips],
        "domains": [domain_dict(c) for c in r.domains],
    }


def to_json(r: TargetReport) -> str:
    return json.dumps(to_dict(r), ensure_ascii=False)
