"""Sending IP selection: from the refusal text, the returned headers, or a delivered message's headers."""

from __future__ import annotations

import pytest

from analyzer.headers.received import parse_received, with_delays
from analyzer.ipaddr import prefix_of
from analyzer.model import AntiSpam, AuthResult, Hop, Original
from analyzer.sending_ip import (
    from_diagnostic,
    from_hops,
    from_returned_hops,
    host_of,
    is_internal_hop,
    org_domain,
    received_sending_ip,
    recipient_sending_ip,
)

# (diagnostic, expected (ip, rule) or None). One line per case.
DIAGNOSTICS: list[tuple[str, tuple[str, str] | None]] = [
    # Gmail, IPv6, multi-line reply joined
    ("550-5.7.1 [2a01:111:f403:2612::700 12] Our system has detected that this message does not meet IPv6 sending "
     "guidelines regarding PTR records and authentication. v1si55415385wja.21 - gsmtp",
     ("2a01:111:f403:2612::700", "diagnostic.reply-bracket")),
    # padded forms
    ("550 5.7.1 [2607:fc50:1000:1f00::2      16] Our system has detected ...",
     ("2607:fc50:1000:1f00::2", "diagnostic.reply-bracket")),
    ("421 4.7.0 [180.211.214.199 7] Our system has detected an unusual rate",
     ("180.211.214.199", "diagnostic.reply-bracket")),
    # Postfix: the rejecting server's own address comes first and is skipped
    ("host gmail-smtp-in.l.google.com[142.250.102.27] said: 550-5.7.1 [2001:db8:4a::25] Our system has detected "
     "that this message is likely unsolicited mail. - gsmtp (in reply to end of DATA command)",
     ("2001:db8:4a::25", "diagnostic.reply-bracket")),
    ("host mx.example.org[198.51.100.3] said: 554 5.7.1 Service unavailable; Client host [203.0.113.77] blocked "
     "using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.77",
     ("203.0.113.77", "diagnostic.client-host")),
    ("550 5.7.606 Access denied, banned sending IP [198.51.100.222]. To request removal from this list please visit "
     "https://sender.office.com/ (AS16012609)", ("198.51.100.222", "diagnostic.banned-ip")),
    ("550 5.7.1 Unfortunately, messages from [203.0.113.90] weren't sent. Please contact your Internet service "
     "provider since part of their network is on our block list (S3150).",
     ("203.0.113.90", "diagnostic.messages-from")),
    ("550 5.7.25 Access denied, the sending IPv6 address [2a01:111:f200:2004::240] must have a reverse DNS record",
     ("2a01:111:f200:2004::240", "diagnostic.ipv6-address")),
    ("451 4.7.26 Access denied, a message sent over IPv6 [2001:db8::240] must pass either SPF or DKIM validation",
     ("2001:db8::240", "diagnostic.ipv6-address")),
    ("450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.55]",
     ("192.0.2.55", "diagnostic.unknown-hostname")),
    ("450 4.7.25 Client host rejected: cannot find your reverse hostname, [192.0.2.56]",
     ("192.0.2.56", "diagnostic.unknown-hostname")),
    ("421 4.7.0 [TSS04] Messages from 192.0.2.192 temporarily deferred due to unexpected volume",
     ("192.0.2.192", "diagnostic.messages-from")),
    ("550 5.7.23 SPF check failed: client-ip=198.51.100.9", ("198.51.100.9", "diagnostic.client-ip")),
    ("550 domain [example.com] mismatches client ip 192.0.2.225.", ("192.0.2.225", "diagnostic.client-ip")),
    ("554 IP=192.0.2.254 - A problem occurred. (Ask your postmaster)", ("192.0.2.254", "diagnostic.ip-equals")),
    ("554 Your IP address 203.0.113.5 has a poor reputation", ("203.0.113.5", "diagnostic.your-ip")),
    ("554 5.7.1 203.0.113.6 is listed on bl.example.net", ("203.0.113.6", "diagnostic.ip-listed")),
    ("554 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.225", ("192.0.2.225", "diagnostic.lookup-link")),
    ("450 4.7.1 Access denied. IP name lookup failed [192.0.2.222]", ("192.0.2.222", "diagnostic.bracket")),
    # Exim: "host NAME [ip]:" is the receiver
    ("SMTP error from remote mail server after RCPT TO:<bob@example.org>: host mx.example.org [198.51.100.4]: "
     "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown", None),
    # ids and versions are not addresses
    ("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", None),
    ("550 5.7.1 message rejected id=15.20.13.10 v1si55415385wja.21 - gsmtp", None),
    # private, loopback and link-local addresses are never the sending IP
    ("550 5.7.1 Client host [10.1.2.3] blocked", None),
    ("550 5.7.1 [fe80::1%4 3] Our system has detected", None),
    ("", None),
]


