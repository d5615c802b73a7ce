"""DragonFly Mail Agent (dma) bounces: "Mail delivery failed".

dma (dma/mail.c, bounce()) writes one recipient per bounce:
    This is the DragonFly Mail Agent v0.13 at mx.example.org.
    There was an error delivering your mail to <rcpt@example.net>.
    mx.example.net [192.0.2.1] did not like our RCPT TO:
    550 5.1.1 <rcpt@example.net>: Recipient address rejected: User unknown
    Original message follows.        (or: Message headers follow.)
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import pasted_headers, split_at, with_verdict
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy
from analyzer.smtp import find_command, join_reply_lines

_SIGNATURE = "this is the dragonfly mail agent"
_RCPT = lazy(r"there was an error delivering your mail to <([^>]*)>", re.I)
_STAGE = lazy(r"^(\S+) \[[^\]]*\] did not like our ([^:]+):\s*$", re.M)
_MARKERS = ("original message follows.", "message headers follow.")

# dma's own texts (mail.c, net.c).
RULES: tuple[tuple[str, Reason, Regex], ...] = (
    ("dragonfly.gave-up", Reason.EXPIRED, lazy(r"could not deliver for the last \d+ seconds", re.I)),
    ("dragonfly.dns", Reason.HOSTUNKNOWN, lazy(r"dns lookup failure: host \S+ not found", re.I)),
)


def detect(p: Parsed) -> Detection | None:
    if "mail delivery failed" not in (p.raw_header("Subject") or "").lower():
        return None
    text = p.text
    if _SIGNATURE not in text[:300].lower():
        return None
    head, tail = split_at(text, _MARKERS, p.lower)
    m = _RCPT.search(head)
    if m is None:
        return None
    rest = head[m.end():].lstrip(".").strip()
    stage = _STAGE.search(rest)
    remote = stage.group(1) if stage else None
    diagnostic = join_reply_lines(rest[stage.end():]) if stage else " ".join(rest.split())
    command = find_command(f"did not like our {stage.group(2)}") if stage else None
    found = with_verdict(Found(recipient=m.group(1), diagnostic=diagnostic or None, remote_mta=remote,
                               command=command, action="failed"), RULES)
    return Detection(reporter="dragonfly", recipients=(found,),
                     original=pasted_headers(tail) if p.original is None else None)


# detect(): its subject and _SIGNATURE in the text.
GATE: Gate = (Clause(subject=("mail delivery failed",), text=(_SIGNATURE,)),)
DETECTOR: Detector = Detector("dragonfly", detect, GATE)
