"""Helpers for the Graph tests: source tables pointing at the stand-in, bounce fixtures, a scan-loop driver."""

from __future__ import annotations

import email.message
import email.utils
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme

from connectors.base import Checkpoint, RawMessage
from connectors.graph import GraphConnector, open_source, parse_config
from tests import graph_standin as gs

UPN = "bounces@example.com"
CLIENT_ID = "app-1"
SECRET = "s3cret-Value~never-logged"  # what the stand-in expects; the tests check it never leaks
SECRET_ENV = "NDR_TEST_GRAPH_SECRET"
LOGGER = "ndr.test.graph"


@dataclass(frozen=True)
class Tls:
    """The test CA and the stand-in's certificate files."""

    ca: trustme.CA
    ca_pem: str
    server_pem: str


def bounce_mime(i: int) -> bytes:
    m = email.message.EmailMessage()
    m["From"] = "MAILER-DAEMON@mx.example.net"
    m["To"] = UPN
    m["Subject"] = f"Undelivered Mail Returned to Sender {i}"
    m["Message-ID"] = f"<bounce-{i}@mx.example.net>"
    m["Date"] = "Fri, 01 Mar 2024 05:00:00 +0000"
    m.set_content(f"<user{i}@example.org>: host mx.example.org[192.0.2.25] said: 550 5.1.1 unknown user\n")
    return m.as_bytes()


def add_bounces(st: gs.State, n: int, folder: str = "inbox", start: int = 0) -> list[str]:
    """n messages in `folder`; returns their ids in delta order."""
    return [
        st.add_message(UPN, folder, bounce_mime(i), subject=f"Undelivered {i}", sender="MAILER-DAEMON@mx.example.net",
                       received=f"2024-03-01T{(i // 60) % 24:02d}:{i % 60:02d}:00Z", has_attachments=True)
        for i in range(start, start + n)
    ]


def table(st: gs.State, **over: Any) -> dict[str, object]:
    """A `[[sources]]` table pointing at the stand-in (a private cloud: instance_discovery = false)."""
    t: dict[str, object] = {
        "name": "m365", "type": "graph", "tenant_id": st.tenant, "client_id": CLIENT_ID,
        "client_secret_env": SECRET_ENV, "mailbox": UPN, "authority_host": st.base, "graph_endpoint": st.base,
        "instance_discovery": False,
    }
    t.update(over)
    return {k: v for k, v in t.items() if v is not None}


def connector(st: gs.State, **over: Any) -> GraphConnector:
    return open_source(parse_config(table(st, **over), "sources[0]"), log=logging.getLogger(LOGGER))


@dataclass
class MiniStore:
    """The scan loop's contract in miniature: store once (by ref and digest), advance the cursor, after-action."""

    cursor: str | None = None
    messages: dict[str, bytes] = field(default_factory=dict)  # ref -> data
    digests: set[str] = field(default_factory=set)
    order: list[str] = field(default_factory=list)  # refs in the order they arrived
    new: int = 0
    duplicates: int = 0
    checkpoints: list[str] = field(default_factory=list)

    def run(self, conn: GraphConnector, *, limit: int | None = None, stop_after: int | None = None) -> None:
        """One scan; `stop_after` simulates a crash after that many stored messages."""
        events = conn.fetch(self.cursor, limit=limit)
        try:
            self._consume(conn, events, stop_after)
        finally:
            events.close()  # type: ignore[attr-defined]

    def _consume(self, conn: GraphConnector, events: Iterator[RawMessage | Checkpoint], stop_after: int | None) -> None:
        stored = 0
        for ev in events:
            if isinstance(ev, Checkpoint):
                self.cursor = ev.cursor
                self.checkpoints.append(ev.cursor)
                continue
            assert isinstance(ev, RawMessage)
            digest = hashlib.sha256(ev.data).hexdigest()
            if ev.ref in self.messages or digest in self.digests:
                self.duplicates += 1
            else:
                self.messages[ev.ref] = ev.data
                self.digests.add(digest)
                self.new += 1
            self.order.append(ev.ref)
            if ev.cursor is not None:
                self.cursor = ev.cursor
            conn.after_store(ev)
            stored += 1
            if stop_after is not None and stored >= stop_after:
                return


def write_secret_file(tmp_path: Path) -> Path:
    p = tmp_path / "graph-secret"
    p.write_text(SECRET + "\n", encoding="utf-8")
    p.chmod(0o600)
    return p
