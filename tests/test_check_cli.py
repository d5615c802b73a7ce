"""`ndr check` end to end against knotd on loopback: human output, --json, exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ndr.cli import cli
from tests.knot import KnotServer, knot, servfail_server, silent_udp_server

__all__ = ["knot"]  # the fixture, imported for pytest

pytestmark = pytest.mark.dns
MESSAGES = Path(__file__).parent / "dns" / "messages"
LISTS = "zen.spamhaus.org,b.barracudacentral.org,bl.spamcop.net"


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NDR_CONFIG", str(tmp_path / "absent.toml"))  # never the developer's own [dns]


def run(*args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["check", *args], input=stdin)


def jsonl(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_help_has_examples_and_exit_codes() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "ndr check bounce.eml" in result.output
    assert "Exit status: 0" in result.output
    assert "could not check" in result.output
    top = CliRunner().invoke(cli, ["--help"])
    assert "check" in top.output and "PTR/FCrDNS" in top.output


def test_good_ip_human_output(knot: KnotServer) -> None:
    result = run("--resolver", knot.address, "192.0.2.10")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "192.0.2.10 (IP address): all checks passed"
    assert "reverse DNS   PTR mail.example.com: resolves back (mail.example.com A -> 192.0.2.10)" in result.output
    assert "Spamhaus ZEN (zen.spamhaus.org): not listed" in result.output
    assert "What to do" not in result.output


def test_problems_are_tied_to_remedies(knot: KnotServer) -> None:
    result = run("--resolver", knot.address, "192.0.2.12", "192.0.2.66")
    assert result.exit_code == 0, result.output  # every check ran: problems are not failures of the run
    out = " ".join(result.output.split())  # unwrap
    assert "192.0.2.12 (IP address): 1 problem to fix" in out
    assert "[problem] 192.0.2.12 has no PTR (reverse DNS) record." in out
    assert "-> Publish a PTR record for 192.0.2.12 whose name resolves back to 192.0.2.12 (A record)." in out
    assert "192.0.2.66 (IP address): 2 problems to fix" in out
    assert "request removal at https://check.spamhaus.org/" in out
    assert "request removal at https://www.spamcop.net/bl.shtml" in out


def test_domain_with_ip_on_the_same_command_line(knot: KnotServer) -> None:
    result = run("--resolver", knot.address, "--json", "203.0.113.5", "example.com")
    assert result.exit_code == 0, result.output
    ip, domain = jsonl(result)
    assert (ip["kind"], domain["kind"]) == ("ip", "domain")
    spf = domain["domains"][0]["spf"]
    assert [(s["ip"], s["result"], s["mechanism"]) for s in spf] == [("203.0.113.5", "fail", "-all")]
    assert domain["domains"][0]["dmarc"]["policy"] == "reject"
    codes = [f["code"] for f in domain["findings"]]
    assert codes == ["spf.fail"]
    assert "Add 203.0.113.5 (ip4:/ip6:)" in domain["findings"][0]["remedy"]


def test_domain_alone_checks_the_record(knot: KnotServer) -> None:
    result = run("--resolver", knot.address, "--json", "toomany.example.com", "example.org")
    assert result.exit_code == 0, result.output
    toomany, org = jsonl(result)
    assert toomany["domains"][0]["spf"][0]["result"] == "permerror"
    assert [f["code"] for f in toomany["findings"]] == ["spf.permerror"]  # DMARC: example.com's sp= applies
    assert toomany["domains"][0]["dmarc"]["record_domain"] == "example.com"
    assert "Too many DNS lookups" in toomany["findings"][0]["text"]
    assert [f["code"] for f in org["findings"]] == ["spf.none", "dmarc.none"]


def test_json_of_a_bounce(knot: KnotServer) -> None:
    result = run("--resolver", knot.address, "--dnsbl", LISTS, "--json", str(MESSAGES / "gmail-ptr-ipv4.eml"))
    assert result.exit_code == 0, result.output
    (report,) = jsonl(result)
    assert report["kind"] == "message" and report["complete"] is True
    assert report["verdict"] == "2 problems to fix"
    (ip,) = report["ips"]
    assert (ip["ip"], ip["ptr_present"], ip["fcrdns_ok"], ip["listed_on"]) == ("192.0.2.11", True, False, [])
    assert ip["ptr"]["names"] == ["mismatch.example.com"]
    assert ip["ptr"]["answers"][1]["records"] == ["192.0.2.99"]
    (domain,) = report["domains"]
    assert (domain["domain"], domain["role"]) == ("example.com", "envelope+from")
    dmarc = domain["dmarc"]
    assert (dmarc["spf_aligned"], dmarc["dkim_aligned"]) == (False, True)
    assert [(k["selector"], k["status"], k["bits"]) for k in domain["dkim"]] == [("sel2048", "ok", 2048)]
    assert [f["code"] for f in report["findings"]] == ["ptr.not_confirmed", "spf.fail"]
    assert any("To of the bounce" in n for n in report["notes"])


def test_ipv6_bounce_with_unaligned_from(knot: KnotServer) -> None:
    result = run("--resolver", knot.address, "--json", str(MESSAGES / "gmail-ipv6-unaligned.eml"))
    assert result.exit_code == 0, result.output
    (report,) = jsonl(result)
    codes = [f["code"] for f in report["findings"]]
    assert codes == ["ptr.missing", "spf.fail", "dkim.short", "dmarc.not_aligned"]
    from_check = next(d for d in report["domains"] if d["role"] == "from")
    assert from_check["dmarc"]["effective_policy"] == "quarantine"
    assert from_check["dmarc"]["record_domain"] == "example.com"
    assert report["ips"][0]["ptr"]["query"].endswith(".8.b.d.0.1.0.0.2.ip6.arpa")


def test_delivered_message_human_output(knot: KnotServer) -> None:
    result = run("--resolver", knot.address, str(MESSAGES / "delivered-generic-ptr.eml"))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "sending IP 198.51.100.26: the message's Received headers" in out
    assert "dsl-pool-26.example.net looks generic: it contains 'dsl'" in out
    assert "SPF example.net for 198.51.100.26: pass by 'include:_spf.example.net'" in out
    assert "[problem] No DKIM key is published at nosuchselector._domainkey.example.net" in " ".join(out.split())


def test_message_from_stdin(knot: KnotServer) -> None:
    data = (MESSAGES / "gmail-ptr-ipv4.eml").read_bytes()
    result = run("--resolver", knot.address, "--json", "-", stdin=data)
    assert result.exit_code == 0, result.output
    assert jsonl(result)[0]["ips"][0]["ip"] == "192.0.2.11"


def test_refusing_list_exits_1_and_says_could_not_check(knot: KnotServer) -> None:
    result = run("--resolver", knot.address, "--dnsbl", "zen.spamhaus.org,dnsbl.example.net", "192.0.2.68")
    assert result.exit_code == 1, result.output
    assert "not listed" not in result.output
    out = " ".join(result.output.split())
    assert "could not check [127.255.255.254]" in out
    assert "[could not check] Spamhaus ZEN (zen.spamhaus.org) could not be checked for 192.0.2.68" in out


def test_timeouts_are_reported_and_the_run_goes_on(knot: KnotServer) -> None:
    with silent_udp_server() as silent:
        result = run("--resolver", silent, "--timeout", "0.1", "--retries", "0", "--json",
                     "192.0.2.10", "example.com")
    assert result.exit_code == 1, result.output
    ip, domain = jsonl(result)
    assert ip["complete"] is False and domain["complete"] is False
    assert ip["ips"][0]["ptr"]["status"] == "timeout"
    assert {r["status"] for r in ip["ips"][0]["lists"]} == {"could_not_check"}
    assert domain["domains"][0]["spf"][0]["result"] == "temperror"
    assert domain["domains"][0]["dmarc"]["status"] == "unknown"
    assert all(f["outcome"] == "unknown" for f in ip["findings"] + domain["findings"])


def test_second_resolver_takes_over(knot: KnotServer) -> None:
    with silent_udp_server() as silent:
        result = run("--resolver", silent, "--resolver", knot.address, "--timeout", "0.1", "192.0.2.10")
    assert result.exit_code == 0, result.output
    assert "all checks passed" in result.output


def test_servfail_resolver_exits_1(knot: KnotServer) -> None:
    with servfail_server() as address:
        result = run("--resolver", address, "--json", "example.com")
    assert result.exit_code == 1
    (report,) = jsonl(result)
    assert report["domains"][0]["spf"][0]["result"] == "temperror"
    assert "servfail" in report["domains"][0]["spf"][0]["explanation"]


def test_offline_queries_nothing_and_exits_0() -> None:
    with silent_udp_server() as silent:
        result = run("--resolver", silent, "--offline", "--json", "192.0.2.10", str(MESSAGES / "gmail-ptr-ipv4.eml"))
    assert result.exit_code == 0, result.output
    ip, msg = jsonl(result)
    assert ip["verdict"] == "not checked (offline)"
    assert msg["ips"][0]["ip"] == "192.0.2.11"  # what would be checked is still shown
    assert {f["outcome"] for f in ip["findings"] + msg["findings"]} == {"skipped"}


def test_config_file_dns_section(knot: KnotServer, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[dns]\nresolvers = ["{knot.address}"]\ndnsbl = ["zen.spamhaus.org"]\ntimeout = 2\n')
    result = run("--config", str(config), "--json", "192.0.2.66")
    assert result.exit_code == 0, result.output
    (report,) = jsonl(result)
    assert [r["zone"] for r in report["ips"][0]["lists"]] == ["zen.spamhaus.org"]
    assert report["ips"][0]["listed_on"] == ["zen.spamhaus.org"]


@pytest.mark.parametrize(("args", "message"), [
    (["not a target!"], "is not an IP address, a domain or a readable message file"),
    (["--resolver", "resolver.example.com", "192.0.2.10"], "not an IP address"),
    (["--resolver", "192.0.2.53:0", "192.0.2.10"], "port must be 1-65535"),
    (["--dnsbl", "zen spamhaus", "192.0.2.10"], "is not a block-list zone name"),
    (["--timeout", "0", "192.0.2.10"], "0"),
    ([], "Missing argument"),
])
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_bad_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[dns]\nresolvers = ["resolver.example.com"]\n')
    result = run("--config", str(config), "192.0.2.10")
    assert result.exit_code == 2
    assert "dns.resolvers[0]" in result.output


def test_unreadable_message_is_reported_and_exits_1(knot: KnotServer, tmp_path: Path) -> None:
    result = run("--resolver", knot.address, "--json", str(tmp_path / "missing.eml"), "192.0.2.10")
    assert result.exit_code == 1
    missing, ip = jsonl(result)
    assert missing["kind"] == "error" and "cannot read" in missing["error"]
    assert ip["complete"] is True


def test_only_the_dns_section_of_the_config_matters(knot: KnotServer, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[[sources]]\nname = "x"\ntype = "nosuchtype"\n\n[dns]\nresolvers = ["{knot.address}"]\n')
    result = run("--config", str(config), "192.0.2.10")
    assert result.exit_code == 0, result.output
    missing = run("--config", str(tmp_path / "nope.toml"), "192.0.2.10")
    assert missing.exit_code == 2 and "no such config file" in missing.output
