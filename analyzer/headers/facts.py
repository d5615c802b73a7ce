"""Everything the headers of one message say, read once: hops, authentication results, anti-spam."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from email.message import Message
from typing import Any

from analyzer.headers.antispam import HEADERS as ANTISPAM_HEADERS
from analyzer.headers.antispam import antispam_of
from analyzer.headers.auth import HEADERS as AUTH_HEADERS
from analyzer.headers.auth import auth_chain
from analyzer.headers.received import received_chain
from analyzer.indexed import IndexedMessage
from analyzer.model import AntiSpam, AuthResult, Hop
from analyzer.records import fast_init


@fast_init  # the same constructor, faster (analyzer.records)
@dataclass(frozen=True, slots=True, kw_only=True)
class HeaderFacts:
    """The parsed headers of one message (the report itself, or a returned original)."""

    hops: tuple[Hop, ...]  # Received chain, oldest first, with delays
    auth: tuple[AuthResult, ...]  # Authentication-Results, ARC-Authentication-Results, Received-SPF, topmost first
    antispam: AntiSpam | None  # Microsoft anti-spam verdicts
    defects: tuple[str, ...]  # limits reached while reading them


def header_names(msg: Message[Any, Any]) -> Set[str]:
    """The lowercase names of the headers present: `name in header_names(msg)` is `name in msg` for a lowercase
    name (the analyzer's messages answer from their index, read once instead of once per name asked)."""
    if isinstance(msg, IndexedMessage):
        return msg.names()
    return {name.lower() for name in msg}  # Message iterates over its header names


def read_headers(msg: Message[Any, Any]) -> HeaderFacts:
    """Parse the Received, authentication and anti-spam headers of `msg`. Never raises on mail."""
    names = header_names(msg)
    hops, hop_defect = received_chain(msg) if "received" in names else ((), None)
    auth, auth_defect = auth_chain(msg) if not names.isdisjoint(AUTH_HEADERS) else ((), None)
    return HeaderFacts(
        hops=hops,
        auth=auth,
        antispam=antispam_of(msg) if not names.isdisjoint(ANTISPAM_HEADERS) else None,
        defects=tuple(d for d in (hop_defect, auth_defect) if d),
    )
