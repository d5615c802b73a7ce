"""The IMAP connector against a real Dovecot on loopback, over TLS with a test CA.

The scan loop is played by `scan()` below, following the contract of connectors/base.py: store the
message and its cursor together (here: a dict keyed by content digest), then call after_store.
End-to-end runs through `ndr scan` are in test_imap_scan.py.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from connectors.base import Checkpoint, RawMessage
from connectors.imap import ImapConnector, decode_cursor
from ndr.errors import AuthError, ConfigError, SourceError
from tests.dovecot import IMAP_PASSWORD_ENV, Dovecot, sample_bounce

pytestmark = pytest.mark.dovecot

PW_ENV = IMAP_PASSWORD_ENV  # the connector fixture's variable (tests/dovecot.py)


@dataclass
class Store:
    """What the scan keeps: one entry per content digest, and the source's cursor."""

    cursor: str | None = None
    by_digest: dict[str, str] = field(default_factory=dict)  # digest -> first ref
    refs: list[str] = field(default_factory=list)  # every ref handed out, in order


@dataclass
class Run:
    fetched: int = 0
    new: int = 0
    duplicates: int = 0


def scan(con: ImapConnector, store: Store, *, limit: int | None = None,
         each: Callable[[int], None] | None = None) -> Run:
    """One scan: store each message with its cursor, then the after-action; `each(n)` after the n-th message."""
    run = Run()
    try:
        for item in con.fetch(store.cursor, limit=limit):
            if isinstance(item, Checkpoint):
                store.cursor = item.cursor
                continue
            run.fetched += 1
            digest = hashlib.sha256(item.data).hexdigest()
            store.refs.append(item.ref)
            if digest in store.by_digest:
                run.duplicates += 1
            else:
                store.by_digest[digest] = item.ref
                run.new += 1
            if item.cursor is not None:
                store.cursor = item.cursor
            con.after_store(item)
            if each is not None:
                each(run.fetched)
    finally:
        con.close()
    return run


def bounces(start: int, n: int) -> list[bytes]:
    return [sample_bounce(i) for i in range(start, start + n)]


def test_first_scan_stores_all_then_nothing_then_the_new_one(dovecot: Dovecot, imap_user: str,
                                                              connector: Callable[..., ImapConnector]) -> None:
    uids = dovecot.append(imap_user, "Bounces", bounces(0, 30))
    store = Store()
    first = scan(connector(batch_size=7), store)
    assert (first.fetched, first.new) == (30, 30)
    assert store.refs == [f"Bounces/{dovecot.uidvalidity(imap_user, 'Bounces')}/{u}" for u in uids]  # oldest first
    assert decode_cursor(store.cursor, "x")["Bounces"].uid == uids[-1]
    # read-only: nothing was marked \Seen (EXAMINE + BODY.PEEK)
    assert all(b"\\Seen" not in f for f in dovecot.flags(imap_user, "Bounces").values())

    second = scan(connector(), store)
    assert (second.fetched, second.new) == (0, 0)

    dovecot.append(imap_user, "Bounces", bounces(30, 1))
    third = scan(connector(), store)
    assert (third.fetched, third.new) == (1, 1)
    assert len(store.by_digest) == 31


def test_messages_are_byte_exact_with_arrival_time(dovecot: Dovecot, imap_user: str,
                                                   connector: Callable[..., ImapConnector]) -> None:
    raw = bounces(100, 3)
    dovecot.append(imap_user, "Bounces", raw)
    con = connector()
    got = [m for m in con.fetch(None) if isinstance(m, RawMessage)]
    con.close()
    assert [m.data for m in got] == raw
    assert all(m.folder == "Bounces" and m.received_at and m.received_at[:4].isdigit() for m in got)


