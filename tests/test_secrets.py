"""Secrets come from the environment or a file, and never appear in output, logs, errors or the store."""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

import pytest

from ndr.errors import ConfigError
from ndr.secrets import Secret, SecretRef, literal_secret_error, secret_ref
from tests.dovecot import Dovecot
from tests.mailgen import message
from tests.scanhelp import ndr_process

MARKER = "s3cr3t-Value-7f3a9c"


def _logged(fmt: str, *args: object) -> str:
    record = logging.LogRecord("ndr.source.x", logging.ERROR, __file__, 1, fmt, args, None)
    return logging.Formatter("%(levelname)s %(message)s").format(record)


def test_a_secret_never_prints_itself() -> None:
    secret = Secret(MARKER, "environment variable X")
    shown = [repr(secret), str(secret), f"{secret}", f"{secret!r}", format(secret, ">30"),
             repr({"password": secret}), repr([secret]), _logged("login with %s (%r)", secret, secret)]
    assert all(MARKER not in text for text in shown)
    assert str(secret) == "***"
    assert repr(secret) == "Secret(*** from environment variable X)"
    assert secret.reveal() == MARKER
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_load_from_environment_and_file(tmp_path: Path) -> None:
    ref = SecretRef(key="sources[0].password_env", env="NDR_PW")
    assert ref.load({"NDR_PW": MARKER}).reveal() == MARKER
    with pytest.raises(ConfigError, match=r"^sources\[0\]\.password_env: environment variable NDR_PW is not set$"):
        ref.load({})
    with pytest.raises(ConfigError, match="is empty"):
        ref.load({"NDR_PW": "  "})
    file = tmp_path / "pw"
    file.write_text(MARKER + "\nsecond line ignored\n")
    file.chmod(0o600)
    fref = SecretRef(key="sources[0].password_file", file=file)
    assert fref.load().reveal() == MARKER
    assert not fref.exposed()
    file.chmod(0o644)
    assert fref.exposed()
    missing = SecretRef(key="sources[0].password_file", file=tmp_path / "nope")
    with pytest.raises(ConfigError, match=r"^sources\[0\]\.password_file: cannot read .*nope: No such file"):
        missing.load()


def test_secret_ref_from_a_table(tmp_path: Path) -> None:
    ref = secret_ref({"password_file": "pw"}, "sources[2]", env_key="password_env", file_key="password_file",
                     base=tmp_path)
    assert ref == SecretRef(key="sources[2].password_file", file=tmp_path / "pw")
    with pytest.raises(ConfigError, match=r"^sources\[2\]\.password_file: give password_env or password_file"):
        secret_ref({"password_env": "A", "password_file": "b"}, "sources[2]", env_key="password_env",
                   file_key="password_file")
    with pytest.raises(ConfigError, match=r"^sources\[2\]\.password_env: required \(or password_file\)$"):
        secret_ref({}, "sources[2]", env_key="password_env", file_key="password_file")


def test_a_literal_secret_is_refused_without_repeating_it() -> None:
    error = literal_secret_error({"name": "x", "Password": MARKER}, "sources[3]")
    assert error is not None
    assert str(error) == ("sources[3].Password: secrets are not read from the config file; "
                          "use password_env or password_file")
    assert literal_secret_error({"password_env": "X"}, "sources[0]") is None


def _imap_config(tmp: Path, dovecot: Dovecot, user: str) -> Path:
    cfg = tmp / "ndr.toml"
    cfg.write_text(
        f'[store]\npath = "{tmp / "store.sqlite3"}"\n\n[[sources]]\nname = "imap-bounces"\ntype = "imap"\n'
        f'host = "localhost"\nport = {dovecot.sport}\nca_file = "{dovecot.cafile}"\nusername = "{user}"\n'
        'password_env = "NDR_TEST_IMAP_PASSWORD"\nfolders = ["INBOX"]\nretries = 0\ntimeout = 10\n')
    return cfg


def _everything_written(tmp: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(tmp.rglob("*")) if p.is_file())


def test_scan_over_imap_never_shows_the_password(tmp_path: Path, dovecot: Dovecot) -> None:
    user = dovecot.new_user(password=MARKER)
    dovecot.append(user, "INBOX", [message(i) for i in range(3)])
    cfg = _imap_config(tmp_path, dovecot, user)

    wrong = ndr_process("scan", "--config", str(cfg), "-vv", env={"NDR_TEST_IMAP_PASSWORD": MARKER + "-wrong"},
                        home=tmp_path)
    assert wrong.code == 2, wrong.err
    assert "imap-bounces" in wrong.err
    assert MARKER not in wrong.out + wrong.err

    right = ndr_process("scan", "--config", str(cfg), "-vv", env={"NDR_TEST_IMAP_PASSWORD": MARKER}, home=tmp_path)
    assert right.code == 0, right.err
    assert right.out.splitlines()[2].split()[:6] == ["imap-bounces", "imap", "3", "3", "0", "0"]
    again = ndr_process("scan", "--config", str(cfg), "-vv", env={"NDR_TEST_IMAP_PASSWORD": MARKER}, home=tmp_path)
    assert again.out.splitlines()[2].split()[:6] == ["imap-bounces", "imap", "0", "0", "0", "0"]
    state = ndr_process("state", "--config", str(cfg), "--json", home=tmp_path)
    assert MARKER not in right.out + right.err + again.out + again.err + state.out + state.err
    assert MARKER.encode() not in _everything_written(tmp_path)  # store, WAL, lock file, config
    assert os.environ.get("NDR_TEST_IMAP_PASSWORD") is None
