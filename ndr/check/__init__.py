"""DNS diagnosis of a sender: PTR/FCrDNS, SPF, DKIM keys, DMARC and block lists, with remedies.

Library entry points (the CLI is ndr/cli/check.py):

    from ndr.check import Checker, DnsConfig, Resolver, enrich
    with Resolver(DnsConfig(servers=(...,))) as resolver:
        checks = enrich(["192.0.2.10"], ["example.com"], resolver)   # dict[ip, IpCheck]
        checks["192.0.2.10"].ptr_present, .fcrdns_ok, .spf_results, .listed_on, .advice

Nothing here runs a lookup unless called: `ndr triage` and `ndr scan` call it only with `--dns` or
`[dns] enabled = true`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ndr.check.config import DEFAULT_DNSBLS, DnsConfig, Server, parse_dns_config, parse_server
    from ndr.check.model import (
        DkimKeyCheck,
        DmarcCheck,
        DomainCheck,
        Finding,
        IpCheck,
        ListResult,
        Outcome,
        PtrCheck,
        SpfCheck,
        TargetReport,
    )
    from ndr.check.names import as_domain
    from ndr.check.resolver import Answer, Resolver, Status
    from ndr.check.run import Checker, enrich

# Names load on first use (PEP 562): parsing a config's [dns] section must not import dnspython,
# pyspf and the public-suffix list.
_WHERE = {
    "DEFAULT_DNSBLS": "config", "DnsConfig": "config", "Server": "config", "parse_dns_config": "config",
    "parse_server": "config",
    "DkimKeyCheck": "model", "DmarcCheck": "model", "DomainCheck": "model", "Finding": "model", "IpCheck": "model",
    "ListResult": "model", "Outcome": "model", "PtrCheck": "model", "SpfCheck": "model", "TargetReport": "model",
    "Answer": "resolver", "Resolver": "resolver", "Status": "resolver",
    "Checker": "run", "as_domain": "names", "enrich": "run",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'ndr.check' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ndr.check.{module}"), name)


__all__ = [
    "DEFAULT_DNSBLS",
    "Answer",
    "Checker",
    "DkimKeyCheck",
    "DmarcCheck",
    "DnsConfig",
    "DomainCheck",
    "Finding",
    "IpCheck",
    "ListResult",
    "Outcome",
    "PtrCheck",
    "Resolver",
    "Server",
    "SpfCheck",
    "Status",
    "TargetReport",
    "as_domain",
    "enrich",
    "parse_dns_config",
    "parse_server",
]