def test_several_folders_nested_names_and_limit(dovecot: Dovecot, imap_user: str,
                                                connector: Callable[..., ImapConnector]) -> None:
    dovecot.append(imap_user, "INBOX", bounces(0, 3))
    dovecot.append(imap_user, "Bounces/NDR", bounces(3, 4))
    store = Store()
    make = lambda: connector(folders=["INBOX", "Bounces/NDR"])  # noqa: E731
    part = scan(make(), store, limit=5)
    assert part.fetched == 5
    assert store.refs[-1].startswith("Bounces/NDR/") and store.refs[-1].endswith("/2")
    rest = scan(make(), store)
    assert (rest.fetched, rest.new) == (2, 2)
    assert set(decode_cursor(store.cursor, "x")) == {"INBOX", "Bounces/NDR"}
    assert scan(make(), store).fetched == 0


def test_empty_folder_records_its_uidvalidity(dovecot: Dovecot, imap_user: str,
                                              connector: Callable[..., ImapConnector]) -> None:
    dovecot.append(imap_user, "Bounces", [])
    con = connector()
    items = list(con.fetch(None))
    con.close()
    assert len(items) == 1 and isinstance(items[0], Checkpoint)
    assert decode_cursor(items[0].cursor, "x")["Bounces"].uidvalidity == dovecot.uidvalidity(imap_user, "Bounces")


