"""Everything the headers of one message say, read once: hops, authentication results, anti-spam."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from analyzer.headers.antispam import HEADERS as ANTISPAM_HEADERS
from analyzer.headers.antispam import antispam_of
from analyzer.headers.auth import HEADERS as AUTH_HEADERS
from analyzer.headers.auth import auth_chain
from analyzer.headers.received import received_chain
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


def read_headers(msg: Message) -> HeaderFacts:
    """Parse the Received, authentication and anti-spam headers of `msg`. Never raises on mail."""
    has = msg.__contains__  # by name, any case (an index lookup on the analyzer's messages)
    hops, hop_defect = received_chain(msg) if has("received") else ((), None)
    auth, auth_defect = auth_chain(msg) if any(map(has, AUTH_HEADERS)) else ((), None)
    return HeaderFacts(
        hops=hops,
        auth=auth,
        antispam=antispam_of(msg) if any(map(has, ANTISPAM_HEADERS)) else None,
        defects=tuple(d for d in (hop_defect, auth_defect) if d),
    )
