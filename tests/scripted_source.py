"""A scripted source type for testing the scan loop's side of the connector contract.

Registered in a test with `monkeypatch.setitem(ndr.config.SOURCE_TYPES, "scripted", "tests.scripted_source")`.
It yields tests.mailgen messages `first .. first+count-1` with cursor {"next": i+1}, optionally a
Checkpoint at the end, and can fail on cue. `after_store` checks that the message is already
committed (through a separate read-only connection) and appends its ref to `journal`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from connectors.base import Checkpoint, RawMessage
from ndr.errors import AuthError, ConfigError, SourceError
from tests.mailgen import message


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptedConfig:
    name: str
    first: int  # index of the first message (tests.mailgen.message)
    count: int  # messages in the source
    checkpoint: bool  # yield a Checkpoint after the last message
    fail_after: int | None  # raise SourceError after this many messages
    auth_error: bool  # open_source raises AuthError
    store: Path  # the store to check in after_store
    journal: Path  # after_store appends "ref\n" here


def parse_config(table: Mapping[str, object], where: str) -> ScriptedConfig:
    for key in ("store", "journal"):
        if not isinstance(table.get(key), str):
            raise ConfigError(f"{where}.{key}: required")
    fail_after = table.get("fail_after")
    return ScriptedConfig(name=str(table["name"]), first=int(table.get("first", 0)),  # type: ignore[call-overload]
                          count=int(table.get("count", 5)), checkpoint=bool(table.get("checkpoint", False)),  # type: ignore[call-overload]
                          fail_after=fail_after if isinstance(fail_after, int) else None,
                          auth_error=bool(table.get("auth_error", False)),
                          store=Path(str(table["store"])), journal=Path(str(table["journal"])))


def open_source(config: ScriptedConfig, *, log: logging.Logger) -> Scripted:
    if config.auth_error:
        raise AuthError(f"{config.name}: login refused: check password_env")
    return Scripted(config, log)


class Scripted:
    def __init__(self, config: ScriptedConfig, log: logging.Logger) -> None:
        self.config = config
        self.name = config.name
        self.log = log
        self.closed = False

    def fetch(self, cursor: str | None, *, limit: int | None = None) -> Iterator[RawMessage | Checkpoint]:
        c = self.config
        start = json.loads(cursor)["next"] if cursor else c.first
        self.log.info("starting at %d", start)
        for n, i in enumerate(range(start, c.first + c.count)):
            if c.fail_after is not None and n >= c.fail_after:
                raise SourceError(f"{self.name}: connection reset by peer")
            if limit is not None and n >= limit:
                return
            yield RawMessage(ref=f"m{i}", data=message(i), cursor=json.dumps({"next": i + 1}))
        if c.checkpoint:
            yield Checkpoint(cursor=json.dumps({"next": c.first + c.count, "done": True}))

    def after_store(self, item: RawMessage) -> None:
        digest = hashlib.sha256(item.data).hexdigest()
        with sqlite3.connect(f"{self.config.store.resolve().as_uri()}?mode=ro", uri=True) as conn:
            stored = conn.execute("SELECT 1 FROM messages WHERE digest = ?", (digest,)).fetchone()
        assert stored is not None, f"after_store before the message {item.ref} was committed"
        with open(self.config.journal, "a") as fh:
            fh.write(item.ref + "\n")

    def close(self) -> None:
        self.closed = True
