"""The returned original's envelope sender and From domain in the store (schema 2), the upgrade of a
schema-1 store in place, `ndr reanalyze` filling old rows, and SPF of the envelope domain in reports."""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from analyzer import DEFAULT_OPTIONS, analyze
from ndr.store import FAILURE_KEYS, New, Store, prepare, reanalysis, schema
from ndr.store.envelope import FROM_DELIVERED_TO, FROM_RETURN_PATH, FROM_TO, Envelope, address_of, envelope_of
from ndr.store.retain import compress
from ndr.store.rows import RECIPIENT_COLUMNS, ROWS_VERSION, meta_of, recipient_rows
from reports.build import FAILURE_COLUMNS, build_report
from reports.csv import write_csv
from reports.dns import plan
from reports.model import Period, ReportOptions
from reports.networks import NetworkTable
from tests.scanhelp import ndr, toml_source, write_config

NEW_KEYS = ("envelope_sender", "envelope_source", "original_from_domain")


def bounce(*, to: str | None = "<news@News.Example.ORG>", return_path: str | None = None,
           delivered_to: str | None = None, sender: str = "News <editor@Letters.Example.ORG>",
           rcpt: str = "anna@example.net", day: int = 10) -> bytes:
    """A Postfix DSN returning an original (optionally with a Return-Path), to `to`."""
    head = "Return-Path: <>\n"
    if delivered_to:
        head += f"Delivered-To: {delivered_to}\nDelivered-To: other@example.com\n"
    head += (f"From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\n{f'To: {to}' + chr(10) if to else ''}"
             f"Subject: Undelivered Mail Returned to Sender\nDate: Mon, {day} Mar 2025 10:00:00 +0000\n"
             f"Message-ID: <ndr-{day}-{rcpt}@mx.example.com>\nMIME-Version: 1.0\n"
             'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n')
    original = (f"{f'Return-Path: {return_path}' + chr(10) if return_path else ''}"
                "Received: from app1.example.org (app1.example.org [198.51.100.20]) by mx.example.com "
                f"(Postfix) with ESMTPS id 4XyZ; Mon, {day} Mar 2025 09:59:00 +0000\n"
                f"From: {sender}\nTo: <{rcpt}>\nSubject: March letter\n"
                f"Message-ID: <letter-{day}-{rcpt}@example.org>\nDate: Mon, {day} Mar 2025 09:58:00 +0000\n\nHello.\n")
    return (head + "--b1\nContent-Type: text/plain\n\nI'm sorry to have to inform you that your message could "
            f"not be delivered.\n\n<{rcpt}>: host mx.example.net[203.0.113.5] said: 550 5.7.1 <{rcpt}>: "
            "Recipient address rejected: Access denied (in reply to RCPT TO command)\n\n"
            "--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
            f"Final-Recipient: rfc822; {rcpt}\nAction: failed\nStatus: 5.7.1\nRemote-MTA: dns; mx.example.net\n"
            f"Diagnostic-Code: smtp; 550 5.7.1 <{rcpt}>: Recipient address rejected: Access denied\n\n"
            f"--b1\nContent-Type: message/rfc822\n\n{original}\n--b1--\n").encode()


# -- ndr.store.envelope ------------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, Envelope(sender="news@news.example.org", source=FROM_TO, from_domain="letters.example.org")),
    ({"return_path": "<Bounce+x1@Mailer.Example.ORG>"},
     Envelope(sender="Bounce+x1@mailer.example.org", source=FROM_RETURN_PATH, from_domain="letters.example.org")),
    ({"to": None, "delivered_to": "bounces@example.com"},
     Envelope(sender="bounces@example.com", source=FROM_DELIVERED_TO, from_domain="letters.example.org")),
    ({"to": "a@example.com, b@example.com", "delivered_to": "bounces@example.com"},  # two To: not the sender
     Envelope(sender="bounces@example.com", source=FROM_DELIVERED_TO, from_domain="letters.example.org")),
    ({"to": "undisclosed-recipients:;", "return_path": "<>"},
     Envelope(sender=None, source=None, from_domain="letters.example.org")),
])
def test_envelope_of_a_bounce(kwargs: dict[str, str | None], expected: Envelope) -> None:
    data = bounce(**kwargs)  # type: ignore[arg-type]
    assert envelope_of(analyze(data, DEFAULT_OPTIONS), data) == expected


