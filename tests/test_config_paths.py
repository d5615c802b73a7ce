"""One rule for every path in the config: "~" expanded, a relative path taken from the config file's
directory (never from the working directory: cron's is not the user's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.graph_config import GraphConfig
from connectors.imap_config import ImapConfig
from connectors.local import LocalConfig
from ndr.config import PATH_KEYS, load_config
from reports.config import ReportConfig
from tests.dovecot import Dovecot
from tests.mailgen import message, write_dir
from tests.scanhelp import ndr_process

TENANT = 'tenant_id = "11111111-2222-3333-4444-555555555555"\nclient_id = "22222222-3333-4444-5555-666666666666"\n'
EVERY_PATH = f"""[store]
path = "data/ndr.sqlite3"

[[sources]]
name = "saved"
type = "dir"
path = "inbox"

[[sources]]
name = "imap"
type = "imap"
host = "imap.example.net"
username = "bounces@example.net"
ca_file = "tls/ca.pem"
password_file = "secrets/imap"

[[sources]]
name = "graph-secret"
type = "graph"
mailbox = "bounces@example.com"
{TENANT}client_secret_file = "secrets/graph"

[[sources]]
name = "graph-cert"
type = "graph"
mailbox = "bounces@example.com"
{TENANT}certificate_file = "../certs/app.pem"
certificate_key_file = "../certs/app.key"

[[sources]]
name = "graph-device"
type = "graph"
mailbox = "bounces@example.com"
auth = "device_code"
{TENANT}token_cache_file = "cache/msal.json"

[[sources]]
name = "home"
type = "mbox"
path = "~/mail/bounces"

[[sources]]
name = "abs"
type = "maildir"
path = "/srv/Maildir"

[report]
out = "reports"
"""


def test_every_relative_path_is_taken_from_the_config_files_directory(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    etc = tmp_path / "etc" / "ndr"
    etc.mkdir(parents=True)
    (etc / "config.toml").write_text(EVERY_PATH)
    elsewhere = tmp_path / "cron-cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = load_config(Path("../etc/ndr/config.toml"))  # even a relative --config
    s = {src.name: src.settings for src in config.sources}
    saved, imap, secret, cert, device, home, abs_ = (s["saved"], s["imap"], s["graph-secret"], s["graph-cert"],
                                                     s["graph-device"], s["home"], s["abs"])
    assert isinstance(saved, LocalConfig) and isinstance(home, LocalConfig) and isinstance(abs_, LocalConfig)
    assert isinstance(imap, ImapConfig) and imap.password is not None
    assert isinstance(secret, GraphConfig) and isinstance(cert, GraphConfig) and isinstance(device, GraphConfig)
    report = config.section("report")
    assert isinstance(report, ReportConfig)
    base = elsewhere / ".." / "etc" / "ndr"  # the config's directory as the user named it (not resolved)
    assert config.store.path == base / "data" / "ndr.sqlite3"
    assert saved.path == base / "inbox"
    assert imap.ca_file == str(base / "tls" / "ca.pem")
    assert imap.password.file == base / "secrets" / "imap"
    assert secret.auth.client_secret_file == base / "secrets" / "graph"
    assert cert.auth.certificate_file == base / ".." / "certs" / "app.pem"
    assert cert.auth.certificate_key_file == base / ".." / "certs" / "app.key"
    assert device.auth.token_cache_file == base / "cache" / "msal.json"
    assert report.out == str(base / "reports")
    assert home.path == tmp_path / "home" / "mail" / "bounces"
    assert abs_.path == Path("/srv/Maildir")
    assert all(p.is_absolute() for p in (config.store.path, saved.path, imap.password.file))
    named = {k for keys in PATH_KEYS.values() for k in keys}
    assert named == {"path", "ca_file", "password_file", "client_secret_file", "certificate_file",
                     "certificate_key_file", "token_cache_file", "out"}


def test_a_nightly_scan_from_another_directory_uses_the_configs_paths(tmp_path: Path) -> None:
    """`ndr scan` as cron runs it: another working directory, relative store, source and report paths."""
    conf = tmp_path / "conf"
    write_dir(conf / "bounces", range(5))
    (conf / "ndr.toml").write_text('[store]\npath = "state/ndr.sqlite3"\n\n[[sources]]\nname = "saved"\n'
                                   'type = "dir"\npath = "bounces"\n\n[report]\nout = "out"\nformats = ["csv"]\n'
                                   'since = "36500d"\n')
    ran = ndr_process("scan", "--config", str(conf / "ndr.toml"), "-q", home=tmp_path)  # cwd: the repository
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[2].split()[2:4] == ["5", "5"]
    assert (conf / "state" / "ndr.sqlite3").is_file()
    assert (conf / "out" / "failures.csv").is_file()
    assert f"reports: 4 files in {conf / 'out'}" in ran.out


def test_imap_ca_file_and_password_file_relative_to_the_config(tmp_path: Path, dovecot: Dovecot) -> None:
    """A real Dovecot over TLS, its test CA and the password named by paths relative to the config file."""
    user = dovecot.new_user(password="pw-relative-7c1d")
    dovecot.append(user, "INBOX", [message(i) for i in range(2)])
    conf = tmp_path / "conf"
    (conf / "tls").mkdir(parents=True)
    (conf / "tls" / "ca.pem").write_bytes(Path(dovecot.cafile).read_bytes())
    (conf / "imap-password").write_text("pw-relative-7c1d\n")
    (conf / "imap-password").chmod(0o600)
    (conf / "ndr.toml").write_text(
        '[store]\npath = "ndr.sqlite3"\n\n[[sources]]\nname = "imap"\ntype = "imap"\nhost = "localhost"\n'
        f'port = {dovecot.sport}\nca_file = "tls/ca.pem"\nusername = "{user}"\npassword_file = "imap-password"\n'
        'retries = 0\ntimeout = 10\n')
    ran = ndr_process("scan", "--config", str(conf / "ndr.toml"), "-q", home=tmp_path)
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[2].split()[:4] == ["imap", "imap", "2", "2"]
    assert "pw-relative-7c1d" not in ran.out + ran.err


def test_a_group_readable_password_file_is_warned_about(tmp_path: Path, dovecot: Dovecot) -> None:
    user = dovecot.new_user(password="pw-exposed-91ab")
    (tmp_path / "pw").write_text("pw-exposed-91ab\n")
    (tmp_path / "pw").chmod(0o644)
    (tmp_path / "ndr.toml").write_text(
        '[store]\npath = "ndr.sqlite3"\n\n[[sources]]\nname = "imap"\ntype = "imap"\nhost = "localhost"\n'
        f'port = {dovecot.sport}\nca_file = "{dovecot.cafile}"\nusername = "{user}"\npassword_file = "pw"\n'
        'retries = 0\ntimeout = 10\n')
    ran = ndr_process("scan", "--config", str(tmp_path / "ndr.toml"), "-q", home=tmp_path)
    assert ran.code == 0, ran.err
    assert f"imap: sources[0].password_file: {tmp_path / 'pw'} is readable by other users; chmod 600 it" in ran.err
    assert "pw-exposed-91ab" not in ran.out + ran.err
