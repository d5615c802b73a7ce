"""The recommended action for one cluster: the reason's advice, the evidence, and whose action it is.

The per-reason texts live in `analyzer/advice.py` (shared with `ndr triage`); this module adds what
a cluster knows and one message does not: all the sending addresses of the prefix, the block list's
removal page, and whether the prefix is a provider's shared pool (then the provider must act).
"""

from __future__ import annotations

from analyzer.advice import advice_for
from analyzer.reasons import Reason

# Where to look up and request removal from a block list. Sources: the lists' own removal pages
# (check.spamhaus.org, spamcop.net/bl.shtml, barracudacentral.org/rbl/removal-request,
# uceprotect.net/en/rblcheck.php) and Microsoft's sender portal (sender.office.com, named in the
# 5.7.606-649 and S3150 NDR texts, ../shared/reference/ndr-texts.md section 3.2).
REMOVAL_PAGES: tuple[tuple[str, str], ...] = (
    ("spamhaus", "https://check.spamhaus.org/"),
    ("spamcop", "https://www.spamcop.net/bl.shtml"),
    ("barracuda", "https://www.barracudacentral.org/rbl/removal-request"),
    ("uceprotect", "https://www.uceprotect.net/en/rblcheck.php"),
    ("s3150", "https://sender.office.com/"),
    ("microsoft", "https://sender.office.com/"),
)

# Reasons whose fix is in the sender's infrastructure (DNS, listing, reputation, rate): on a provider's
# shared pool the provider must act, so the owner's action is added.
INFRASTRUCTURE_REASONS: frozenset[str] = frozenset({
    Reason.REQUIREPTR, Reason.BLOCKED, Reason.BADREPUTATION, Reason.SPAMDETECTED, Reason.AUTHFAILURE,
    Reason.SPEEDING, Reason.TOOMANYCONN, Reason.REJECTED, Reason.SECURITYERROR, Reason.POLICYVIOLATION,
})
# Of those, the ones whose per-address fix (publish a PTR, request delisting) only the address owner can
# apply: on a shared pool the owner's action replaces the generic advice instead of adding to it.
OWNER_ONLY: dict[Reason, str] = {
    Reason.REQUIREPTR: "The receiver wants a PTR (reverse DNS) record that resolves back for these addresses.",
    Reason.BLOCKED: "The receiver blocks these addresses{on_list}.",
}

MAX_IPS_NAMED = 3


def removal_page(blocklist: str | None) -> str | None:
    """The removal / lookup page of a block list named like 'zen.spamhaus.org' or 'microsoft S3150'."""
    if not blocklist:
        return None
    low = blocklist.lower()
    return next((url for key, url in REMOVAL_PAGES if key in low), None)


def _addresses(ips: list[str], prefix: str | None) -> str | None:
    if not ips:
        return prefix
    if len(ips) <= MAX_IPS_NAMED:
        return ", ".join(ips)
    return f"the {len(ips)} addresses of {prefix}" if prefix else ", ".join(ips[:MAX_IPS_NAMED]) + ", ..."


def cluster_advice(reason: str, *, ips: list[str], prefix: str | None, blocklists: list[str],
                   senders: list[str], owner_action: str | None, status: str | None = None,
                   temporary: bool = False) -> str:
    """Plain-language action for a cluster of failures sharing a sending prefix and a reason."""
    try:
        why = Reason(reason)
    except ValueError:
        why = Reason.UNDEFINED
    known_prefix = prefix if prefix and prefix != "unknown" else None
    named = " and ".join(blocklists) or None
    where = _addresses(ips, known_prefix) or "not named in these bounces"
    base = advice_for(why, ip=where, prefix=known_prefix, blocklist=named, status=status, temporary=temporary)
    shared = bool(owner_action) and why in INFRASTRUCTURE_REASONS
    parts: list[str] = []
    if shared and why in OWNER_ONLY:
        on_list = f" (listed on {named})" if named else ""
        parts.append(f"{OWNER_ONLY[why].format(on_list=on_list)} {owner_action}")
    else:
        parts.append(base)
        if shared:
            parts.append(str(owner_action))
    if why is Reason.AUTHFAILURE and senders:
        parts.append(f"From domains concerned: {', '.join(senders)}.")
    if why is Reason.BLOCKED and not shared:
        pages = dict.fromkeys(p for p in (removal_page(b) for b in blocklists) if p)
        if pages:
            parts.append(f"Look up the listing and request removal at {' and '.join(pages)}.")
    if known_prefix is None and why in INFRASTRUCTURE_REASONS:
        parts.append("The sending address is unknown for these failures: the diagnostic texts are the evidence.")
    return " ".join(parts)
