"""Graph `auth = "device_code"` through `ndr scan`: the sign-in happens on a terminal only, once; later runs
(cron: no terminal) refresh from the cache; off a terminal without the mailbox's cached account the source
stops at once (exit 2, one line) without asking the stand-in for a device code; of several cached accounts
the one of `mailbox` (or of the `account` key) is used.

Real components: the Entra ID + Graph stand-in (tests/graph_standin.py, over TLS) and a real
pseudo-terminal for the interactive runs (tests/terminal.py).
"""

from __future__ import annotations

import json
import logging
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from connectors.graph import parse_config
from connectors.msauth import TokenSource
from ndr.errors import AuthError
from tests import graph_standin as gs
from tests.graph_support import LOGGER, UPN, add_bounces, table
from tests.scanhelp import count, ndr_process
from tests.terminal import on_terminal

pytest_plugins = ["tests.graph_fixtures"]

CLIENT = "app-public"
DELEGATE = "operator@example.com"  # the stand-in's default device-code user


def device_table(st: gs.State, tmp: Path, **extra: object) -> dict[str, object]:
    return table(st, auth="device_code", client_id=CLIENT, client_secret_env=None,
                 token_cache_file=str(tmp / "state" / "graph.json"), **extra)


def config(tmp: Path, st: gs.State, **extra: object) -> Path:
    """One graph source `m365` (device code against the stand-in) reading the inbox of UPN."""
    lines = ["[store]", f"path = {json.dumps(str(tmp / 'store.sqlite3'))}", "", "[[sources]]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in device_table(st, tmp, **extra).items()]  # JSON scalars are TOML
    path = tmp / "ndr.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def public(standin: gs.State) -> gs.State:
    """A public client at the stand-in, the mailbox's own account signing in, two bounces in the inbox."""
    standin.apps[CLIENT] = gs.App(public=True)
    standin.device_user = UPN
    add_bounces(standin, 2)
    return standin


def test_sign_in_on_a_terminal_then_silent_runs_with_a_private_cache(public: gs.State, tmp_path: Path) -> None:
    public.token_lifetime = 200  # under msal's 5-minute margin: the later run refreshes
    cfg, cache, store = config(tmp_path, public), tmp_path / "state" / "graph.json", tmp_path / "store.sqlite3"
    first, terminal = on_terminal("scan", "--config", str(cfg))
    assert first.code == 0, terminal
    assert "enter the code ABCD-EFGH" in terminal  # the device-code message, on the terminal
    assert count(store) == 2
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    assert len(public.requests_to(r"/devicecode$", "POST")) == 1

    add_bounces(public, 1, start=2)
    later = ndr_process("scan", "--config", str(cfg))  # off a terminal, as from cron
    assert later.code == 0, later.err
    assert count(store) == 3
    assert len(public.requests_to(r"/devicecode$")) == 1  # no second sign-in
    assert public.refreshed and set(public.refreshed) == {UPN}  # a refresh per Graph token use at lifetime 200
    assert "devicelogin" not in later.err


def test_off_a_terminal_with_an_empty_cache_the_scan_stops_at_once(public: gs.State, tmp_path: Path) -> None:
    ran = ndr_process("scan", "--config", str(config(tmp_path, public)))
    assert ran.code == 2
    lines = [line for line in ran.err.splitlines() if "token_cache_file" in line]
    assert len(lines) == 1, ran.err
    assert (f"sources[0].token_cache_file: no signed-in account in {tmp_path / 'state' / 'graph.json'} for {UPN} "
            "(sources[0].mailbox; cached: none); run the scan once interactively (in a terminal) to sign in with "
            f"the device code as {UPN}") in lines[0]
    assert public.requests_to(r"/devicecode$") == []  # no sign-in started that nobody would finish
    assert public.requests_to(r"/oauth2/v2.0/token$") == []
    assert public.requests_to(r"^/v1\.0/") == []
    assert not (tmp_path / "state" / "graph.json").exists()


def test_several_cached_accounts_the_mailboxs_is_used(public: gs.State, tmp_path: Path) -> None:
    public.token_lifetime = 200  # every later run refreshes: public.refreshed says for whom
    public.device_user = DELEGATE
    first, terminal = on_terminal("scan", "--config", str(config(tmp_path, public, account=DELEGATE)))
    assert first.code == 0, terminal
    refreshes = len(public.refreshed)  # the first run refreshed too (lifetime 200)

    # the cache holds the delegate only: for the mailbox itself that is no signed-in account
    ran = ndr_process("scan", "--config", str(config(tmp_path, public)))
    assert ran.code == 2
    assert f"for {UPN} (sources[0].mailbox; cached: {DELEGATE})" in ran.err
    assert len(public.refreshed) == refreshes and len(public.requests_to(r"/devicecode$")) == 1

    public.device_user = UPN
    second, terminal = on_terminal("scan", "--config", str(config(tmp_path, public)))
    assert second.code == 0, terminal
    assert len(public.requests_to(r"/devicecode$")) == 2
    cached = json.loads((tmp_path / "state" / "graph.json").read_text())["Account"]
    both = sorted([DELEGATE, UPN])
    assert sorted(a["username"] for a in cached.values()) == both

    for extra, expected in [({}, UPN), ({"account": DELEGATE.upper()}, DELEGATE), ({"mailbox": UPN.upper()}, UPN)]:
        before = len(public.refreshed)
        again = ndr_process("scan", "--config", str(config(tmp_path, public, **extra)))
        assert again.code == 0, again.err
        assert public.refreshed[before:] and set(public.refreshed[before:]) == {expected}
    missing = ndr_process("scan", "--config", str(config(tmp_path, public, account="nobody@example.com")))
    assert missing.code == 2
    assert (f"for nobody@example.com (sources[0].account; cached: {', '.join(both)}); run the scan once "
            "interactively") in missing.err
    assert len(public.requests_to(r"/devicecode$")) == 2

    # a source without a user to match (no mailbox-derived account) cannot choose between them
    auth = replace(parse_config(device_table(public, tmp_path), "sources[0]").auth, account=None, account_key="account")
    with pytest.raises(AuthError) as err:
        TokenSource(auth, scopes=["https://graph.microsoft.com/Mail.Read"], log=logging.getLogger(LOGGER)).token()
    assert str(err.value) == (f"sources[0].account: {tmp_path / 'state' / 'graph.json'} holds several signed-in "
                              f"accounts ({', '.join(both)}); set sources[0].account to the one to use")
    assert err.value.exit_code == 2


def test_signing_in_as_another_account_is_refused_and_kept(public: gs.State, tmp_path: Path) -> None:
    public.device_user = DELEGATE  # the operator signs in as themselves, not as the mailbox
    first, terminal = on_terminal("scan", "--config", str(config(tmp_path, public)))
    assert first.code == 2, terminal
    said = first.out + terminal
    assert (f"sources[0].mailbox: signed in as {DELEGATE}, not {UPN}; run again in a terminal and sign in as {UPN}, "
            f"or set sources[0].account = \"{DELEGATE}\"") in said
    assert public.requests_to(r"^/v1\.0/") == []
    # the sign-in was kept: naming the delegate opens the mailbox without another device code
    later = ndr_process("scan", "--config", str(config(tmp_path, public, account=DELEGATE)))
    assert later.code == 0, later.err
    assert count(tmp_path / "store.sqlite3") == 2
    assert len(public.requests_to(r"/devicecode$")) == 1
