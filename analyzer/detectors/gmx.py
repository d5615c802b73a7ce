"""GMX / WEB.DE / mail.com and 1&1 IONOS (kundenserver.de) bounces.

United Internet's outbound servers write an Exim-like notice::

    This message was created automatically by mail delivery software.
    A message that you sent could not be delivered to one or more of
    its recipients. This is a permanent error. The following address
    failed:

    "user@example.jp":
    SMTP error from remote server after RCPT command:
    host: mx.example.jp
    5.2.2 <user@example.jp>... Mailbox Full

    --- The header of the original message is following. ---

1&1 also writes "SMTP error from remote server for TEXT command, host: h (ip) reason: 550 ...",
and its own words under "Reason:" / "For the following reason:" ("delivery retry timeout
exceeded", "Mail size limit exceeded"). Source: the notices themselves (postmaster.1and1.com/en/error-messages,
postmaster.gmx.net).
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause
from analyzer.detectors.vendor_text import ADDRESS, specific_status
from analyzer.mime import Parsed, headers_from_text
from analyzer.regex import Regex, lazy
from analyzer.smtp import command_name

_GMX = lazy(r"@(?:[a-z0-9-]+\.)*(?:gmx\.(?:net|de|com|at|ch)|web\.de|mail\.com)\b", re.I)
_ONEANDONE = lazy(r"@(?:[a-z0-9-]+\.)*(?:kundenserver\.(?:example\.)?de|1and1\.\w+|ionos\.\w+|"
                        r"online\.de|onlinehome\.de)\b", re.I)
_INTRO = lazy(r"this message was created automatically by mail delivery software", re.I)
_FAILED = lazy(r"the following\s+address(?:\(es\))?\s+failed:", re.I)
_HEADER = lazy(r"^-{2,}\s*the header of the original message is following\.?\s*-{2,}\s*$", re.I | re.M)
_RCPT = lazy(r"^\s*[\"<]?(" + ADDRESS.pattern + r")[\">]?:?\s*$")
_COMMAND = lazy(r"smtp error from remote server (?:after|for) (\w+(?: \w+)?) command", re.I)
_HOST = lazy(r"\bhost:\s*([A-Za-z0-9.-]+)(?:\s*\(([0-9A-Fa-f.:]+)\))?", re.I)
_REASON = lazy(r"^(?:for the following reason:|reason:)\s*", re.I)

_INTRO_WORDS = ("this message was created automatically by mail delivery software",)


def _detector(name: str, sender: Regex, domains: tuple[str, ...]) -> Detector:
    """The detector of one provider; its gate: `sender` (whose matches hold one of `domains`) and _INTRO."""
    def detect(p: Parsed) -> Detection | None:
        if not sender.search(p.header("From") or ""):
            return None
        text = p.text
        if not _INTRO.search(text[:2000]):
            return None
        failed = _FAILED.search(text)
        if failed is None:
            return None
        head = _HEADER.search(text, failed.end())
        founds = _blocks(text[failed.end(): head.start() if head else len(text)])
        if not founds:
            return None
        original = headers_from_text(text[head.end():].lstrip("\r\n")) if head and p.original is None else None
        return Detection(reporter=name, recipients=tuple(founds), original=original)

    return Detector(name, detect, (Clause(sender_decoded=domains, text=_INTRO_WORDS),))


def _blocks(section: str) -> list[Found]:
    out: list[Found] = []
    rcpt: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if rcpt is not None:
            out.append(_found(rcpt, lines))

    for line in section.splitlines()[:5000]:
        m = _RCPT.match(line)
        if m:
            flush()
            rcpt, lines = m.group(1), []
        elif rcpt is not None and line.strip():
            lines.append(line.strip())
    flush()
    return out


def _found(rcpt: str, lines: list[str]) -> Found:
    said = " ".join(lines)
    cmd = _COMMAND.search(said)
    host = _HOST.search(said)
    reply = said
    if host:
        reply = said[host.end():]
        reply = re.sub(r"^\s*reason:\s*", "", reply, flags=re.I)
    elif cmd:
        reply = said[cmd.end():]
    reply = _REASON.sub("", reply.strip(" :")).strip()
    command = command_name(cmd.group(1)) if cmd else None
    return specific_status(Found(recipient=rcpt, action="failed", diagnostic=reply or None,
                                 command="DATA" if cmd and cmd.group(1).upper() == "TEXT" else command,
                                 remote_mta=host.group(1) if host else None,
                                 diagnostic_type="smtp" if host else None))


GMX: Detector = _detector("gmx", _GMX, ("gmx.", "web.de", "mail.com"))
EINSUNDEINS: Detector = _detector(
    "einsundeins", _ONEANDONE, ("kundenserver.", "1and1.", "ionos.", "online.de", "onlinehome.de"),
)