def test_uidvalidity_change_rescans_and_deduplicates(dovecot: Dovecot, imap_user: str,
                                                     connector: Callable[..., ImapConnector],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    dovecot.append(imap_user, "Bounces", bounces(0, 5))
    store = Store()
    assert scan(connector(), store).new == 5
    old = dovecot.uidvalidity(imap_user, "Bounces")
    dovecot.doveadm("mailbox", "update", "-u", imap_user, "--uid-validity", str(old + 1000), "Bounces")
    dovecot.append(imap_user, "Bounces", bounces(5, 1))
    with caplog.at_level(logging.WARNING):
        again = scan(connector(), store)
    assert (again.fetched, again.new, again.duplicates) == (6, 1, 5)
    assert decode_cursor(store.cursor, "x")["Bounces"].uidvalidity == old + 1000
    assert any("UIDVALIDITY changed" in r.getMessage() and "Bounces" in r.getMessage() for r in caplog.records)


def test_folder_deleted_and_recreated_is_read_again(dovecot: Dovecot, imap_user: str,
                                                    connector: Callable[..., ImapConnector]) -> None:
    dovecot.append(imap_user, "Bounces", bounces(0, 4))
    store = Store()
    scan(connector(), store)
    with dovecot.client(imap_user) as c:
        c.delete_folder("Bounces")
    dovecot.append(imap_user, "Bounces", bounces(2, 4))  # 2 known + 2 new, with UIDs 1-4 again
    again = scan(connector(), store)
    assert (again.fetched, again.new, again.duplicates) == (4, 2, 2)
    assert len(store.by_digest) == 6


def test_server_restart_mid_scan_resumes_without_loss_or_double(dovecot: Dovecot, imap_user: str,
                                                                connector: Callable[..., ImapConnector],
                                                                caplog: pytest.LogCaptureFixture) -> None:
    dovecot.append(imap_user, "Bounces", bounces(0, 60))
    store = Store()
    timer: list[threading.Timer] = []

    def outage(n: int) -> None:
        if n == 15:  # mid-batch: stop the server (all connections drop) and start it again 0.5 s later
            dovecot.stop()
            timer.append(threading.Timer(0.5, dovecot.start))
            timer[0].start()

    con = connector(batch_size=10, retries=8)
    with caplog.at_level(logging.WARNING):
        run = scan(con, store, each=outage)
    timer[0].join()
    assert (run.fetched, run.new, run.duplicates) == (60, 60, 0)
    assert con.total == 60  # the progress total is not counted twice across the reconnect
    assert len(set(store.refs)) == 60
    lost = [r.getMessage() for r in caplog.records if "connection lost" in r.getMessage()]
    # the batch in hand (UIDs 16-20) was handed out; the next FETCH found the connection gone
    assert lost[0].startswith("bounces: connection lost in Bounces after UID 20:"), lost
    assert any("Connection refused" in m for m in lost), lost  # retried with backoff while the server was down


def test_server_down_too_long_reports_then_rerun_completes(dovecot: Dovecot, imap_user: str,
                                                           connector: Callable[..., ImapConnector]) -> None:
    dovecot.append(imap_user, "Bounces", bounces(0, 40))
    store = Store()

    def outage(n: int) -> None:
        if n == 12:
            dovecot.stop()

    try:
        with pytest.raises(SourceError) as err:
            scan(connector(batch_size=10, retries=2), store, each=outage)
    finally:
        dovecot.start()
    assert "gave up after 2 reconnect attempts" in str(err.value) and "Bounces" in str(err.value)
    done = len(store.by_digest)
    assert 12 <= done < 40
    rerun = scan(connector(), store)
    assert (rerun.new, rerun.duplicates) == (40 - done, 0)
    assert len(store.by_digest) == len(store.refs) == 40


def test_move_after_store(dovecot: Dovecot, imap_user: str, connector: Callable[..., ImapConnector]) -> None:
    dovecot.append(imap_user, "Bounces", bounces(0, 25))
    store = Store()
    run = scan(connector(after="move:Processed", batch_size=10), store)
    assert run.new == 25
    assert dovecot.uids(imap_user, "Bounces") == []
    assert len(dovecot.uids(imap_user, "Processed")) == 25
    dovecot.append(imap_user, "Bounces", bounces(25, 2))
    assert scan(connector(after="move:Processed"), store).new == 2
    assert len(dovecot.uids(imap_user, "Processed")) == 27


def test_move_without_move_capability_copies_and_expunges(dovecot: Dovecot, imap_user: str,
                                                          connector: Callable[..., ImapConnector]) -> None:
    """127.0.0.2 is configured to advertise no MOVE: COPY + \\Deleted + UID EXPUNGE instead."""
    keep = dovecot.append(imap_user, "Bounces", bounces(0, 1))
    store = Store()
    scan(connector(host="127.0.0.2"), store)  # stored earlier, left in place
    with dovecot.client(imap_user) as c:  # then flagged \Deleted by someone else: must not be expunged by us
        c.select_folder("Bounces")
        c.add_flags(keep, [b"\\Deleted"])
    dovecot.append(imap_user, "Bounces", bounces(1, 5))
    run = scan(connector(host="127.0.0.2", after="move:Processed"), store)
    assert run.new == 5
    assert dovecot.uids(imap_user, "Bounces") == keep  # only the moved ones were expunged
    assert len(dovecot.uids(imap_user, "Processed")) == 5


def test_seen_after_store(dovecot: Dovecot, imap_user: str, connector: Callable[..., ImapConnector]) -> None:
    dovecot.append(imap_user, "Bounces", bounces(0, 12))
    store = Store()
    scan(connector(after="seen", batch_size=5), store, limit=8)
    flags = dovecot.flags(imap_user, "Bounces")
    assert [uid for uid, f in sorted(flags.items()) if b"\\Seen" in f] == list(range(1, 9))
    scan(connector(after="seen"), store)
    assert all(b"\\Seen" in f for f in dovecot.flags(imap_user, "Bounces").values())


def test_delete_needs_allow_delete_then_expunges(dovecot: Dovecot, imap_user: str,
                                                 connector: Callable[..., ImapConnector]) -> None:
    dovecot.append(imap_user, "Bounces", bounces(0, 3))
    with pytest.raises(ConfigError, match=r"sources\[1\]\.after: \"delete\" also needs allow_delete = true"):
        connector(after="delete")
    assert len(dovecot.uids(imap_user, "Bounces")) == 3
    assert scan(connector(after="delete", allow_delete=True), Store()).new == 3
    assert dovecot.uids(imap_user, "Bounces") == []


def test_missing_folders_are_config_errors(dovecot: Dovecot, imap_user: str,
                                           connector: Callable[..., ImapConnector]) -> None:
    dovecot.append(imap_user, "Bounces", bounces(0, 1))
    with pytest.raises(ConfigError, match=r"sources\[1\]\.folders: cannot open 'Nope'"):
        scan(connector(folders=["Nope"]), Store())
    with pytest.raises(ConfigError, match=r"sources\[1\]\.after: folder 'Archive' does not exist"):
        scan(connector(after="move:Archive"), Store())
    assert len(dovecot.uids(imap_user, "Bounces")) == 1


def test_large_message_is_fetched_up_to_max_message_bytes(dovecot: Dovecot, imap_user: str,
                                                          connector: Callable[..., ImapConnector]) -> None:
    big = sample_bounce(1, size=300_000)
    dovecot.append(imap_user, "Bounces", [sample_bounce(0), big, sample_bounce(2)])
    con = connector(max_message_bytes=100_000, max_batch_bytes=200_000)
    got = [m for m in con.fetch(None) if isinstance(m, RawMessage)]
    con.close()
    assert [len(m.data) for m in got] == [len(sample_bounce(0)), 100_000, len(sample_bounce(2))]
    assert got[1].data == big[:100_000]


def test_untrusted_certificate_is_reported(dovecot: Dovecot, imap_user: str,
                                           connector: Callable[..., ImapConnector]) -> None:
    """Without ca_file the system CAs are used, which do not know the test CA: refused, not retried."""
    with pytest.raises(SourceError) as err:
        scan(connector(ca_file=None, retries=3, retry_backoff=5), Store())
    assert "TLS certificate of localhost" in str(err.value) and "ca_file" in str(err.value)
    assert "attempt" not in str(err.value)


def test_tls_verify_off_connects_with_a_warning(dovecot: Dovecot, imap_user: str,
                                                connector: Callable[..., ImapConnector],
                                                caplog: pytest.LogCaptureFixture) -> None:
    dovecot.append(imap_user, "Bounces", bounces(0, 2))
    with caplog.at_level(logging.WARNING):
        assert scan(connector(ca_file=None, tls_verify=False), Store()).new == 2
    assert any("verification is OFF" in r.getMessage() for r in caplog.records)


def test_starttls_and_plain(dovecot: Dovecot, imap_user: str, connector: Callable[..., ImapConnector],
                            caplog: pytest.LogCaptureFixture) -> None:
    dovecot.append(imap_user, "Bounces", bounces(0, 2))
    assert scan(connector(tls="starttls", port=dovecot.port), Store()).new == 2
    with pytest.raises(SourceError, match="TLS certificate"):
        scan(connector(tls="starttls", port=dovecot.port, ca_file=None), Store())
    with caplog.at_level(logging.WARNING):
        assert scan(connector(tls="none", port=dovecot.port, ca_file=None), Store()).new == 2
    assert any("WITHOUT TLS" in r.getMessage() for r in caplog.records)


def test_wrong_password_is_an_auth_error(dovecot: Dovecot, imap_user: str, connector: Callable[..., ImapConnector],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PW_ENV, "not-the-password")
    with pytest.raises(AuthError) as err:
        scan(connector(), Store())
    text = str(err.value)
    assert err.value.exit_code == 2
    assert "\n" not in text and f"login as {imap_user}" in text and "not-the-password" not in text


def test_missing_secret_is_a_config_error(connector: Callable[..., ImapConnector],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PW_ENV)
    with pytest.raises(ConfigError, match=rf"sources\[1\]\.password_env: environment variable {PW_ENV} is not set"):
        connector()


def test_connection_refused_gives_up_with_source_error(connector: Callable[..., ImapConnector]) -> None:
    from tests.dovecot import _free_port

    port = _free_port()
    gave_up = rf"^cannot connect: .*gave up after 2 reconnect attempts to localhost:{port}"
    with pytest.raises(SourceError, match=gave_up):
        scan(connector(port=port, retries=2), Store())
