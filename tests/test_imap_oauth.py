"""IMAP XOAUTH2 against the real Dovecot: tokens from a command, and from msal (client credentials).

Dovecot checks an XOAUTH2 bearer token against the user's passdb password, so a test user whose
"password" is the token stands for a mailbox that accepts exactly that token. The msal token comes
from a minimal local Entra ID token endpoint over HTTPS (msal accepts nothing else), trusted
through REQUESTS_CA_BUNDLE (see ../shared/recipes/graph-standin.md, section 2).
"""

from __future__ import annotations

import json
import logging
import secrets
import ssl
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import trustme

from connectors.base import RawMessage
from connectors.imap import ImapConnector, open_source, parse_config
from ndr.errors import AuthError, ConfigError
from tests.dovecot import Dovecot, sample_bounce

pytestmark = pytest.mark.dovecot

LOG = logging.getLogger("ndr.test.imap")
TENANT = "11111111-2222-3333-4444-555555555555"
SECRET_ENV = "NDR_TEST_IMAP_CLIENT_SECRET"


@dataclass
class TokenEndpoint:
    """What the stand-in issues and what it was asked."""

    base: str = ""  # https://127.0.0.1:PORT
    secret: str = "s3cret-value"  # the registered client secret of app "app-1"
    token: str = ""  # the access token it hands out
    scopes: list[str] = field(default_factory=list)  # scope of every token request


class _Handler(BaseHTTPRequestHandler):
    ep: TokenEndpoint

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def _json(self, code: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        t = f"{self.ep.base}/{TENANT}"
        if self.path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
            return self._json(200, {"token_endpoint": f"{t}/oauth2/v2.0/token", "issuer": f"{t}/v2.0",
                                    "authorization_endpoint": f"{t}/oauth2/v2.0/authorize"})
        return self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
        if self.path != f"/{TENANT}/oauth2/v2.0/token" or form.get("grant_type") != "client_credentials":
            return self._json(400, {"error": "unsupported_grant_type"})
        self.ep.scopes.append(form.get("scope", ""))
        if form.get("client_id") != "app-1" or form.get("client_secret") != self.ep.secret:
            return self._json(401, {"error": "invalid_client",
                                    "error_description": "AADSTS7000215: Invalid client secret provided."})
        return self._json(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": self.ep.token})


@pytest.fixture(scope="module")
def _token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TokenEndpoint, str]]:
    d = tmp_path_factory.mktemp("entra")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(d / "ca.pem"))
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(d / "server.pem"))
    ep = TokenEndpoint()
    handler = type("H", (_Handler,), {"ep": ep})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(d / "server.pem"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    ep.base = f"https://127.0.0.1:{srv.server_address[1]}"
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield ep, str(d / "ca.pem")
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def entra(_token_server: tuple[TokenEndpoint, str], monkeypatch: pytest.MonkeyPatch) -> TokenEndpoint:
    ep, ca = _token_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)  # requests lets this win over a session's verify
    ep.token, ep.scopes = "eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(24), []
    return ep


def make(dv: Dovecot, user: str, **settings: object) -> ImapConnector:
    table: dict[str, object] = {"name": "m365", "type": "imap", "host": "localhost", "port": dv.sport,
                                "ca_file": str(dv.cafile), "username": user, "auth": "xoauth2",
                                "folders": ["Bounces"], "retry_backoff": 0.05, **settings}
    return open_source(parse_config(table, "sources[0]"), log=LOG)


def fetched(con: ImapConnector) -> list[bytes]:
    try:
        return [m.data for m in con.fetch(None) if isinstance(m, RawMessage)]
    finally:
        con.close()


def test_token_command(dovecot: Dovecot) -> None:
    token = "tok-" + secrets.token_urlsafe(16)
    user = dovecot.new_user(password=token)
    dovecot.append(user, "Bounces", [sample_bounce(1)])
    con = make(dovecot, user, token_command=[sys.executable, "-c", f"print({token!r})"])
    assert fetched(con) == [sample_bounce(1)]


@pytest.mark.parametrize(("script", "message"), [
    ("import sys; sys.exit('vault: permission denied')", "exited with status 1: vault: permission denied"),
    ("print('')", "printed no token"),
])
def test_token_command_failures(dovecot: Dovecot, script: str, message: str) -> None:
    user = dovecot.new_user(password="unused")
    with pytest.raises(AuthError, match=r"sources\[0\]\.token_command: " + message):
        fetched(make(dovecot, user, token_command=[sys.executable, "-c", script]))


def test_token_command_token_refused(dovecot: Dovecot) -> None:
    user = dovecot.new_user(password="the-right-token")
    with pytest.raises(AuthError) as err:
        fetched(make(dovecot, user, token_command=[sys.executable, "-c", "print('a-stale-token')"]))
    assert f"login as {user}" in str(err.value) and "a-stale-token" not in str(err.value)


def msal_settings(entra: TokenEndpoint) -> dict[str, object]:
    return {"tenant_id": TENANT, "client_id": "app-1", "client_secret_env": SECRET_ENV,
            "authority_host": entra.base, "instance_discovery": False}


def test_msal_client_credentials(dovecot: Dovecot, entra: TokenEndpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, entra.secret)
    user = dovecot.new_user(password=entra.token)
    dovecot.append(user, "Bounces", [sample_bounce(2), sample_bounce(3)])
    assert fetched(make(dovecot, user, **msal_settings(entra))) == [sample_bounce(2), sample_bounce(3)]
    assert entra.scopes == ["https://outlook.office365.com/.default"]


def test_msal_bad_secret_is_explained(dovecot: Dovecot, entra: TokenEndpoint,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "not-the-secret")
    user = dovecot.new_user(password=entra.token)
    with pytest.raises(AuthError) as err:
        fetched(make(dovecot, user, **msal_settings(entra)))
    text = str(err.value)
    assert "AADSTS7000215" in text and SECRET_ENV in text and "not-the-secret" not in text
    assert "\n" not in text


def test_msal_token_refused_by_the_server_hints_at_the_permission(dovecot: Dovecot, entra: TokenEndpoint,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, entra.secret)
    user = dovecot.new_user(password="a-token-this-mailbox-accepts")
    with pytest.raises(AuthError, match=r"IMAP\.AccessAsApp"):
        fetched(make(dovecot, user, **msal_settings(entra)))


def test_msal_missing_secret_is_a_config_error(entra: TokenEndpoint, dovecot: Dovecot,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(ConfigError, match=rf"sources\[0\]\.client_secret_env: environment variable {SECRET_ENV}"):
        make(dovecot, "nobody@example.test", **msal_settings(entra))