@pytest.mark.parametrize(("diagnostic", "expected"), DIAGNOSTICS, ids=[d[0][:60] for d in DIAGNOSTICS])
def test_from_diagnostic(diagnostic: str, expected: tuple[str, str] | None) -> None:
    assert from_diagnostic(diagnostic) == expected


def test_remote_mta_address_is_not_the_sending_ip() -> None:
    text = "550 5.7.1 Connection from [198.51.100.4] refused"
    assert from_diagnostic(text) == ("198.51.100.4", "diagnostic.messages-from")
    assert from_diagnostic(text, remote_mta="dns; mx.example.org [198.51.100.4]") is None


# Hops as the returned original records them (oldest first).
M365_SUBMISSION = ("from DB9PR08MB1111.eurprd08.prod.outlook.com ([fe80::a1b2:c3d4:e5f6:1%5]) by "
                   "DB9PR08MB1111.eurprd08.prod.outlook.com ([fe80::a1b2:c3d4:e5f6:1%5]) with mapi id 15.20.7633.021; "
                   "Mon, 3 Jun 2024 08:00:00 +0000")
M365_INTERNAL = ("from DB9PR08MB1111.eurprd08.prod.outlook.com (2603:10a6:10:2c1::15) by "
                 "AM6PR08MB5678.eurprd08.prod.outlook.com (2603:10a6:20b:3f1::13) with Microsoft SMTP Server "
                 "(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.1771.16; "
                 "Mon, 3 Jun 2024 08:00:01 +0000")
M365_TO_GMAIL = ("from EUR04-VI1-obe.outbound.protection.outlook.com "
                 "(mail-vi1eur04on062e.outbound.protection.outlook.com. [2a01:111:f400:fe0e::62e]) by mx.google.com "
                 "with ESMTPS id v1si55415385wja.21 for <bob@example.com>; "
                 "Mon, 03 Jun 2024 01:00:02 -0700")
GMAIL_INTERNAL = "by 2002:a05:6a10:8c0e:b0:4b1:a2c3:1234 with SMTP id abc123; Mon, 3 Jun 2024 01:00:03 -0700 (PDT)"
AUTH_SUBMISSION = ("from [192.168.1.20] (client.isp.example.net [203.0.113.50]) (Authenticated sender: a@example.com) "
                   "by smtp.example.com (Postfix) with ESMTPSA id 4Vx; Mon, 3 Jun 2024 10:00:00 +0000")
RELAY = ("from smtp.example.com (smtp.example.com [198.51.100.5]) by mx.example.org (Postfix) with ESMTPS id 4Vy; "
         "Mon, 3 Jun 2024 10:00:02 +0000")


def chain(*values: str) -> tuple[Hop, ...]:
    return with_delays([parse_received(v) for v in values])


