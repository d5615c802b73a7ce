"""Block lists (DNSBLs): what their answers mean and where to ask for removal. Data only.

Sources: Spamhaus "DNSBL return codes" and "Error codes returned by the public mirrors"
(docs.spamhaus.com, datasets: ZEN = SBL + CSS + XBL + PBL; 127.255.255.252/254/255 are errors, not
listings), Barracuda Central "Using the BRBL" (barracudacentral.org/rbl), SpamCop "SpamCop Blocking
List" (spamcop.net/bl.shtml), PSBL (psbl.org), UCEPROTECT (uceprotect.net/en), Mailspike
(mailspike.org/usage.html).

An answer in 127.255.255.0/24 is an error of the list's service (refused, rate limited, open
resolver), never a listing; an answer outside 127.0.0.0/8 means the list is gone or wildcarded.
Both are reported as "could not check", never as "not listed".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Blocklist:
    """One DNS block list."""

    zone: str  # the zone queried: <reversed address>.<zone>
    name: str  # what people call it
    ipv4: bool = True  # lists IPv4 addresses
    ipv6: bool = False  # lists IPv6 addresses (queried with the nibble format)
    codes: tuple[tuple[str, str], ...] = ()  # (answer address, meaning); an unknown 127.0.0.x is "listed"
    errors: tuple[tuple[str, str], ...] = ()  # (answer address, meaning) of answers that are errors
    policy: tuple[str, ...] = ()  # codes of policy listings (address space that should not send directly)
    removal: str | None = None  # where to look up a listing and request removal
    note: str | None = None  # what matters when asking for removal


_SPAMHAUS_ERRORS = (
    ("127.255.255.252", "typing error in the list's name (the query was malformed)"),
    ("127.255.255.254", "query through a public/open resolver: Spamhaus refuses those; use your own resolver "
                        "or Spamhaus Data Query Service"),
    ("127.255.255.255", "excessive number of queries: the resolver used is over Spamhaus' free-use limit"),
)

CATALOG: dict[str, Blocklist] = {
    b.zone: b
    for b in (
        Blocklist(
            zone="zen.spamhaus.org", name="Spamhaus ZEN", ipv6=True,
            codes=(
                ("127.0.0.2", "SBL: Spamhaus Block List, a verified spam source or spam operation"),
                ("127.0.0.3", "SBL CSS: low-reputation sender (snowshoe spam, compromised accounts or forms)"),
                ("127.0.0.4", "XBL: exploited host (malware, botnet, open proxy) seen by the CBL"),
                ("127.0.0.5", "XBL: exploited host"),
                ("127.0.0.6", "XBL: exploited host"),
                ("127.0.0.7", "XBL: exploited host"),
                ("127.0.0.9", "SBL DROP: hijacked or rogue network (Don't Route Or Peer)"),
                ("127.0.0.10", "PBL (ISP-maintained): address space its owner says should not send mail directly"),
                ("127.0.0.11", "PBL (Spamhaus-maintained): end-user address space that should not send mail directly"),
            ),
            errors=_SPAMHAUS_ERRORS,
            policy=("127.0.0.10", "127.0.0.11"),
            removal="https://check.spamhaus.org/",
            note="SBL/CSS: fix the cause first, Spamhaus reads the ticket; XBL: clean the infected host first; "
                 "PBL: the operator of a real mail server on this address can remove it from the PBL",
        ),
        Blocklist(
            zone="b.barracudacentral.org", name="Barracuda Reputation Block List",
            codes=(("127.0.0.2", "listed: poor reputation (spam seen from this address)"),),
            removal="https://www.barracudacentral.org/rbl/removal-request",
            note="Barracuda answers only resolvers registered at barracudacentral.org (free)",
        ),
        Blocklist(
            zone="bl.spamcop.net", name="SpamCop Blocking List",
            codes=(("127.0.0.2", "listed: spam reported by SpamCop users or seen by its traps"),),
            removal="https://www.spamcop.net/bl.shtml",
            note="listings expire by themselves about 24 hours after the reports stop: stop the spam",
        ),
        Blocklist(
            zone="psbl.surriel.com", name="Passive Spam Block List",
            codes=(("127.0.0.2", "listed: spam received by the PSBL traps"),),
            removal="https://psbl.org/remove",
        ),
        Blocklist(
            zone="dnsbl-1.uceprotect.net", name="UCEPROTECT Level 1",
            codes=(("127.0.0.2", "listed: spam received by UCEPROTECT traps from this address"),),
            removal="https://www.uceprotect.net/en/rblcheck.php",
            note="level 1 listings expire after 7 days without new trap hits",
        ),
        Blocklist(
            zone="bl.mailspike.net", name="Mailspike Blacklist",
            codes=(("127.0.0.2", "listed: spam source"),
                   ("127.0.0.10", "worst reputation"), ("127.0.0.11", "very bad reputation"),
                   ("127.0.0.12", "bad reputation"), ("127.0.0.13", "suspicious reputation"),
                   ("127.0.0.14", "neutral-to-bad reputation")),
            removal="https://mailspike.org/iplookup.html",
        ),
    )
}


def blocklist(zone: str) -> Blocklist:
    """The catalog entry for `zone`, or a generic one (queried for IPv4 and IPv6; any 127.0.0.x is "listed")."""
    known = CATALOG.get(zone)
    if known is not None:
        return known
    return Blocklist(zone=zone, name=zone, ipv6=True)
