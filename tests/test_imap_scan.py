"""`ndr scan` with an IMAP source against a real Dovecot (TLS with a test CA): the store, the cursor, exit codes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from pathlib import Path

import pytest

from tests import mailgen
from tests.dovecot import Dovecot
from tests.scanhelp import count, digests, ndr, ndr_argv, process_env, source_row

pytestmark = pytest.mark.dovecot

PW_ENV = "NDR_TEST_IMAP_PASSWORD"


def imap_config(tmp: Path, dv: Dovecot, user: str, **extra: object) -> Path:
    """A config file with one IMAP source `bounces` reading folder Bounces of `user`."""
    settings: dict[str, object] = {
        "name": "bounces", "type": "imap", "host": "localhost", "port": dv.sport, "ca_file": str(dv.cafile),
        "username": user, "password_env": PW_ENV, "folders": ["Bounces"], "retry_backoff": 0.05, "timeout": 10,
    }
    settings.update(extra)
    lines = ["[store]", f"path = {json.dumps(str(tmp / 'store.sqlite3'))}", "", "[[sources]]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]  # JSON scalars/arrays are TOML
    path = tmp / "ndr.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def msg(i: int) -> bytes:
    """Message i of the shared generator as IMAP holds it (CRLF line ends)."""
    return mailgen.message(i).replace(b"\n", b"\r\n")


def digest(i: int) -> str:
    return hashlib.sha256(msg(i)).hexdigest()


def env_for(dv: Dovecot, user: str) -> dict[str, str]:
    return {PW_ENV: dv.users[user]}


def test_scan_stores_once_and_picks_up_new_mail(dovecot: Dovecot, imap_user: str, tmp_path: Path) -> None:
    dovecot.append(imap_user, "Bounces", [msg(i) for i in range(40)])
    cfg = imap_config(tmp_path, dovecot, imap_user, batch_size=16)
    store = tmp_path / "store.sqlite3"

    first = ndr("scan", "--config", str(cfg), env=env_for(dovecot, imap_user))
    assert first.code == 0, first.err
    assert count(store) == 40
    assert "Bounces/" in first.err  # per-message log lines name the source reference (folder/UIDVALIDITY/UID)
    assert "1 source(s), 40 fetched, 40 new, 0 duplicates, 0 failed" in first.out

    second = ndr("scan", "--config", str(cfg), env=env_for(dovecot, imap_user))
    assert second.code == 0, second.err
    assert "0 fetched, 0 new" in second.out

    dovecot.append(imap_user, "Bounces", [msg(40)])
    third = ndr("scan", "--config", str(cfg), env=env_for(dovecot, imap_user))
    assert third.code == 0 and "1 fetched, 1 new" in third.out
    assert count(store) == 41
    assert sorted(digests(store)) == sorted(digest(i) for i in range(41))

    state = ndr("state", "--config", str(cfg))
    uidvalidity = dovecot.uidvalidity(imap_user, "Bounces")
    assert f"Bounces UID 41 (UIDVALIDITY {uidvalidity})" in state.out, state.out
    assert json.loads(str(source_row(store, "bounces")["cursor"]))["folders"]["Bounces"] == {
        "uidvalidity": uidvalidity, "uid": 41}


def test_dry_run_stores_nothing_and_moves_nothing(dovecot: Dovecot, imap_user: str, tmp_path: Path) -> None:
    dovecot.append(imap_user, "Bounces", [msg(i) for i in range(5)])
    cfg = imap_config(tmp_path, dovecot, imap_user, after="move:Processed")
    dry = ndr("scan", "--config", str(cfg), "--dry-run", env=env_for(dovecot, imap_user))
    assert dry.code == 0, dry.err
    assert len(dovecot.uids(imap_user, "Bounces")) == 5 and dovecot.uids(imap_user, "Processed") == []
    real = ndr("scan", "--config", str(cfg), env=env_for(dovecot, imap_user))
    assert real.code == 0, real.err
    assert dovecot.uids(imap_user, "Bounces") == [] and len(dovecot.uids(imap_user, "Processed")) == 5
    assert count(tmp_path / "store.sqlite3") == 5


def test_wrong_password_exits_2_with_one_line(dovecot: Dovecot, imap_user: str, tmp_path: Path) -> None:
    cfg = imap_config(tmp_path, dovecot, imap_user)
    ran = ndr("scan", "--config", str(cfg), env={PW_ENV: "wrong-password-123"})
    assert ran.code == 2
    errors = [line for line in ran.err.splitlines() if "refused" in line]
    assert len(errors) == 1 and f"login as {imap_user} on localhost:{dovecot.sport} refused" in errors[0], ran.err
    assert "wrong-password-123" not in ran.err + ran.out


def test_untrusted_certificate_fails_the_source(dovecot: Dovecot, imap_user: str, tmp_path: Path) -> None:
    cfg = imap_config(tmp_path, dovecot, imap_user, retries=3)
    cfg.write_text("\n".join(line for line in cfg.read_text().splitlines() if not line.startswith("ca_file")))
    ran = ndr("scan", "--config", str(cfg), env=env_for(dovecot, imap_user))
    assert ran.code == 1
    assert "TLS certificate of localhost" in ran.err and "ca_file" in ran.err


def test_server_stopped_mid_scan_then_rerun_stores_each_message_once(dovecot: Dovecot, imap_user: str,
                                                                     tmp_path: Path) -> None:
    """A real `ndr scan` process; Dovecot goes down under it (connections drop); the rerun completes."""
    total = 600
    dovecot.append(imap_user, "Bounces", [msg(i) for i in range(total)])
    cfg = imap_config(tmp_path, dovecot, imap_user, retries=1, batch_size=50)
    store = tmp_path / "store.sqlite3"
    proc = subprocess.Popen([*ndr_argv("scan", "--config", str(cfg))], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=process_env(env_for(dovecot, imap_user)))
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if store.exists() and _stored(store) >= 60:
                break
            time.sleep(0.02)
        dovecot.stop()
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        dovecot.start()
    partial = count(store)
    assert proc.returncode == 1, err[-2000:]
    assert 60 <= partial < total
    assert "stopped: connection lost in Bounces after UID" in out, out[-1000:]

    rerun = ndr("scan", "--config", str(cfg), env=env_for(dovecot, imap_user))
    assert rerun.code == 0, rerun.err[-2000:]
    assert count(store) == total
    assert digests(store) == sorted(digest(i) for i in range(total))
    assert f"{total - partial} new, 0 duplicates" in rerun.out


def _stored(store: Path) -> int:
    try:
        return count(store)
    except Exception:  # the scan may be creating the schema right now
        return 0
