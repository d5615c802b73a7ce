"""ndr.check against a real authoritative DNS server (knotd on loopback, zones in tests/dns/).

Also a resolver that never answers (timeouts), one that answers SERVFAIL, a zone knot cannot load
(SERVFAIL), names outside knot's zones (REFUSED) and an answer too large for UDP (TCP retry).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from ndr.check import Checker, DnsConfig, Resolver, Status, enrich, parse_server
from ndr.check.dkimkey import check_key
from ndr.check.dmarc import check_dmarc
from ndr.check.dnsbl import check_lists
from ndr.check.model import Outcome
from ndr.check.ptr import check_ptr
from ndr.check.resolver import GIVE_UP_AFTER
from ndr.check.spfcheck import evaluate
from tests.knot import KnotServer, knot, servfail_server, silent_udp_server

__all__ = ["knot"]  # the fixture, imported for pytest

pytestmark = pytest.mark.dns
ZONES = ("zen.spamhaus.org", "b.barracudacentral.org", "bl.spamcop.net")


def _resolver(*addresses: str, **kw: object) -> Resolver:
    settings: dict[str, object] = {"timeout": 2.0, "retries": 1}
    settings.update(kw)
    return Resolver(DnsConfig(servers=tuple(parse_server(a) for a in addresses), **settings))  # type: ignore[arg-type]


@pytest.fixture
def resolver(knot: KnotServer) -> Iterator[Resolver]:
    with _resolver(knot.address) as r:
        yield r


# --- the resolver ---------------------------------------------------------------------------------

def test_answers_and_negative_answers(resolver: Resolver) -> None:
    a = resolver.lookup("mail.example.com", "A")
    assert (a.status, a.records, a.tcp) == (Status.OK, ("192.0.2.10",), False)
    assert resolver.lookup("nx1.example.com", "A").status is Status.NXDOMAIN
    assert resolver.lookup("mail.example.com", "AAAA").status is Status.NODATA
    mx = resolver.lookup("example.com", "MX")
    assert mx.records == ("10 mail.example.com",)
    ptr = resolver.lookup("15.2.0.192.in-addr.arpa", "PTR")
    assert ptr.records == ("mx2.example.com", "other.example.com")


def test_truncated_answer_is_retried_over_tcp(resolver: Resolver) -> None:
    big = resolver.lookup("big.example.com", "TXT")
    assert big.status is Status.OK
    assert big.tcp is True
    assert sorted(r[0] for r in big.records) == list("abcdefgh")
    assert all(len(r) == 200 for r in big.records)
    small = resolver.lookup("example.com", "TXT")
    assert small.tcp is False


def test_refused_outside_the_servers_zones(resolver: Resolver) -> None:
    answer = resolver.lookup("www.example.invalid", "A")
    assert answer.status is Status.REFUSED
    assert not answer.definite


def test_servfail_from_an_unloadable_zone(resolver: Resolver) -> None:
    answer = resolver.lookup("x.broken.example.org", "TXT")
    assert answer.status is Status.SERVFAIL
    assert "SERVFAIL" in answer.describe()


def test_servfail_responder() -> None:
    with servfail_server() as address, _resolver(address) as r:
        answer = r.lookup("example.com", "TXT")
    assert answer.status is Status.SERVFAIL
    assert r.sent == 1  # a SERVFAIL is an answer: not retried on the same server


def test_cache_per_run(resolver: Resolver) -> None:
    before = resolver.sent
    first = resolver.lookup("mail.example.com", "A")
    again = resolver.lookup("MAIL.example.com.", "a")
    assert first is again
    assert resolver.sent == before + 1
    assert resolver.hits >= 1


def test_silent_resolver_times_out_and_the_next_server_answers(knot: KnotServer) -> None:
    with silent_udp_server() as silent:
        with _resolver(silent, timeout=0.2, retries=1) as r:
            answer = r.lookup("mail.example.com", "A")
        assert answer.status is Status.TIMEOUT
        assert answer.detail is not None and "after 2 tries of 0.2s" in answer.detail
        assert r.sent == 2
        with _resolver(silent, knot.address, timeout=0.2, retries=1) as r:
            answer = r.lookup("mail.example.com", "A")
        assert (answer.status, answer.records, answer.server) == (Status.OK, ("192.0.2.10",), knot.address)


def test_unreachable_resolver_is_given_up(knot: KnotServer) -> None:
    with silent_udp_server() as silent, _resolver(silent, timeout=0.1, retries=0, concurrency=1) as r:
        answers = [r.lookup(f"h{i}.example.com", "A") for i in range(GIVE_UP_AFTER + 8)]
    assert all(a.status is Status.TIMEOUT for a in answers)
    assert r.sent == GIVE_UP_AFTER
    assert answers[-1].detail is not None and "gave up" in answers[-1].detail


def test_offline_sends_nothing() -> None:
    with silent_udp_server() as silent, _resolver(silent, offline=True) as r:
        answer = r.lookup("mail.example.com", "A")
        report = Checker(r).check_ip_target("192.0.2.10", "192.0.2.10")
    assert answer.status is Status.OFFLINE
    assert r.sent == 0
    assert report.verdict == "not checked (offline)"
    assert {f.outcome for f in report.all_findings()} == {Outcome.SKIPPED}


def test_concurrency_is_bounded(resolver: Resolver) -> None:
    with _resolver(resolver.servers[0].__str__(), concurrency=3) as r:
        names = r.map(lambda _: threading.current_thread().name, list(range(40)))
        nested = r.map(lambda _: r.map(lambda x: x, [1, 2, 3]), [0, 1])  # nested maps run inline: no deadlock
    assert 1 <= len(set(names)) <= 3
    assert nested == [[1, 2, 3], [1, 2, 3]]


# --- PTR / FCrDNS ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("ip", "names", "fcrdns", "confirmed", "generic"), [
    ("192.0.2.10", ("mail.example.com",), True, "mail.example.com", False),
    ("192.0.2.11", ("mismatch.example.com",), False, None, False),
    ("192.0.2.12", (), False, None, False),
    ("192.0.2.13", ("192-0-2-13.dyn.example.net",), True, "192-0-2-13.dyn.example.net", True),
    ("192.0.2.14", ("gone.example.com",), False, None, False),
    ("192.0.2.15", ("mx2.example.com", "other.example.com"), True, "mx2.example.com", False),
    ("198.51.100.26", ("dsl-pool-26.example.net",), True, "dsl-pool-26.example.net", True),
    ("203.0.113.5", (), False, None, False),
    ("2001:db8::25", ("mx6.example.com",), True, "mx6.example.com", False),
    ("2001:db8::26", ("mx6bad.example.com",), False, None, False),
    ("2001:db8::dead:beef", (), False, None, False),
    ("2001:db8:0:1::5", ("2001-db8-0-1--5.pool.example.net",), True, "2001-db8-0-1--5.pool.example.net", True),
])
def test_ptr_and_fcrdns(resolver: Resolver, ip: str, names: tuple[str, ...], fcrdns: bool,
                        confirmed: str | None, generic: bool) -> None:
    ptr = check_ptr(ip, resolver)
    assert ptr.names == names
    assert ptr.present is bool(names)
    assert ptr.fcrdns is fcrdns
    assert ptr.confirmed_name == confirmed
    assert bool(ptr.generic) is generic


def test_ptr_of_an_unreachable_resolver_is_unknown_not_missing() -> None:
    with silent_udp_server() as silent, _resolver(silent, timeout=0.1, retries=0) as r:
        ptr = check_ptr("192.0.2.10", r)
    assert ptr.present is None
    assert ptr.fcrdns is None


# --- SPF ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("domain", "ip", "result", "mechanism", "explanation"), [
    ("example.com", "192.0.2.10", "pass", "ip4:192.0.2.10", None),
    ("example.com", "2001:db8::25", "pass", "ip6:2001:db8::/64", None),
    ("example.com", "198.51.100.25", "pass", "include:_spf.example.net", None),
    ("example.com", "203.0.113.5", "fail", "-all", None),
    ("redirect.example.com", "198.51.100.25", "pass", "ip4:198.51.100.0/24", None),
    ("redirect.example.com", "203.0.113.5", "softfail", "~all", None),
    ("neutral.example.com", "192.0.2.10", "neutral", "?all", None),
    ("mxonly.example.com", "192.0.2.10", "pass", "mx:example.com", None),
    ("macro.example.com", "192.0.2.10", "pass", "exists:%{i}.allow.example.com", None),
    ("macro.example.com", "192.0.2.11", "fail", "-all", None),
    ("macro-d.example.com", "192.0.2.15", "pass", "a:%{d}.hosts.example.com", None),
    ("toomany.example.com", "203.0.113.5", "permerror", None, "Too many DNS lookups"),
    ("void.example.com", "203.0.113.5", "permerror", None, "Void lookup limit of 2 exceeded"),
    ("badsyntax.example.com", "192.0.2.10", "permerror", None, "Invalid IP4 address: ip4:192.0.2.300"),
    ("twospf.example.com", "192.0.2.10", "permerror", None, "2 SPF records published"),
    ("example.org", "192.0.2.10", "none", None, None),
    ("nonexistent.example.com", "192.0.2.10", "none", None, None),
    ("x.broken.example.org", "192.0.2.10", "temperror", None, "servfail"),
])
def test_spf_evaluation(resolver: Resolver, domain: str, ip: str, result: str, mechanism: str | None,
                        explanation: str | None) -> None:
    spf = evaluate(domain, ip, resolver)
    assert spf.result == result
    assert spf.mechanism == mechanism
    if explanation is not None:
        assert spf.explanation is not None and explanation in spf.explanation
    assert spf.answers and spf.answers[0].name == domain


def test_spf_lookup_counts_and_evidence(resolver: Resolver) -> None:
    spf = evaluate("toomany.example.com", "203.0.113.5", resolver)
    assert spf.lookups == 11
    assert {a.name for a in spf.answers} >= {f"h{i}.example.com" for i in range(1, 11)}
    assert evaluate("example.com", "198.51.100.25", resolver).lookups == 1


def test_spf_record_validity_without_an_ip(resolver: Resolver) -> None:
    assert evaluate("example.com", None, resolver).result == "valid"
    assert evaluate("toomany.example.com", None, resolver).result == "permerror"
    assert evaluate("example.org", None, resolver).result == "none"


def test_spf_temperror_when_an_include_times_out(knot: KnotServer) -> None:
    with silent_udp_server() as silent, _resolver(silent, timeout=0.1, retries=0) as r:
        assert evaluate("example.com", "203.0.113.5", r).result == "temperror"


# --- DKIM keys ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("selector", "status", "key_type", "bits"), [
    ("sel2048", "ok", "rsa", 2048),
    ("sel1024", "ok", "rsa", 1024),
    ("ed", "ok", "ed25519", 256),
    ("revoked", "revoked", "rsa", None),
    ("broken", "invalid", "rsa", None),
    ("nosuchselector", "missing", None, None),
])
def test_dkim_keys(resolver: Resolver, selector: str, status: str, key_type: str | None, bits: int | None) -> None:
    key = check_key("example.com", selector, resolver)
    assert (key.status, key.key_type, key.bits) == (status, key_type, bits)
    assert key.name == f"{selector}._domainkey.example.com"


def test_dkim_key_lookup_failure_is_unknown(resolver: Resolver) -> None:
    assert check_key("broken.example.org", "s1", resolver).status == "unknown"


# --- DMARC ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("domain", "status", "record_domain", "policy", "effective", "pct"), [
    ("example.com", "ok", "example.com", "reject", "reject", 100),
    ("sub.example.com", "ok", "example.com", "reject", "quarantine", 100),  # sp= applies to subdomains
    ("deep.sub.example.com", "ok", "example.com", "reject", "quarantine", 100),
    ("example.net", "ok", "example.net", "quarantine", "quarantine", 50),
    ("none.example.net", "ok", "none.example.net", "none", "none", 100),
    ("example.org", "none", None, None, None, None),
    ("baddmarc.example.com", "invalid", "baddmarc.example.com", None, None, None),
    ("x.broken.example.org", "unknown", None, None, None, None),
])
def test_dmarc_policy_discovery(resolver: Resolver, domain: str, status: str, record_domain: str | None,
                                policy: str | None, effective: str | None, pct: int | None) -> None:
    d = check_dmarc(domain, resolver)
    assert (d.status, d.record_domain, d.policy, d.effective_policy, d.pct) == (
        status, record_domain, policy, effective, pct)
    assert d.spf_aligned is None and d.dkim_aligned is None  # no message: alignment not judged


def test_dmarc_record_fields(resolver: Resolver) -> None:
    d = check_dmarc("example.com", resolver)
    assert (d.subdomain_policy, d.adkim, d.aspf, d.rua) == ("quarantine", "s", "r",
                                                             ("mailto:dmarc-reports@example.com",))
    assert d.org_domain == "example.com"
    assert check_dmarc("baddmarc.example.com", resolver).problem == "p='maybe' is not none, quarantine or reject"


# --- block lists ----------------------------------------------------------------------------------

def _lists(resolver: Resolver, ip: str, zones: tuple[str, ...] = ZONES) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {r.zone: (r.status, r.codes) for r in check_lists(ip, zones, resolver)}


def test_listed_with_code_meanings_and_reason(resolver: Resolver) -> None:
    results = {r.zone: r for r in check_lists("192.0.2.66", ZONES, resolver)}
    zen = results["zen.spamhaus.org"]
    assert (zen.status, zen.codes) == ("listed", ("127.0.0.2", "127.0.0.4"))
    assert zen.meanings[0].startswith("SBL: ") and zen.meanings[1].startswith("XBL: ")
    assert zen.reason == "Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL000001"
    assert zen.removal == "https://check.spamhaus.org/"
    assert results["bl.spamcop.net"].status == "listed"
    assert results["b.barracudacentral.org"].status == "not_listed"


def test_list_answers(resolver: Resolver) -> None:
    assert _lists(resolver, "192.0.2.10")["zen.spamhaus.org"] == ("not_listed", ())
    assert _lists(resolver, "192.0.2.67")["zen.spamhaus.org"] == ("listed", ("127.0.0.10",))
    assert _lists(resolver, "2001:db8::bad") == {
        "zen.spamhaus.org": ("listed", ("127.0.0.3",)),
        "b.barracudacentral.org": ("not_applicable", ()),
        "bl.spamcop.net": ("not_applicable", ()),
    }


def test_refusal_codes_are_could_not_check_never_not_listed(resolver: Resolver) -> None:
    zen = check_lists("192.0.2.68", ("zen.spamhaus.org",), resolver)[0]
    assert (zen.status, zen.codes) == ("could_not_check", ("127.255.255.254",))
    assert "public/open resolver" in zen.meanings[0]
    generic = check_lists("192.0.2.10", ("dnsbl.example.net",), resolver)[0]
    assert (generic.status, generic.codes) == ("could_not_check", ("127.255.255.254",))
    assert "refused" in generic.meanings[0]
    servfail = check_lists("192.0.2.10", ("broken.example.org",), resolver)[0]
    assert servfail.status == "could_not_check"
    refused = check_lists("192.0.2.10", ("list.example.invalid",), resolver)[0]
    assert refused.status == "could_not_check"


def test_list_findings(resolver: Resolver) -> None:
    checks = Checker(resolver, dnsbls=ZONES).check_ips(["192.0.2.67", "192.0.2.68"])
    pbl = [f for f in checks["192.0.2.67"].findings if f.code.startswith("dnsbl")]
    assert [(f.code, f.outcome) for f in pbl] == [("dnsbl.pbl", Outcome.WARNING)]
    refused = [f for f in checks["192.0.2.68"].findings if f.code.startswith("dnsbl")]
    assert [(f.code, f.outcome) for f in refused] == [("dnsbl.unknown", Outcome.UNKNOWN)]
    assert "could not be checked" in refused[0].text


# --- enrichment for report clusters ---------------------------------------------------------------

def test_enrich_cluster_ips(resolver: Resolver) -> None:
    checks = enrich(["192.0.2.66", "2001:db8::25", "192.0.2.12", "192.0.2.66"], ["example.com"], resolver,
                    dnsbls=ZONES)
    assert list(checks) == ["192.0.2.66", "2001:db8::25", "192.0.2.12"]
    listed, good, missing = checks["192.0.2.66"], checks["2001:db8::25"], checks["192.0.2.12"]
    assert (listed.ptr_present, listed.fcrdns_ok, listed.listed_on) == (True, True,
                                                                        ("zen.spamhaus.org", "bl.spamcop.net"))
    assert listed.spf_results == {"example.com": "fail"}
    assert "request removal at https://check.spamhaus.org/" in listed.advice
    assert (good.ptr_present, good.fcrdns_ok, good.listed_on, good.spf_results) == (True, True, (),
                                                                                    {"example.com": "pass"})
    assert good.advice.startswith("Reverse DNS, block lists and SPF look fine")
    assert (missing.ptr_present, missing.fcrdns_ok) == (False, False)
    assert missing.advice.startswith("192.0.2.12 has no PTR")


def test_enrich_checks_each_ip_once_per_run(resolver: Resolver) -> None:
    checker = Checker(resolver, dnsbls=ZONES)
    first = checker.check_ips(["192.0.2.15"], ["example.com"])
    sent = resolver.sent
    again = checker.check_ips(["192.0.2.15"], ["example.com"])
    assert resolver.sent == sent
    assert again == first
    enrich(["192.0.2.15"], ["example.com"], resolver, dnsbls=ZONES)  # a new Checker: the resolver's cache
    assert resolver.sent == sent


def test_shared_pool_remedy_names_the_provider(resolver: Resolver) -> None:
    checks = enrich(["2a01:111:f403:2612::700"], [], resolver, dnsbls=())
    c = checks["2a01:111:f403:2612::700"]
    assert c.network == "Microsoft 365 outbound (2a01:111:f403::/48)" and c.shared
    assert c.ptr_present is False
    finding = next(f for f in c.findings if f.code == "ptr.missing")
    assert finding.remedy is not None and "Microsoft 365's shared outbound pool" in finding.remedy


def test_enrich_with_a_dead_resolver_reports_unknown() -> None:
    with silent_udp_server() as silent, _resolver(silent, timeout=0.1, retries=0) as r:
        c = enrich(["192.0.2.10"], ["example.com"], r, dnsbls=ZONES)["192.0.2.10"]
    assert (c.ptr_present, c.fcrdns_ok, c.listed_on) == (None, None, ())
    assert {x.status for x in c.lists} == {"could_not_check"}
    assert c.spf_results == {"example.com": "temperror"}
    assert {f.outcome for f in c.findings} == {Outcome.UNKNOWN}
