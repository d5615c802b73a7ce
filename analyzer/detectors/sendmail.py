"""Sendmail bounces: "Returned mail: see transcript for details", "Warning: could not send message ...".

Sendmail (sendmail/savemail.c, errbody()) writes the failed addresses, each optionally followed by
"(reason: ...)" and "(expanded from: ...)", then the session transcript:
       ----- The following addresses had permanent fatal errors -----
    <rcpt@example.net>
        (reason: 550 5.1.1 <rcpt@example.net>... User unknown)
       ----- Transcript of session follows -----
    ... while talking to mx.example.net.:
    >>> RCPT To:<rcpt@example.net>
    <<< 550 5.1.1 <rcpt@example.net>... User unknown
and usually a message/delivery-status part. The transcript says which command the server refused
(">>> DATA") and holds the whole multi-line reply, which the DSN part often truncates.
`read_sendmail_text` is shared with the detectors of Sendmail-derived formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from analyzer import limits
from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import ADDRESS, lines, merge, pasted_headers, split_at
from analyzer.mime import Parsed
from analyzer.regex import lazy
from analyzer.smtp import command_name, join_reply_lines
from analyzer.textutil import LINE_SPACE

_SUBJECT = lazy(r"returned mail|could not send message|see transcript|postmaster notify|"
                      r"delivery (?:status|failure)|undeliver", re.I)
_ADDRESSES = lazy(r"^" + LINE_SPACE + r"-{3,} ?the following addresses? (?:had|has) "
                        r"(permanent fatal|transient non-fatal|permanent|delivery|fatal)[a-z \-]*-{2,}\s*$",
                        re.I | re.M)
_TRANSCRIPT = lazy(r"^" + LINE_SPACE + r"-{3,} ?transcript of (?:the )?session follows ?-{3,}\s*$", re.I | re.M)
_SECTION = lazy(r"^\s*-{3,} ?[A-Za-z][^-]{4,60}-{3,}\s*$")
_ORIGINAL = ("----- original message follows", "----- message header follows", "----- original message headers",
             "content-type: message/rfc822", "content-type: text/rfc822-headers", "----- returned message follows")
_TALKING = lazy(r"^\.\.\. while talking to ([^\s:]+?)\.?:\s*$")
_SENT = lazy(r"^>>> ?(\S+)(?: (?:TO|FROM))?", re.I)
_RECEIVED = lazy(r"^<<< ?(.*)$")
_REASON = lazy(r"^\s*\(reason: (.*?)\)?\s*$", re.I)
_EXPANDED = lazy(r"^\s*\(expanded from: <?([^>)]*)>?\)\s*$", re.I)


@dataclass(slots=True)
class _Event:
    """One refusal in the transcript: the command sent, the server, the reply lines."""

    command: str | None
    host: str | None
    reply: list[str]


def detect(p: Parsed) -> Detection | None:
    if not _SUBJECT.search(p.raw_header("Subject") or ""):
        return None
    low = p.lower
    if low.find("the following address", 0, 20000) < 0 and low.find("transcript of session follows", 0, 20000) < 0:
        return None  # cheap gate before the regular expressions
    text = p.text
    if not (_ADDRESSES.search(text) or _TRANSCRIPT.search(text)):
        return None
    found, original = read_sendmail_text(text)
    dsn = p.dsn
    recipients = merge(found, dsn)
    if not recipients:
        return None
    return Detection(
        reporter="sendmail",
        recipients=recipients,
        reporting_mta=dsn.reporting_mta if dsn else None,
        received_from_mta=dsn.received_from_mta if dsn else None,
        arrival_date=dsn.arrival_date if dsn else None,
        original=original if p.original is None else None,
    )


def read_sendmail_text(text: str) -> tuple[list[Found], Message | None]:
    """Recipients (with reason text, command, server) from a Sendmail-style report text, and pasted headers."""
    head, tail = split_at(text, _ORIGINAL)
    addresses = _addresses(head)
    events = _transcript(head)
    section = _ADDRESSES.search(head)
    action = "delayed" if section is not None and "transient" in section.group(1).lower() else "failed"
    found: list[Found] = []
    local = _transcript_lines(head)
    for addr, reason, expanded in addresses[: limits.MAX_RECIPIENTS]:
        event = _event_for(addr, reason, events)
        diagnostic = reason
        if event is not None and event.reply:
            joined = join_reply_lines("\n".join(event.reply))
            if not diagnostic or diagnostic.strip().isdigit() or len(joined) > len(diagnostic) + 8:
                diagnostic = joined
        if not diagnostic or diagnostic.strip().isdigit():
            # "(reason: 255)" is a mailer's exit code, "<<< 421" a bare code: Sendmail's own lines say more
            diagnostic = _local_lines(local, addr) or diagnostic
        found.append(Found(
            recipient=addr,
            original_recipient=expanded,
            diagnostic=diagnostic or None,
            command=event.command if event else None,
            remote_mta=event.host if event else None,
            action=action if addresses else None,
        ))
    return found, pasted_headers(tail)


def _addresses(text: str) -> list[tuple[str, str | None, str | None]]:
    """(address, reason text, expanded-from) for each line of the failed-addresses section."""
    m = _ADDRESSES.search(text)
    if m is None:
        return []
    out: list[tuple[str, str | None, str | None]] = []
    for line in lines(text[m.end():]):
        if _SECTION.match(line) or _TRANSCRIPT.match(line):
            break
        if not line.strip():
            continue
        r = _REASON.match(line)
        e = _EXPANDED.match(line)
        if r and out:
            addr, _, exp = out[-1]
            out[-1] = (addr, r.group(1).strip(), exp)
        elif e and out:
            addr, reason, _ = out[-1]
            out[-1] = (addr, reason, e.group(1).strip() or None)
        elif not line.startswith((" ", "\t")) or line.lstrip().startswith(("<", ">>>")):
            a = ADDRESS.search(line) if "@" in line else None
            word = line.strip().strip("<>").split()[0] if line.strip() else ""
            out.append((a.group(1) if a else word, None, None))
    return [x for x in out if x[0]]


def _transcript(text: str) -> list[_Event]:
    """The refusals of the transcript section, in order (replies to QUIT dropped)."""
    m = _TRANSCRIPT.search(text)
    if m is None:
        return []
    events: list[_Event] = []
    host: str | None = None
    command: str | None = "CONN"
    current: _Event | None = None
    for line in lines(text[m.end():]):
        t = _TALKING.match(line)
        if t:
            host, command, current = t.group(1), "CONN", None
            continue
        s = _SENT.match(line)
        if s:
            command = command_name(s.group(1)) or s.group(1).upper()
            current = None
            continue
        r = _RECEIVED.match(line)
        if r:
            if current is None:
                current = _Event(command=command, host=host, reply=[])
                if command != "QUIT" and r.group(1)[:1] in "45":
                    events.append(current)
            current.reply.append(r.group(1))
            continue
        current = None
    return events


def _event_for(addr: str, reason: str | None, events: list[_Event]) -> _Event | None:
    """The transcript refusal that belongs to this recipient."""
    if not events:
        return None
    low = addr.lower()
    for event in events[:64]:  # a transcript names a handful of servers; more is noise
        if any(low in line.lower() for line in event.reply[:16]):
            return event
    if reason:
        key = reason.strip()[:40].lower()
        for event in events[:64]:
            if any(key and key in line.lower() for line in event.reply[:16]):
                return event
    return events[-1]


def _transcript_lines(text: str) -> list[str]:
    """The non-empty lines of the transcript section, lowercase copies alongside (computed once)."""
    m = _TRANSCRIPT.search(text)
    if m is None:
        return []
    return [line.strip() for line in lines(text[m.end():]) if line.strip()]


def _local_lines(body: list[str], addr: str) -> str | None:
    """Sendmail's own lines about the recipient ('<rcpt>... Deferred: Connection refused by ...')."""
    low = addr.lower()
    start = next((i for i, line in enumerate(body) if low in line.lower()), 0)
    picked = body[start:start + 4]
    return " ".join(picked) if picked else None


# detect(): _SUBJECT in the raw subject and one of its two sentences in the text.
GATE: Gate = (Clause(subject=("returned mail", "could not send message", "see transcript", "postmaster notify",
                              "delivery status", "delivery failure", "undeliver"),
                     text=("the following address", "transcript of session follows")),)
DETECTOR: Detector = Detector("sendmail", detect, GATE)
