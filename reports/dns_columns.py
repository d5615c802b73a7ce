"""What a cluster shows of its sending IPs' DNS checks: PTR present / FCrDNS ok / SPF result of the
affected domains / listed on, and one line of advice; and the one-row-per-IP `dns_checks` table.

Pure: `IpCheck` records (ndr/check) in, text and rows out. The words are fixed so that a
spreadsheet filter on "no", "could not check" or a list's zone finds the clusters concerned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ndr.check.model import IpCheck, Outcome

YES, NO = "yes", "no"
UNKNOWN = "could not check"  # the DNS did not answer (timeout, SERVFAIL, refused): not a negative answer
OFFLINE = "not checked (offline)"  # [dns] offline = true: nothing was queried
NO_DOMAIN = "no sender domain known"  # the cluster's bounces name no envelope sender nor From address
NAMED = 3  # addresses named in a mixed answer before "+N more"
FINE = "Reverse DNS, block lists and SPF look fine for {what}."
# The remedy of a shared pool's PTR/listing finding is its owner's action, which the cluster's advice
# already gives in full: the DNS line then points to it instead of repeating it.
OWNER_POINTER = "The fix is the network owner's: see the recommended action."

# One row per checked IP (dns_checks.csv, the XLSX "dns_checks" sheet, the JSON "dns_checks" table).
IP_COLUMNS: tuple[str, ...] = (
    "ip", "clusters", "network", "shared", "ptr_present", "ptr_names", "fcrdns_ok", "confirmed_name",
    "generic_name", "spf", "listed_on", "could_not_check", "advice",
)


def names(ips: Sequence[str]) -> str:
    """'192.0.2.10, 192.0.2.11, 192.0.2.12 +2 more'."""
    head = ", ".join(ips[:NAMED])
    return head + (f" +{len(ips) - NAMED} more" if len(ips) > NAMED else "")


def yes_no(checks: Sequence[IpCheck], value: Callable[[IpCheck], bool | None]) -> str:
    """'yes' / 'no' for all checked addresses, 'could not check', or which addresses differ."""
    yes = [c.ip for c in checks if value(c) is True]
    no = [c.ip for c in checks if value(c) is False]
    unknown = [c.ip for c in checks if value(c) is None]
    if not no and not unknown:
        return YES
    if not yes and not unknown:
        return NO
    if not yes and not no:
        return UNKNOWN
    parts = [f"no for {names(no)}"] if no else []
    if unknown:
        parts.append(f"could not check {names(unknown)}")
    return ("partly: " if yes else "") + "; ".join(parts)


def spf_result(checks: Sequence[IpCheck], domains: Sequence[str]) -> str:
    """'example.com: pass; example.org: none', or per address when they differ."""
    if not domains:
        return NO_DOMAIN
    parts: list[str] = []
    for domain in domains:
        by: dict[str, list[str]] = {}
        for c in checks:
            result = c.spf_results.get(domain)
            if result is not None:
                by.setdefault(result, []).append(c.ip)
        if len(by) == 1:
            parts.append(f"{domain}: {next(iter(by))}")
        elif by:
            parts.append(f"{domain}: " + ", ".join(f"{r} for {names(ips)}" for r, ips in by.items()))
    return "; ".join(parts) or UNKNOWN


def listed_on(checks: Sequence[IpCheck]) -> str:
    """The zones listing an address ('zen.spamhaus.org, bl.spamcop.net'), 'none', and lists that did not answer."""
    listed: dict[str, list[str]] = {}
    unknown: list[str] = []
    answered = False
    for c in checks:
        for r in c.lists:
            if r.status == "listed":
                listed.setdefault(r.zone, []).append(c.ip)
            elif r.status == "could_not_check" and r.zone not in unknown:
                unknown.append(r.zone)
            answered = answered or r.status == "not_listed"
    if not listed and not unknown:
        return "none" if answered else "no list applies"
    many = len(checks) > 1
    head = ", ".join(z + (f" ({names(ips)})" if many else "") for z, ips in listed.items())
    if not unknown:
        return head
    if not head and not answered:
        return UNKNOWN
    return f"{head or 'none'}; {UNKNOWN} {', '.join(unknown)}"


def advice_line(checks: Sequence[IpCheck], *, cluster_advice: str) -> str:
    """The first problem (then warning, then check not done) of the cluster's addresses and its remedy."""
    if not checks:
        return ""
    for outcome in (Outcome.PROBLEM, Outcome.WARNING, Outcome.UNKNOWN, Outcome.SKIPPED):
        hits = [(c.ip, f) for c in checks for f in c.findings if f.outcome is outcome]
        if not hits:
            continue
        ip, first = hits[0]
        if outcome is Outcome.SKIPPED:
            return "DNS checks skipped (offline)."
        others = list(dict.fromkeys(i for i, f in hits if f.code == first.code and i != ip))
        text = first.text + (f" The same for {names(others)}." if others else "")
        remedy = first.remedy
        if remedy and remedy in cluster_advice:
            remedy = OWNER_POINTER
        return f"{text} {remedy}" if remedy else text
    return FINE.format(what="this address" if len(checks) == 1 else f"the {len(checks)} addresses checked")


def cluster_columns(checks: Sequence[IpCheck], domains: Sequence[str], *, offline: bool,
                    cluster_advice: str) -> dict[str, str]:
    """ptr_present, fcrdns_ok, spf_result, listed_on, dns_advice of one cluster's checked addresses."""
    if offline:
        return {"ptr_present": OFFLINE, "fcrdns_ok": OFFLINE, "spf_result": OFFLINE, "listed_on": OFFLINE,
                "dns_advice": "DNS checks skipped (offline)."}
    return {
        "ptr_present": yes_no(checks, lambda c: c.ptr_present),
        "fcrdns_ok": yes_no(checks, lambda c: c.fcrdns_ok),
        "spf_result": spf_result(checks, domains),
        "listed_on": listed_on(checks),
        "dns_advice": advice_line(checks, cluster_advice=cluster_advice),
    }


def ip_row(check: IpCheck, clusters: Sequence[str]) -> dict[str, object]:
    """One row of the dns_checks table (booleans stay booleans; None: could not tell)."""
    ptr = check.ptr
    spf = "; ".join(f"{s.domain}: {s.result}" + (f" ({s.mechanism})" if s.mechanism else "") for s in check.spf)
    lists = "; ".join(f"{r.zone} ({', '.join(r.meanings) or ', '.join(r.codes)})"
                      for r in check.lists if r.status == "listed")
    unknown = " ".join(f.text for f in check.findings if f.outcome is Outcome.UNKNOWN)
    return {
        "ip": check.ip,
        "clusters": ", ".join(clusters),
        "network": check.network,
        "shared": check.shared,
        "ptr_present": check.ptr_present,
        "ptr_names": ", ".join(ptr.names) if ptr is not None and ptr.names else None,
        "fcrdns_ok": check.fcrdns_ok,
        "confirmed_name": ptr.confirmed_name if ptr is not None else None,
        "generic_name": "; ".join(f"{n}: {why}" for n, why in ptr.generic) if ptr is not None and ptr.generic else None,
        "spf": spf or None,
        "listed_on": lists or None,
        "could_not_check": unknown or None,
        "advice": check.advice,
    }
