"""Mail.ru bounces: a Russian preamble, then Exim's English notice.

    Это письмо создано автоматически сервером Mail.Ru, ...
    **********************
    This message was created automatically by mail delivery software.
    ... The following address(es) failed:

      user@example.jp
        SMTP error from remote mail server after RCPT TO:<user@example.jp>:
        host mx.example.jp [192.0.2.222]: 550 5.1.1 <user@example.jp>... User Unknown

    ------ This is a copy of the message, including all the headers. ------

Mail.ru's servers run Exim; the recipient lines are indented two spaces, the details four. Details
without "SMTP error from remote mail server" are Exim's own words ("Unrouteable address", "retry
timeout exceeded", "an MX or SRV record indicated no SMTP service"), classified by the usual chain.
Source: the notices themselves (X-Failed-Recipients carries the failed addresses).
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import ADDRESS, header_addresses, specific_status
from analyzer.mime import Parsed, headers_from_text
from analyzer.regex import lazy
from analyzer.smtp import find_command

_FROM = lazy(r"mailer-daemon@(?:[a-z0-9-]+\.)*(?:mail\.ru|corp\.mail\.ru|bk\.ru|inbox\.ru|list\.ru)\b", re.I)
_FAILED = lazy(r"the following address\(es\) failed:|following addresses? failed:", re.I)
_COPY = lazy(r"^-{3,}\s*this is a copy of the message", re.I | re.M)
_RCPT = lazy(r"^ {1,3}(" + ADDRESS.pattern + r")\s*:?\s*$")
_HOST = lazy(r"\bhost\s+([A-Za-z0-9.-]+)\s+\[([0-9A-Fa-f.:]+)\]:\s*", re.I)
_DELAYED = lazy(r"has not yet been delivered|delivery is delayed|this is a temporary error", re.I)


def detect(p: Parsed) -> Detection | None:
    if not _FROM.search(p.header("From") or ""):
        return None
    text = p.text
    failed = _FAILED.search(text)
    if failed is None:
        return None
    copy = _COPY.search(text, failed.end())
    section = text[failed.end(): copy.start() if copy else len(text)]
    action = "delayed" if _DELAYED.search(text[: failed.end()]) else "failed"
    founds = _blocks(section, action)
    if not founds:
        founds = [Found(recipient=a, action=action) for a in header_addresses(p, "X-Failed-Recipients")]
    if not founds:
        return None
    original = headers_from_text(text[copy.end():].split("\n", 1)[-1].lstrip("\r\n")) if copy else None
    return Detection(reporter="mailru", recipients=tuple(founds),
                     original=original if p.original is None else None)


def _blocks(section: str, action: str) -> list[Found]:
    out: list[Found] = []
    rcpt: str | None = None
    details: list[str] = []

    def flush() -> None:
        if rcpt is None:
            return
        said = " ".join(details)
        command = find_command(said)
        host = _HOST.search(said)
        reply = said[host.end():] if host else re.sub(r"^\(generated from [^)]*\)\s*", "", said)
        out.append(specific_status(Found(recipient=rcpt, action=action, diagnostic=reply or None, command=command,
                                         remote_mta=host.group(1) if host else None,
                                         diagnostic_type="smtp" if host else None)))

    for line in section.splitlines()[:5000]:
        m = _RCPT.match(line)
        if m:
            flush()
            rcpt, details = m.group(1), []
        elif rcpt is not None and line.startswith("    ") and line.strip():
            details.append(line.strip())
        elif rcpt is not None and line.strip():
            flush()
            rcpt, details = None, []
    flush()
    return out


# detect(): _FROM in the decoded From (each match holds one of its domains) and _FAILED in the text.
GATE: Gate = (Clause(sender_decoded=("mail.ru", "bk.ru", "inbox.ru", "list.ru"), text=("following address",)),)
DETECTOR: Detector = Detector("mailru", detect, GATE)