@pytest.mark.parametrize(("value", "internal"), [
    (M365_SUBMISSION, True),  # mapi, link-local
    (M365_INTERNAL, True),  # 2603:10xx:: between *.prod.outlook.com
    (M365_TO_GMAIL, False),
    (GMAIL_INTERNAL, True),  # no connecting IP at all
    (AUTH_SUBMISSION, True),  # ESMTPSA
    ("from a.example.net (a.example.net [192.0.2.1]) (authenticated bits=0) by b.example.org with ESMTP; "
     "Mon, 3 Jun 2024 10:00:00 +0000", True),  # Sendmail's authenticated comment
    ("from a.example.net (a.example.net [100.64.1.1]) by b.example.org with ESMTP; Mon, 3 Jun 2024 10:00:00 +0000",
     True),  # CGNAT
    ("from vm.example.net (vm.example.net [2603:1020:201::5]) by mx.example.org with ESMTP; "
     "Mon, 3 Jun 2024 10:00:00 +0000", False),  # 2603:10xx outside Microsoft's own mail servers is an Azure address
    (RELAY, False),
    ("from [192.0.2.9] by mx.example.org with HTTP; Mon, 3 Jun 2024 10:00:00 +0000", True),  # webmail
    ("from [192.0.2.9] by mail.example.net (via HTTP); Mon, 3 Jun 2024 10:00:00 +0000", True),  # webmail (GMX)
])
def test_internal_hops(value: str, internal: bool) -> None:
    assert is_internal_hop(parse_received(value)) is internal


def test_from_hops_skips_internal_hops() -> None:
    assert from_hops(chain(M365_SUBMISSION, M365_INTERNAL, M365_TO_GMAIL, GMAIL_INTERNAL)) == "2a01:111:f400:fe0e::62e"
    assert from_hops(chain(M365_SUBMISSION, M365_INTERNAL)) is None
    assert from_hops(chain(AUTH_SUBMISSION, RELAY)) == "198.51.100.5"


@pytest.mark.parametrize(("hosts", "receivers", "expected"), [
    # the receiving side (Gmail) took the message from Microsoft's outbound server
    ((M365_SUBMISSION, M365_INTERNAL, M365_TO_GMAIL), ("gmail-smtp-in.l.google.com",), "2a01:111:f400:fe0e::62e"),
    # a sending-side report: the rejecting server never appears in the returned headers
    ((M365_SUBMISSION, M365_INTERNAL), ("gmail-smtp-in.l.google.com",), None),
    # the receiver org's own relay hop does not count, nor a submission hop
    ((AUTH_SUBMISSION, RELAY), ("mx.example.com",), None),
    ((AUTH_SUBMISSION, RELAY), ("mx2.example.org",), "198.51.100.5"),
    ((RELAY,), (), None),
])
def test_from_returned_hops(hosts: tuple[str, ...], receivers: tuple[str, ...], expected: str | None) -> None:
    assert from_returned_hops(chain(*hosts), receivers) == expected


def test_microsoft_tenant_to_tenant_hop_counts_as_crossing() -> None:
    hop = ("from APC01-HK2-obe.outbound.protection.outlook.com (104.47.124.209) by "
           "BN3NAM04FT004.mail.protection.outlook.com (10.152.92.98) with Microsoft SMTP Server (version=TLS1_2, "
           "cipher=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384_P384) id 15.20.797.11; Fri, 25 May 2018 08:21:13 +0000")
    assert from_returned_hops(chain(hop), ("SG2APC01HT234.mail.protection.outlook.com",)) == "104.47.124.209"


@pytest.mark.parametrize(("host", "org"), [
    ("mx.google.com", "google.com"), ("mail.example.co.jp", "example.co.jp"), ("a.b.example.com.au", "example.com.au"),
    ("mail-vi1eur04on062e.outbound.protection.outlook.com", "outbound.protection.outlook.com"),
    ("AM6PR08MB5678.eurprd08.prod.outlook.com.", "outlook.com"), ("localhost", None), ("192.0.2.1", None),
    (None, None), ("", None),
])
def test_org_domain(host: str | None, org: str | None) -> None:
    assert org_domain(host) == org


@pytest.mark.parametrize(("mta", "host"), [
    ("dns; mx.example.org", "mx.example.org"), ("dns;mx.example.org. [192.0.2.1]", "mx.example.org"),
    ("mx.example.org", "mx.example.org"), ("", None), (None, None), ("dns;", None),
])
def test_host_of(mta: str | None, host: str | None) -> None:
    assert host_of(mta) == host


def _original(*hops: str) -> Original:
    return Original(hops=chain(*hops))


