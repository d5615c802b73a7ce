"""Aggregation on hand-built failure rows with known answers: clusters, prefixes, change against the
previous period, delays apart, network naming and the user's own networks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from reports.build import build_report
from reports.model import Period, Report, ReportOptions
from reports.networks import Network, NetworkTable
from reports.trends import OTHER

MARCH = Period.days(date(2025, 3, 16), date(2025, 3, 29))  # 14 days; previous = 2025-03-02 .. 2025-03-15
NOW = datetime(2025, 3, 30, 6, 0, tzinfo=UTC)
M365_A = "2a01:111:f403:2612::700"
M365_B = "2a01:111:f403:2612::701"
M365_OTHER64 = "2a01:111:f403:c20f::7"  # same /48 as the two above, another /64
RELAY = "203.0.113.25"


def row(day: int, ip: str | None, reason: str, rcpt: str, *, action: str = "failed", status: str = "5.7.1",
        provider: str | None = "google", diag: str = "550 5.7.1 refused", source: str = "bounces",
        blocklist: str | None = None, sender: str = "Alice <alice@example.com>", hour: int = 10) -> dict[str, object]:
    return {
        "message_id": day * 1000 + hour, "source": source, "ref": f"ref-{day}-{rcpt}",
        "date": f"2025-03-{day:02d}T{hour:02d}:00:00+00:00", "kind": "delay" if action == "delayed" else "bounce",
        "reporter": "rfc3464", "recipient": rcpt, "domain": rcpt.split("@")[1], "action": action, "status": status,
        "replycode": "550", "reason": reason, "hard": reason == "userunknown", "sending_ip": ip,
        "sending_prefix": None, "blocklist": blocklist, "provider": provider, "remote_mta": "mx.example.net",
        "diagnostic": diag, "rule": "test", "original_message_id": f"<{day}@example.com>",
        "original_subject": "Hello", "original_from": sender,
    }


def build(rows: list[dict[str, object]], *, options: ReportOptions | None = None,
          networks: list[Network] | None = None, period: Period = MARCH) -> Report:
    return build_report(rows, period=period, options=options or ReportOptions(),
                        networks=NetworkTable(networks or ()), generated_at=NOW)


def cluster(report: Report, prefix: str, reason: str, type_: str = "failure") -> dict[str, object]:
    t = report.clusters
    hit = t[(t["prefix"] == prefix) & (t["reason"] == reason) & (t["type"] == type_)]
    assert len(hit) == 1, f"no single cluster {type_} {prefix} {reason} in\n{t[['type', 'prefix', 'reason']]}"
    return dict(hit.iloc[0])


@pytest.fixture
def month() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    # current period: 10 requireptr from two addresses of one /64 (gmail.com x7, googlemail.com x3; user0 twice)
    for i in range(10):
        rows.append(row(16 + i, M365_A if i % 2 else M365_B, "requireptr",
                        f"user{i % 9}@{'gmail.com' if i % 9 < 6 else 'googlemail.com'}"))
    # previous period: 4 of the same cluster
    rows += [row(3 + i, M365_A, "requireptr", f"old{i}@gmail.com") for i in range(4)]
    # current: 3 spam verdicts from another /64 of the same /48
    rows += [row(20 + i, M365_OTHER64, "spamdetected", f"s{i}@gmail.com") for i in range(3)]
    # previous: 5 spam verdicts there (down to 3 = -40%)
    rows += [row(5 + i, M365_OTHER64, "spamdetected", f"p{i}@gmail.com") for i in range(5)]
    # current: relay blocked on Spamhaus by two receivers
    rows += [row(18, RELAY, "blocked", f"b{i}@example.net", provider=None, blocklist="zen.spamhaus.org",
                 diag="554 5.7.1 Client host [203.0.113.25] blocked using zen.spamhaus.org") for i in range(2)]
    rows.append(row(19, RELAY, "blocked", "c@example.org", provider="microsoft", blocklist="microsoft S3150"))
    # current: 4.7.28 delays from the relay (never counted as failures)
    rows += [row(17 + i, RELAY, "speeding", f"d{i}@gmail.com", action="delayed", status="4.7.28") for i in range(3)]
    # current: an unknown user without a sending address
    rows.append(row(22, None, "userunknown", "nobody@example.org", status="5.1.1"))
    # outside both periods: ignored
    rows.append(row(1, M365_A, "requireptr", "ancient@gmail.com"))
    rows.append(row(30, M365_A, "requireptr", "future@gmail.com"))
    return rows


def test_headline_counts_failures_and_delays_apart(month: list[dict[str, object]]) -> None:
    r = build(month)
    h = r.headline
    assert (h.failures, h.delays) == (10 + 3 + 3 + 1, 3)
    assert (h.previous_failures, h.previous_delays) == (4 + 5, 0)
    assert h.recipients == 9 + 3 + 3 + 1  # user0..user8 (user0 twice), s0-2, b0-1 + c, nobody
    assert h.prefixes == 3  # the two /64s and the relay /24; unknown is not a prefix
    assert h.clusters == 4
    assert len(r.failures) == 20  # failures and delays of the current period, one row each
    assert set(r.failures["type"]) == {"failure", "delay"}


def test_cluster_counts_and_evidence(month: list[dict[str, object]]) -> None:
    c = cluster(build(month), "2a01:111:f403:2612::/64", "requireptr")
    assert c["failures"] == 10
    assert c["recipients"] == 9
    assert c["domains"] == 2
    assert c["top_domains"] == "gmail.com (7), googlemail.com (3)"
    assert c["ip_count"] == 2
    assert c["sending_ips"] == f"{M365_A}, {M365_B}"
    assert c["network"] == "Microsoft 365 outbound (2a01:111:f403::/48)"
    assert c["prefix_wide"] == "2a01:111:f403::/48"
    assert c["providers"] == "google"
    assert c["first_seen"] == pd.Timestamp("2025-03-16T10:00:00Z")
    assert c["last_seen"] == pd.Timestamp("2025-03-25T10:00:00Z")
    assert c["sender_domains"] == "example.com"
    assert c["top_status"] == "5.7.1"


def test_change_against_previous_period(month: list[dict[str, object]]) -> None:
    r = build(month)
    up = cluster(r, "2a01:111:f403:2612::/64", "requireptr")
    assert (up["previous"], up["change"], up["change_pct"], up["trend"]) == (4, 6, 150.0, "up")
    down = cluster(r, "2a01:111:f403:c20f::/64", "spamdetected")
    assert (down["previous"], down["change"], down["change_pct"], down["trend"]) == (5, -2, -40.0, "down")
    new = cluster(r, "203.0.113.0/24", "blocked")
    assert (new["previous"], new["change"], new["trend"]) == (0, 3, "new")
    assert pd.isna(new["change_pct"])


def test_steady_trend_within_threshold() -> None:
    rows = [row(16 + i, RELAY, "blocked", f"n{i}@example.net") for i in range(10)]
    rows += [row(2 + i, RELAY, "blocked", f"o{i}@example.net") for i in range(9)]
    c = cluster(build(rows), "203.0.113.0/24", "blocked")
    assert (c["previous"], c["change"], c["change_pct"], c["trend"]) == (9, 1, 11.1, "steady")


def test_delays_are_their_own_clusters(month: list[dict[str, object]]) -> None:
    r = build(month)
    delay = cluster(r, "203.0.113.0/24", "speeding", "delay")
    assert delay["failures"] == 3
    assert delay["top_status"] == "4.7.28"
    assert delay["share"] == 1.0  # of all delays
    assert list(r.clusters["type"]).index("delay") > max(
        i for i, t in enumerate(r.clusters["type"]) if t == "failure")  # failures listed first
    wide = r.daily_wide.set_index("date")
    assert int(wide["delays"].sum()) == 3
    assert int(wide["failures"].sum()) == 17
    assert "speeding" not in wide.columns  # the reason pivot holds failures only


def test_prefix_lengths_are_options(month: list[dict[str, object]]) -> None:
    r = build(month, options=ReportOptions(prefix_v6=48, prefix_v4=16))
    # at /48 the two Microsoft /64s fall together per reason
    assert cluster(r, "2a01:111:f403::/48", "requireptr")["failures"] == 10
    assert cluster(r, "2a01:111:f403::/48", "spamdetected")["failures"] == 3
    assert cluster(r, "203.0.113.0/16".replace("113.0/16", "0.0/16"), "blocked")["failures"] == 3
    assert r.headline.prefixes == 2


def test_most_common_first_and_ids(month: list[dict[str, object]]) -> None:
    t = build(month).clusters
    assert list(t["id"]) == [f"C{i:03d}" for i in range(1, len(t) + 1)]
    failures = t[t["type"] == "failure"]["failures"].tolist()
    assert failures == sorted(failures, reverse=True)


def test_unknown_sending_address_is_a_cluster_with_advice(month: list[dict[str, object]]) -> None:
    c = cluster(build(month), "unknown", "userunknown")
    assert c["failures"] == 1
    assert c["network"] is None or pd.isna(c["network"])
    assert "remove it from the list" in str(c["advice"])


def test_block_lists_named_with_removal_pages(month: list[dict[str, object]]) -> None:
    c = cluster(build(month), "203.0.113.0/24", "blocked")
    assert c["blocklist"] == "zen.spamhaus.org, microsoft S3150"
    assert "https://check.spamhaus.org/" in str(c["advice"])
    assert "https://sender.office.com/" in str(c["advice"])
    assert "203.0.113.25" in str(c["advice"])


def test_shared_pool_advice_names_whose_action_it_is(month: list[dict[str, object]]) -> None:
    advice = str(cluster(build(month), "2a01:111:f403:2612::/64", "requireptr")["advice"])
    assert "Microsoft" in advice and "support ticket" in advice and "outbound connector" in advice
    assert "Publish a PTR" not in advice  # the customer cannot publish PTRs for Microsoft's addresses


def test_own_prefix_advice_says_publish_ptr() -> None:
    r = build([row(20, "2001:db8:4a:1::25", "requireptr", "x@gmail.com")])
    advice = str(cluster(r, "2001:db8:4a:1::/64", "requireptr")["advice"])
    assert advice.startswith("Publish ")  # the owner of these addresses publishes the PTR
    assert "PTR" in advice and "2001:db8:4a:1::25" in advice
    assert "Microsoft" not in advice and "support ticket" not in advice


def test_authfailure_advice_names_the_from_domain() -> None:
    rows = [row(20, "198.51.100.7", "authfailure", f"n{i}@gmail.com", sender="News <news@news.example.org>")
            for i in range(3)]
    advice = str(cluster(build(rows), "198.51.100.0/24", "authfailure")["advice"])
    assert "news.example.org" in advice and "DMARC" in advice


def test_user_networks_override_and_most_specific_wins() -> None:
    rows = [row(20, "2001:db8:4a:1::25", "requireptr", "x@gmail.com"),
            row(20, "2001:db8:4a:2::25", "requireptr", "y@gmail.com"),
            row(21, "2a01:111:f403:2612::700", "requireptr", "z@gmail.com")]
    nets = [Network(name="our relays", prefix="2001:db8:4a::/48", user=True),
            Network(name="relay two", prefix="2001:db8:4a:2::/64", user=True),
            Network(name="our M365 view", prefix="2a01:111:f403::/48", user=True)]  # same length as Microsoft's
    r = build(rows, networks=nets)
    assert cluster(r, "2001:db8:4a:1::/64", "requireptr")["network"] == "our relays (2001:db8:4a::/48)"
    assert cluster(r, "2001:db8:4a:2::/64", "requireptr")["network"] == "relay two (2001:db8:4a:2::/64)"
    assert cluster(r, "2a01:111:f403:2612::/64", "requireptr")["network"] == "our M365 view (2a01:111:f403::/48)"
    assert r.failures.set_index("recipient").loc["y@gmail.com", "network"] == "relay two (2001:db8:4a:2::/64)"


def test_known_networks_table() -> None:
    table = NetworkTable()
    for ip, owner in (("40.107.22.93", "microsoft"), ("2a01:111:f400:fe0e::62e", "microsoft"),
                      ("209.85.221.54", "google"), ("2607:f8b0:4864:20::12f", "google"),
                      ("54.240.8.1", "amazonses"), ("167.89.1.2", "sendgrid")):
        found = table.lookup(ip)
        assert found is not None and found.owner == owner, ip
    assert table.lookup("192.0.2.1") is None
    assert table.lookup("not an ip") is None
    assert table.lookup("2a01:111:f403:2612::/64") is not None  # a whole prefix inside the block
    assert table.lookup("2a01:111::/32") is None  # wider than any block


def test_daily_long_names_top_n_and_groups_the_rest() -> None:
    rows = [row(20, f"192.0.2.{i}", "blocked", f"u{i}@d{i}.example.net") for i in range(1, 4)]
    rows += [row(20, "203.0.113.9", "blocked", f"v{i}@big.example.net") for i in range(3)]
    r = build(rows, options=ReportOptions(prefix_v4=32, top=2))
    day = r.daily[(r.daily["type"] == "failure") & (r.daily["by"] == "prefix")]
    counts = dict(zip(day["key"], day["count"], strict=True))
    assert counts == {"203.0.113.9/32": 3, "192.0.2.1/32": 1, OTHER: 2}
    domains = r.daily[r.daily["by"] == "domain"]
    assert dict(zip(domains["key"], domains["count"], strict=True))["big.example.net"] == 3
    assert list(r.daily.columns) == ["date", "type", "by", "key", "count"]


def test_daily_wide_has_every_day_with_zeros(month: list[dict[str, object]]) -> None:
    wide = build(month).daily_wide
    assert len(wide) == 14
    assert wide["date"].iloc[0] == pd.Timestamp("2025-03-16", tz="UTC")
    assert wide["date"].iloc[-1] == pd.Timestamp("2025-03-29", tz="UTC")
    assert list(wide.columns)[1] == "requireptr"  # most frequent reason first
    assert list(wide.columns)[-2:] == ["failures", "delays"]
    assert int(wide.loc[wide["date"] == pd.Timestamp("2025-03-28", tz="UTC"), "failures"].iloc[0]) == 0
    assert all(str(wide[c].dtype) == "int64" for c in wide.columns[1:])


def test_empty_period_gives_empty_tables() -> None:
    r = build([row(1, RELAY, "blocked", "x@example.net")])
    assert r.headline.failures == 0 and r.clusters.empty and r.failures.empty and r.daily.empty
    assert len(r.daily_wide) == 14 and int(r.daily_wide["failures"].sum()) == 0


def test_diagnostics_group_by_shape_for_samples() -> None:
    rows = [row(20, "2a01:111:f403:2612::700", "requireptr", f"u{i}@gmail.com",
                diag=f"550-5.7.1 [2a01:111:f403:2612::70{i} 1{i}] Our system has detected ... {i}x9sid{i}.{i}3 - gsmtp")
            for i in range(4)]
    rows.append(row(20, "2a01:111:f403:2612::700", "requireptr", "w@gmail.com", diag="550 5.7.25 other text"))
    r = build(rows)
    c = cluster(r, "2a01:111:f403:2612::/64", "requireptr")
    samples = r.samples[str(c["id"])]
    assert [n for _, n in samples] == [4, 1]
    assert samples[0][0].startswith("550-5.7.1 [2a01:111:f403:2612::700 10]")  # a real text, not the mask
    assert c["top_diagnostic"] == samples[0][0]


def test_period_helpers() -> None:
    assert MARCH.previous() == Period.days(date(2025, 3, 2), date(2025, 3, 15))
    assert MARCH.label() == "2025-03-16 .. 2025-03-29"
    assert len(Period.last(pd.Timedelta(days=30).to_pytimedelta(), NOW).day_list()) == 31  # partial first day
    with pytest.raises(ValueError, match="empty period"):
        Period(start=NOW, end=NOW)
