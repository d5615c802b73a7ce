"""IMAP after-actions survive a killed scan: recorded with their message, replayed by the next scan.

A real `ndr scan` process against a real Dovecot is killed with SIGKILL once messages are stored and
their after-actions (sent in one command per fetch batch, here at the end of the folder) are not yet
sent; the next scan sends them first, exactly once. A changed UIDVALIDITY or a message gone drops
them with a warning naming the source and the UIDs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import imapclient
import pytest

from connectors.base import RawMessage
from connectors.imap import ImapConnector, uid_set
from tests.dovecot import Dovecot, sample_bounce
from tests.scanhelp import count, db, digests, ndr, ndr_argv, process_env, source_row
from tests.test_imap_scan import digest, env_for, imap_config, msg

pytestmark = pytest.mark.dovecot

TOTAL = 600  # messages in Bounces: fetched in ONE UID FETCH (batch_size), so no after-action goes out before the end
KILL_AT = 30  # SIGKILL the scan once this many messages are stored


def _stored(store: Path) -> int:
    try:
        return count(store)
    except Exception:  # the scan may be creating the schema right now
        return 0


def _pending(store: Path) -> list[str]:
    with db(store) as conn:
        return [r[0] for r in conn.execute("SELECT ref FROM pending_after WHERE source = 'bounces' ORDER BY ref")]


def _stored_refs(store: Path) -> list[str]:
    with db(store) as conn:
        return [r[0] for r in conn.execute("SELECT ref FROM refs WHERE source = 'bounces' ORDER BY ref")]


def _killed_scan(dv: Dovecot, user: str, cfg: Path, store: Path) -> int:
    """Run `ndr scan` (store batches of 3) and SIGKILL it once KILL_AT messages are stored; returns how many are."""
    proc = subprocess.Popen(ndr_argv("scan", "--config", str(cfg), "-q", "--batch-size", "3"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=process_env(env_for(dv, user)))
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and _stored(store) < KILL_AT and time.monotonic() < deadline:
            time.sleep(0.005)
        assert proc.poll() is None, "the scan ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        assert proc.stderr is not None
        proc.stderr.close()
    stored = count(store)
    assert KILL_AT <= stored < TOTAL
    return stored


def _bodies(dv: Dovecot, user: str, folder: str) -> list[bytes]:
    with dv.client(user) as c:
        c.select_folder(folder, readonly=True)
        uids = c.search("ALL")
        return [item[b"BODY[]"] for item in c.fetch(uids, ["BODY.PEEK[]"]).values()] if uids else []


def _load(dv: Dovecot, user: str, after: str) -> None:
    dv.append(user, "Bounces", [msg(i) for i in range(TOTAL)], chunk=200)
    if after.startswith("move:"):
        with dv.client(user) as c:
            c.create_folder("Processed")


@pytest.mark.parametrize("after", ["move:Processed", "seen"])
def test_scan_killed_before_the_after_actions_then_rerun_sends_each_once(
        dovecot: Dovecot, imap_user: str, tmp_path: Path, after: str) -> None:
    _load(dovecot, imap_user, after)
    cfg = imap_config(tmp_path, dovecot, imap_user, after=after, batch_size=TOTAL)
    store = tmp_path / "store.sqlite3"
    stored = _killed_scan(dovecot, imap_user, cfg, store)

    # every stored message has its after-action recorded, none was sent
    assert _pending(store) == _stored_refs(store) and len(_pending(store)) == stored
    assert len(dovecot.uids(imap_user, "Bounces")) == TOTAL
    assert not any(b"\\Seen" in f for f in dovecot.flags(imap_user, "Bounces").values())
    state = json.loads(ndr("state", "--config", str(cfg), "--json").out)
    assert state[0]["pending_after_actions"] == stored

    rerun = ndr("scan", "--config", str(cfg), env=env_for(dovecot, imap_user))
    assert rerun.code == 0, rerun.err[-2000:]
    assert f"bounces: Bounces: sending {stored} after-action(s) left by an earlier scan" in rerun.err
    assert f"{TOTAL - stored} new, 0 duplicates, 0 failed" in rerun.out  # the rest: each message stored once
    assert count(store) == TOTAL and digests(store) == sorted(digest(i) for i in range(TOTAL))
    assert source_row(store, "bounces")["new"] == TOTAL and source_row(store, "bounces")["duplicates"] == 0
    assert _pending(store) == []
    assert json.loads(ndr("state", "--config", str(cfg), "--json").out)[0]["pending_after_actions"] == 0
    if after == "seen":
        flags = dovecot.flags(imap_user, "Bounces")
        assert len(flags) == TOTAL and all(b"\\Seen" in f for f in flags.values())
    else:  # moved exactly once: each message once in Processed, none left behind
        assert dovecot.uids(imap_user, "Bounces") == []
        moved = sorted(hashlib.sha256(b).hexdigest() for b in _bodies(dovecot, imap_user, "Processed"))
        assert moved == sorted(digest(i) for i in range(TOTAL))


def test_uidvalidity_change_drops_the_recorded_after_actions_with_a_warning(
        dovecot: Dovecot, imap_user: str, tmp_path: Path) -> None:
    _load(dovecot, imap_user, "move:Processed")
    cfg = imap_config(tmp_path, dovecot, imap_user, after="move:Processed", batch_size=TOTAL)
    store = tmp_path / "store.sqlite3"
    stored = _killed_scan(dovecot, imap_user, cfg, store)
    old = dovecot.uidvalidity(imap_user, "Bounces")
    uids = sorted(int(ref.rsplit("/", 1)[1]) for ref in _pending(store))
    assert len(uids) == stored
    dovecot.doveadm("mailbox", "update", "-u", imap_user, "--uid-validity", str(old + 1000), "Bounces")

    rerun = ndr("scan", "--config", str(cfg), env=env_for(dovecot, imap_user))
    assert rerun.code == 0, rerun.err[-2000:]
    dropped = [line for line in rerun.err.splitlines() if "dropped" in line]
    assert len(dropped) == 1, rerun.err[-2000:]
    assert (f"bounces: Bounces UIDs {uid_set(uids)} (UIDVALIDITY {old}): move dropped: "
            f"UIDVALIDITY is now {old + 1000}") in dropped[0]
    assert _pending(store) == []
    # the folder is read again under the new UIDVALIDITY: the stored ones are duplicates, and all get moved once
    assert f"{TOTAL - stored} new, {stored} duplicates, 0 failed" in rerun.out
    assert count(store) == TOTAL and dovecot.uids(imap_user, "Bounces") == []
    moved = sorted(hashlib.sha256(b).hexdigest() for b in _bodies(dovecot, imap_user, "Processed"))
    assert moved == sorted(digest(i) for i in range(TOTAL))


def test_replay_acts_on_present_messages_and_drops_gone_stale_and_foreign_refs(
        dovecot: Dovecot, imap_user: str, connector: Callable[..., ImapConnector],
        caplog: pytest.LogCaptureFixture) -> None:
    uids = dovecot.append(imap_user, "Bounces", [sample_bounce(i) for i in range(4)])
    v = dovecot.uidvalidity(imap_user, "Bounces")
    with dovecot.client(imap_user) as c:  # UID uids[1] is expunged by someone else
        c.select_folder("Bounces")
        c.add_flags([uids[1]], [imapclient.DELETED])
        c.uid_expunge([uids[1]])
    refs = [f"Bounces/{v}/{uids[0]}", f"Bounces/{v}/{uids[1]}", f"Bounces/{v}/{uids[2]}",
            f"Bounces/{v - 1}/{uids[3]}", "not-an-imap-ref", f"Gone/{v}/1"]
    con = connector(after="seen")
    with caplog.at_level(logging.WARNING):
        con.replay(refs)
        con.close()
    assert sorted(con.settled()) == sorted(refs)  # acted on or dropped: the store forgets every one
    flags = dovecot.flags(imap_user, "Bounces")
    assert [u for u, f in sorted(flags.items()) if b"\\Seen" in f] == [uids[0], uids[2]]
    warnings = [r.getMessage() for r in caplog.records]
    assert f"bounces: Bounces UID {uids[1]} (UIDVALIDITY {v}): seen dropped: the message is gone" in warnings
    assert f"bounces: Bounces UID {uids[3]} (UIDVALIDITY {v - 1}): seen dropped: UIDVALIDITY is now {v}" in warnings
    assert f"bounces: Gone UID 1 (UIDVALIDITY {v}): seen dropped: the folder is gone" in warnings
    assert any("not-an-imap-ref" in w for w in warnings)


def test_replay_with_no_after_action_configured_drops_them(connector: Callable[..., ImapConnector],
                                                           caplog: pytest.LogCaptureFixture) -> None:
    con = connector()
    with caplog.at_level(logging.WARNING):
        con.replay(["Bounces/7/1", "Bounces/7/2"])
    assert con.settled() == ["Bounces/7/1", "Bounces/7/2"]
    assert any('after = "none" now: 2 after-action(s)' in r.getMessage() for r in caplog.records)


def test_a_completed_scan_leaves_nothing_pending(dovecot: Dovecot, imap_user: str, tmp_path: Path) -> None:
    dovecot.append(imap_user, "Bounces", [msg(i) for i in range(25)])
    cfg = imap_config(tmp_path, dovecot, imap_user, after="seen", batch_size=10)
    ran = ndr("scan", "--config", str(cfg), "--batch-size", "4", env=env_for(dovecot, imap_user))
    assert ran.code == 0, ran.err
    assert _pending(tmp_path / "store.sqlite3") == []
    assert all(b"\\Seen" in f for f in dovecot.flags(imap_user, "Bounces").values())
    assert "left by an earlier scan" not in ran.err


def test_an_action_the_server_refuses_is_not_settled(dovecot: Dovecot, imap_user: str,
                                                      connector: Callable[..., ImapConnector],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    dovecot.append(imap_user, "Bounces", [sample_bounce(i) for i in range(3)])
    with dovecot.client(imap_user) as c:
        c.create_folder("Archive")
    con = connector(after="move:Archive")
    messages = [item for item in con.fetch(None) if isinstance(item, RawMessage)]
    assert len(messages) == 3
    for message in messages:
        assert con.pending_ref(message) == message.ref
        con.after_store(message)
    with dovecot.client(imap_user) as c:  # the target (not auto-created) goes: NO [TRYCREATE]
        c.delete_folder("Archive")
    with caplog.at_level(logging.WARNING):
        con.close()
    assert con.settled() == []  # still recorded in the store: the next scan tries again
    assert len(dovecot.uids(imap_user, "Bounces")) == 3
    assert any("move failed" in r.getMessage() and "the next scan tries again" in r.getMessage()
               for r in caplog.records)
