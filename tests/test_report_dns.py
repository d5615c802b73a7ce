"""DNS checks in the reports, against a real authoritative DNS server (knotd, zones in tests/dns/)
behind a counting forwarder (tests/dnsproxy.py): bounces go through `ndr scan` into a store, then
`ndr report --dns` checks each cluster's sending IPs once per run.

The addresses: 192.0.2.10 has a PTR that resolves back and SPF pass for example.com; 203.0.113.25
has no PTR; 192.0.2.66 is listed on zen.spamhaus.org and bl.spamcop.net (and named by two clusters);
198.51.100.25/.26 are one cluster of two addresses (.26 has a dynamic-looking name);
2a01:111:f403:2612::700 is Microsoft 365's shared pool without a PTR.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ndr.check.config import DnsConfig, parse_server
from ndr.check.model import IpCheck, PtrCheck
from ndr.check.resolver import GIVE_UP_AFTER, Answer, Status
from reports.build import build_report
from reports.cells import is_formula_like
from reports.dns import check_report, checked_text, plan
from reports.dns_columns import yes_no
from reports.dns_html import cell_state
from reports.model import Period, Report, ReportOptions
from reports.networks import NetworkTable
from reports.write import write_formats
from tests.dnsproxy import CountingProxy, counting_proxy
from tests.knot import KnotServer, knot
from tests.scanhelp import ROOT, ndr, process_env, toml_source, write_config
from tests.test_aggregate import row
from tests.test_html_browser import Page, browser

__all__ = ["browser", "knot"]  # the fixtures, imported for pytest

pytestmark = pytest.mark.dns
PERIOD = ("--from", "2025-03-01", "--to", "2025-03-31")
M365 = "2a01:111:f403:2612::700"
# The TXT reason of 192.0.2.66 on the hostile.example.net list (tests/dns/hostile.example.net.zone).
HOSTILE_TXT = '<script>window.__pwned = 4</script><img src=x onerror="window.__pwned = 5"> =HYPERLINK("http://example.com")'


def bounce(n: int, rcpt: str, status: str, diag: str, sender: str, *, day: int = 18,
           action: str = "failed") -> bytes:
    """A Postfix DSN refusing `rcpt` with `diag` (which names the sending IP), original From `sender`, returned
    to `sender` as the envelope sender (SPF in reports is of the envelope domain)."""
    return f"""Return-Path: <>
Received: from relay1.example.net (relay1.example.net [198.51.100.200]) by mx.example.com (Postfix)
 with ESMTPS id 4XH{n}; Tue, {day} Mar 2025 10:{n:02d}:05 +0000
From: MAILER-DAEMON@relay1.example.net (Mail Delivery System)
To: <{sender}>
Subject: Undelivered Mail Returned to Sender
Date: Tue, {day} Mar 2025 10:{n:02d}:04 +0000
Message-ID: <b{n}@relay1.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain; charset=us-ascii

This is the mail system at host relay1.example.net.

<{rcpt}>: host mx1.example.org[192.0.2.25] said: {diag}

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; relay1.example.net

Final-Recipient: rfc822; {rcpt}
Action: {action}
Status: {status}
Remote-MTA: dns; mx1.example.org
Diagnostic-Code: smtp; {diag}

--B
Content-Type: text/rfc822-headers

From: Sender <{sender}>
To: {rcpt}
Subject: Hello {n}
Message-ID: <orig{n}@example.com>
Date: Tue, {day} Mar 2025 10:00:00 +0000

