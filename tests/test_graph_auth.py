"""Sign-in against the stand-in's Entra ID: secret, certificate, a device-code cache made 0600, errors explained.

The device-code sign-in itself needs a terminal: tests/test_graph_device_code.py runs it on a pseudo-terminal.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
import trustme
from cryptography import x509

from ndr.errors import AuthError, ConfigError
from tests import graph_standin as gs
from tests.graph_support import (
    LOGGER,
    SECRET,
    SECRET_ENV,
    UPN,
    MiniStore,
    Tls,
    add_bounces,
    connector,
    write_secret_file,
)

pytest_plugins = ["tests.graph_fixtures"]


def _sign_in_error(st: gs.State, **over: object) -> str:
    with pytest.raises(AuthError) as err:
        MiniStore().run(connector(st, **over))
    assert err.value.exit_code == 2
    text = str(err.value)
    assert "\n" not in text and "\r" not in text  # one line
    return text


def test_bad_secret_is_explained_without_showing_it(standin: gs.State, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "wrong-secret-value")
    text = _sign_in_error(standin)
    assert text.startswith("sources[0]: sign-in refused: AADSTS7000215 (invalid client secret); fix: ")
    assert f"client_secret_env ({SECRET_ENV})" in text and "Secret ID" in text
    assert "wrong-secret-value" not in text


def test_unknown_app_is_explained(standin: gs.State) -> None:
    text = _sign_in_error(standin, client_id="00000000-aaaa-bbbb-cccc-000000000000")
    assert "AADSTS700016 (unknown application)" in text and "sources[0].client_id" in text


def test_wrong_tenant_is_explained(standin: gs.State) -> None:
    text = _sign_in_error(standin, tenant_id="contoso.example.com")
    assert "AADSTS90002 (tenant not found)" in text and "sources[0].tenant_id" in text


def test_secret_from_a_file(standin: gs.State, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ids = add_bounces(standin, 1)
    store = MiniStore()
    secret_file = write_secret_file(tmp_path)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        store.run(connector(standin, client_secret_env=None, client_secret_file=str(secret_file)))
        assert "readable by other users" not in caplog.text
        secret_file.chmod(0o644)
        connector(standin, client_secret_env=None, client_secret_file=str(secret_file))
    assert store.order == ids
    assert f"sources[0].client_secret_file: {secret_file} is readable by other users; chmod 600 it" in caplog.text


def test_missing_secret_variable_is_a_config_error(standin: gs.State, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV)
    with pytest.raises(ConfigError) as err:
        connector(standin)
    assert str(err.value) == f"sources[0].client_secret_env: environment variable {SECRET_ENV} is not set"


def _rsa_client_cert(ca: trustme.CA, tmp_path: Path, name: str) -> tuple[x509.Certificate, Path, Path]:
    leaf = ca.issue_cert(f"{name}.example.com", key_type=trustme.KeyType.RSA)
    cert_path, key_path = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    leaf.cert_chain_pems[0].write_to_path(str(cert_path))
    leaf.private_key_pem.write_to_path(str(key_path))
    return x509.load_pem_x509_certificate(cert_path.read_bytes()), cert_path, key_path


def test_certificate_credential(standin: gs.State, graph_tls: Tls, tmp_path: Path) -> None:
    cert, cert_path, key_path = _rsa_client_cert(graph_tls.ca, tmp_path, "app-cert")
    standin.apps["app-cert"] = gs.App(cert=cert)
    ids = add_bounces(standin, 2)
    store = MiniStore()
    store.run(connector(standin, client_id="app-cert", client_secret_env=None, certificate_file=str(cert_path),
                        certificate_key_file=str(key_path)))
    assert store.order == ids
    both = tmp_path / "both.pem"  # key and certificate in one file work too
    both.write_bytes(key_path.read_bytes() + cert_path.read_bytes())
    store = MiniStore()
    store.run(connector(standin, client_id="app-cert", client_secret_env=None, certificate_file=str(both)))
    assert store.order == ids


def test_certificate_not_registered_is_explained(standin: gs.State, graph_tls: Tls, tmp_path: Path) -> None:
    registered, _, _ = _rsa_client_cert(graph_tls.ca, tmp_path, "registered")
    _, other_cert, other_key = _rsa_client_cert(graph_tls.ca, tmp_path, "other")
    standin.apps["app-cert"] = gs.App(cert=registered)
    text = _sign_in_error(standin, client_id="app-cert", client_secret_env=None, certificate_file=str(other_cert),
                          certificate_key_file=str(other_key))
    assert "AADSTS700027 (client assertion (certificate) rejected)" in text and "other.crt" in text


def test_non_rsa_or_mismatched_keys_are_config_errors(standin: gs.State, graph_tls: Tls, tmp_path: Path) -> None:
    ec = graph_tls.ca.issue_cert("ec.example.com")  # trustme's default key is ECDSA
    ec.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "ec.pem"))
    with pytest.raises(ConfigError) as err:
        connector(standin, client_secret_env=None, certificate_file=str(tmp_path / "ec.pem"))
    assert str(err.value).startswith("sources[0].certificate_file: Entra ID certificate credentials need an RSA key")
    _, cert_a, _ = _rsa_client_cert(graph_tls.ca, tmp_path, "a")
    _, _, key_b = _rsa_client_cert(graph_tls.ca, tmp_path, "b")
    with pytest.raises(ConfigError) as err:
        connector(standin, client_secret_env=None, certificate_file=str(cert_a), certificate_key_file=str(key_b))
    assert str(err.value) == "sources[0].certificate_key_file: the private key does not belong to the certificate"


def test_a_token_cache_readable_by_others_is_made_private(
    standin: gs.State, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    standin.apps["app-public"] = gs.App(public=True)
    cache = tmp_path / "cache.json"
    cache.write_text("{}", encoding="utf-8")
    cache.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger=LOGGER), pytest.raises(AuthError) as err:
        # pytest is no terminal: the signed-out cache stops the source (the sign-in: tests/test_graph_device_code.py)
        MiniStore().run(connector(standin, auth="device_code", client_id="app-public", client_secret_env=None,
                                  token_cache_file=str(cache)))
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert "readable by others" in caplog.text
    assert str(err.value).startswith(f"sources[0].token_cache_file: no signed-in account in {cache} for {UPN}")
    assert standin.requests_to(r"/devicecode$") == []


def test_access_denied_to_the_mailbox_is_explained(standin: gs.State) -> None:
    standin.denied.add(UPN)
    text = _sign_in_error(standin)
    assert "403 ErrorAccessDenied" in text and "Mail.Read (Application)" in text and UPN in text


def test_unknown_mailbox_is_a_config_error(standin: gs.State) -> None:
    with pytest.raises(ConfigError) as err:
        MiniStore().run(connector(standin, mailbox="nobody@example.com"))
    assert str(err.value).startswith("sources[0].mailbox: Graph answered 404 ErrorInvalidUser (no such mailbox)")


def test_secrets_and_tokens_never_reach_logs_or_errors(
    standin: gs.State, graph_tls: Tls, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_bounces(standin, 3)
    standin.fail(r"/\$value$", status=429, count=1, retry_after=1)
    with caplog.at_level(logging.DEBUG):  # every logger: ours, msal, urllib3
        store = MiniStore()
        store.run(connector(standin, after="read"))
        monkeypatch.setenv(SECRET_ENV, SECRET + "-old")
        with pytest.raises(AuthError) as err:
            MiniStore().run(connector(standin))
    issued = list(standin.tokens)
    assert issued and store.new == 3
    for text in (caplog.text, str(err.value)):
        assert SECRET not in text
        assert not any(token in text for token in issued)
    assert "sources[0]" in caplog.text or "m365" in caplog.text  # the log does name the source