def test_no_envelope_for_a_message_that_is_not_a_bounce() -> None:
    data = (b"Return-Path: <alice@example.com>\nDelivered-To: bob@example.net\nFrom: alice@example.com\n"
            b"To: bob@example.net\nSubject: lunch\nDate: Mon, 10 Mar 2025 10:00:00 +0000\n\nNoon?\n")
    assert envelope_of(analyze(data, DEFAULT_OPTIONS), data) == Envelope()


@pytest.mark.parametrize(("value", "expected"), [
    ("News <news@News.Example.org.>", "news@news.example.org"), ("<>", None), ("postmaster", None),
    ("x@-bad-@example..com", None), ("<a@example.com>", "a@example.com"), (None, None),
])
def test_address_of(value: str | None, expected: str | None) -> None:
    assert address_of(value) == expected


# -- the store ---------------------------------------------------------------------------------------
def test_iter_failures_has_the_envelope_keys(tmp_path: Path) -> None:
    assert FAILURE_KEYS[-3:] == NEW_KEYS  # added at the end, nothing renamed
    with Store.open(tmp_path / "s.sqlite3") as store:
        store.ensure_source("src", "dir")
        store.record("src", [New(ref="a.eml", prepared=prepare(bounce(), DEFAULT_OPTIONS)),
                             New(ref="b.eml", prepared=prepare(bounce(return_path="<rp@example.com>", day=11),
                                                               DEFAULT_OPTIONS))], None)
        rows = list(store.iter_failures())
        version = store.connection().execute("SELECT DISTINCT rows_version FROM messages").fetchall()
    assert [tuple(r[k] for k in NEW_KEYS) for r in rows] == [
        ("news@news.example.org", "to", "letters.example.org"),
        ("rp@example.com", "return-path", "letters.example.org")]
    assert version == [(ROWS_VERSION,)]


def _v1_store(path: Path, messages: list[tuple[str, bytes]]) -> None:
    """A store as ndr wrote it at schema 1: the first migration's DDL, rows with schema 1's columns."""
    v1_columns = RECIPIENT_COLUMNS[: RECIPIENT_COLUMNS.index("original_from") + 1]
    conn = sqlite3.connect(path)
    with conn:
        for statement in schema._statements(schema.MIGRATIONS[0]):  # the frozen v1 DDL
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO sources (name, type) VALUES ('src', 'dir')")
        for n, (ref, data) in enumerate(messages, start=1):
            p = prepare(data, DEFAULT_OPTIONS)
            meta = meta_of(p.analysis, received_at=None, stored_at="2025-03-31T00:00:00+00:00")
            conn.execute("INSERT INTO messages (id, digest, size, source, ref, stored_at, date, kind, message_id, "
                         "subject, reporter, analyzed_with) VALUES (?, ?, ?, 'src', ?, ?, ?, ?, ?, ?, ?, '0.1')",
                         (n, p.digest, p.size, ref, "2025-03-31T00:00:00+00:00", meta.date, meta.kind,
                          meta.message_id, meta.subject, meta.reporter))
            conn.execute("INSERT INTO refs VALUES ('src', ?, ?)", (ref, n))
            conn.execute("INSERT INTO bodies VALUES (?, ?, ?, ?)", (n, p.kept_size, p.kept, p.analysis_packed))
            for r in recipient_rows(p.analysis, meta, source="src", ref=ref, envelope=p.envelope):
                old = r[: 1 + len(v1_columns)]  # position + schema 1's columns
                conn.execute(f"INSERT INTO recipients (message_id, position, {', '.join(v1_columns)}) "
                             f"VALUES ({', '.join('?' * (len(old) + 1))})", (n, *old))
    conn.close()


