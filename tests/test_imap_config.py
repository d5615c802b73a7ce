"""IMAP source config: one line per case (table -> ImapConfig field, or the ConfigError text); batch planning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.imap import Batch, FolderState, decode_cursor, encode_cursor, plan_batches
from connectors.imap_config import AfterKind, Auth, Tls, parse_config
from ndr.errors import ConfigError, SourceError

BASE: dict[str, object] = {"name": "bounces", "type": "imap", "host": "imap.example.com",
                           "username": "bounces@example.com", "password_env": "NDR_TEST_PW"}


def cfg(**changes: object) -> dict[str, object]:
    table = dict(BASE)
    for key, value in changes.items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    return table


def test_defaults() -> None:
    c = parse_config(cfg(), "sources[1]")
    assert (c.name, c.host, c.port, c.tls, c.tls_verify, c.ca_file) == (
        "bounces", "imap.example.com", 993, Tls.IMPLICIT, True, None)
    assert (c.auth, c.password and c.password.env, c.folders) == (Auth.PASSWORD, "NDR_TEST_PW", ("INBOX",))
    assert (c.after.kind, c.batch_size, c.retries) == (AfterKind.NONE, 100, 5)


@pytest.mark.parametrize(("changes", "field", "expected"), [
    ({"tls": "starttls"}, "port", 143),
    ({"tls": "STARTTLS", "port": 1143}, "port", 1143),
    ({"tls": "none"}, "tls", Tls.NONE),
    ({"tls_verify": False}, "tls_verify", False),
    ({"folders": ["Bounces", "INBOX/NDR"]}, "folders", ("Bounces", "INBOX/NDR")),
    ({"folders": "Bounces"}, "folders", ("Bounces",)),
    ({"after": "move:Processed/2024"}, "after", ("move", "Processed/2024")),
    ({"after": "seen"}, "after", ("seen", None)),
    ({"after": "delete", "allow_delete": True}, "after", ("delete", None)),
    ({"timeout": 5}, "timeout", 5.0),
    ({"password_env": None, "password_file": "/run/secrets/imap"}, "password", (None, "/run/secrets/imap")),
    ({"password_env": None, "password_file": "~/imap.pw"}, "password", (None, str(Path("~/imap.pw").expanduser()))),
    ({"auth": "xoauth2", "password_env": None, "token_command": "get-token --mailbox 'a b'"},
     "token_command", ("get-token", "--mailbox", "a b")),
    ({"auth": "xoauth2", "password_env": None, "token_command": ["get-token", "x"]}, "token_command",
     ("get-token", "x")),
    ({"auth": "xoauth2", "password_env": None, "tenant_id": "contoso.example.com", "client_id": "app-1",
      "client_secret_env": "NDR_SECRET"}, "msal",
     ("contoso.example.com", "app-1", "NDR_SECRET", "https://login.microsoftonline.com", "client_credentials")),
    ({"auth": "xoauth2", "password_env": None, "tenant_id": "t", "client_id": "c", "certificate_file": "/k.pem",
      "authority_host": "https://login.microsoftonline.us/"}, "msal",
     ("t", "c", None, "https://login.microsoftonline.us", "client_credentials")),
    ({"auth": "xoauth2", "password_env": None, "tenant_id": "t", "client_id": "c", "client_secret_env": "S"},
     "scope", "https://outlook.office365.com/.default"),
    ({"auth": "xoauth2", "password_env": None, "tenant_id": "t", "client_id": "c", "client_secret_env": "S",
      "scope": "https://outlook.office365.us/.default"}, "scope", "https://outlook.office365.us/.default"),
])
def test_valid(changes: dict[str, object], field: str, expected: object) -> None:
    value = getattr(parse_config(cfg(**changes), "sources[1]"), field)
    if field == "msal" and value.flow == "device_code":
        value = (value.tenant_id, value.client_id, value.token_cache_file, value.flow, value.sign_in_on_terminal_only)
    elif field == "after":
        value = (value.kind.value, value.folder)
    elif field == "password":
        value = (value.env, value.file and str(value.file))
    elif field == "msal":
        value = (value.tenant_id, value.client_id, value.client_secret_env, value.authority_host, value.flow)
    assert value == expected


@pytest.mark.parametrize(("changes", "message"), [
    ({"host": None}, "sources[1].host: required"),
    ({"username": None}, "sources[1].username: required"),
    ({"name": None}, "sources[1].name: required"),
    ({"hots": "x"}, "sources[1].hots: unknown key for an imap source"),
    ({"password": "hunter2"}, "sources[1].password: unknown key for an imap source"),
    ({"port": "993"}, "sources[1].port: must be an integer, not a string"),
    ({"port": 70000}, "sources[1].port: must be 1-65535"),
    ({"port": True}, "sources[1].port: must be an integer, not a boolean"),
    ({"tls": "ssl"}, "sources[1].tls: must be one of 'implicit', 'starttls', 'none', not 'ssl'"),
    ({"tls_verify": "no"}, "sources[1].tls_verify: must be true or false, not a string"),
    ({"host": "  "}, "sources[1].host: must not be empty"),
    ({"password_env": None}, "sources[1].password_env: required (or password_file)"),
    ({"password_file": "/x"}, "sources[1].password_file: give password_env or password_file, not both"),
    ({"folders": []}, "sources[1].folders: must be a non-empty list of strings"),
    ({"folders": ["INBOX", 3]}, "sources[1].folders: must be a non-empty list of strings"),
    ({"folders": ["INBOX", "INBOX"]}, "sources[1].folders: lists a folder twice"),
    ({"after": "move"}, "sources[1].after: move needs a folder"),
    ({"after": "archive"}, "sources[1].after: must be \"none\", \"seen\", \"move:Folder\" or \"delete\""),
    ({"after": "seen:X"}, "sources[1].after: only move takes a folder"),
    ({"after": "delete"}, "sources[1].after: \"delete\" also needs allow_delete = true"),
    ({"after": "delete", "allow_delete": False}, "sources[1].after: \"delete\" also needs allow_delete = true"),
    ({"batch_size": 0}, "sources[1].batch_size: must be 1-5000"),
    ({"retries": -1}, "sources[1].retries: must be 0-50"),
    ({"token_command": "x"}, "sources[1].token_command: only used with auth = \"xoauth2\""),
    ({"auth": "xoauth2"}, "sources[1].password_env: not used with auth = \"xoauth2\""),
    ({"auth": "xoauth2", "password_env": None}, "sources[1].tenant_id: required"),
    ({"auth": "xoauth2", "password_env": None, "tenant_id": "t", "client_id": "c"},
     "sources[1].client_secret_env: required"),
    ({"auth": "xoauth2", "password_env": None, "tenant_id": "t", "client_id": "c", "client_secret_env": "S",
      "certificate_file": "/k.pem"}, "sources[1].certificate_file: give only one of"),
    ({"auth": "xoauth2", "password_env": None, "tenant_id": "t", "client_id": "c", "client_secret_env": "S",
      "authority_host": "http://login.example.com"}, "sources[1].authority_host: must be an https:// URL"),
    ({"auth": "xoauth2", "password_env": None, "tenant_id": "common", "client_id": "c", "client_secret_env": "S"},
     "sources[1].tenant_id: app-only sign-in needs your Directory (tenant) ID"),
    ({"scope": "https://outlook.office365.com/.default"}, "sources[1].scope: only used for an msal token"),
    ({"auth": "xoauth2", "password_env": None, "token_command": "t", "tenant_id": "x"},
     "sources[1].tenant_id: not used with token_command"),
    ({"auth": "xoauth2", "password_env": None, "token_command": ""},
     "sources[1].token_command: must be a command line string or a list of strings"),
    ({"tenant_id": "x"}, "sources[1].tenant_id: not used with auth = \"password\""),
])
def test_invalid(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(cfg(**changes), "sources[1]")
    assert str(err.value).startswith(message), str(err.value)
    assert err.value.exit_code == 2
    assert "hunter2" not in str(err.value)


DEVICE: dict[str, object] = {"auth": "device_code", "password_env": None, "tenant_id": "contoso.example.com",
                             "client_id": "app-public"}


@pytest.mark.parametrize(("changes", "field", "expected"), [
    ({}, "auth", Auth.DEVICE_CODE),
    ({}, "scope", "https://outlook.office.com/IMAP.AccessScope"),
    ({"authority_host": "https://login.microsoftonline.us"}, "scope", "https://outlook.office365.us/IMAP.AccessScope"),
    ({"authority_host": "https://login.partner.microsoftonline.cn"}, "scope",
     "https://partner.outlook.cn/IMAP.AccessScope"),
    ({"authority_host": "https://login.microsoftonline.us", "scope": "https://outlook-dod.office365.us/IMAP.AccessScope"},
     "scope", "https://outlook-dod.office365.us/IMAP.AccessScope"),
    ({"token_cache_file": "/var/lib/ndr/imap-token.json"}, "msal",
     ("contoso.example.com", "app-public", Path("/var/lib/ndr/imap-token.json"), "device_code", True)),
    ({"tenant_id": "organizations"}, "auth", Auth.DEVICE_CODE),  # delegated sign-in may use a common tenant
])
def test_valid_device_code(changes: dict[str, object], field: str, expected: object) -> None:
    test_valid({**DEVICE, **changes}, field, expected)


def test_device_code_uses_the_cached_account_of_username_or_of_the_account_key() -> None:
    own = parse_config(cfg(**DEVICE), "sources[1]").msal
    assert own is not None and (own.account, own.account_key) == ("bounces@example.com", "username")
    delegate = parse_config(cfg(**DEVICE, account="me@example.com"), "sources[1]").msal
    assert delegate is not None and (delegate.account, delegate.account_key) == ("me@example.com", "account")
    assert delegate.sign_in_on_terminal_only


def test_device_code_cache_defaults_to_the_user_data_dir() -> None:
    msal = parse_config(cfg(**DEVICE), "sources[1]").msal
    assert msal is not None and msal.token_cache_file is not None
    assert msal.token_cache_file.name == "msal-cache-app-public.json" and "ndr" in msal.token_cache_file.parts


@pytest.mark.parametrize(("changes", "message"), [
    ({"auth": "device-code"},
     "sources[1].auth: must be one of 'password', 'xoauth2', 'device_code', not 'device-code'"),
    ({"tenant_id": None}, "sources[1].tenant_id: required"),
    ({"client_id": None}, "sources[1].client_id: required"),
    ({"tenant": "contoso.example.com"}, "sources[1].tenant: unknown key for an imap source"),
    ({"token_cache": "/x.json"}, "sources[1].token_cache: unknown key for an imap source"),
    ({"password_env": "NDR_TEST_PW"}, "sources[1].password_env: not used with auth = \"device_code\""),
    ({"client_secret_env": "S"}, "sources[1].client_secret_env: not used with auth = \"device_code\""),
    ({"certificate_file": "/k.pem"}, "sources[1].certificate_file: not used with auth = \"device_code\""),
    ({"token_command": "get-token"}, "sources[1].token_command: only used with auth = \"xoauth2\""),
    ({"token_cache_file": 3}, "sources[1].token_cache_file: must be a string"),
    ({"account": "me"}, "sources[1].account: must be the username that signs in (user@example.com), not 'me'"),
    ({"auth": "xoauth2", "client_secret_env": "S", "account": "me@example.com"},
     "sources[1].account: only used with auth = \"device_code\""),
    ({"auth": "password", "password_env": "P", "account": "me@example.com"},
     "sources[1].account: not used with auth = \"password\""),
    ({"authority_host": "http://login.example.com"}, "sources[1].authority_host: must be an https:// URL"),
    ({"scope": "offline_access"}, "sources[1].scope: give one resource scope"),
    ({"scope": "https://outlook.office.com/IMAP.AccessScope offline_access"}, "sources[1].scope: give one resource"),
    ({"auth": "xoauth2", "client_secret_env": "S", "token_cache_file": "/x.json"},
     "sources[1].token_cache_file: only used with auth = \"device_code\""),
])
def test_invalid_device_code(changes: dict[str, object], message: str) -> None:
    test_invalid({**DEVICE, **changes}, message)


def test_cursor_round_trip() -> None:
    states = {"INBOX": FolderState(uidvalidity=1712345678, uid=42), "Bounces/NDR": FolderState(uidvalidity=7, uid=0)}
    text = encode_cursor(states)
    assert json.loads(text) == {"folders": {"Bounces/NDR": {"uidvalidity": 7, "uid": 0},
                                            "INBOX": {"uidvalidity": 1712345678, "uid": 42}}}
    assert decode_cursor(text, "x") == states
    assert decode_cursor(None, "x") == {}


@pytest.mark.parametrize("bad", ["{", '{"folders": {"INBOX": {"uid": 1}}}', '"text"', '{"folders": []}'])
def test_unreadable_cursor(bad: str) -> None:
    with pytest.raises(SourceError, match="ndr state reset"):
        decode_cursor(bad, "source x")


@pytest.mark.parametrize(("sizes", "count", "budget", "expected"), [
    # by count
    ({1: 10, 2: 10, 3: 10, 4: 10, 5: 10}, 2, 1000, [(1, 2), (3, 4), (5,)]),
    # by bytes: 400 + 400 > 700
    ({1: 400, 2: 400, 3: 100}, 10, 700, [(1,), (2, 3)]),
    # one message over the budget still goes (alone); over max_message it is partial
    ({1: 10, 2: 900, 3: 5000, 4: 10}, 10, 700, [(1,), (2,), ("partial", 3), (4,)]),
    # only large messages have sizes; the others count as default_size (here 100)
    ({1: 10, 3: 650}, 10, 700, [(1, 2), (3,)]),
    ({4: 10}, 3, 1000, [(1, 2, 3), (4,)]),
])
def test_plan_batches(sizes: dict[int, int], count: int, budget: int, expected: list[tuple[object, ...]]) -> None:
    uids = list(range(1, max(sizes) + 1))
    got = [("partial", *b.uids) if b.partial else b.uids
           for b in plan_batches(uids, sizes, max_count=count, max_bytes=budget, max_message=1000, default_size=100)]
    assert got == expected
    assert all(isinstance(b, Batch) for b in plan_batches(uids, sizes, max_count=count, max_bytes=budget,
                                                           max_message=1000))
