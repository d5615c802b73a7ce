"""IMAP `auth = "device_code"`: `ndr scan` signs in through the stand-in's device flow once, on a terminal,
then reuses the cached refresh token; without a terminal and a cached account it stops with exit 2.

Real components: the Entra ID stand-in of the Graph tests (tests/graph_standin.py, over TLS), the real
Dovecot on loopback (an XOAUTH2 bearer token is checked against the user's passdb password, so the
stand-in hands out exactly the token the test user's "password" is), and a real pseudo-terminal for
the interactive run (`ndr scan` as a subprocess with stdin and stderr on a pty).
"""

from __future__ import annotations

import json
import secrets
import stat
from pathlib import Path

import pytest

from tests import graph_standin as gs
from tests.dovecot import Dovecot, sample_bounce
from tests.scanhelp import count, ndr, ndr_process
from tests.terminal import on_terminal

pytest_plugins = ["tests.graph_fixtures"]
pytestmark = pytest.mark.dovecot

CLIENT = "app-imap-public"
SCOPE = "https://outlook.office.com/IMAP.AccessScope"


def config(tmp: Path, dv: Dovecot, st: gs.State, user: str, **extra: object) -> Path:
    """One imap source `m365` (device code against the stand-in) reading folder Bounces of `user`."""
    settings: dict[str, object] = {
        "name": "m365", "type": "imap", "host": "localhost", "port": dv.sport, "ca_file": str(dv.cafile),
        "username": user, "auth": "device_code", "tenant_id": st.tenant, "client_id": CLIENT,
        "authority_host": st.base, "instance_discovery": False, "token_cache_file": str(tmp / "state" / "imap.json"),
        "folders": ["Bounces"], "retry_backoff": 0.05, "timeout": 10, **extra,
    }
    lines = ["[store]", f"path = {json.dumps(str(tmp / 'store.sqlite3'))}", "", "[[sources]]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]  # JSON scalars/arrays are TOML
    path = tmp / "ndr.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def mailbox(standin: gs.State, dovecot: Dovecot) -> str:
    """A public client registered at the stand-in, and a Dovecot user accepting the token it issues."""
    standin.apps[CLIENT] = gs.App(public=True)
    standin.access_token = "eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(24)
    user = dovecot.new_user(password=standin.access_token)
    standin.device_user = user  # the device-code sign-in is the mailbox's own account
    dovecot.append(user, "Bounces", [sample_bounce(1), sample_bounce(2)])
    return user


def test_first_run_signs_in_on_the_terminal_later_runs_refresh_silently(
    standin: gs.State, dovecot: Dovecot, mailbox: str, tmp_path: Path
) -> None:
    standin.token_lifetime = 200  # under msal's 5-minute margin: the second run must use the refresh token
    cfg = config(tmp_path, dovecot, standin, mailbox)
    store, cache = tmp_path / "store.sqlite3", tmp_path / "state" / "imap.json"
    token = standin.access_token
    assert token is not None

    first, terminal = on_terminal("scan", "--config", str(cfg))
    assert first.code == 0, terminal
    assert "https://microsoft.com/devicelogin" in terminal and "ABCD-EFGH" in terminal
    assert count(store) == 2
    assert len(standin.requests_to(r"/devicecode$", "POST")) == 1
    asked = list(standin.device_scopes.values())
    assert len(asked) == 1 and {SCOPE, "offline_access"} <= set(asked[0].split())
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert token not in terminal and token not in first.out

    dovecot.append(mailbox, "Bounces", [sample_bounce(3)])
    tokens_before = len(standin.requests_to(r"/oauth2/v2.0/token$", "POST"))
    second = ndr_process("scan", "--config", str(cfg), "-v")  # off a terminal, as from cron
    assert second.code == 0, second.err
    assert count(store) == 3
    assert len(standin.requests_to(r"/devicecode$", "POST")) == 1  # no second sign-in
    assert len(standin.requests_to(r"/oauth2/v2.0/token$", "POST")) == tokens_before + 1  # one refresh
    assert "devicelogin" not in second.err and token not in second.err + second.out


def test_a_cached_access_token_needs_no_token_request(
    standin: gs.State, dovecot: Dovecot, mailbox: str, tmp_path: Path
) -> None:
    cfg = config(tmp_path, dovecot, standin, mailbox)
    assert on_terminal("scan", "--config", str(cfg))[0].code == 0
    before = len(standin.log)
    again = ndr_process("scan", "--config", str(cfg))
    assert again.code == 0, again.err
    # msal served the token from the cache file: only its OIDC discovery (GET), no token or device-code POST
    assert [r.method for r in standin.log[before:]] == ["GET"]


def test_without_a_terminal_and_a_cached_account_the_scan_stops_with_exit_2(
    standin: gs.State, dovecot: Dovecot, mailbox: str, tmp_path: Path
) -> None:
    cfg = config(tmp_path, dovecot, standin, mailbox)
    ran = ndr_process("scan", "--config", str(cfg))
    assert ran.code == 2
    lines = [line for line in ran.err.splitlines() if "token_cache_file" in line]
    assert len(lines) == 1, ran.err
    assert "sources[0].token_cache_file: no signed-in account in" in lines[0]
    assert "run the scan once interactively" in lines[0]
    assert standin.requests_to(r"/devicecode$") == []  # no sign-in started that nobody would finish
    assert not (tmp_path / "state" / "imap.json").exists()


def test_a_mailbox_refusing_the_delegated_token_is_explained(
    standin: gs.State, dovecot: Dovecot, mailbox: str, tmp_path: Path
) -> None:
    other = dovecot.new_user(password="a-token-the-stand-in-never-issues")
    standin.device_user = other
    first, terminal = on_terminal("scan", "--config", str(config(tmp_path, dovecot, standin, other)))
    assert first.code == 2, terminal
    said = first.out + terminal  # the summary table (stdout) names why the source stopped
    assert f"login as {other}" in said and "IMAP.AccessAsUser.All" in said and "token_cache_file" in said
    assert standin.access_token is not None and standin.access_token not in said


@pytest.mark.parametrize(("extra", "message"), [
    ({"tenant": "contoso.example.com"}, "sources[0].tenant: unknown key for an imap source"),
    ({"client_secret_env": "NDR_X"}, "sources[0].client_secret_env: not used with auth = \"device_code\""),
    ({"token_cache_file": 7}, "sources[0].token_cache_file: must be a string"),
    ({"scope": "offline_access"}, "sources[0].scope: give one resource scope"),
])
def test_config_errors_name_the_key(
    standin: gs.State, dovecot: Dovecot, tmp_path: Path, extra: dict[str, object], message: str
) -> None:
    ran = ndr("scan", "--config", str(config(tmp_path, dovecot, standin, "nobody@example.test", **extra)))
    assert ran.code == 2
    assert message in ran.err and len([line for line in ran.err.splitlines() if "sources[0]" in line]) == 1
    assert standin.log == []


def test_a_revoked_refresh_token_off_a_terminal_asks_for_a_new_sign_in(
    standin: gs.State, dovecot: Dovecot, mailbox: str, tmp_path: Path
) -> None:
    standin.token_lifetime = 200  # the next run must refresh
    cfg = config(tmp_path, dovecot, standin, mailbox)
    assert on_terminal("scan", "--config", str(cfg))[0].code == 0
    revoked = "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity."
    standin.fail(r"/oauth2/v2.0/token$", status=400, retry_after=None,
                 body={"error": "invalid_grant", "error_description": revoked, "error_codes": [70008]})
    ran = ndr_process("scan", "--config", str(cfg))
    assert ran.code == 2
    lines = [line for line in ran.err.splitlines() if "token_cache_file" in line]
    assert len(lines) == 1 and "could not be refreshed" in lines[0] and "run the scan once interactively" in lines[0]
    assert len(standin.requests_to(r"/devicecode$")) == 1  # only the first run's sign-in


def test_the_cached_account_of_the_configured_user_is_used(
    standin: gs.State, dovecot: Dovecot, mailbox: str, tmp_path: Path
) -> None:
    standin.token_lifetime = 200  # every later run refreshes: standin.refreshed says for whom
    assert standin.access_token is not None
    other = dovecot.new_user(password=standin.access_token)
    dovecot.append(other, "Bounces", [sample_bounce(7)])
    standin.device_user = other
    assert on_terminal("scan", "--config", str(config(tmp_path, dovecot, standin, other)))[0].code == 0

    # the cache holds `other` only: for `mailbox` that is no signed-in account
    ran = ndr_process("scan", "--config", str(config(tmp_path, dovecot, standin, mailbox)))
    assert ran.code == 2
    lines = [line for line in ran.err.splitlines() if "token_cache_file" in line]
    assert len(lines) == 1, ran.err
    assert f"no signed-in account in {tmp_path / 'state' / 'imap.json'} for {mailbox} (sources[0].username; " \
           f"cached: {other})" in lines[0]
    assert standin.refreshed == [] and len(standin.requests_to(r"/devicecode$")) == 1

    standin.device_user = mailbox  # now the cache holds both accounts
    first, terminal = on_terminal("scan", "--config", str(config(tmp_path, dovecot, standin, mailbox)))
    assert first.code == 0, terminal
    assert len(standin.requests_to(r"/devicecode$")) == 2
    cached = json.loads((tmp_path / "state" / "imap.json").read_text())["Account"]
    assert sorted(a["username"] for a in cached.values()) == sorted([mailbox, other])

    for user, extra, expected in [(mailbox, {}, mailbox), (other, {}, other),
                                  (mailbox, {"account": other.upper()}, other)]:  # a delegate, any case
        again = ndr_process("scan", "--config", str(config(tmp_path, dovecot, standin, user, **extra)))
        assert again.code == 0, again.err
        assert standin.refreshed[-1] == expected
    assert len(standin.requests_to(r"/devicecode$")) == 2