--B--
""".replace("\n", "\r\n").encode()


GMAIL_SPAM = "550-5.7.1 [{ip} 12] Our system has detected that this message is likely unsolicited mail. - gsmtp"
GMAIL_PTR = ("550-5.7.25 [{ip}] The IP address sending this message does not have a PTR record setup, or the "
             "corresponding forward DNS entry does not point to the sending IP. - gsmtp")
GMAIL_V6 = ("550-5.7.1 [{ip} 12] Our system has detected that this message does not meet IPv6 sending guidelines "
            "regarding PTR records and authentication. - gsmtp")
SPAMHAUS = "554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org"
RATE = "421-4.7.28 [{ip}] Our system has detected an unusual rate of unsolicited mail from your IP address. - gsmtp"
REPUTATION = "550 5.7.1 [{ip}] Messages from this address are refused because of its poor reputation"


def mailbox(root: Path) -> Path:
    mail = root / "mail"
    mail.mkdir()
    messages = [
        ("u1@gmail.example", "5.7.1", GMAIL_SPAM.format(ip="192.0.2.10"), "news@example.com", "failed"),
        ("u2@gmail.example", "5.7.25", GMAIL_PTR.format(ip="203.0.113.25"), "info@example.org", "failed"),
        ("u3@example.net", "5.7.1", SPAMHAUS.format(ip="192.0.2.66"), "news@example.com", "failed"),
        ("u4@gmail.example", "4.7.28", RATE.format(ip="192.0.2.66"), "news@example.com", "delayed"),
        ("u5@gmail.example", "5.7.1", GMAIL_V6.format(ip=M365), "sales@example.com", "failed"),
        ("u6@example.org", "5.7.1", REPUTATION.format(ip="198.51.100.25"), "news@example.net", "failed"),
        ("u7@example.org", "5.7.1", REPUTATION.format(ip="198.51.100.25"), "news@example.net", "failed"),
        ("u8@example.org", "5.7.1", REPUTATION.format(ip="198.51.100.26"), "news@example.net", "failed"),
    ]
    for n, (rcpt, status, diag, sender, action) in enumerate(messages, start=1):
        (mail / f"{n}.eml").write_bytes(bounce(n, rcpt, status, diag, sender, action=action))
    return mail


@dataclass(frozen=True, slots=True, kw_only=True)
class Setup:
    config: Path  # the ndr config ([dns] resolvers = the proxy)
    proxy: CountingProxy


def write_cfg(tmp: Path, mail: Path, resolver: str, *, dns: str = "", report: str = "") -> Path:
    cfg = write_config(tmp, toml_source("bounces", "dir", mail))
    cfg.write_text(cfg.read_text() + f'\n[dns]\nresolvers = ["{resolver}"]\ntimeout = 2.0\n{dns}\n' + report)
    return cfg


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(store file, mail dir): the bounces scanned once for the whole module (no DNS involved)."""
    tmp = tmp_path_factory.mktemp("store")
    mail = mailbox(tmp)
    cfg = write_cfg(tmp, mail, "127.0.0.1:9")
    scanned = ndr("scan", "--config", str(cfg), "-q")
    assert scanned.code == 0, scanned.err
    return tmp / "store.sqlite3", mail


@pytest.fixture
def proxy(knot: KnotServer) -> Iterator[CountingProxy]:
    with counting_proxy(knot.address) as p:
        yield p


def config_for(tmp: Path, store: tuple[Path, Path], resolver: str, *, dns: str = "") -> Path:
    cfg = write_cfg(tmp, store[1], resolver, dns=dns)
    cfg.write_text(cfg.read_text().replace(str(tmp / "store.sqlite3"), str(store[0])))
    return cfg


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def by_reason(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["reason"]: r for r in rows}


# --- ndr report --dns against knotd -----------------------------------------------------------------

@pytest.fixture(scope="module")
def dns_run(store: tuple[Path, Path], knot: KnotServer,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[tuple[str, str]], str]]:
    """(output dir, queries seen on the wire, stdout) of one `ndr report --dns` run."""
    tmp = tmp_path_factory.mktemp("dns-run")
    with counting_proxy(knot.address) as p:
        cfg = config_for(tmp, store, p.address)
        ran = ndr("report", "--config", str(cfg), *PERIOD, "--out", str(tmp / "out"), "--dns")
        assert ran.code == 0, ran.err
        yield tmp / "out", p.seen(), ran.out


