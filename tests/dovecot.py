"""A private Dovecot 2.3 on loopback for the IMAP tests (recipe: ../shared/recipes/imap-dovecot.md).

One server per test session (`dovecot` fixture), a fresh user per test (`imap_user`). TLS uses a
throw-away test CA from trustme; the tests trust it through `ca_file`. The server can be stopped
and started again on the same ports (`restart`) to test reconnects.
"""

from __future__ import annotations

import grp
import itertools
import logging
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import imapclient
import pytest
import trustme

from connectors.imap import ImapConnector, open_source, parse_config
from tests.conftest import require_binary

# Dovecot 2.3 syntax. {d} = private temp dir. Doubled braces are literal.
CONF_TEMPLATE = """\
instance_name = dovecot-test-{port}
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1, 127.0.0.2
ssl = yes
ssl_cert = <{d}/server.pem
ssl_key = <{d}/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users.d/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/mail/%u
}}
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Processed {{
    auto = subscribe
  }}
}}
# Connections to 127.0.0.2 see a server without MOVE (tests the COPY + EXPUNGE fallback).
local 127.0.0.2 {{
  protocol imap {{
    imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ UIDPLUS
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {sport}
    ssl = yes
  }}
}}
"""

# Appended when not running as root: every process runs as the invoking user.
ROOTLESS = """\
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
service imap-login {{
  chroot =
}}
service anvil {{
  chroot =
}}
"""


def _children(ppid: int) -> list[int]:
    """Pids whose parent is `ppid` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == ppid:
                out.append(int(entry.name))
    return out


def _end(pid: int, title: str, only: tuple[str, ...] = ()) -> None:
    """SIGKILL a child of our master if that pid is still one of ours (its title starts with `title`),
    and, when `only` is given, is one of those services."""
    try:
        name = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return  # already gone
    service = (name[len(title):].split() or [""])[0]  # "/imap", "/imap-login", "/auth", ...
    if not name.startswith(title) or (only and service not in only):
        return
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(slots=True, kw_only=True)
class Dovecot:
    """A running private Dovecot; `users` maps login -> password (or accepted XOAUTH2 token)."""

    dir: Path  # private temp dir (config, certs, mail, logs)
    conf: Path  # absolute path of dovecot.conf
    port: int  # plain + STARTTLS port
    sport: int  # implicit TLS port
    cafile: Path  # the test CA that signed the server certificate
    uid: int  # mail uid (never 0)
    gid: int  # mail gid
    bin: str  # path of the dovecot binary (/usr/sbin is not on every PATH)
    admin_bin: str  # path of doveadm
    users: dict[str, str] = field(default_factory=dict)  # login -> password
    proc: subprocess.Popen[bytes] | None = None  # the `dovecot -F` master
    _seq: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # ---- life cycle
    def start(self) -> None:
        """Start the master in the foreground and wait until the ports accept connections."""
        stderr = open(self.dir / "stderr.log", "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen([self.bin, "-F", "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=stderr)
        stderr.close()
        t0 = time.monotonic()
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.sport), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() - t0 > 15:
                    raise RuntimeError("dovecot did not start:\n" + self.logs()) from None
                time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server like a crash does: every connection drops at once, then the master; about 1 s.

        SIGTERM to a foreground master leaves the per-connection processes (imap-login, imap) of
        open sessions running as orphans that go on serving their clients; so they are killed
        first, by pid, and any other leftover child after the master has gone.
        """
        if self.proc is None:
            return
        children = _children(self.proc.pid)
        for pid in children:
            _end(pid, self.instance, only=("/imap", "/imap-login"))
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)
        self.proc = None
        for pid in children:
            _end(pid, self.instance)

    @property
    def instance(self) -> str:
        """Dovecot titles its processes '<instance_name>/<service>'."""
        return f"dovecot-test-{self.port}"

    def restart(self) -> None:
        self.stop()
        self.start()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in (self.dir / "stderr.log", self.dir / "dovecot.log")
                         if p.exists())

    # ---- users and mail
    def new_user(self, password: str = "secret-pw") -> str:
        """A fresh user with its own Maildir and its own passwd-file (Dovecot re-reads a changed
        passwd-file at most once a second, so one shared file would miss users added quickly)."""
        user = f"user{next(self._seq)}-{os.getpid()}@example.test"
        self.users[user] = password
        path = self.dir / "users.d" / user
        path.write_text(f"{user}:{{PLAIN}}{password}::::::\n")
        os.chmod(path, 0o644)
        return user

    def client(self, user: str) -> imapclient.IMAPClient:
        """A logged-in admin client over implicit TLS (for loading and inspecting mail)."""
        ctx = ssl.create_default_context(cafile=str(self.cafile))
        c = imapclient.IMAPClient("127.0.0.1", port=self.sport, ssl=True, ssl_context=ctx, timeout=20)
        c.login(user, self.users[user])
        return c

    def append(self, user: str, folder: str, messages: Iterable[bytes], *, chunk: int = 100) -> list[int]:
        """APPEND messages in order (MULTIAPPEND in chunks); creates the folder. Returns the new UIDs."""
        msgs = list(messages)
        with self.client(user) as c:
            if folder.upper() != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            before = set(search_uids(folder, c))
            for i in range(0, len(msgs), chunk):
                c.multiappend(folder, msgs[i:i + chunk])
            return sorted(set(search_uids(folder, c)) - before)

    def uids(self, user: str, folder: str) -> list[int]:
        with self.client(user) as c:
            return search_uids(folder, c)

    def flags(self, user: str, folder: str) -> dict[int, tuple[bytes, ...]]:
        with self.client(user) as c:
            c.select_folder(folder, readonly=True)
            uids = c.search("ALL")
            return {uid: tuple(f) for uid, f in c.get_flags(uids).items()} if uids else {}

    def uidvalidity(self, user: str, folder: str) -> int:
        with self.client(user) as c:
            return int(c.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])

    def doveadm(self, *args: str) -> str:
        out = subprocess.run([self.admin_bin, "-c", str(self.conf), *args], check=True, capture_output=True, text=True)
        return out.stdout


