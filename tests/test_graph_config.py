"""`type = "graph"` source tables: every wrong or missing key is one ConfigError naming it; national clouds."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.graph import parse_config
from ndr.errors import ConfigError

BASE: dict[str, object] = {
    "name": "m365", "type": "graph", "tenant_id": "11111111-2222-3333-4444-555555555555",
    "client_id": "22222222-3333-4444-5555-666666666666", "client_secret_env": "GRAPH_SECRET",
    "mailbox": "bounces@example.com",
}


def _error(**over: object) -> str:
    table = {k: v for k, v in {**BASE, **over}.items() if v is not None}
    with pytest.raises(ConfigError) as err:
        parse_config(table, "sources[2]")
    return str(err.value)


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"tenant_id": None}, "sources[2].tenant_id: required"),
        ({"client_id": None}, "sources[2].client_id: required"),
        ({"mailbox": None}, "sources[2].mailbox: required"),
        ({"mailbox": "bounces"}, "sources[2].mailbox: must be the mailbox's user principal name"),
        ({"client_secret_env": None}, "sources[2].client_secret_env: required for auth = \"client_credentials\""),
        ({"certificate_file": "/etc/ndr/app.pem"}, "sources[2].certificate_file: give only one of"),
        ({"tenant_id": "common"}, "sources[2].tenant_id: app-only sign-in needs your Directory (tenant) ID"),
        ({"auth": "password"}, "sources[2].auth: must be one of 'client_credentials', 'device_code'"),
        ({"auth": "device_code"}, "sources[2].client_secret_env: not used with auth = \"device_code\""),
        ({"token_cache_file": "/tmp/c.json"}, "sources[2].token_cache_file: only used with auth = \"device_code\""),
        ({"certificate_key_file": "/k.pem"}, "sources[2].certificate_key_file: only used with certificate_file"),
        ({"authority_host": "http://login.example.com"}, "sources[2].authority_host: must be an https:// URL"),
        ({"graph_endpoint": "https://graph.microsoft.com/v1.0"}, "sources[2].graph_endpoint: give the Graph root"),
        ({"after": "delete"}, "sources[2].after: must be 'none', 'read' or 'move:Folder', not 'delete'"),
        ({"after": "move:"}, "sources[2].after: move needs a folder"),
        ({"after": "read:Inbox"}, "sources[2].after: 'read' takes no folder"),
        ({"folder": "Inbox//Bounces"}, "sources[2].folder: empty folder name in 'Inbox//Bounces'"),
        ({"max_concurrent_requests": 8}, "sources[2].max_concurrent_requests: must be 1-4"),
        ({"max_retry_after": "2m"}, "sources[2].max_retry_after: must be a number, not a string"),
        ({"page_size": True}, "sources[2].page_size: must be an integer, not a boolean"),
        ({"instance_discovery": "no"}, "sources[2].instance_discovery: must be true or false, not a string"),
        ({"scopes": ["Mail.Read"]}, "sources[2].scopes: only used with auth = \"device_code\""),
        ({"client_secret": "hunter2"}, "sources[2].client_secret: unknown key for a graph source"),
    ],
)
def test_config_errors_name_the_key(over: dict[str, object], expected: str) -> None:
    assert _error(**over).startswith(expected)


def test_secrets_in_the_config_file_are_refused_without_echoing_them() -> None:
    assert "hunter2" not in _error(client_secret="hunter2")


def test_defaults() -> None:
    c = parse_config(dict(BASE), "sources[2]")
    assert (c.folder, c.after.kind, c.page_size, c.max_retry_after, c.max_concurrent_requests) == (
        "inbox", "none", 100, 120.0, 4)
    assert c.graph_endpoint == "https://graph.microsoft.com"
    assert c.auth.authority_host == "https://login.microsoftonline.com" and c.auth.instance_discovery is True
    assert c.token_scopes() == ("https://graph.microsoft.com/.default",)
    assert "GRAPH_SECRET" in repr(c)  # the config holds where the secret is, never the secret


def test_national_cloud_endpoints_set_authority_and_scope() -> None:
    c = parse_config({**BASE, "authority_host": "https://login.microsoftonline.us/",
                      "graph_endpoint": "https://graph.microsoft.us"}, "sources[0]")
    assert c.auth.authority_host == "https://login.microsoftonline.us"
    assert c.token_scopes() == ("https://graph.microsoft.us/.default",)


def test_device_code_scopes_follow_the_after_action(tmp_path: Path) -> None:
    table = {**BASE, "client_secret_env": None, "auth": "device_code", "token_cache_file": str(tmp_path / "c.json")}
    table = {k: v for k, v in table.items() if v is not None}
    assert parse_config(table, "s").token_scopes() == ("https://graph.microsoft.com/Mail.Read",)
    moved = parse_config({**table, "after": "move:Inbox/Done"}, "s")
    assert moved.token_scopes() == ("https://graph.microsoft.com/Mail.ReadWrite",)
    assert moved.after.folder == "Inbox/Done" and moved.permission == "Mail.ReadWrite (Delegated)"
    shared = parse_config({**table, "scopes": ["https://graph.microsoft.com/Mail.Read.Shared"]}, "s")
    assert shared.token_scopes() == ("https://graph.microsoft.com/Mail.Read.Shared",)
    assert parse_config({k: v for k, v in table.items() if k != "token_cache_file"}, "s").auth.token_cache_file


def test_device_code_signs_in_on_a_terminal_only_as_the_mailbox_or_the_account_key(tmp_path: Path) -> None:
    table = {**BASE, "client_secret_env": None, "auth": "device_code", "token_cache_file": str(tmp_path / "c.json")}
    table = {k: v for k, v in table.items() if v is not None}
    own = parse_config(table, "s").auth
    assert (own.sign_in_on_terminal_only, own.account, own.account_key) == (True, "bounces@example.com", "mailbox")
    shared = parse_config({**table, "account": "me@example.com"}, "s").auth
    assert (shared.sign_in_on_terminal_only, shared.account, shared.account_key) == (True, "me@example.com", "account")
    app_only = parse_config(BASE, "s").auth
    assert (app_only.sign_in_on_terminal_only, app_only.account) == (False, None)


@pytest.mark.parametrize(("over", "expected"), [
    ({"account": "me@example.com"}, "sources[2].account: only used with auth = \"device_code\""),
    ({"auth": "device_code", "client_secret_env": None, "account": "me"},
     "sources[2].account: must be the username that signs in (user@example.com), not 'me'"),
    ({"auth": "device_code", "client_secret_env": None, "account": 3},
     "sources[2].account: must be a string, not an integer"),
])
def test_account_key_errors(over: dict[str, object], expected: str) -> None:
    assert _error(**over) == expected