def test_cluster_columns_in_csv(dns_run: tuple[Path, list[tuple[str, str]], str]) -> None:
    out, _, stdout = dns_run
    rows = read_csv(out / "clusters.csv")
    assert list(rows[0])[-6:] == ["dns_checked", "ptr_present", "fcrdns_ok", "spf_result", "listed_on", "dns_advice"]
    c = by_reason(rows)
    good = c["spamdetected"]  # (a) PTR mail.example.com resolves back
    assert (good["dns_checked"], good["ptr_present"], good["fcrdns_ok"]) == ("192.0.2.10", "yes", "yes")
    assert (good["spf_result"], good["listed_on"]) == ("example.com: pass", "none")
    assert good["dns_advice"] == "Reverse DNS, block lists and SPF look fine for this address."
    noptr = next(r for r in rows if r["prefix"] == "203.0.113.0/24")  # (b) no PTR at all
    assert (noptr["ptr_present"], noptr["fcrdns_ok"], noptr["spf_result"]) == ("no", "no", "example.org: none")
    assert noptr["dns_advice"].startswith("203.0.113.25 has no PTR (reverse DNS) record. Publish a PTR record for "
                                          "203.0.113.25 whose name resolves back")
    listed = c["blocked"]  # (c) on two block lists
    assert (listed["dns_checked"], listed["listed_on"]) == ("192.0.2.66", "zen.spamhaus.org, bl.spamcop.net")
    assert (listed["ptr_present"], listed["fcrdns_ok"], listed["spf_result"]) == ("yes", "yes", "example.com: fail")
    assert listed["dns_advice"].startswith("192.0.2.66 is listed on Spamhaus ZEN (zen.spamhaus.org): SBL")
    assert "request removal at https://check.spamhaus.org/" in listed["dns_advice"]
    delay = c["speeding"]  # the same address in a delay cluster: same answers
    assert (delay["type"], delay["listed_on"]) == ("delay", "zen.spamhaus.org, bl.spamcop.net")
    pair = c["badreputation"]  # two addresses, most failures first; .26 has a dynamic-looking PTR name
    assert (pair["dns_checked"], pair["ptr_present"], pair["fcrdns_ok"]) == ("198.51.100.25, 198.51.100.26", "yes",
                                                                             "yes")
    assert pair["spf_result"] == "example.net: pass"  # include:_spf.example.net has 198.51.100.0/24
    assert pair["dns_advice"].startswith("The PTR name dsl-pool-26.example.net looks generic or dynamic")
    assert "DNS checks: 6 sending addresses of 6 clusters via 127.0.0.1:" in stdout


def test_shared_pool_keeps_the_providers_advice(dns_run: tuple[Path, list[tuple[str, str]], str]) -> None:
    out, _, _ = dns_run
    m365 = next(r for r in read_csv(out / "clusters.csv") if r["prefix"] == "2a01:111:f403:2612::/64")
    assert (m365["ptr_present"], m365["fcrdns_ok"], m365["listed_on"]) == ("no", "no", "none")
    assert "Microsoft 365's shared outbound pool" in m365["advice"] and "outbound connector" in m365["advice"]
    assert "Publish a PTR" not in m365["advice"] + m365["dns_advice"]  # not the customer's to publish
    assert m365["dns_advice"] == (f"{M365} has no PTR (reverse DNS) record. The fix is the network owner's: see the "
                                  "recommended action.")
    checks = {r["ip"]: r for r in read_csv(out / "dns_checks.csv")}
    assert checks[M365]["shared"] == "true"
    assert checks[M365]["network"] == "Microsoft 365 outbound (2a01:111:f403::/48)"


def test_each_address_is_queried_once(dns_run: tuple[Path, list[tuple[str, str]], str]) -> None:
    out, seen, _ = dns_run
    twice = {q: n for q, n in Counter(seen).items() if n > 1}
    assert twice == {}
    assert ("66.2.0.192.in-addr.arpa", "PTR") in seen  # named by two clusters, asked once
    assert ("66.2.0.192.zen.spamhaus.org", "A") in seen
    ptrs = sorted(name for name, rtype in seen if rtype == "PTR")
    assert len(ptrs) == 6  # the six distinct sending addresses
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert doc["dns"]["queries"] == len(seen)  # ndr's counter agrees with the wire
    assert doc["dns"]["cache_hits"] > 0
    assert doc["dns"]["incomplete"] == []


