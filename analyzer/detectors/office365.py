"""Exchange Online / Microsoft 365 / Outlook.com NDRs, both layouts, localized labels.

An Exchange Online NDR is a multipart/report with a text part in the "Diagnostic information for
administrators" (old) or "More Info for Email Admins" (new) layout, a message/delivery-status part
and the returned headers; forwarded copies keep only the text. The text names the generating
server, the refusing server and the full refusal, sometimes more than the DSN fields (see
analyzer.detectors.exchange_text). Source: ../shared/reference/ndr-texts.md sections 3.2-3.4.
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.classify import microsoft
from analyzer.classify.providers import provider_of
from analyzer.detectors import exchange_text
from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import combine, dsn_founds, specific_status, with_verdict
from analyzer.mime import Parsed
from analyzer.regex import lazy
from analyzer.smtp import clean_diagnostic

# Host names of Exchange Online servers (generating servers, Message-IDs, Reporting-MTA).
EXO_HOST = lazy(r"\.prod\.outlook\.com\b|\.protection\.outlook\.com\b|\.prod\.exchangelabs\.com\b|"
                      r"\.onmicrosoft\.com\b|\boutlook\.office365\.com\b", re.I)
_CONSUMER_POSTMASTER = lazy(r"postmaster@(?:outlook|hotmail|live)\.com", re.I)
# Localized "Undeliverable:" / "Delivery delayed:" subject prefixes (Portuguese "Não_entregue" decodes
# to "Não entregue").
SUBJECT_WORDS = ("undeliverable", "delivery delayed", "unzustellbar", "zustellung verzögert", "non remis",
                 "remise différée", "no se puede entregar", "entrega retrasada", "não entregue", "entrega atrasada",
                 "non recapitabile", "recapito ritardato", "onbestelbaar", "bezorging vertraagd", "配信不能",
                 "配信の遅延", "无法传递", "無法傳遞", "nedoručitelné", "niedostarczalne", "olevererbart",
                 "не удается доставить")
SUBJECT = lazy(r"^\s*(?:" + "|".join(SUBJECT_WORDS) + r")\s*:", re.I)
# Headers only Exchange Online stamps (on-premises Exchange writes X-MS-Exchange-Organization-* too).
EXO_HEADERS = ("X-MS-Exchange-CrossTenant-OriginalArrivalTime", "X-MS-Exchange-CrossTenant-FromEntityHeader",
               "X-MS-Exchange-Transport-CrossTenantHeadersStamped", "X-MS-Exchange-CrossTenant-Id",
               "X-MS-PublicTrafficType")


def is_exchange_ndr(p: Parsed) -> bool:
    """An NDR written by Exchange (Online or on-premises): its header, subject or text layout say so.
    Asked by office365 and exchange2007 of one message: answered once (Parsed.memo)."""
    known = p.memo.get("is_exchange_ndr")
    if known is None:
        known = p.memo["is_exchange_ndr"] = _is_exchange_ndr(p)
    return known is True


def _is_exchange_ndr(p: Parsed) -> bool:
    if "X-MS-Exchange-Message-Is-Ndr" in p.msg:
        return True
    if exchange_text.has_layout(p.text, p.lower):
        return True
    return bool(SUBJECT.match(p.header("Subject") or "") and exchange_text.GENERATING_LINE.search(p.text[:20000]))


def is_exchange_online(p: Parsed) -> bool:
    """Exchange Online rather than an on-premises Exchange: its hosts and tenant headers say so."""
    if any(h in p.msg for h in EXO_HEADERS):
        return True
    hosts = " ".join(x or "" for x in (p.header("Message-ID"), p.header("From"),
                                       p.dsn.reporting_mta if p.dsn else None))
    if EXO_HOST.search(hosts) or _CONSUMER_POSTMASTER.search(hosts):
        return True
    head = p.text[:20000]
    gen = exchange_text.GENERATING_LINE.search(head) or exchange_text.GENERATED_BY_LINE.search(head)
    return bool(gen and EXO_HOST.search(gen.group(1)))


def read(p: Parsed, reporter: str) -> Detection | None:
    """The Detection of an Exchange NDR (shared by office365 and exchange2007)."""
    ex = exchange_text.parse(p.text, p.lower)
    dsn = dsn_founds(p)
    founds = combine(dsn, ex.recipients)
    if not founds:
        return None
    report = p.dsn
    return Detection(
        reporter=reporter,
        recipients=tuple(_finish(f, delayed=ex.delayed) for f in founds),
        reporting_mta=(report.reporting_mta if report else None) or ex.reporting_mta,
        received_from_mta=report.received_from_mta if report else None,
        arrival_date=report.arrival_date if report else None,
        original=ex.original if p.original is None else None,
    )


def _finish(found: Found, *, delayed: bool) -> Found:
    if found.action is None:
        found = replace(found, action="delayed" if delayed else "failed")
    if found.diagnostic and _WRAPPED.search(found.diagnostic):
        found = replace(found, diagnostic=unwrap(found.diagnostic))
    found = specific_status(found)
    own = exchange_text.is_exchange_reply(found.diagnostic) or (
        not found.remote_mta and provider_of(None, found.diagnostic) in (None, "microsoft"))
    if own and found.reason is None:
        found = with_verdict(found, microsoft.RULES)
    return found


# Exchange Online quotes a remote refusal after its own code: "550 5.7.350 Remote server returned message
# detected as spam -> 550-5.7.1 [ip] ... 550-5.7.1 ... 550 5.7.1 ... - gsmtp" (also 5.1.351, 5.7.3xx).
_WRAPPED = lazy(r"\s->\s*(?=[245]\d\d[ -])")


def unwrap(diagnostic: str) -> str:
    """Both halves of an Exchange-wrapped refusal with their SMTP continuation codes joined."""
    parts = _WRAPPED.split(diagnostic, maxsplit=1)
    if len(parts) != 2:
        return diagnostic
    outer, inner = parts
    return f"{clean_diagnostic(outer) or outer} -> {clean_diagnostic(inner) or inner}"


def detect(p: Parsed) -> Detection | None:
    if not is_exchange_ndr(p) or not is_exchange_online(p):
        return None
    return read(p, "office365")


# is_exchange_ndr(): its header, a layout word of the admin section (exchange_text.has_layout), or SUBJECT.
EXCHANGE_GATE: Gate = (
    Clause(headers=("x-ms-exchange-message-is-ndr",)),
    Clause(text=exchange_text.LAYOUT_WORDS),
    Clause(title=SUBJECT_WORDS),
)
DETECTOR: Detector = Detector("office365", detect, EXCHANGE_GATE)