def search_uids(folder: str, c: imapclient.IMAPClient) -> list[int]:
    c.select_folder(folder, readonly=True)
    return sorted(int(u) for u in c.search("ALL"))


def make_dovecot(tls_dir: Path | None = None) -> Dovecot:
    """Create (not start) a private instance in /dev/shm when writable (saves are fs-bound)."""
    dovecot_bin = require_binary("dovecot", "dovecot-imapd")
    doveadm_bin = require_binary("doveadm", "dovecot-core")
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    d = Path(tempfile.mkdtemp(prefix="ndr-dovecot-", dir=base))
    os.chmod(d, 0o755)  # auth runs as 'dovecot', imap as the mail uid: both traverse d
    extra = ""
    if os.getuid() == 0:  # Dovecot refuses mail uid 0
        uid, gid = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    else:
        uid, gid = os.getuid(), os.getgid()
        extra = ROOTLESS.format(user=pwd.getpwuid(uid).pw_name, group=grp.getgrgid(gid).gr_name)
    (d / "mail").mkdir()
    os.chown(d / "mail", uid, gid)
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost", "127.0.0.1", "127.0.0.2")
    ca.cert_pem.write_to_path(str(d / "ca.pem"))
    leaf.private_key_pem.write_to_path(str(d / "server.key"))
    leaf.cert_chain_pems[0].write_to_path(str(d / "server.pem"))
    port, sport = _free_port(), _free_port()
    conf = d / "dovecot.conf"
    conf.write_text(CONF_TEMPLATE.format(d=d, uid=uid, gid=gid, port=port, sport=sport) + extra)
    (d / "users.d").mkdir()
    os.chmod(d / "users.d", 0o755)
    return Dovecot(dir=d, conf=conf, port=port, sport=sport, cafile=d / "ca.pem", uid=uid, gid=gid, bin=dovecot_bin,
                   admin_bin=doveadm_bin)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the whole session; stopped and removed at the end."""
    dv = make_dovecot()
    dv.start()
    try:
        yield dv
    finally:
        dv.stop()
        shutil.rmtree(dv.dir, ignore_errors=True)


@pytest.fixture
def imap_user(dovecot: Dovecot) -> str:
    """A fresh user with an empty mailbox."""
    return dovecot.new_user()


def sample_bounce(i: int, *, size: int = 0) -> bytes:
    """A realistic, anonymised Gmail-style DSN, unique per `i` (padded to about `size` bytes if given)."""
    rcpt = f"user{i}@example.org"
    ip = f"2001:db8:4a:{i % 7:x}::{(i % 250) + 1:x}"
    boundary = f"=_ndr_{i:08d}"
    pad = ""
    if size:
        line = "X-Padding: " + "a" * 66 + "\n"
        pad = line * max(0, (size - 2200) // len(line))
    text = f"""\