def test_json_columns_and_evidence(dns_run: tuple[Path, list[tuple[str, str]], str]) -> None:
    out, _, _ = dns_run
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    csv_rows = {r["id"]: r for r in read_csv(out / "clusters.csv")}
    for cluster in doc["clusters"]:
        for key in ("dns_checked", "ptr_present", "fcrdns_ok", "spf_result", "listed_on", "dns_advice"):
            assert cluster[key] == csv_rows[cluster["id"]][key], (cluster["id"], key)
    blocked = next(c for c in doc["clusters"] if c["reason"] == "blocked")
    assert doc["dns"]["clusters"][blocked["id"]] == {"ips": ["192.0.2.66"], "not_checked": 0,
                                                     "domains": ["example.com"]}
    ip = doc["dns"]["ips"]["192.0.2.66"]
    assert (ip["ptr_present"], ip["fcrdns_ok"], ip["listed_on"]) == (True, True, ["zen.spamhaus.org", "bl.spamcop.net"])
    zen = next(r for r in ip["lists"] if r["zone"] == "zen.spamhaus.org")
    assert zen["codes"] == ["127.0.0.2", "127.0.0.4"]
    assert zen["reason"] == "Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL000001"
    assert ip["ptr"]["names"] == ["mail66.example.com"]
    assert ip["ptr"]["forward"][0]["addresses"] == ["192.0.2.66"]
    assert doc["dns_checks"][0]["ip"] in doc["dns"]["ips"]
    good = doc["dns"]["ips"]["192.0.2.10"]
    assert good["spf"][0]["mechanism"] == "ip4:192.0.2.10"
    assert good["spf"][0]["record"].startswith("v=spf1 ip4:192.0.2.10")


def test_xlsx_clusters_sheet_and_dns_sheet(dns_run: tuple[Path, list[tuple[str, str]], str]) -> None:
    out, _, _ = dns_run
    wb = openpyxl.load_workbook(out / "report.xlsx")
    assert wb.sheetnames == ["summary", "clusters", "dns_checks", "daily", "daily_wide", "failures"]
    head = [c.value for c in wb["clusters"][1]]
    assert head[-6:] == ["dns_checked", "ptr_present", "fcrdns_ok", "spf_result", "listed_on", "dns_advice"]
    rows = [dict(zip(head, (c.value for c in r), strict=True)) for r in wb["clusters"].iter_rows(min_row=2)]
    assert next(r for r in rows if r["reason"] == "blocked")["listed_on"] == "zen.spamhaus.org, bl.spamcop.net"
    ws = wb["dns_checks"]
    head = [c.value for c in ws[1]]
    ips = {r[0].value: dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2)}
    assert ips["203.0.113.25"]["ptr_present"].value is False  # a real boolean
    assert ips["192.0.2.10"]["fcrdns_ok"].value is True
    assert ips["192.0.2.10"]["confirmed_name"].value == "mail.example.com"
    assert ws.freeze_panes == "A2"


def test_html_cluster_table_and_drill_down(dns_run: tuple[Path, list[tuple[str, str]], str]) -> None:
    out, _, _ = dns_run
    page = (out / "report.html").read_text(encoding="utf-8")
    for title in (">PTR<", ">FCrDNS<", ">SPF<", ">Listed on<"):
        assert title in page
    assert 'class="dns listed_on dns-bad">zen.spamhaus.org, bl.spamcop.net</td>' in page
    assert 'class="dns ptr_present dns-ok">yes</td>' in page
    # the evidence: PTR names, forward answers, the SPF record and deciding mechanism, list answers and TXT
    assert "<code>66.2.0.192.in-addr.arpa PTR -&gt; mail66.example.com</code>" in page
    assert "<code>mail66.example.com A -&gt; 192.0.2.66 (resolves back)</code>" in page
    assert "<code>66.2.0.192.zen.spamhaus.org A -&gt; 127.0.0.2, 127.0.0.4</code>" in page
    assert "the list says: &#34;Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL000001&#34;" in page
    assert "pass, decided by &#39;ip4:192.0.2.10&#39;" in page
    assert "<code>record: v=spf1 ip4:192.0.2.10 ip6:2001:db8::/64 include:_spf.example.net -all</code>" in page
    assert "<code>25.113.0.203.in-addr.arpa PTR: NXDOMAIN (no such name)</code>" in page
    assert "<strong>DNS checks.</strong> Reverse DNS, block lists and SPF look fine for this address." in page


