"""Provider recognition, provider rule tables and block list names: one line per case.

Each case is a refusal text as the provider publishes it (see the source comment of each table in
analyzer/classify/<provider>.py), with the provider, reason and rule the analyzer must give it.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analyzer.classify as classify_pkg
from analyzer.classify import PROVIDER_RULES, classify
from analyzer.classify.blocklists import blocklist_of
from analyzer.classify.providers import provider_of
from analyzer.classify.rules import Rule
from analyzer.reasons import Reason

# (remote MTA, diagnostic, recipient) -> provider
PROVIDER_CASES = [
    ("mx.google.com", "550 5.1.1 The email account that you tried to reach does not exist.", None, "google"),
    ("gmail-smtp-in.l.google.com.", "421 4.7.28 ... - gsmtp", "x@example.com", "google"),
    (None, "550 5.7.26 Unauthenticated email ... 4fb4d7f45d1cf-56839c1d2e3si1.455 - gsmtp", None, "google"),
    ("example-com.mail.protection.outlook.com", "550 5.7.606 Access denied, banned sending IP [203.0.113.7].", None,
     "microsoft"),
    (None, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", None, "microsoft"),
    (None, "550 5.7.1 ... part of their network is on our block list (S3150).", None, "microsoft"),
    ("mta7.am0.yahoodns.net", "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred", None, "yahoo"),
    (None, "554 delivery error: dd This user doesn't have a yahoo.com account", None, "yahoo"),
    ("mx01.mail.icloud.com", "552 5.2.2 <x@icloud.com>: user is over quota", None, "apple"),
    ("msmx.au.com", "550 : User unknown", None, "kddi"),
    (None, "550 : User unknown", "someone@ezweb.ne.jp", "kddi"),
    ("smtp-in.orange.fr", "550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]", None, "orange"),
    (None, "550 5.5.0 Le compte du destinataire est bloque. LPN007_426", None, "orange"),
    ("mx3.qq.com", "550 Ip frequency limited", None, "tencent"),
    ("cxr.mx.a.cloudfilter.net", "550 5.1.0 <b@example.com> sender rejected. AUP#CDRBL", None, "cox"),
    (None, "550 5.1.0 <b@example.com> sender rejected. AUP#In-1310", "x@charter.net", "spectrum"),
    ("route1.mx.cloudflare.net", "421 4.3.0 Upstream error", None, "cloudflare"),
    ("mail.example.net", "550 5.1.1 <x@example.net>... User Unknown", "x@example.net", None),
    (None, "550 5.1.1 <x@gmail.com>... User Unknown", "x@example.org", None),  # an address in the text is no signature
]


@pytest.mark.parametrize(("remote", "diagnostic", "recipient", "provider"), PROVIDER_CASES)
def test_provider_of(remote: str | None, diagnostic: str, recipient: str | None, provider: str | None) -> None:
    assert provider_of(remote, diagnostic, recipient) == provider


# (remote MTA, status, reply code, diagnostic) -> (reason, rule)
RULE_CASES = [
    # Google (support.google.com/a/answer/3726730)
    ("mx.google.com", "5.7.1", "550", "550 5.7.1 [2a01:111:f403:2612::700 12] Our system has detected that this "
     "message does not meet IPv6 sending guidelines regarding PTR records and authentication. - gsmtp",
     Reason.REQUIREPTR, "google.ipv6-ptr-auth"),
    ("mx.google.com", "5.7.1", "550", "550 5.7.1 This message does not meet IPv6 sending guidelines regarding PTR "
     "records and authentication. For more information, go to https://support.google.com/mail/?p=IPv6AuthError",
     Reason.REQUIREPTR, "google.ipv6-ptr-auth"),
    ("mx.google.com", "5.7.25", "550", "550 5.7.25 The IP address sending this message does not have a PTR record "
     "setup, or the corresponding forward DNS entry does not point to the sending IP.",
     Reason.REQUIREPTR, "google.ptr-missing"),
    ("mx.google.com", "5.7.1", "550", "550 5.7.1 [2500:1109:110::11 91] Gmail has detected that this message is "
     "likely suspicious due to the very low reputation of the sending domain.", Reason.BADREPUTATION,
     "google.low-reputation"),
    ("mx.google.com", "5.7.1", "550", "550 5.7.1 Our system has detected that this message is likely unsolicited "
     "mail. To reduce the amount of spam sent to Gmail, this message has been blocked.", Reason.SPAMDETECTED,
     "google.unsolicited"),
    ("mx.google.com", "5.7.1", "550", "550 5.7.1 Our system has detected an unusual rate of unsolicited mail "
     "originating from your IP address. To protect our users from spam, mail sent from your IP address has been "
     "blocked.", Reason.BLOCKED, "google.rate-blocked"),
    ("mx.google.com", "4.7.28", "421", "421 4.7.28 Gmail has detected an unusual rate of mail originating from your "
     "IP Netblock. To protect our users from spam, mail has been temporarily rate limited.", Reason.SPEEDING,
     "google.rate-limit"),
    ("mx.google.com", "5.7.26", "550", "550 5.7.26 This mail has been blocked because the sender is "
     "unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.", Reason.AUTHFAILURE,
     "google.unauthenticated"),
    ("mx.google.com", "5.7.26", "550", "550 5.7.26 Unauthenticated email from example.com is not accepted due to "
     "domain's DMARC policy.", Reason.AUTHFAILURE, "google.dmarc"),
    ("mx.google.com", "4.7.27", "421", "421 4.7.27 Your email has been rate limited because SPF authentication "
     "didn't pass for this message.", Reason.AUTHFAILURE, "google.unauthenticated"),
    ("mx.google.com", "5.7.0", "530", "530 5.7.0 Must issue a STARTTLS command first.", Reason.FAILEDSTARTTLS,
     "google.tls-required"),
    ("mx.google.com", "5.2.2", "552", "552 5.2.2 The email account that you tried to reach is over quota.",
     Reason.MAILBOXFULL, "google.over-quota"),
    ("mx.google.com", "5.7.1", "550", "550 5.7.1 This message violates example.com email policy. - gcdp x - gsmtp",
     Reason.POLICYVIOLATION, "google.policy"),
    ("mx.google.com", "5.7.0", "552", "552 5.7.0 This message was blocked because its content presents a potential "
     "security issue. Please visit https://support.google.com/mail/?p=BlockedMessage to review our message content "
     "and attachment content guidelines. - gsmtp", Reason.POLICYVIOLATION, "google.blocked-content"),
    # Microsoft (learn.microsoft.com Exchange Online NDR reference; Outlook.com postmaster)
    ("example-com.mail.protection.outlook.com", "5.7.606", "550", "550 5.7.606 Access denied, banned sending IP "
     "[198.51.100.222]. To request removal from this list please visit https://sender.office.com/",
     Reason.BLOCKED, "microsoft.banned-sending-ip"),
    ("hotmail-com.olc.protection.outlook.com", "5.7.1", "550", "550 5.7.1 Unfortunately, messages from "
     "[88.198.83.90] weren't sent. Please contact your Internet service provider since part of their network is on "
     "our block list (S3150).", Reason.BLOCKED, "microsoft.banned-sending-ip"),
    ("example-com.mail.protection.outlook.com", "5.7.25", "550", "550 5.7.25 Access denied, the sending IPv6 "
     "address [2a01:111:f200:2004::240] must have a reverse DNS record", Reason.REQUIREPTR,
     "microsoft.ipv6-no-rdns"),
    ("example-com.mail.protection.outlook.com", "4.7.26", "450", "450 4.7.26 Access denied, a message sent over "
     "IPv6 [2a01:111:f200:2004::240] must pass either SPF or DKIM validation", Reason.AUTHFAILURE,
     "microsoft.ipv6-auth"),
    ("example-com.mail.protection.outlook.com", "5.7.509", "550", "550 5.7.509 Access denied, sending domain "
     "example.com does not pass DMARC verification and has a DMARC policy of reject.", Reason.AUTHFAILURE,
     "microsoft.dmarc"),
    ("example-com.mail.protection.outlook.com", "4.7.650", "451", "451 4.7.650 The mail server [192.0.2.5] has been "
     "temporarily rate limited due to IP reputation.", Reason.BADREPUTATION, "microsoft.ip-reputation"),
    ("example-com.mail.protection.outlook.com", "5.7.513", "550", "550 5.7.513 Service unavailable, Client host "
     "[192.0.2.5] blocked by example.com using Customer Block list (AS16012607)", Reason.BLOCKED,
     "microsoft.banned-sending-ip"),
    (None, "5.1.10", "550", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
     Reason.USERUNKNOWN, "microsoft.recipient-not-found"),
    # Yahoo (senders.yahooinc.com/smtp-error-codes)
    ("mta6.am0.yahoodns.net", "4.7.0", "421", "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due "
     "to unexpected volume or user complaints", Reason.BADREPUTATION, "yahoo.complaints"),
    ("mta6.am0.yahoodns.net", "5.7.2", "553", "553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently "
     "deferred; Retrying will NOT succeed.", Reason.BLOCKED, "yahoo.permanently-deferred"),
    ("mta6.am0.yahoodns.net", "5.7.9", "550", "550 5.7.9 This mail has been blocked because the sender is "
     "unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.", Reason.AUTHFAILURE,
     "yahoo.unauthenticated"),
    ("mta6.am0.yahoodns.net", None, "554", "554 delivery error: dd This user doesn't have a yahoo.com account "
     "(x@yahoo.com) [0] - mta1234.mail.ne1.yahoo.com", Reason.USERUNKNOWN, "yahoo.no-account"),
    # Apple, KDDI, Orange/La Poste, Cox, Spectrum, Tencent, MessageLabs, Cloudflare
    ("mx01.mail.icloud.com", "5.1.6", "550", "550 5.1.6 recipient no longer on server", Reason.HASMOVED,
     "apple.moved"),
    ("mx01.mail.icloud.com", "5.7.0", "550", "550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi"
     "?ip=192.0.2.9", Reason.BLOCKED, "apple.blocked"),
    ("msmx.au.com", None, "550", "550 : User unknown", Reason.FILTERED, "kddi.reception-filter"),
    ("msmx.au.com", None, "550", "550 <x@ezweb.ne.jp>: User unknown", Reason.USERUNKNOWN, "kddi.user-unknown"),
    ("smtp-in.orange.fr", None, "550", "550 mwinf5c04 ME Adresse IP source bloquee pour incident de spam. Client "
     "host blocked for spamming issues. OFR006_102 Ref http://csi.cloudmark.com/reset-request/?ip=192.0.2.1 [102]",
     Reason.BLOCKED, "orange.spam-ip"),
    ("smtp.wanadoo.fr", "5.2.0", "550", "550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]", Reason.SPAMDETECTED,
     "orange.spam-content"),
    ("smtpz4.laposte.net", "5.5.0", "550", "550 5.5.0 Adresse destinataire invalide. Invalid recipient. LPN007_416",
     Reason.USERUNKNOWN, "orange.invalid-recipient"),
    ("smtp-in.orange.fr", "4.2.0", "421", "421 4.2.0 Service refuse. Veuillez essayer plus tard. OFR005_505 [505]",
     Reason.SYSTEMERROR, "orange.service-refused"),
    ("smtpz4.laposte.net", "5.7.1", "554", "554 5.7.1 <h[192.0.2.1]:49309>: Client host rejected: #216 lpn "
     "LPN000_630", Reason.POLICYVIOLATION, "orange.policy"),
    ("cxr.mx.a.cloudfilter.net", "5.1.0", "550", "550 5.1.0 <b@example.com> sender rejected. Refer to Error Codes "
     "section at https://www.cox.com/residential/support/email-error-codes.html AUP#CDRBL", Reason.BLOCKED,
     "cox.ip-blocked"),
    ("mx.charter.net", "5.1.0", "550", "550 5.1.0 <b@example.com> sender rejected. Please see "
     "https://www.spectrum.net/support/internet/understanding-email-error-codes AUP#In-1310", Reason.TOOMANYCONN,
     "spectrum.connections"),
    ("mx3.qq.com", None, "550", "550 Connection frequency limited. http://service.mail.qq.com/cgi-bin/help?"
     "subtype=1&&id=20022&&no=1000722", Reason.TOOMANYCONN, "tencent.frequency"),
    ("mail1.bemta12.messagelabs.com", None, "542", "542 x@example.com Rejected", Reason.USERUNKNOWN,
     "messagelabs.address-registration"),
    ("route1.mx.cloudflare.net", "4.3.0", "421", "421 4.3.0 Upstream error, please check "
     "https://developers.cloudflare.com/email-routing/postmaster", Reason.SYSTEMERROR, "cloudflare.upstream"),
]


@pytest.mark.parametrize(("remote", "status", "code", "diagnostic", "reason", "rule"), RULE_CASES)
def test_provider_rules(remote: str | None, status: str | None, code: str | None, diagnostic: str, reason: Reason,
                        rule: str) -> None:
    v = classify(status=status, replycode=code, diagnostic=diagnostic, remote_mta=remote, action="failed")
    assert (v.reason, v.rule) == (reason, rule)


# refusal text -> block list name
BLOCKLIST_CASES = [
    ("554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", "zen.spamhaus.org"),
    ("550 5.7.1 Client host blocked using Spamhaus. See https://www.spamhaus.org/query/ip/192.0.2.1", "spamhaus"),
    ("554 Blocked - see https://www.spamcop.net/bl.shtml?192.0.2.1 (bl.spamcop.net)", "bl.spamcop.net"),
    ("550 5.7.606 Access denied, banned sending IP [192.0.2.1]. ... https://sender.office.com/",
     "microsoft banned-ip"),
    ("550 5.7.1 ... part of their network is on our block list (S3150).", "microsoft S3150"),
    ("550 ... Client host blocked for spamming issues. Ref http://csi.cloudmark.com/reset-request/?ip=192.0.2.1",
     "cloudmark csi"),
    ("550 5.1.1 <x@example.com>: Recipient address rejected: User unknown", None),
]


@pytest.mark.parametrize(("text", "name"), BLOCKLIST_CASES)
def test_blocklist_of(text: str, name: str | None) -> None:
    assert blocklist_of(text) == name


def _tables() -> list[tuple[str, tuple[Rule, ...]]]:
    out: list[tuple[str, tuple[Rule, ...]]] = []
    for info in pkgutil.iter_modules(classify_pkg.__path__):
        module = importlib.import_module(f"analyzer.classify.{info.name}")
        for attr in ("RULES", "SENDER_RULES", "RECEIVING_RULES", "HOTMAIL_RULES"):
            table = getattr(module, attr, None)
            if isinstance(table, tuple) and table and isinstance(table[0], Rule):
                out.append((f"{info.name}.{attr}", table))
    return out


def test_rule_ids_are_unique_and_tables_cite_a_source() -> None:
    seen: dict[str, str] = {}
    for name, table in _tables():
        module = importlib.import_module(f"analyzer.classify.{name.split('.')[0]}")
        assert module.__doc__ and ("Source" in module.__doc__ or "Sources" in module.__doc__), name
        for rule in table:
            assert rule.id not in seen, f"rule id {rule.id} in {name} and {seen[rule.id]}"
            seen[rule.id] = name


def test_every_registered_provider_is_recognised() -> None:
    from analyzer.classify.providers import BY_DOMAIN, BY_HOST, BY_TEXT

    known = {n for n, _ in BY_HOST} | {n for n, _ in BY_TEXT} | {n for n, _ in BY_DOMAIN}
    assert set(PROVIDER_RULES) <= known


# The providers' tables searched behind their texts found in one pass (providers._first) give the answer of every
# pattern tried in order.
def _first_by_every_pattern(entries: tuple[tuple[str, object], ...], text: str) -> str | None:
    return next((name for name, pattern in entries if pattern.search(text)), None)  # type: ignore[attr-defined]


_PROVIDER_PIECES = st.sampled_from([
    "mx.google.com", "gsmtp", " - gsmtp", "GSMTP", "protection.outlook.com", "(S3150)", "RESOLVER.ADR.", "[TSS04]",
    "yahoodns.net", "icloud.com", "OFR_999", "LPN007_510", "mwinf5c1", "AUP#CXBL", "AUP#In-1000",
    "support.google.com/mail", "qq.com", "cox.net", "rr.com", "charter.net", "spectrum.net/support", "me.com",
    "mail.ru", "yandex.ru", "gmx.net", "web.de", "zohomail.eu", "amazonses.com", "pphosted.com", "\u017f", "\u0130",
    "\u212a", "K", "s", "i", " ", ".", "-", "550 5.7.1", "x", "\u00e9", "hotmail.com", "outlook.fr", "laposte.net",
])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_PROVIDER_PIECES, max_size=10).map("".join))
def test_table_pre_checks_hide_no_match(text: str) -> None:
    from analyzer.classify import providers

    for table, entries in ((providers._HOSTS, providers.BY_HOST), (providers._TEXTS, providers.BY_TEXT),
                           (providers._DOMAINS, providers.BY_DOMAIN)):
        assert providers._first(table, text) == _first_by_every_pattern(entries, text), text


def _blocklist_by_every_pattern(text: str) -> str | None:
    """blocklist_of without its pre-checks."""
    from analyzer.classify import blocklists

    for m in blocklists._ZONE.finditer(text):
        zone = m.group(1).lower()
        if not (zone.startswith("www.") or text[max(m.start() - 2, 0): m.start()] == "//"):
            return zone
    return next((name for name, pattern in blocklists._NAMED if pattern.search(text)), None)


_BLOCKLIST_PIECES = st.sampled_from([
    "zen.spamhaus.org", "SPAMHAUS", "spamcop.net", "bl.spamcop.net", "b.barracudacentral.org", "barracuda", " rbl",
    "sorbs", "dnsbl.sorbs.net", "uceprotect", "S3150", "S3140", "banned sending IP", "sender.office.com",
    "customer block list", "csi.cloudmark.com", "cloudmark", "proofpoint", " dnsbl", "ivmSIP", "invaluement",
    "www.", "//", "https://", " ", ".", "-", "550 5.7.1", "\u017f", "\u0130", "\u212a", "x", "0spam.org",
])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_BLOCKLIST_PIECES, max_size=8).map("".join))
def test_blocklist_pre_checks_hide_no_match(text: str) -> None:
    assert blocklist_of(text) == (_blocklist_by_every_pattern(text) if text else None), text