Return-Path: <>
Received: from mail-sor-f69.google.example.com (mail-sor-f69.google.example.com [203.0.113.69])
\tby mx.example.com (Postfix) with ESMTPS id 4T{i:06d}
\tfor <bounces@example.com>; Mon, 4 Mar 2024 05:{i % 60:02d}:07 +0000 (UTC)
From: Mail Delivery Subsystem <mailer-daemon@googlemail.example.com>
To: bounces@example.com
Subject: Delivery Status Notification (Failure)
Message-ID: <dsn-{i}@mx.google.example.com>
Date: Mon, 04 Mar 2024 05:{i % 60:02d}:06 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"
{pad}
--{boundary}
Content-Type: text/plain; charset="UTF-8"

** Message not delivered **

Your message couldn't be delivered to {rcpt} because the remote server
rejected it.

The response was:
550-5.7.1 [{ip}] Gmail has detected that this message does not meet IPv6
550-5.7.1 sending guidelines regarding PTR records and authentication.
550 5.7.1 For more information, go to https://support.google.com/mail/?p=IPv6AuthError

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.example.com
Arrival-Date: Mon, 04 Mar 2024 05:{i % 60:02d}:05 +0000

Final-Recipient: rfc822; {rcpt}
Action: failed
Status: 5.7.1
Remote-MTA: dns; gmail-smtp-in.l.google.example.com. ({ip})
Diagnostic-Code: smtp; 550-5.7.1 [{ip}] Gmail has detected that this message
 does not meet IPv6 sending guidelines regarding PTR records and authentication.

--{boundary}
Content-Type: text/rfc822-headers

Received: from relay.example.net ([{ip}]) by smtp.example.net; Mon, 04 Mar 2024 05:{i % 60:02d}:00 +0000
From: Newsletter <news@example.net>
To: {rcpt}
Subject: March newsletter {i}
Message-ID: <news-{i}@example.net>
Date: Mon, 04 Mar 2024 05:{i % 60:02d}:00 +0000

--{boundary}--
"""
    return text.replace("\n", "\r\n").encode()


IMAP_PASSWORD_ENV = "NDR_TEST_IMAP_PASSWORD"  # the connector fixture's password variable


@pytest.fixture
def connector(dovecot: Dovecot, imap_user: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., ImapConnector]:
    """connector(**config) -> a fresh connector for the test's user over IMAPS, trusting the test CA."""
    monkeypatch.setenv(IMAP_PASSWORD_ENV, dovecot.users[imap_user])

    def make(**overrides: object) -> ImapConnector:
        table: dict[str, object] = {
            "name": "bounces", "type": "imap", "host": "localhost", "port": dovecot.sport,
            "ca_file": str(dovecot.cafile), "username": imap_user, "password_env": IMAP_PASSWORD_ENV,
            "folders": ["Bounces"], "retry_backoff": 0.05, "timeout": 10,
        }
        table.update(overrides)
        table = {k: v for k, v in table.items() if v is not None}
        return open_source(parse_config(table, "sources[1]"), log=logging.getLogger("ndr.test.imap"))

    return make