def test_per_cluster_bound(store: tuple[Path, Path], proxy: CountingProxy, tmp_path: Path) -> None:
    cfg = config_for(tmp_path, store, proxy.address)
    ran = ndr("report", "--config", str(cfg), *PERIOD, "--out", str(tmp_path / "out"), "--format", "csv", "--dns",
              "--dns-max-ips", "1")
    assert ran.code == 0, ran.err
    pair = by_reason(read_csv(tmp_path / "out" / "clusters.csv"))["badreputation"]
    assert pair["dns_checked"] == "198.51.100.25 (+1 not checked)"  # the address with more failures
    assert pair["dns_advice"] == "Reverse DNS, block lists and SPF look fine for this address."
    seen = proxy.seen()
    assert ("25.100.51.198.in-addr.arpa", "PTR") in seen
    assert not [q for q in seen if q[0].startswith("26.100.51.198.")]  # the other one: never asked
    assert [r["ip"] for r in read_csv(tmp_path / "out" / "dns_checks.csv")].count("198.51.100.26") == 0


# --- no lookup unless asked --------------------------------------------------------------------------

def test_without_dns_nothing_is_looked_up(store: tuple[Path, Path], proxy: CountingProxy, tmp_path: Path) -> None:
    cfg = config_for(tmp_path, store, proxy.address)  # [dns] configured, enabled = false (the default)
    ran = ndr("report", "--config", str(cfg), *PERIOD, "--out", str(tmp_path / "off"))
    assert ran.code == 0, ran.err
    assert "DNS checks" not in ran.out + ran.err
    (tmp_path / "on").mkdir()
    on = config_for(tmp_path / "on", store, proxy.address, dns="enabled = true")
    ran = ndr("report", "--config", str(on), *PERIOD, "--out", str(tmp_path / "forced-off"), "--no-dns")
    assert ran.code == 0, ran.err
    assert proxy.seen() == []  # not one packet reached the resolver
    for out in (tmp_path / "off", tmp_path / "forced-off"):
        rows = read_csv(out / "clusters.csv")
        assert "ptr_present" not in rows[0] and "dns_advice" not in rows[0]
        assert not (out / "dns_checks.csv").exists()
        doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
        assert "dns" not in doc and "ptr_present" not in doc["clusters"][0]
        assert ">FCrDNS<" not in (out / "report.html").read_text(encoding="utf-8")
    ran = ndr("report", "--config", str(on), *PERIOD, "--out", str(tmp_path / "enabled"), "--format", "csv")
    assert ran.code == 0, ran.err
    assert proxy.seen() != []  # [dns] enabled = true alone turns the checks on
    assert "ptr_present" in read_csv(tmp_path / "enabled" / "clusters.csv")[0]


def test_scan_passes_dns_to_its_reports(proxy: CountingProxy, tmp_path: Path) -> None:
    mail = mailbox(tmp_path)
    out = tmp_path / "reports"
    report = f'\n[report]\nout = "{out}"\nformats = ["csv"]\nsince = "36500d"\n'
    cfg = write_cfg(tmp_path, mail, proxy.address, report=report)
    ran = ndr("scan", "--config", str(cfg), "-q")
    assert ran.code == 0, ran.err
    assert proxy.seen() == []  # scanning and reporting without --dns: no lookup
    assert not (out / "dns_checks.csv").exists()
    ran = ndr("scan", "--config", str(cfg), "-q", "--dns")
    assert ran.code == 0, ran.err
    assert "DNS checks: 6 sending addresses" in ran.out
    assert len([q for q in proxy.seen() if q[1] == "PTR"]) == 6
    blocked = by_reason(read_csv(out / "clusters.csv"))["blocked"]
    assert blocked["listed_on"] == "zen.spamhaus.org, bl.spamcop.net"


def test_offline_queries_nothing(store: tuple[Path, Path], proxy: CountingProxy, tmp_path: Path) -> None:
    cfg = config_for(tmp_path, store, proxy.address, dns="offline = true")
    ran = ndr("report", "--config", str(cfg), *PERIOD, "--out", str(tmp_path / "out"), "--format", "csv", "--dns")
    assert ran.code == 0, ran.err
    assert proxy.seen() == []
    row = by_reason(read_csv(tmp_path / "out" / "clusters.csv"))["blocked"]
    assert (row["ptr_present"], row["listed_on"], row["dns_advice"]) == (
        "not checked (offline)", "not checked (offline)", "DNS checks skipped (offline).")
    assert "DNS checks: offline, nothing looked up" in ran.out


# --- a dead resolver --------------------------------------------------------------------------------

