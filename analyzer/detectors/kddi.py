"""KDDI au one net (dion.ne.jp, auone-net.jp) bounces.

    Your mail sent on: Thu, 29 Apr 2013 23:45:22 +0900
         Could not be delivered to: <rcpt@example.dion.ne.jp>
         As their mailbox is full.
Source: observed au one net notifications.
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, with_verdict
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy

_FROM = lazy(r"@(?:[a-z0-9.-]+\.)?(?:dion\.ne\.jp|auone-net\.jp|kddi\.com)", re.I)
_TO = lazy(r"could not be delivered to:\s*<([^>]+)>", re.I)
RULES: tuple[tuple[str, Reason, Regex], ...] = (
    ("kddi.mailbox-full", Reason.MAILBOXFULL, lazy(r"as their mailbox is full", re.I)),
    ("kddi.no-domain", Reason.HOSTUNKNOWN, lazy(r"as the remote domain doesn'?t exist", re.I)),
    ("kddi.relay-error", Reason.SYSTEMERROR, lazy(r"due to the following smtp relay error", re.I)),
)


def detect(p: Parsed) -> Detection | None:
    if not _FROM.search(p.raw_header("From") or "") and not _FROM.search(p.raw_header("Message-ID") or ""):
        return None
    rows = [line.strip() for line in lines(p.text)]
    found: list[Found] = []
    for i, line in enumerate(rows):
        m = _TO.search(line)
        if m:
            reason = " ".join(x for x in rows[i + 1:i + 3] if x and not _TO.search(x))
            found.append(with_verdict(Found(recipient=m.group(1), diagnostic=reason or None, action="failed"), RULES))
    if not found:
        return None
    return Detection(reporter="kddi", recipients=tuple(found))


# detect(): _FROM in the raw From or Message-ID.
_DOMAINS = ("dion.ne.jp", "auone-net.jp", "kddi.com")
GATE: Gate = (Clause(sender=_DOMAINS), Clause(message_id=_DOMAINS))
DETECTOR: Detector = Detector("kddi", detect, GATE)
