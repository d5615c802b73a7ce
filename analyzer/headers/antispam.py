"""Microsoft anti-spam headers decoded into AntiSpam, with plain-language texts.

X-Forefront-Antispam-Report (CIP, CTRY, LANG, SCL, SRV, IPV, SFV, H, PTR, CAT, SFTY, SFS, DIR),
X-Microsoft-Antispam (BCL), X-MS-Exchange-Organization-SCL. The topmost header of each name is read
(the one the final Exchange Online hop wrote); X-Forefront-Antispam-Report-Untrusted (a copy carried
over from another tenant) only when there is no trusted one.

Source of every text below: Microsoft Learn, "Anti-spam message headers in Microsoft 365"
(learn.microsoft.com/defender-office-365/message-headers-eop-mdo), "Spam confidence level (SCL)"
(.../anti-spam-spam-confidence-level-scl-about), "Bulk complaint level (BCL)"
(.../anti-spam-bulk-complaint-level-bcl-about), and for compauth reason codes the same headers page.
"""

from __future__ import annotations

from email.message import Message
from typing import Any

from analyzer import limits
from analyzer.ipaddr import normalize_ip
from analyzer.model import AntiSpam
from analyzer.regex import lazy
from analyzer.textutil import clip, header_str

_SMALL_INT = lazy(r"-?[0-9]{1,3}$")

# SFV: spam filtering verdict.
SFV_TEXTS: dict[str, str] = {
    "BLK": "blocked: the sender is on the recipient's Blocked Senders list (filtering skipped)",
    "NSPM": "not spam: spam filtering passed the message to the recipient",
    "SFE": "allowed: the sender is on the recipient's Safe Senders list (filtering skipped)",
    "SKA": "allowed: the sender is on an anti-spam policy's allowed senders or domains list",
    "SKB": "marked as spam: the sender is on an anti-spam policy's blocked senders or domains list",
    "SKI": "filtering skipped for another reason (e.g. mail inside the tenant)",
    "SKN": "marked as not spam before filtering (e.g. a mail flow rule set SCL -1)",
    "SKQ": "released from quarantine to the recipients",
    "SKS": "marked as spam before filtering (e.g. a mail flow rule set SCL 5-9)",
    "SPM": "spam: spam filtering marked the message as spam",
}
# CAT: the protection policy category applied.
CAT_TEXTS: dict[str, str] = {
    "AMP": "anti-malware",
    "BIMP": "brand impersonation",
    "BULK": "bulk mail",
    "DIMP": "domain impersonation",
    "FTBP": "blocked file type (anti-malware common attachments filter)",
    "GIMP": "mailbox intelligence impersonation",
    "HPHSH": "high confidence phishing",
    "HPHISH": "high confidence phishing",
    "HSPM": "high confidence spam",
    "INTOS": "intra-organization phishing",
    "MALW": "malware",
    "NONE": "no category: nothing was found",
    "OSPM": "outbound spam",
    "PHSH": "phishing",
    "SAP": "Safe Attachments",
    "SPM": "spam",
    "SPOOF": "spoofing",
    "UIMP": "user impersonation",
}
# IPV: IP filtering verdict.
IPV_TEXTS: dict[str, str] = {
    "CAL": "the source IP is on the IP Allow List: spam filtering skipped",
    "NLI": "the IP address is on no IP reputation list",
}
# SFTY: safety tip shown to the recipient.
SFTY_TEXTS: dict[str, str] = {
    "9.19": "domain impersonation safety tip",
    "9.20": "user impersonation safety tip",
    "9.25": "first contact safety tip",
}
DIR_TEXTS: dict[str, str] = {"INB": "inbound", "OUT": "outbound", "INT": "inside the organization"}
# compauth reason=NNN (composite authentication) by its first digit or exact code.
COMPAUTH_TEXTS: dict[str, str] = {
    "000": "explicit authentication failed (e.g. DMARC fail with a quarantine/reject policy)",
    "001": "implicit authentication failed (no or weak SPF/DKIM/DMARC records)",
    "002": "the organisation forbids this sender/domain pair from sending spoofed mail",
    "010": "DMARC fail with p=reject/quarantine from one of the organisation's own accepted domains",
    "1": "passed composite authentication",
    "2": "soft-passed implicit authentication",
    "3": "composite authentication was not checked",
    "4": "composite authentication was bypassed",
    "6": "implicit authentication failed for one of the organisation's own accepted domains",
    "7": "passed composite authentication",
    "9": "composite authentication was bypassed",
}


