"""Microsoft anti-spam headers. Minimal first version."""

from __future__ import annotations

from email.message import Message

from analyzer.model import AntiSpam
from analyzer.textutil import header_str


def antispam_of(msg: Message) -> AntiSpam | None:
    raw = msg.get("X-Forefront-Antispam-Report")
    if raw is None:
        return None
    fields: dict[str, str] = {}
    for item in header_str(raw).split(";"):
        k, sep, v = item.partition(":")
        if sep:
            fields.setdefault(k.strip().upper(), v.strip())
    scl = fields.get("SCL")
    return AntiSpam(cip=fields.get("CIP"), ctry=fields.get("CTRY"), sfv=fields.get("SFV"),
                    scl=int(scl) if scl and scl.lstrip("-").isdigit() else None, ipv=fields.get("IPV"),
                    cat=fields.get("CAT"), ptr=fields.get("PTR"), helo=fields.get("H"))
