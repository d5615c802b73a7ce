"""qmail bounces: "failure notice" from qmail-send (and netqmail, vpopmail, qmail-toaster).

qmail-send (qmail-send.c, the bounce text; qmail-remote.c, the per-recipient reasons) writes:
    Hi. This is the qmail-send program at mx.example.org.
    I'm afraid I wasn't able to deliver your message to the following addresses.
    This is a permanent error; I've given up. Sorry it didn't work out.

    <rcpt@example.net>:
    192.0.2.1 does not like recipient.
    Remote host said: 550 5.1.1 <rcpt@example.net>... User unknown
    Giving up on 192.0.2.1.

    --- Below this line is a copy of the message.
The stage ("does not like recipient", "sender was rejected", "failed after I sent the message")
names the SMTP command. `read_qmail_text` is shared with qmail-derived formats.
"""

from __future__ import annotations

import re
from dataclasses import replace
from email.message import Message

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import lines, pasted_headers, split_at, verdict
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy
from analyzer.smtp import find_command

_BODY = ("this is the qmail-send program at", "i'm afraid i wasn't able to deliver your message",
         "i'm not going to try again; this message has been in the queue too long")
ORIGINAL_MARKERS = ("--- below this line is a copy of the message", "--- enclosed is a copy of the message",
                    "--- below this line is the original bounce", "content-type: message/rfc822",
                    "--- below the next line is a copy of the message")
_RCPT = lazy(r"^<([^>\s]*@[^>\s]*|[^>\s]+)>:?\s*(.*)$")
_REMOTE = lazy(r"(?:connected to|^|\s)(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]{3,39}) (?:does not like|failed after|"
                     r"but sender was|but my name was)", re.I)

_GIVING_UP = lazy(r"(?<!\s)\s*Giving up on \S+\.?\s*$")

# qmail-remote/qmail-local texts (qmail source, vpopmail vdelivermail) whose reason the format decides.
RULES: tuple[tuple[str, Reason, Regex], ...] = (
    ("qmail.helo-rejected", Reason.BLOCKED, lazy(r"but my name was rejected", re.I)),
    ("qmail.no-connection", Reason.NETWORKERROR, lazy(
        r"wasn't able to establish an smtp connection|cname lookup failed temporarily|"
        r"couldn't find a mail exchanger or ip address\. \(#4", re.I)),
    ("qmail.no-host", Reason.HOSTUNKNOWN, lazy(r"couldn't find any host (?:named|by that name)", re.I)),
    ("qmail.no-mx-or-ip", Reason.NOTACCEPT, lazy(r"couldn't find a mail exchanger or ip address", re.I)),
    ("qmail.no-mailbox", Reason.USERUNKNOWN, lazy(r"sorry, no mailbox here by that name", re.I)),
    ("qmail.account-locked", Reason.SUSPEND, lazy(r"account is locked email bounced", re.I)),
    ("qmail.quota", Reason.MAILBOXFULL, lazy(r"user is over quota|mailbox is full|over quota", re.I)),
    ("qmail.too-big", Reason.MESGTOOBIG, lazy(r"message is too big|message size exceeds", re.I)),
)


def detect(p: Parsed) -> Detection | None:
    low = p.lower
    if not any(low.find(marker, 0, 3000) >= 0 for marker in _BODY):
        return None
    text = p.text
    found, original = read_qmail_text(text, RULES)
    if not found:
        return None
    return Detection(reporter="qmail", recipients=tuple(found), original=original if p.original is None else None)


def read_qmail_text(
    text: str, rules: tuple[tuple[str, Reason, Regex], ...] = RULES,
    markers: tuple[str, ...] = ORIGINAL_MARKERS,
) -> tuple[list[Found], Message | None]:
    """Recipients from '<rcpt>:' paragraphs, with the stage's SMTP command; and the pasted original."""
    head, tail = split_at(text, markers)
    out: list[Found] = []
    rcpt: str | None = None
    body: list[str] = []

    def flush() -> None:
        if rcpt is not None:
            out.append(_found(rcpt, body, rules))

    for line in lines(head):
        m = _RCPT.match(line)
        if m and ("@" in m.group(1) or line.rstrip().endswith(":")):
            flush()
            rcpt, body = m.group(1), [m.group(2)] if m.group(2) else []
        elif rcpt is not None and line.strip():
            body.append(line.strip())
        elif rcpt is not None and body:
            flush()
            rcpt, body = None, []
    flush()
    return out, pasted_headers(tail)


def _found(rcpt: str, body: list[str], rules: tuple[tuple[str, Reason, Regex], ...]) -> Found:
    diagnostic = " ".join(body)
    remote = _REMOTE.search(diagnostic)
    command = find_command(diagnostic)
    said = diagnostic.find("Remote host said: ")
    if said >= 0:  # keep the server's words; the stage is the command, the host the remote MTA
        diagnostic = _GIVING_UP.sub("", diagnostic[said + len("Remote host said: "):]).strip()
    found = Found(
        recipient=rcpt,
        diagnostic=diagnostic or None,
        remote_mta=remote.group(1) if remote else None,
        command=command,
        action="failed",
    )
    hit = verdict(rules, " ".join(body))  # qmail's own sentences decide, before the server's words were cut out
    return replace(found, reason=hit[0], rule=hit[1], evidence=hit[2]) if hit else found


# detect(): one of _BODY in the text.
GATE: Gate = (Clause(text=_BODY),)
DETECTOR: Detector = Detector("qmail", detect, GATE)
