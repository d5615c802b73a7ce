"""amavisd-new notices: "Undeliverable mail, ...", "Considered UNSOLICITED BULK EMAIL ...", "BANNED ...".

From "Content-filter at <host>". Two shapes:
    The message WAS NOT relayed to:
      <rcpt@example.net>: [127.0.0.1] said:
       550 5.1.1 Failed, id=..., from MTA(...): 550 5.1.1 <rcpt@example.net>: ... User unknown
and the content verdicts ("was considered unsolicited bulk e-mail (UBE)", "BAD HEADER" lines such as
'Duplicate header field: "From"'), both with a message/delivery-status part.
Source: amavisd-new templates (dsn, notify_sender) and observed notices.
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, merge, split_at, verdict
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy

_FROM = lazy(r"content-filter at ", re.I)
_RELAYED = lazy(r"^\s*<([^>]+)>: \[[^\]]*\] said:\s*$")
_UBE_TO = lazy(r"^->\s*(\S+@\S+)")
# amavisd-new's header checks ("BAD HEADER"): the header itself breaks RFC 5322.
_BAD_HEADER = lazy(r"^(?:duplicate header field: .*|missing required header field: .*|"
                         r"improper use of control character .*|non-encoded 8-bit data .*|improper folded header .*|"
                         r"header line longer than .*)$", re.I)
RULES: tuple[tuple[str, Reason, Regex], ...] = (
    ("amavis.bad-header", Reason.NOTCOMPLIANTRFC, lazy(r"duplicate header field|missing required header", re.I)),
    ("amavis.banned", Reason.POLICYVIOLATION, lazy(r"banned (?:content|file)", re.I)),
    ("amavis.virus", Reason.VIRUSDETECTED, lazy(r"infected|virus", re.I)),
)


def detect(p: Parsed) -> Detection | None:
    if not _FROM.search(p.raw_header("From") or ""):
        return None
    head, _ = split_at(p.text, ("content-type: message/rfc822", "content-type: text/rfc822-headers"), p.lower)
    found: list[Found] = []
    rows = lines(head)
    for i, line in enumerate(rows):
        m = _RELAYED.match(line)
        if m:
            reply = []
            for nxt in rows[i + 1:]:
                if not nxt.strip() or not nxt.startswith((" ", "\t")):
                    break
                reply.append(nxt.strip())
            found.append(Found(recipient=m.group(1), diagnostic=" ".join(reply) or None))
            continue
        u = _UBE_TO.match(line.strip())
        if u:
            found.append(Found(recipient=u.group(1)))
    bad = [line.strip() for line in rows if _BAD_HEADER.match(line.strip())]
    recipients = merge(found, p.dsn)
    if not recipients:
        return None
    if bad:
        note = "; ".join(bad)
        recipients = tuple(_with_note(r, note) for r in recipients)
    return Detection(reporter="amavis", recipients=recipients,
                     reporting_mta=p.dsn.reporting_mta if p.dsn else None)


def _with_note(r: Found, note: str) -> Found:
    hit = verdict(RULES, note)
    diagnostic = f"{r.diagnostic}; {note}" if r.diagnostic else note
    if hit is None:
        return replace(r, diagnostic=diagnostic)
    return replace(r, diagnostic=diagnostic, reason=hit[0], rule=hit[1], evidence=hit[2])


# detect(): _FROM in the raw From.
GATE: Gate = (Clause(sender=("content-filter at ",)),)
DETECTOR: Detector = Detector("amavis", detect, GATE)