def test_dead_resolver_still_writes_the_reports(store: tuple[Path, Path], tmp_path: Path) -> None:
    with counting_proxy(None) as dead:  # receives, never answers
        cfg = config_for(tmp_path, store, dead.address, dns="retries = 0\nconcurrency = 4")
        cfg.write_text(cfg.read_text().replace("timeout = 2.0", "timeout = 0.2"))
        ran = ndr("report", "--config", str(cfg), *PERIOD, "--out", str(tmp_path / "out"), "--dns")
        asked = dead.seen()
    assert ran.code == 1  # documented: DNS checks asked for, some could not be done
    assert "could not check everything for 6 addresses" in ran.err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "clusters.csv", "daily.csv", "daily_wide.csv", "dns_checks.csv", "failures.csv", "report.html", "report.json",
        "report.xlsx"]
    assert 0 < len(asked) <= GIVE_UP_AFTER + 4  # gives up after 12 timeouts in a row (+ those in flight)
    rows = read_csv(tmp_path / "out" / "clusters.csv")
    for cluster in rows:
        assert (cluster["ptr_present"], cluster["fcrdns_ok"], cluster["listed_on"]) == ("could not check",) * 3
        assert "could not be checked" in cluster["dns_advice"]
    assert by_reason(rows)["spamdetected"]["spf_result"] == "example.com: temperror"
    doc = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert sorted(doc["dns"]["incomplete"]) == sorted(r["ip"] for r in read_csv(tmp_path / "out" / "dns_checks.csv"))
    assert doc["dns"]["ips"]["192.0.2.10"]["ptr_present"] is None  # unknown, not "no"
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "could not check: timeout" in page


# --- command line -----------------------------------------------------------------------------------

def test_help_documents_dns() -> None:
    from reports.dns import MAX_IPS_PER_CLUSTER, MAX_IPS_TOTAL

    ran = ndr("report", "--help")
    text = " ".join(ran.out.split())
    assert "--dns / --no-dns" in text and "--dns-max-ips" in text
    assert f"the {MAX_IPS_PER_CLUSTER} most frequent; {MAX_IPS_TOTAL} per run at most" in text
    assert "ndr report --dns" in text and "could not check" in text
    scan = ndr("scan", "--help")
    assert "--dns / --no-dns" in scan.out and "never queries DNS" in " ".join(scan.out.split())


def test_dns_max_ips_config() -> None:
    from ndr.config import parse
    from ndr.errors import ConfigError
    from reports.config import ReportConfig

    cfg = parse({"report": {"dns_max_ips": 3}}).section("report")
    assert isinstance(cfg, ReportConfig) and cfg.dns_max_ips == 3
    assert ReportConfig().dns_max_ips == 5
    with pytest.raises(ConfigError, match=r"report\.dns_max_ips: expected an integer from 1 to 50"):
        parse({"report": {"dns_max_ips": 0}})


# --- the library: mixed answers inside one cluster, bounds ---------------------------------------------

def _report(rows: list[dict[str, object]]) -> Report:
    return build_report(rows, period=Period.days(date(2025, 3, 1), date(2025, 3, 31)), options=ReportOptions(),
                        networks=NetworkTable(), generated_at=datetime(2025, 4, 1, 6, 0, tzinfo=UTC))


def _resolver_config(address: str, **kw: object) -> DnsConfig:
    return DnsConfig(servers=(parse_server(address),), timeout=2.0, **kw)  # type: ignore[arg-type]


def test_mixed_answers_in_one_cluster(proxy: CountingProxy) -> None:
    # 192.0.2.10 resolves back; .11's PTR name points elsewhere; .12 and .68 have no PTR; zen refuses .68
    counts = {"192.0.2.10": 4, "192.0.2.11": 3, "192.0.2.12": 2, "192.0.2.68": 1}
    rows = [row(10 + i, ip, "badreputation", f"{ip}-{i}@gmail.example", sender="News <news@example.com>")
            for ip, n in counts.items() for i in range(n)]
    report = check_report(_report(rows), _resolver_config(proxy.address), networks=NetworkTable())
    c = report.clusters.iloc[0]
    assert c["dns_checked"] == "192.0.2.10, 192.0.2.11, 192.0.2.12, 192.0.2.68"
    assert c["ptr_present"] == "partly: no for 192.0.2.12, 192.0.2.68"
    assert c["fcrdns_ok"] == "partly: no for 192.0.2.11, 192.0.2.12, 192.0.2.68"
    assert c["spf_result"] == "example.com: pass for 192.0.2.10, fail for 192.0.2.11, 192.0.2.12, 192.0.2.68"
    assert c["listed_on"] == "none; could not check zen.spamhaus.org"  # 127.255.255.254 is a refusal
    assert c["dns_advice"].startswith("The PTR name of 192.0.2.11 (mismatch.example.com) does not resolve back")
    assert report.dns is not None
    assert report.dns.incomplete == ("192.0.2.68",)
    assert max(proxy.counts().values()) == 1


