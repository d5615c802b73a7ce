"""The returned original: headers read into Original, pasted header blocks found in report text."""

from __future__ import annotations

import email
from pathlib import Path

import pytest

from analyzer import analyze, limits
from analyzer.headers.original import dkim_signatures, original_of, pasted_headers
from analyzer.mime import parse
from analyzer.textutil import clip, decode_rfc2047, header_str
from tests.corpus_eval import CORPUS

HEADERS = (
    "Received: from DB9PR08MB1111.eurprd08.prod.outlook.com ([fe80::1%5]) by\n"
    " DB9PR08MB1111.eurprd08.prod.outlook.com ([fe80::1%5]) with mapi id\n"
    " 15.20.7633.021; Mon, 3 Jun 2024 08:00:00 +0000\n"
    "Authentication-Results: dkim=none (message not signed)\n"
    " header.d=none;dmarc=none action=none header.from=example.com;\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\n"
    " s=selector1; h=From:Date:Subject:Message-ID; bh=abc=; b=def=\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.onmicrosoft.com; s=selector1-example-com; b=xyz=\n"
    "From: =?utf-8?Q?Ren=C3=A9e?= <renee@example.com>\n"
    "To: bob@example.net\n"
    "Subject: =?utf-8?B?UXVhcnRhbHNiZXJpY2h0?=\n"
    "Date: Mon, 3 Jun 2024 08:00:00 +0000\n"
    "Message-ID: <AM6PR08MB1234ABCD@AM6PR08MB1234.eurprd08.prod.outlook.com>\n"
    "Return-Path: renee@example.com\n"
    "X-Forefront-Antispam-Report-Untrusted: CIP:255.255.255.255;CTRY:;LANG:de;SCL:1;SRV:;IPV:NLI;SFV:NSPM;DIR:OUT;\n"
)


def test_original_of_reads_every_field() -> None:
    o = original_of(email.message_from_string(HEADERS + "\n"))
    assert o.from_ == "Renée <renee@example.com>"
    assert (o.to, o.subject, o.date) == ("bob@example.net", "Quartalsbericht", "2024-06-03T08:00:00+00:00")
    assert o.message_id == "<AM6PR08MB1234ABCD@AM6PR08MB1234.eurprd08.prod.outlook.com>"
    assert o.return_path == "renee@example.com"
    assert [h.protocol for h in o.hops] == ["mapi"]
    assert [(a.method, a.result) for a in o.auth] == [("dkim", "none"), ("dmarc", "none")]
    assert o.antispam is not None and (o.antispam.dir, o.antispam.lang, o.antispam.cip) == ("OUT", "de",
                                                                                            "255.255.255.255")
    assert o.dkim_domains == ("example.com", "example.onmicrosoft.com")
    assert o.dkim_selectors == (("example.com", "selector1"), ("example.onmicrosoft.com", "selector1-example-com"))


def test_dkim_signatures_deduplicated_and_bounded() -> None:
    msg = email.message_from_string("".join("DKIM-Signature: d=Example.COM; s=s1; b=x\n" for _ in range(50)) + "\n")
    assert dkim_signatures(msg) == (("example.com",), (("example.com", "s1"),))


@pytest.mark.parametrize("marker", [
    "Original message headers:",
    "Original Message Headers",
    "Ursprüngliche Nachrichtenköpfe:",
    "------ This is a copy of the message, including all the headers. ------",
    "------ This is a copy of the message's headers. ------",
    "--- Below this line is a copy of the message.",
    "----- Original message -----",
    "--- The header of the original message is following. ---",
    "Message headers follow.",
    "Included is a copy of the message header:",
])
def test_pasted_headers_after_a_marker(marker: str) -> None:
    text = f"Delivery has failed to these recipients.\n\n{marker}\n\n{HEADERS}\nHello Bob,\nthe body.\n"
    msg = pasted_headers(text)
    assert msg is not None
    assert msg["Message-ID"] == "<AM6PR08MB1234ABCD@AM6PR08MB1234.eurprd08.prod.outlook.com>"
    assert "the body" not in str(msg.get_payload())


def test_pasted_headers_without_a_marker_and_rewrapped_lines() -> None:
    # A localized label ndr does not know, and a continuation line the reporting MTA re-wrapped to column 0.
    text = ("Il messaggio non è stato recapitato.\n\nIntestazioni:\n\n"
            "Received: from [192.0.2.135] by mail.example.net (via\nHTTP); Sat, 29 Nov 2014 00:32:10 +0100\n"
            "Message-ID: <x1@example.net>\nFrom: a@example.net\nSubject: Hi\n\nbody\n")
    msg = pasted_headers(text)
    assert msg is not None and msg["Message-ID"] == "<x1@example.net>"
    o = original_of(msg)
    assert (o.hops[0].by_host, o.hops[0].from_ip) == ("mail.example.net", "192.0.2.135")
    assert o.hops[0].raw.endswith("(via HTTP); Sat, 29 Nov 2014 00:32:10 +0100")


@pytest.mark.parametrize("text", [
    "",
    "Your message could not be delivered.\nSubject: Quarterly report\n",  # one header-like line is not a block
    "Original message headers:\n\nnot headers at all\n",
    "The original message was received at Mon, 3 Jun 2024 10:00:00 +0000\n",
])
def test_no_pasted_headers(text: str) -> None:
    assert pasted_headers(text) is None


def test_analyze_reads_pasted_original_of_a_report() -> None:
    report = (
        "From: MAILER-DAEMON@mx.example.org\nTo: renee@example.com\nSubject: Undelivered Mail Returned to Sender\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b1\nMIME-Version: 1.0\n\n"
        "--b1\nContent-Type: text/plain\n\nDelivery failed.\n\nOriginal message headers:\n\n"
        + HEADERS + "\n--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        "Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n--b1--\n")
    a = analyze(report.encode())
    assert a.original is not None and a.original.subject == "Quartalsbericht"
    assert a.original.dkim_domains == ("example.com", "example.onmicrosoft.com")


def test_not_bounce_body_headers_are_not_an_original() -> None:
    msg = "From: a@example.com\nTo: b@example.net\nSubject: fwd\n\nLook at this:\n\n" + HEADERS + "\nthanks\n"
    a = analyze(msg.encode())
    assert a.kind.value == "not_bounce" and a.original is None


def test_original_headers_read_as_decode_clip_and_unfold_on_every_corpus_and_sample_original() -> None:
    """original_of reads its headers through mime.header_value (plain values only unfolded): the answer of
    decode_rfc2047(clip(header_str(raw))) cut at 2,000 characters, on every returned original."""
    paths = sorted(Path(__file__).parent.joinpath("samples").rglob("*.eml"))
    if CORPUS.exists():
        paths += sorted(p for p in (CORPUS / "maildir").rglob("*") if p.is_file())
    originals = [o for o in (parse(p.read_bytes()).original for p in paths) if o is not None]
    assert len(originals) > 200

    def slow(raw: object) -> str | None:
        return None if raw is None else decode_rfc2047(clip(header_str(raw), limits.MAX_HEADER_CHARS))[:2000] or None

    for msg in originals:
        o = original_of(msg)
        assert (o.message_id, o.from_, o.to, o.subject, o.return_path) == tuple(
            slow(msg.get(n)) for n in ("Message-ID", "From", "To", "Subject", "Return-Path"))
