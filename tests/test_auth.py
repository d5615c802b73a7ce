"""Authentication-Results / ARC-Authentication-Results / Received-SPF: one line per case."""

from __future__ import annotations

import email
from pathlib import Path

import pytest

from analyzer import limits
from analyzer.headers.auth import HEADERS, auth_chain, parse_auth_header
from analyzer.textutil import header_str

AR, ARC, SPF = "authentication-results", "arc-authentication-results", "received-spf"

# (header, value, expected [(authserv_id, method, result, reason, {properties}, instance)])
CASES: list[tuple[str, str, list[tuple[str | None, str, str, str | None, dict[str, str], int | None]]]] = [
    # Microsoft 365 omits the authserv-id; compauth; action= without a ptype; ';' without spaces
    (AR, "spf=pass (sender IP is 40.92.253.45) smtp.mailfrom=example.com; dkim=none (message not signed) "
         "header.d=none;dmarc=fail action=oreject header.from=example.com;compauth=fail reason=000",
     [(None, "spf", "pass", "sender IP is 40.92.253.45", {"smtp.mailfrom": "example.com"}, None),
      (None, "dkim", "none", "message not signed", {"header.d": "none"}, None),
      (None, "dmarc", "fail", None, {"action": "oreject", "header.from": "example.com"}, None),
      (None, "compauth", "fail", "000", {}, None)]),
    # Gmail, with comments after results and property values
    (AR, "mx.google.com; dkim=pass header.i=@example.com header.s=selector1 header.b=AbC+d; "
         "spf=pass (google.com: domain of a@example.com designates 2a01:111:f403:2612::700 as permitted sender) "
         "smtp.mailfrom=a@example.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com",
     [("mx.google.com", "dkim", "pass", None,
       {"header.i": "@example.com", "header.s": "selector1", "header.b": "AbC+d"}, None),
      ("mx.google.com", "spf", "pass",
       "google.com: domain of a@example.com designates 2a01:111:f403:2612::700 as permitted sender",
       {"smtp.mailfrom": "a@example.com"}, None),
      ("mx.google.com", "dmarc", "pass", "p=REJECT sp=REJECT dis=NONE", {"header.from": "example.com"}, None)]),
    # ARC: instance first, an authserv-id with a version number
    (ARC, "i=1; mx.microsoft.com 1; spf=pass smtp.mailfrom=example.com; dmarc=pass action=none "
          "header.from=example.com; dkim=pass header.d=example.com; arc=none",
     [("mx.microsoft.com", "spf", "pass", None, {"smtp.mailfrom": "example.com"}, 1),
      ("mx.microsoft.com", "dmarc", "pass", None, {"action": "none", "header.from": "example.com"}, 1),
      ("mx.microsoft.com", "dkim", "pass", None, {"header.d": "example.com"}, 1),
      ("mx.microsoft.com", "arc", "none", None, {}, 1)]),
    # "none": no results at all
    (AR, "mx.example.org; none", []),
    # reason= wins over the comment; quoted values unquoted; method versions dropped
    (AR, 'mx.example.org; dkim/1=fail reason="signature verification failed" (bad sig) header.d=example.com',
     [("mx.example.org", "dkim", "fail", "signature verification failed", {"header.d": "example.com"}, None)]),
    # Yahoo's id followed by from=, and properties in their own ';' pieces
    (AR, "mta1.mail.example.com from=example.com; domainkeys=pass (ok); from=example.com; dkim=pass (ok); "
         "header.i=@example.com",
     [("mta1.mail.example.com", "domainkeys", "pass", "ok", {"from": "example.com"}, None),
      ("mta1.mail.example.com", "dkim", "pass", "ok", {"from": "example.com", "header.i": "@example.com"}, None)]),
    # two results without ';' between them (seen in the corpus): both are kept
    (AR, "mx.example.jp; dkim=pass (2048-bit key; unprotected) header.d=example.jp dkim=pass header.d=example.net",
     [("mx.example.jp", "dkim", "pass", "2048-bit key; unprotected", {"header.d": "example.jp"}, None),
      ("mx.example.jp", "dkim", "pass", None, {"header.d": "example.net"}, None)]),
    # iprev and auth with policy./smtp. properties; upper-case results are lowered
    (AR, "mx.example.ru; auth=PASS smtp.auth=user@example.ru; iprev=pass policy.iprev=192.0.2.1",
     [("mx.example.ru", "auth", "pass", None, {"smtp.auth": "user@example.ru"}, None),
      ("mx.example.ru", "iprev", "pass", None, {"policy.iprev": "192.0.2.1"}, None)]),
    # Received-SPF: the receiver names itself
    (SPF, "Pass (protection.outlook.com: domain of example.com designates 40.107.1.1 as permitted sender) "
          "receiver=protection.outlook.com; client-ip=40.107.1.1; helo=mail.example.com;",
     [("protection.outlook.com", "spf", "pass",
       "protection.outlook.com: domain of example.com designates 40.107.1.1 as permitted sender",
       {"receiver": "protection.outlook.com", "client-ip": "40.107.1.1", "helo": "mail.example.com"}, None)]),
    # Received-SPF: the receiver only in the comment (Gmail)
    (SPF, "softfail (google.com: domain of transitioning a@example.com does not designate 192.0.2.7 as permitted "
          "sender) client-ip=192.0.2.7;",
     [("google.com", "spf", "softfail",
       "google.com: domain of transitioning a@example.com does not designate 192.0.2.7 as permitted sender",
       {"client-ip": "192.0.2.7"}, None)]),
    # policyd-spf does not know its own name
    (SPF, "Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.10; helo=mail.example.net; "
          "envelope-from=erik@example.net; receiver=<UNKNOWN>",
     [(None, "spf", "pass", "mailfrom", {"identity": "mailfrom", "client-ip": "192.0.2.10", "helo": "mail.example.net",
                                         "envelope-from": "erik@example.net", "receiver": "<UNKNOWN>"}, None)]),
    # Broken values: nothing invented, nothing raised
    (AR, "", []),
    (AR, "mx.example.org; spf=pass (unterminated comment smtp.mailfrom=a@example.org",
     [("mx.example.org", "spf", "pass", "unterminated comment smtp.mailfrom=a@example.org", {}, None)]),
    (AR, 'mx.example.org; dkim=pass header.d="unterminated', [("mx.example.org", "dkim", "pass", None, {}, None)]),
    (SPF, "", []),
    (SPF, "(only a comment)", []),
]


