"""ndr.check pieces that need no DNS: config, names, record parsers, alignment, message facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import analyze
from ndr.check import as_domain
from ndr.check.config import DEFAULT_DNSBLS, DnsConfig, Server, parse_dns_config, parse_server
from ndr.check.dkimkey import parse_key
from ndr.check.dmarc import Record, aligned, dkim_alignment, org_domain, parse_record, spf_alignment
from ndr.check.dnsbl import query_name
from ndr.check.message import dkim_signatures, domain_of, facts_of
from ndr.check.model import DkimKeyCheck, SpfCheck
from ndr.check.ptr import generic_reason, reverse_name
from ndr.errors import ConfigError

MESSAGES = Path(__file__).parent / "dns" / "messages"

# 512-bit RSA public key (SubjectPublicKeyInfo), made for this test: too weak for DKIM.
RSA_512 = ("MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAIAAAAAAAAAAAAAAAAAAAAAAAAAA"
           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAC8YU0CAwEAAQ==")


@pytest.mark.parametrize(("text", "host", "port"), [
    ("192.0.2.53", "192.0.2.53", 53),
    ("192.0.2.53:5353", "192.0.2.53", 5353),
    ("2001:db8::53", "2001:db8::53", 53),
    ("[2001:db8::53]:5353", "2001:db8::53", 5353),
    ("[2001:db8::53]", "2001:db8::53", 53),
    (" 127.0.0.1:1053 ", "127.0.0.1", 1053),
])
def test_parse_server(text: str, host: str, port: int) -> None:
    assert parse_server(text) == Server(host=host, port=port)


@pytest.mark.parametrize("text", ["resolver.example.com", "192.0.2.53:0", "192.0.2.53:99999", "[2001:db8::1",
                                  "192.0.2.53:abc", "", "[2001:db8::1]x"])
def test_parse_server_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="'"):
        parse_server(text)


def test_server_str_round_trips() -> None:
    for text in ("192.0.2.53:5353", "[2001:db8::53]:53"):
        assert str(parse_server(text)) == text


def test_dns_config_defaults_and_values() -> None:
    assert parse_dns_config({}) == DnsConfig()
    assert DnsConfig().dnsbls == DEFAULT_DNSBLS
    cfg = parse_dns_config({"enabled": True, "resolvers": ["127.0.0.1:5300", "2001:db8::53"], "timeout": 1.5,
                            "retries": 0, "concurrency": 4, "dnsbl": ["ZEN.spamhaus.org.", "psbl.surriel.com"],
                            "offline": True})
    assert cfg == DnsConfig(enabled=True, servers=(Server(host="127.0.0.1", port=5300), Server(host="2001:db8::53")),
                            timeout=1.5, retries=0, concurrency=4, dnsbls=("zen.spamhaus.org", "psbl.surriel.com"),
                            offline=True)
    assert parse_dns_config({"dnsbl": []}).dnsbls == ()


@pytest.mark.parametrize(("table", "message"), [
    ({"resolver": ["x"]}, "dns.resolver: unknown key"),
    ({"enabled": "yes"}, "dns.enabled: must be true or false"),
    ({"resolvers": ["resolver.example.com"]}, "dns.resolvers[0]: 'resolver.example.com': not an IP address"),
    ({"resolvers": [53]}, "dns.resolvers: must be a list of strings"),
    ({"timeout": 0}, "dns.timeout: must be between"),
    ({"timeout": "3"}, "dns.timeout: must be a number"),
    ({"retries": 1.5}, "dns.retries: must be an integer"),
    ({"concurrency": 0}, "dns.concurrency: must be between 1 and 64"),
    ({"dnsbl": ["not a zone"]}, "dns.dnsbl: 'not a zone' is not a block-list zone name"),
])
def test_dns_config_errors_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_dns_config(table)
    assert str(err.value).startswith(message)


def test_reverse_and_list_names() -> None:
    assert reverse_name("192.0.2.10") == "10.2.0.192.in-addr.arpa"
    assert reverse_name("2001:db8::25") == "5.2.0.0." + "0." * 20 + "8.b.d.0.1.0.0.2.ip6.arpa"
    assert query_name("192.0.2.66", "zen.spamhaus.org") == "66.2.0.192.zen.spamhaus.org"
    assert query_name("2001:db8::bad", "zen.spamhaus.org") == "d.a.b." + "0." * 21 + "8.b.d.0.1.0.0.2.zen.spamhaus.org"


@pytest.mark.parametrize(("name", "ip", "why"), [
    ("192-0-2-13.dyn.example.net", "192.0.2.13", "it contains the address digits"),
    ("13.2.0.192.customers.example.net", "192.0.2.13", "it contains the address digits"),
    ("host-0-2-13.example.net", "192.0.2.13", "it contains the address digits"),
    ("c000020d.example.net", "192.0.2.13", "it contains the address digits"),
    ("ip192000002013.example.net", "192.0.2.13", "it contains the address digits"),
    ("2001-db8-0-1--5.pool.example.net", "2001:db8:0:1::5", "it contains the address digits"),
    ("dsl-pool-26.example.net", "198.51.100.26", "it contains 'dsl'"),
    ("cpe-12.cable.example.net", "198.51.100.26", "it contains 'cpe' (customer equipment)"),
    ("dynamic.example.net", "198.51.100.26", "it contains the word 'dynamic'"),
    ("mail.example.com", "192.0.2.10", None),
    ("mail66.example.com", "192.0.2.66", None),
    ("out.example.net", "198.51.100.25", None),
    ("mx6.example.com", "2001:db8::25", None),
    ("smtp2.mail.example.co.uk", "192.0.2.2", None),
    ("mail.dsl-provider.net", "192.0.2.2", None),  # the registered domain itself is not judged
])
def test_generic_names(name: str, ip: str, why: str | None) -> None:
    assert generic_reason(name, ip) == why


@pytest.mark.parametrize(("domain", "org"), [
    ("example.com", "example.com"),
    ("mail.sub.example.com", "example.com"),
    ("news.example.co.uk", "example.co.uk"),
    ("co.uk", "co.uk"),
    ("a.b.example.test", "example.test"),
])
def test_org_domain_from_bundled_public_suffix_list(domain: str, org: str) -> None:
    assert org_domain(domain) == org


def test_alignment_modes() -> None:
    assert aligned("bounce.example.com", "example.com", "r")
    assert not aligned("bounce.example.com", "example.com", "s")
    assert aligned("Example.COM.", "example.com", "s")
    assert not aligned("example.net", "example.com", "r")
    assert not aligned("a.example.co.uk", "b.other.co.uk", "r")


@pytest.mark.parametrize(("text", "expected"), [
    ("v=DMARC1; p=reject; sp=quarantine; pct=50; rua=mailto:a@example.com,mailto:b@example.net; adkim=s; aspf=r",
     Record(policy="reject", subdomain_policy="quarantine", pct=50,
            rua=("mailto:a@example.com", "mailto:b@example.net"), adkim="s", aspf="r")),
    ("v=DMARC1;p=none", Record(policy="none", subdomain_policy="none", pct=100, rua=(), adkim="r", aspf="r")),
    ("v=DMARC1; p=Quarantine; ", Record(policy="quarantine", subdomain_policy="quarantine", pct=100, rua=(),
                                        adkim="r", aspf="r")),
    ("v=DMARC1; p=maybe", "p='maybe' is not none, quarantine or reject"),
    ("v=DMARC1; rua=mailto:a@example.com", "no p= (policy) tag"),
    ("p=reject; v=DMARC1", "the record must start with v=DMARC1"),
    ("v=DMARC1; p=reject; pct=150", "pct='150' is not 0-100"),
    ("v=DMARC1; p=reject; adkim=x", "adkim='x' is not r or s"),
    ("v=DMARC1; p=reject; sp=all", "sp='all' is not none, quarantine or reject"),
    ("v=DMARC1; p=reject; junk", "'junk' is not a tag=value pair"),
])
def test_dmarc_record_parser(text: str, expected: Record | str) -> None:
    assert parse_record(text) == expected


def _key(status: str, domain: str = "example.com", selector: str = "s1") -> DkimKeyCheck:
    return DkimKeyCheck(domain=domain, selector=selector, name=f"{selector}._domainkey.{domain}", status=status)


def test_dkim_alignment() -> None:
    assert dkim_alignment("example.com", [], "r") == (False, "the message has no DKIM signature")
    ok, why = dkim_alignment("sub.example.com", [_key("ok")], "r")
    assert ok is True and "d=example.com s=s1 is aligned" in why
    assert dkim_alignment("sub.example.com", [_key("ok")], "s")[0] is False
    assert dkim_alignment("example.com", [_key("revoked")], "r") == (
        False, "the aligned DKIM key d=example.com s=s1 is revoked")
    assert dkim_alignment("example.com", [_key("unknown")], "r")[0] is None
    assert dkim_alignment("example.com", [_key("ok", "example.net")], "r")[0] is False


def _spf(domain: str, ip: str, result: str) -> SpfCheck:
    return SpfCheck(domain=domain, ip=ip, result=result)


def test_spf_alignment() -> None:
    assert spf_alignment("example.com", None, [], "r")[0] is None
    assert spf_alignment("example.com", "example.net", [_spf("example.net", "192.0.2.1", "pass")], "r") == (
        False, "the envelope domain example.net is not aligned with example.com (aspf=r)")
    assert spf_alignment("example.com", "bounce.example.com",
                         [_spf("bounce.example.com", "192.0.2.1", "pass")], "r")[0] is True
    assert spf_alignment("example.com", "bounce.example.com",
                         [_spf("bounce.example.com", "192.0.2.1", "pass")], "s")[0] is False
    assert spf_alignment("example.com", "example.com", [_spf("example.com", "192.0.2.1", "pass"),
                                                        _spf("example.com", "192.0.2.2", "softfail")], "r") == (
        False, "SPF of example.com gives softfail for 192.0.2.2")
    assert spf_alignment("example.com", "example.com", [_spf("example.com", "192.0.2.1", "temperror")], "r")[0] is None


@pytest.mark.parametrize(("record", "expected"), [
    ("v=DKIM1; k=rsa; p=", ("revoked", "rsa", None, "empty p=: the key is revoked")),
    ("v=DKIM1; k=rsa; p=bm90IGEga2V5", ("invalid", "rsa", None, "p= is not an RSA public key")),
    ("v=DKIM1; k=rsa; p=***", ("invalid", "rsa", None, "p= is not valid base64")),
    ("v=DKIM1; k=rsa", ("invalid", "rsa", None, "no p= (public key) tag")),
    ("v=DKIM2; p=abcd", ("invalid", None, None, "v=DKIM2 (must be DKIM1)")),
    ("v=DKIM1; k=dsa; p=bm90IGEga2V5", ("invalid", "dsa", None, "k=dsa: unknown key type (rsa or ed25519)")),
    ("v=DKIM1; k=ed25519; p=bm90IGEga2V5", ("invalid", "ed25519", None,
                                            "an ed25519 key is 32 bytes, this p= has 9")),
    (f"v=DKIM1; p={RSA_512}", ("ok", "rsa", 512, None)),
    (f"k=rsa; t=y; p={RSA_512[:40]} {RSA_512[40:]}", ("ok", "rsa", 512, None)),  # whitespace inside p= is allowed
])
def test_dkim_key_parser(record: str, expected: tuple[str, str | None, int | None, str | None]) -> None:
    assert parse_key(record) == expected


@pytest.mark.parametrize(("text", "domain"), [
    ("example.com", "example.com"),
    ("Example.COM.", "example.com"),
    ("postmaster@example.net", "example.net"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("_dmarc.example.com", "_dmarc.example.com"),
    ("localhost", None),
    ("-bad.example.com", None),
    ("192.0.2.1", None),
    ("exa mple.com", None),
])
def test_as_domain(text: str, domain: str | None) -> None:
    assert as_domain(text) == domain


def test_domain_of_addresses() -> None:
    assert domain_of('"Example News" <news@Sub.Example.COM>') == "sub.example.com"
    assert domain_of("<bounce+news@example.net>") == "example.net"
    assert domain_of("<>") is None
    assert domain_of(None) is None


def test_dkim_signatures_header_parsing() -> None:
    from email import message_from_string

    msg = message_from_string(
        "DKIM-Signature: v=1; a=rsa-sha256; d=Example.COM;\n\ts=sel2048; h=From; b=abc\n"
        "DKIM-Signature: v=1; a=ed25519-sha256; d=example.net; s=ed; b=x\n"
        "DKIM-Signature: v=1; d=example.org; b=no-selector\n"
        "DKIM-Signature: v=1; d=../../etc; s=x; b=hostile\n"
        "From: a@example.com\n\nbody\n"
    )
    assert dkim_signatures(msg) == (("example.com", "sel2048"), ("example.net", "ed"))


def test_message_facts_of_a_bounce_without_return_path() -> None:
    data = (MESSAGES / "gmail-ptr-ipv4.eml").read_bytes()
    facts = facts_of(analyze(data), data)
    assert [ip for ip, _ in facts.ips] == ["192.0.2.11"]
    assert facts.envelope == "example.com"
    assert facts.envelope_source is not None and facts.envelope_source.startswith("To of the bounce")
    assert facts.sender == "bounces@example.com"
    assert facts.from_domain == "example.com"
    assert facts.dkim == (("example.com", "sel2048"),)
    assert facts.headers_seen


def test_message_facts_of_a_delivered_message() -> None:
    data = (MESSAGES / "delivered-generic-ptr.eml").read_bytes()
    facts = facts_of(analyze(data), data)
    assert [ip for ip, _ in facts.ips] == ["198.51.100.26"]
    assert (facts.envelope, facts.envelope_source, facts.from_domain) == ("example.net", "Return-Path", "example.net")
    assert facts.dkim == (("example.net", "nosuchselector"),)


def test_message_facts_skip_private_addresses() -> None:
    data = (b"Return-Path: <a@example.com>\nReceived: from pc (pc [10.1.2.3]) by mx.example.com with ESMTP id 1;"
            b" Thu, 16 May 2024 10:00:02 +0000\nFrom: a@example.com\nTo: b@example.org\nSubject: hi\n\nhi\n")
    facts = facts_of(analyze(data), data)
    assert facts.ips == ()
    assert facts.from_domain == "example.com"
