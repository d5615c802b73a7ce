"""`ndr scan` with a Graph source against the stand-in: the store, the cursor, 410 resync, exit codes, no secrets."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests import graph_standin as gs
from tests import mailgen
from tests.graph_support import CLIENT_ID, SECRET, SECRET_ENV, UPN
from tests.scanhelp import count, digests, ndr, source_row

pytest_plugins = ["tests.graph_fixtures"]


def graph_config(tmp: Path, st: gs.State, **extra: object) -> Path:
    """A config file with one Graph source `m365` reading the stand-in's inbox of UPN."""
    settings: dict[str, object] = {
        "name": "m365", "type": "graph", "tenant_id": st.tenant, "client_id": CLIENT_ID,
        "client_secret_env": SECRET_ENV, "mailbox": UPN, "folder": "Inbox",
        "authority_host": st.base, "graph_endpoint": st.base, "instance_discovery": False,
    }
    settings.update(extra)
    lines = ["[store]", f"path = {json.dumps(str(tmp / 'store.sqlite3'))}", "", "[[sources]]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]  # JSON scalars are TOML
    path = tmp / "ndr.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def put(st: gs.State, first: int, n: int) -> None:
    for i in range(first, first + n):
        st.add_message(UPN, "inbox", mailgen.message(i), subject=f"bounce {i}", sender="postmaster@example.org")


def digest(i: int) -> str:
    return hashlib.sha256(mailgen.message(i)).hexdigest()


def test_scan_stores_once_and_picks_up_new_mail(standin: gs.State, tmp_path: Path) -> None:
    put(standin, 0, 30)
    cfg = graph_config(tmp_path, standin, page_size=8)
    store = tmp_path / "store.sqlite3"
    first = ndr("scan", "--config", str(cfg))
    assert first.code == 0, first.err
    assert "1 source(s), 30 fetched, 30 new, 0 duplicates, 0 failed" in first.out
    assert count(store) == 30
    second = ndr("scan", "--config", str(cfg))
    assert second.code == 0 and "0 fetched, 0 new" in second.out
    put(standin, 30, 2)
    third = ndr("scan", "--config", str(cfg))
    assert third.code == 0 and "2 fetched, 2 new" in third.out
    assert sorted(digests(store)) == sorted(digest(i) for i in range(32))
    assert json.loads(str(source_row(store, "m365")["cursor"]))["done"] is True
    state = ndr("state", "--config", str(cfg))
    assert "up to date at the last scan (deltaLink)" in state.out, state.out


def test_expired_delta_link_resyncs_and_the_store_counts_duplicates(standin: gs.State, tmp_path: Path) -> None:
    put(standin, 0, 12)
    cfg = graph_config(tmp_path, standin)
    assert ndr("scan", "--config", str(cfg)).code == 0
    standin.delta_generation += 1  # the stored deltaLink answers 410 from now on
    put(standin, 12, 1)
    again = ndr("scan", "--config", str(cfg))
    assert again.code == 0, again.err
    assert "13 fetched, 1 new, 12 duplicates, 0 failed" in again.out
    assert "expired (410); full resync" in again.err
    assert count(tmp_path / "store.sqlite3") == 13


def test_max_messages_resumes_where_it_stopped(standin: gs.State, tmp_path: Path) -> None:
    put(standin, 0, 10)
    cfg = graph_config(tmp_path, standin)
    for _ in range(3):
        ran = ndr("scan", "--config", str(cfg), "--max-messages", "4")
        assert ran.code == 0, ran.err
    assert count(tmp_path / "store.sqlite3") == 10
    assert "0 duplicates" in ran.out


def test_bad_secret_exits_2_with_one_line_and_no_secret(standin: gs.State, tmp_path: Path) -> None:
    put(standin, 0, 1)
    cfg = graph_config(tmp_path, standin)
    ran = ndr("scan", "--config", str(cfg), env={SECRET_ENV: "not-the-secret"})
    assert ran.code == 2
    lines = [line for line in ran.err.splitlines() if "AADSTS7000215" in line]
    assert len(lines) == 1 and "invalid client secret" in lines[0] and SECRET_ENV in lines[0]
    assert "not-the-secret" not in ran.err + ran.out and SECRET not in ran.err + ran.out


def test_throttling_beyond_the_cap_exits_1(standin: gs.State, tmp_path: Path) -> None:
    put(standin, 0, 1)
    standin.fail(r"/messages/delta$", status=429, count=3, retry_after=3600)
    ran = ndr("scan", "--config", str(graph_config(tmp_path, standin, max_retry_after=60)))
    assert ran.code == 1
    assert "asked to wait 3600 s (Retry-After), more than max_retry_after = 60 s" in ran.err


def test_move_after_store_and_dry_run(standin: gs.State, tmp_path: Path) -> None:
    standin.add_folder(UPN, "Inbox/Done")
    put(standin, 0, 3)
    cfg = graph_config(tmp_path, standin, after="move:Inbox/Done")
    dry = ndr("scan", "--config", str(cfg), "--dry-run")
    assert dry.code == 0 and standin.requests_to(r"/move$") == []
    ran = ndr("scan", "--config", str(cfg))
    assert ran.code == 0 and "3 new" in ran.out
    done = standin.folder(UPN, "Inbox/Done")
    assert done is not None and len(done.messages) == 3