@pytest.mark.parametrize(("header", "value", "expected"), CASES, ids=[f"{c[0]}:{c[1][:50]}" for c in CASES])
def test_parse(header: str, value: str, expected: list[tuple[object, ...]]) -> None:
    got = [(r.authserv_id, r.method, r.result, r.reason, dict(r.properties), r.instance)
           for r in parse_auth_header(header, value)]
    assert got == expected
    assert all(r.header == header for r in parse_auth_header(header, value))


def test_chain_keeps_header_order_topmost_first() -> None:
    msg = email.message_from_string(
        "ARC-Authentication-Results: i=1; mx.google.com; spf=pass smtp.mailfrom=a@example.com\n"
        "Authentication-Results: mx.google.com; dmarc=pass header.from=example.com\n"
        "Received-SPF: pass (google.com: domain of a@example.com designates 192.0.2.1 as permitted sender)\n"
        "Authentication-Results: relay.example.com; dkim=none\n"
        "Subject: x\n\nbody\n")
    results, defect = auth_chain(msg)
    assert [(r.header, r.authserv_id, r.method) for r in results] == [
        (ARC, "mx.google.com", "spf"), (AR, "mx.google.com", "dmarc"), (SPF, "google.com", "spf"),
        (AR, "relay.example.com", "dkim")]
    assert defect is None


def test_chain_is_bounded() -> None:
    n = limits.MAX_AUTH_HEADERS + 10
    msg = email.message_from_string("".join(f"Authentication-Results: h{i}.example.org; spf=pass\n" for i in range(n))
                                    + "\nbody\n")
    results, defect = auth_chain(msg)
    assert len(results) == limits.MAX_AUTH_HEADERS
    assert results[0].authserv_id == "h0.example.org"
    assert defect is not None and str(n) in defect


def test_results_per_header_are_bounded() -> None:
    value = "mx.example.org; " + "; ".join(f"x-m{i}=pass" for i in range(200))
    assert len(parse_auth_header(AR, value)) == limits.MAX_AUTH_RESULTS


def test_chain_reads_the_values_items_gives() -> None:
    """auth_chain fetches only the authentication headers' values: the ones msg.items() gives (8-bit too)."""
    paths = sorted((Path(__file__).parent / "samples").rglob("*.eml"))
    eight_bit = (b"Authentication-Results: mx.example.org; spf=pass (caf\xc3\xa9 \xe9) smtp.mailfrom=example.net\r\n"
                 b"Received-SPF: pass (\xff) client-ip=192.0.2.1;\r\nSubject: x\r\n\r\nbody\r\n")
    messages = [email.message_from_bytes(p.read_bytes()) for p in paths] + [email.message_from_bytes(eight_bit)]
    with_auth = 0
    for msg in messages:
        expected = [r for k, v in msg.items() if k.lower() in HEADERS
                    for r in parse_auth_header(k.lower(), header_str(v))]
        assert list(auth_chain(msg)[0]) == expected
        with_auth += bool(expected)
    assert with_auth >= 6