def test_a_schema_1_store_is_upgraded_in_place_and_reanalyze_fills_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    _v1_store(path, [("a.eml", bounce()), ("b.eml", bounce(to=None, delivered_to="bounces@example.com", day=11))])
    with pytest.raises(schema.SchemaError, match="schema 1, this ndr needs"):
        Store.open(path, readonly=True)  # readers do not migrate
    with Store.open(path) as store:
        assert schema.version_of(store.connection()) == schema.LATEST >= 2
        before = list(store.iter_failures())
        assert len(before) == 2 and all(r[k] is None for r in before for k in NEW_KEYS)
        assert before[0]["original_from"] == "News <editor@Letters.Example.ORG>"  # old columns intact
        first = reanalysis.run(store)
        again = reanalysis.run(store)
        after = list(store.iter_failures())
    assert (first.messages, first.changed, first.upgraded, first.failed) == (2, 0, 2, 0)
    assert (again.changed, again.upgraded) == (0, 0)  # done once
    assert [tuple(r[k] for k in NEW_KEYS) for r in after] == [
        ("news@news.example.org", "to", "letters.example.org"),
        ("bounces@example.com", "delivered-to", "letters.example.org")]
    assert [{k: v for k, v in r.items() if k not in NEW_KEYS} for r in after] == [
        {k: v for k, v in r.items() if k not in NEW_KEYS} for r in before]


def test_ndr_reanalyze_says_it_filled_old_rows(tmp_path: Path) -> None:
    _v1_store(tmp_path / "store.sqlite3", [("a.eml", bounce())])
    cfg = write_config(tmp_path, toml_source("src", "dir", tmp_path / "in"))
    first = ndr("reanalyze", "--config", str(cfg))
    assert (first.code, first.out) == (
        0, "reanalysed 1 message(s): 0 changed, 0 failed; 1 filled in for this ndr's new store columns\n")
    assert ndr("reanalyze", "--config", str(cfg)).out == "reanalysed 1 message(s): 0 changed, 0 failed\n"


def test_a_changed_analysis_also_fills_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    _v1_store(path, [("a.eml", bounce())])
    with sqlite3.connect(path) as conn:  # as if written by an older analyzer
        conn.execute("UPDATE bodies SET analysis = ?", (compress(b'{"kind":"bounce"}'),))
    with Store.open(path) as store:
        result = reanalysis.run(store)
        (row,) = store.iter_failures()
    assert (result.changed, result.upgraded) == (1, 0)
    assert row["envelope_sender"] == "news@news.example.org"


# -- reports -----------------------------------------------------------------------------------------
def _row(n: int, *, envelope: str | None, sender: str) -> dict[str, object]:
    return {
        "message_id": n, "source": "b", "ref": f"r{n}", "date": f"2025-03-{10 + n:02d}T10:00:00+00:00",
        "kind": "bounce", "reporter": "rfc3464", "recipient": f"u{n}@gmail.com", "domain": "gmail.com",
        "action": "failed", "status": "5.7.26", "replycode": "550", "reason": "authfailure", "hard": False,
        "sending_ip": "198.51.100.20", "sending_prefix": None, "blocklist": None, "provider": "google",
        "remote_mta": "mx.google.com", "diagnostic": "550 5.7.26 unauthenticated", "rule": "t",
        "original_message_id": None, "original_subject": "Hi", "original_from": sender,
        "envelope_sender": envelope, "envelope_source": "to" if envelope else None,
        "original_from_domain": None,
    }


def test_reports_check_spf_of_the_envelope_domain_and_fall_back_to_from(tmp_path: Path) -> None:
    rows = [_row(n, envelope="bounce@mailer.example.com", sender="News <news@example.org>") for n in range(3)]
    rows += [_row(5, envelope=None, sender="Old <old@legacy.example.net>")]  # stored before schema 2
    report = build_report(rows, period=Period.days(date(2025, 3, 1), date(2025, 3, 31)), options=ReportOptions(),
                          networks=NetworkTable(()), generated_at=datetime(2025, 4, 1, tzinfo=UTC))
    (only,) = plan(report, max_ips=5).values()
    assert only.domains == ("mailer.example.com", "legacy.example.net")  # most failures first
    assert report.clusters.iloc[0]["sender_domains"] == "example.org, legacy.example.net"
    write_csv(report, tmp_path)
    with (tmp_path / "failures.csv").open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == list(FAILURE_COLUMNS) and table[0][-2:] == ["envelope_sender", "envelope_source"]
    assert [r[-2:] for r in table[1:]] == [["bounce@mailer.example.com", "to"]] * 3 + [["", ""]]
