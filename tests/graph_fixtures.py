"""pytest fixtures for the Graph tests: the stand-in over TLS with a fresh state per test.

Test modules load them with `pytest_plugins = ["tests.graph_fixtures"]`. One stand-in server per
session; each test gets a fresh `State` (app "app-1" with a secret, mailbox UPN with the
well-known folders) and trusts the stand-in's CA through REQUESTS_CA_BUNDLE / SSL_CERT_FILE
(requests lets them override a session's `verify`).
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
import trustme

from tests import graph_standin as gs
from tests.graph_support import CLIENT_ID, SECRET, SECRET_ENV, UPN, Tls


@pytest.fixture(scope="session")
def graph_tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    d = tmp_path_factory.mktemp("graph-tls")
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(str(d / "ca.pem"))
    leaf.private_key_and_cert_chain_pem.write_to_path(str(d / "server.pem"))
    return Tls(ca=ca, ca_pem=str(d / "ca.pem"), server_pem=str(d / "server.pem"))


@pytest.fixture(scope="session")
def graph_server(graph_tls: Tls) -> Iterator[tuple[ThreadingHTTPServer, str]]:
    srv, base = gs.start(gs.State(), graph_tls.server_pem)
    yield srv, base
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def standin(
    graph_server: tuple[ThreadingHTTPServer, str], graph_tls: Tls, monkeypatch: pytest.MonkeyPatch
) -> gs.State:
    """A fresh stand-in state; the CA is trusted through the environment (overrides Session.verify)."""
    srv, base = graph_server
    st = gs.State()
    st.base = base
    st.apps[CLIENT_ID] = gs.App(secret=SECRET)
    st.add_mailbox(UPN)
    srv.RequestHandlerClass.st = st  # type: ignore[attr-defined]
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", graph_tls.ca_pem)
    monkeypatch.setenv("SSL_CERT_FILE", graph_tls.ca_pem)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return st
