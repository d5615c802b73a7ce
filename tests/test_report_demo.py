"""The demo end to end: the generator is deterministic, and ndr's own scan and report find the
clusters the generator designed (a Microsoft 365 /64 refused by Gmail more and more, a relay on
Spamhaus, a DMARC-failing newsletter domain, 4.7.28 delays)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analyzer import analyze
from ndr.demo.generate import generate, plan
from ndr.demo.scenario import FORMATS, LISTS_PREFIX, M365_GROWING_PREFIX, M365_STEADY_PREFIX, RELAY_PREFIX
from tests.scanhelp import ROOT, ndr

END = date(2025, 3, 31)
MESSAGES = 900


def digest(messages: int, seed: int) -> str:
    h = hashlib.sha256()
    for data, _ in generate(messages, end=END, seed=seed):
        h.update(data)
    return h.hexdigest()


def test_generator_is_deterministic() -> None:
    assert digest(60, 7) == digest(60, 7)
    assert digest(60, 7) != digest(60, 8)
    planned = plan(200, end=END, seed=7)
    assert len(planned) == 200
    assert [p.event.at for p in planned] == sorted(p.event.at for p in planned)
    assert planned[0].event.at.date() >= date(2025, 3, 2) and planned[-1].event.at.date() <= END
    assert len({p.truth.story for p in planned}) == 7


def test_generator_command_writes_mbox_and_truth(tmp_path: Path) -> None:
    mbox, truth = tmp_path / "x.mbox", tmp_path / "x.jsonl"
    done = subprocess.run([sys.executable, "-m", "ndr.demo.generate", "--messages", "25", "--end", "2025-03-31",
                           "--out", str(mbox), "--truth", str(truth)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "wrote 25 messages (2025-03-02 .. 2025-03-31)" in done.stderr
    data = mbox.read_bytes()
    assert data.count(b"\nFrom MAILER-DAEMON ") + data.startswith(b"From MAILER-DAEMON ") == 25
    records = [json.loads(line) for line in truth.read_text().splitlines()]
    assert len(records) == 25 and {"story", "reason", "type", "prefix", "format"} <= set(records[0])
    bad = subprocess.run([sys.executable, "-m", "ndr.demo.generate", "--end", "March", "--out", str(mbox)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert bad.returncode == 2 and "not a date" in bad.stderr


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_is_analysed_as_meant(fmt: str) -> None:
    wrong: list[tuple[object, ...]] = []
    seen = 0
    for data, truth in generate(MESSAGES, end=END, seed=11):
        if truth.format != fmt:
            continue
        seen += 1
        got = analyze(data).recipients
        r = got[0] if got else None
        ok = (r is not None and r.reason.value == truth.reason
              and (truth.prefix is None or r.sending_prefix == truth.prefix)
              and (r.action == "delayed") == (truth.type == "delay"))
        if not ok:
            wrong.append((truth.story, truth.reason, truth.prefix, r.reason.value if r else None,
                          r.sending_prefix if r else None))
    assert seen > 0
    assert wrong == [], f"{len(wrong)} of {seen} {fmt} messages analysed otherwise: {wrong[:5]}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    out = tmp_path_factory.mktemp("demo")
    ran = ndr("demo", "--out", str(out), "--messages", str(MESSAGES), "--end", END.isoformat())
    assert ran.code == 0, ran.err
    return out, ran.out.splitlines()


def test_demo_prints_five_lines_and_where_the_files_are(demo: tuple[Path, list[str]]) -> None:
    out, lines = demo
    assert len(lines) == 6
    assert lines[0].startswith(f"Scanned {MESSAGES} demo bounces. 2025-03-02 .. 2025-03-31: ")
    assert all(line.startswith("C00") for line in lines[1:4])
    assert lines[4].startswith("plus ")
    assert lines[5].startswith(f"Reports in {out}/")
    for name in ("report.html", "report.xlsx", "report.json", "failures.csv", "clusters.csv", "daily.csv",
                 "daily_wide.csv", "demo.sqlite3", "bounces.mbox"):
        assert (out / name).is_file(), name


def test_demo_five_lines_tell_what_to_act_on(demo: tuple[Path, list[str]]) -> None:
    """The Microsoft 365 /64 (PTR, reputation, 4.7.28), the relay on Spamhaus (and 4.7.28), the DMARC-failing
    newsletter, then the address noise in one line: each with the counts the generator designed."""
    _, lines = demo
    truth = Counter((p.truth.story, p.truth.reason, p.truth.prefix) for p in plan(MESSAGES, end=END))
    m365 = (f"{M365_GROWING_PREFIX} (Microsoft 365 outbound (2a01:111:f403::/48)): "
            f"{truth['m365-growing', 'requireptr', M365_GROWING_PREFIX]} requireptr, "
            f"{truth['m365-growing', 'badreputation', M365_GROWING_PREFIX]} badreputation failed, ")
    assert m365 in lines[1] and "/day in the first week, " in lines[1]
    assert lines[1].endswith(f"; {truth['rate-limit', 'speeding', M365_GROWING_PREFIX]} delayed (speeding, 4.7.28)")
    blocked = truth["spamhaus-relay", "blocked", RELAY_PREFIX] + truth["outlook-s3150", "blocked", RELAY_PREFIX]
    assert (f"{RELAY_PREFIX} (our CRM relay (203.0.113.16/28)): {blocked} blocked on zen.spamhaus.org, "
            "microsoft S3150 failed, ") in lines[2]
    assert lines[2].endswith(f"; {truth['rate-limit', 'speeding', RELAY_PREFIX]} delayed (speeding, 4.7.28)")
    dmarc = truth["dmarc-news", "authfailure", LISTS_PREFIX]
    assert f"{LISTS_PREFIX}: {dmarc} authfailure (news.example.org) failed, 0.0/day in the first week" in lines[3]
    noise = sum(n for (story, _, _), n in truth.items() if story == "noise")
    rest = truth["m365-steady", "spamdetected", M365_STEADY_PREFIX] + truth["dmarc-news", "authfailure", None]
    assert lines[4] == (f"plus {noise} address errors (unknown users, full mailboxes, mistyped or dead domains): "
                        f"clean the list; 2 more clusters ({rest} failed) in the report")


def test_demo_clusters_come_out_as_designed(demo: tuple[Path, list[str]]) -> None:
    out, _ = demo
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    clusters = pd.DataFrame(doc["clusters"])
    truth = Counter((p.truth.story, p.truth.reason) for p in plan(MESSAGES, end=END))

    def one(type_: str, prefix: str, reason: str) -> dict[str, object]:
        hit = clusters[(clusters["type"] == type_) & (clusters["prefix"] == prefix) & (clusters["reason"] == reason)]
        assert len(hit) == 1, f"{type_} {prefix} {reason} not found"
        return dict(hit.iloc[0])

    m365 = "Microsoft 365 outbound (2a01:111:f403::/48)"
    ptr = one("failure", M365_GROWING_PREFIX, "requireptr")
    rep = one("failure", M365_GROWING_PREFIX, "badreputation")
    assert ptr["failures"] == truth["m365-growing", "requireptr"]
    assert rep["failures"] == truth["m365-growing", "badreputation"]
    assert ptr["network"] == rep["network"] == m365
    assert ptr["providers"] == "google" and "Microsoft" in ptr["advice"]
    steady = one("failure", M365_STEADY_PREFIX, "spamdetected")
    assert steady["failures"] == truth["m365-steady", "spamdetected"]

    blocked = one("failure", RELAY_PREFIX, "blocked")
    assert blocked["failures"] == truth["spamhaus-relay", "blocked"] + truth["outlook-s3150", "blocked"]
    assert str(blocked["blocklist"]).startswith("zen.spamhaus.org")
    assert "microsoft S3150" in str(blocked["blocklist"])
    assert blocked["network"] == "our CRM relay (203.0.113.16/28)"  # the demo config's own [networks]
    assert blocked["domains"] >= 3
    assert "https://check.spamhaus.org/" in blocked["advice"]

    named = sum(1 for p in plan(MESSAGES, end=END) if p.truth.story == "dmarc-news" and p.truth.prefix)
    dmarc = one("failure", LISTS_PREFIX, "authfailure")  # Gmail's newer text names the list server
    assert dmarc["failures"] == named > 0
    assert dmarc["sender_domains"] == "news.example.org"
    assert "news.example.org" in dmarc["advice"] and "DMARC" in dmarc["advice"]
    unnamed = one("failure", "unknown", "authfailure")  # the other texts do not say which address
    assert unnamed["failures"] == truth["dmarc-news", "authfailure"] - named

    delays = clusters[clusters["type"] == "delay"]
    assert set(delays["reason"]) == {"speeding"} and set(delays["top_status"]) == {"4.7.28"}
    assert set(delays["prefix"]) == {RELAY_PREFIX, M365_GROWING_PREFIX}
    assert int(delays["failures"].sum()) == truth["rate-limit", "speeding"]
    assert doc["headline"]["delays"] == truth["rate-limit", "speeding"]

    noise = set(clusters.loc[clusters["type"] == "failure", "reason"])
    assert {"userunknown", "mailboxfull", "hostunknown"} <= noise


def test_demo_m365_refusals_grow_over_the_month(demo: tuple[Path, list[str]]) -> None:
    out, _ = demo
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    ids = {c["id"] for c in doc["clusters"] if c["prefix"] == M365_GROWING_PREFIX and c["type"] == "failure"}
    days = Counter(f["date"][:10] for f in doc["failures"] if f["cluster"] in ids)
    first = sum(n for d, n in days.items() if d <= "2025-03-08")
    last = sum(n for d, n in days.items() if d >= "2025-03-25")
    assert last > 3 * first > 0