def test_plan_bounds_per_cluster_and_per_run() -> None:
    rows = [row(10, f"198.51.100.{n}", "badreputation", f"a{n}-{i}@example.org") for n in (1, 2, 3, 4)
            for i in range(n)]  # .4 most frequent, then .3, .2, .1
    rows += [row(11, ip, "blocked", f"b{i}@example.org") for i, ip in enumerate(("198.51.100.9", "198.51.100.4"))]
    report = _report(rows)
    plans = plan(report, 2)
    first, second = (plans[cid] for cid in report.clusters["id"])
    assert (first.ips, first.not_checked) == (("198.51.100.4", "198.51.100.3"), 2)
    assert (second.ips, second.not_checked) == (("198.51.100.4", "198.51.100.9"), 0)  # equal counts: by address
    tight = plan(report, 2, total=2)  # the run's limit: an address already chosen costs nothing
    assert [(p.ips, p.not_checked) for p in tight.values()] == [
        (("198.51.100.4", "198.51.100.3"), 2), (("198.51.100.4",), 1)]
    assert checked_text(tight[str(report.clusters["id"].iloc[1])]) == "198.51.100.4 (+1 not checked)"
    assert first.domains == ("example.com",)


# --- hostile DNS text in a real browser and in the spreadsheets ------------------------------------------