def scl_text(scl: int | None) -> str | None:
    """Plain words for a spam confidence level."""
    if scl is None:
        return None
    if scl < 0:
        return "spam filtering skipped (trusted sender or a rule): delivered to the inbox"
    if scl <= 4:
        return "not spam: delivered to the inbox"
    if scl <= 6:
        return "spam: delivered to Junk Email (or the policy's spam action)"
    return "high confidence spam"


def bcl_text(bcl: int | None) -> str | None:
    """Plain words for a bulk complaint level."""
    if bcl is None:
        return None
    if bcl <= 0:
        return "not from a bulk sender"
    if bcl <= 3:
        return "bulk sender with few complaints"
    if bcl <= 7:
        return "bulk sender with a mixed number of complaints"
    return "bulk sender with many complaints"


def compauth_text(reason: str | None) -> str | None:
    """Plain words for a compauth reason code (e.g. '000', '130', '601')."""
    if not reason or not reason[:3].isdigit():
        return None
    code = reason[:3]
    return COMPAUTH_TEXTS.get(code) or COMPAUTH_TEXTS.get(code[0])


def parse_forefront(value: str) -> dict[str, str]:
    """'CIP:192.0.2.1;CTRY:;SFV:NSPM;...' -> {'CIP': '192.0.2.1', 'SFV': 'NSPM', ...} (empty values dropped).

    SFS is a run of parenthesised rule numbers and keeps its text; the first occurrence of a key wins.
    """
    fields: dict[str, str] = {}
    for item in clip(value, limits.MAX_HEADER_CHARS).split(";")[:100]:
        key, sep, val = item.partition(":")
        if not sep:
            continue
        key = key.strip().upper()
        val = val.strip()
        if key and val and len(key) <= 10 and key not in fields:
            fields[key] = val[:200]
    return fields


# The headers antispam_of reads (lowercase), for callers that check presence cheaply first.
HEADERS = frozenset({"x-forefront-antispam-report", "x-forefront-antispam-report-untrusted", "x-microsoft-antispam",
                     "x-ms-exchange-organization-scl"})


def antispam_of(msg: Message[Any, Any]) -> AntiSpam | None:
    """The Microsoft anti-spam verdicts of a message, or None when it carries none."""
    report = msg.get("X-Forefront-Antispam-Report")
    if report is None:
        report = msg.get("X-Forefront-Antispam-Report-Untrusted")
    ms_antispam = msg.get("X-Microsoft-Antispam")
    org_scl = msg.get("X-MS-Exchange-Organization-SCL")
    if report is None and ms_antispam is None and org_scl is None:
        return None
    ff = parse_forefront(header_str(report)) if report is not None else {}
    ms = parse_forefront(header_str(ms_antispam)) if ms_antispam is not None else {}
    scl = _int(ff.get("SCL"))
    if scl is None and org_scl is not None:
        scl = _int(header_str(org_scl))
    bcl = _int(ms.get("BCL"))
    sfv = ff.get("SFV", "").upper() or None
    cat = ff.get("CAT", "").upper() or None
    ipv = (ff.get("IPV") or ff.get("EFV", "")).upper() or None  # EFV: the older name of IPV
    sfty = ff.get("SFTY")
    direction = ff.get("DIR", "").upper() or None
    return AntiSpam(
        cip=normalize_ip(ff.get("CIP")),
        ctry=ff.get("CTRY"),
        lang=ff.get("LANG"),
        sfv=sfv,
        scl=scl,
        ipv=ipv,
        cat=cat,
        ptr=ff.get("PTR"),
        helo=ff.get("H"),
        srv=ff.get("SRV"),
        sfty=sfty,
        sfs=ff.get("SFS"),
        dir=direction,
        bcl=bcl,
        sfv_text=SFV_TEXTS.get(sfv or ""),
        cat_text=CAT_TEXTS.get(cat or ""),
        ipv_text=IPV_TEXTS.get(ipv or ""),
        scl_text=scl_text(scl),
        bcl_text=bcl_text(bcl),
        sfty_text=SFTY_TEXTS.get(sfty or ""),
        dir_text=DIR_TEXTS.get(direction or ""),
    )


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    m = _SMALL_INT.match(value.strip())
    return int(m.group()) if m else None