def test_recipient_sending_ip_order() -> None:
    original = _original(M365_SUBMISSION, M365_INTERNAL, M365_TO_GMAIL)
    # 1. the detector's explicit field wins
    assert recipient_sending_ip(hint="[IPv6:2001:db8::1]", diagnostic="550 5.7.1 [192.0.2.1] x", remote_mta=None,
                                reporting_mta=None, original=original) == ("2001:db8::1", "detector")
    # 2. then the refusal text
    assert recipient_sending_ip(hint=None, diagnostic="550 5.7.1 [192.0.2.1 5] x", remote_mta=None,
                                reporting_mta=None, original=original) == ("192.0.2.1", "diagnostic.reply-bracket")
    # 3. then the returned headers, when the reporter is the receiving side
    assert recipient_sending_ip(hint=None, diagnostic="550 5.2.2 mailbox full", remote_mta=None,
                                reporting_mta="dns; mx.google.com", original=original) == (
        "2a01:111:f400:fe0e::62e", "original.hops")
    # ... not when the report names another server as the one that refused (sending-side report)
    assert recipient_sending_ip(hint=None, diagnostic="host mx.example.net[198.51.100.1] said: 550 5.1.1 unknown",
                                remote_mta=None, reporting_mta="dns; mx.google.com", original=original) == (None, None)
    assert recipient_sending_ip(hint=None, diagnostic="550 5.1.1 unknown", remote_mta="dns; mx.example.net",
                                reporting_mta="dns; mx.google.com", original=original) == (None, None)
    assert recipient_sending_ip(hint=None, diagnostic=None, remote_mta=None, reporting_mta=None,
                                original=None) == (None, None)


def _auth(header: str, authserv: str | None, method: str, reason: str | None = None,
          **props: str) -> AuthResult:
    return AuthResult(header=header, authserv_id=authserv, method=method, result="pass", reason=reason,
                      properties=tuple(props.items()))


def test_received_sending_ip_uses_the_authserv_id() -> None:
    hops = chain(M365_SUBMISSION, M365_INTERNAL, M365_TO_GMAIL, GMAIL_INTERNAL)
    auth = (_auth("arc-authentication-results", "mx.google.com", "spf"),
            _auth("authentication-results", "mx.google.com", "dmarc"))
    assert received_sending_ip(hops, auth, None) == ("2a01:111:f400:fe0e::62e", "hops.authserv-id")


def test_received_sending_ip_microsoft_cip_then_spf_then_hops() -> None:
    relay_into_eop = ("from mail.example.net (198.51.100.25) by DB5EUR03FT012.mail.protection.outlook.com "
                      "(10.152.20.83) with Microsoft SMTP Server (version=TLS1_2, cipher=x) id 15.20.7633.15 via "
                      "Frontend Transport; Mon, 3 Jun 2024 08:00:00 +0000")
    hops = chain(relay_into_eop)
    ms_auth = (_auth("authentication-results", None, "spf", "sender IP is 198.51.100.25"),)
    assert received_sending_ip(hops, ms_auth, AntiSpam(cip="198.51.100.25")) == ("198.51.100.25", "antispam.cip")
    assert received_sending_ip((), ms_auth, None) == ("198.51.100.25", "authentication-results.spf")
    spf = (_auth("received-spf", "mx.example.org", "spf", **{"client-ip": "192.0.2.77"}),)
    assert received_sending_ip((), spf, None) == ("192.0.2.77", "received-spf.client-ip")
    assert received_sending_ip(chain(RELAY), (), None) == ("198.51.100.5", "hops")
    assert received_sending_ip(chain(M365_SUBMISSION), (), AntiSpam(cip="255.255.255.255")) is None


def test_prefixes() -> None:
    assert prefix_of("2a01:111:f403:2612::700") == "2a01:111:f403:2612::/64"
    assert prefix_of("198.51.100.23") == "198.51.100.0/24"
    assert prefix_of("2a01:111:f403:2612::700", v6=48) == "2a01:111:f403::/48"
    assert prefix_of("198.51.100.23", v4=16) == "198.51.0.0/16"
    assert prefix_of("::ffff:192.0.2.1") == "192.0.2.0/24"
    assert prefix_of("not an ip") is None