@pytest.fixture(scope="module")
def hostile_report(knot: KnotServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [row(12, "192.0.2.66", "blocked", f"h{i}@example.net", blocklist="zen.spamhaus.org") for i in range(3)]
    rows += [row(13, "192.0.2.10", "spamdetected", "s@gmail.example")]
    config = _resolver_config(knot.address, dnsbls=("hostile.example.net", "zen.spamhaus.org"))
    report = check_report(_report(rows), config, networks=NetworkTable())
    out = tmp_path_factory.mktemp("hostile-dns")
    written, errors = write_formats(report, out, ["csv", "xlsx", "html"])
    assert errors == [] and len(written) == 7
    return out


def test_hostile_dns_text_is_neutralised_in_spreadsheets(hostile_report: Path) -> None:
    advice = by_reason(read_csv(hostile_report / "clusters.csv"))["blocked"]["dns_advice"]
    assert advice.startswith("192.0.2.66 is listed on hostile.example.net")
    assert HOSTILE_TXT in advice  # shown as the list wrote it, inside a cell that starts with text
    for path in hostile_report.glob("*.csv"):
        for record in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            assert not any(is_formula_like(cell) and not cell.lstrip("-").isdigit() for cell in record), path.name
    wb = openpyxl.load_workbook(hostile_report / "report.xlsx")
    assert all(c.data_type != "f" for ws in wb.worksheets for r in ws.iter_rows() for c in r)


@pytest.mark.browser
def test_dns_columns_and_evidence_in_chromium(browser: Any, hostile_report: Path) -> None:
    page = Page(browser, (hostile_report / "report.html").as_uri())
    try:
        p = page.page
        assert page.visible_clusters() == 2
        p.fill("#filter", "hostile.example.net")  # the filter searches the listed_on column
        assert page.visible_clusters() == 1
        p.fill("#filter", "")
        p.click("th[data-key=listed_on] button")
        assert p.get_attribute("th[data-key=listed_on]", "aria-sort") == "ascending"
        listed = p.locator("tbody.cluster tr.row td.listed_on").all_inner_texts()
        assert listed == sorted(listed, key=str.lower)
        blocked = p.locator("tbody.cluster", has=p.locator("td.listed_on.dns-bad"))
        assert blocked.locator("td.ptr_present").inner_text() == "yes"
        blocked.locator("button.toggle").click()
        detail = blocked.locator("tr.detail")
        assert detail.is_visible()
        text = detail.inner_text()
        assert "DNS checks." in text and "Forward-confirmed (FCrDNS)" in text
        assert "66.2.0.192.in-addr.arpa PTR -> mail66.example.com" in text
        assert "66.2.0.192.zen.spamhaus.org A -> 127.0.0.2, 127.0.0.4" in text
        assert HOSTILE_TXT in text  # the TXT record shown as text
        assert p.evaluate("typeof window.__pwned") == "undefined"
        assert p.locator("img").count() == 0
        assert p.evaluate("document.scripts.length") == 2
        assert page.dialogs == [] and page.errors == []
        assert page.requests == [(hostile_report / "report.html").as_uri()]
    finally:
        page.close()


# --- the wording rules (pure) ----------------------------------------------------------------------

def _ip(ip: str, *, ptr: bool | None) -> IpCheck:
    """An IpCheck whose PTR lookup found a name (True), found none (False) or timed out (None)."""
    status = {True: Status.OK, False: Status.NXDOMAIN, None: Status.TIMEOUT}[ptr]
    names = ("mail.example.com",) if ptr else ()
    answer = Answer(name=f"{ip}.in-addr.arpa", rdtype="PTR", status=status, records=names)
    return IpCheck(ip=ip, version=4, ptr=PtrCheck(ip=ip, query=answer.name, answer=answer, names=names))


@pytest.mark.parametrize(("ptrs", "expected"), [
    ((True, True), "yes"),
    ((False, False), "no"),
    ((None, None), "could not check"),
    ((True, False, None), "partly: no for 192.0.2.2; could not check 192.0.2.3"),
    ((False, None), "no for 192.0.2.1; could not check 192.0.2.2"),
    ((True, False, False, False, False, False), "partly: no for 192.0.2.2, 192.0.2.3, 192.0.2.4 +2 more"),
])
def test_yes_no_wording(ptrs: tuple[bool | None, ...], expected: str) -> None:
    checks = [_ip(f"192.0.2.{i}", ptr=p) for i, p in enumerate(ptrs, start=1)]
    assert yes_no(checks, lambda c: c.ptr_present) == expected


@pytest.mark.parametrize(("column", "value", "state"), [
    ("ptr_present", "yes", "ok"), ("ptr_present", "no", "bad"), ("fcrdns_ok", "partly: no for 192.0.2.2", "warn"),
    ("ptr_present", "could not check", "unknown"), ("listed_on", "none", "ok"),
    ("listed_on", "none; could not check zen.spamhaus.org", "warn"), ("listed_on", "bl.spamcop.net", "bad"),
    ("spf_result", "example.com: pass; example.org: pass", "ok"), ("spf_result", "example.com: softfail", "bad"),
    ("listed_on", "not checked (offline)", "unknown"), ("ptr_present", None, ""),
])
def test_html_cell_states(column: str, value: str | None, state: str) -> None:
    assert cell_state(column, value) == state


def test_without_dns_the_dns_code_is_not_even_loaded(store: tuple[Path, Path], tmp_path: Path) -> None:
    cfg = config_for(tmp_path, store, "127.0.0.1:9", dns="retries = 0")
    cfg.write_text(cfg.read_text().replace("timeout = 2.0", "timeout = 0.2"))  # the control run gives up fast
    code = ("import sys\nfrom ndr.cli import main\ntry:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
            "loaded = sorted(m for m in sys.modules if m in ('reports.dns', 'ndr.check.resolver', 'dns.resolver'))\n"
            "print('LOADED', loaded, code, file=sys.stderr)\n")
    argv = [sys.executable, "-c", code, "report", "--config", str(cfg), *PERIOD, "--out", str(tmp_path / "o"), "-q"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=process_env(), cwd=ROOT, check=False)
    assert "LOADED [] 0" in done.stderr, done.stderr
    argv[-1:] = ["-q", "--dns"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=process_env(), cwd=ROOT, check=False)
    assert "LOADED ['dns.resolver', 'ndr.check.resolver', 'reports.dns']" in done.stderr  # the control
