"""What Gmail's bounces share: who sent them, and the headline of the newer layout.

Gmail and Google Workspace bounces come from "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"
(or @google.com, @gmail.com). The newer layout (2015+) opens with a headline in asterisks
("** Address not found **", "** Message not delivered **", "** Message blocked **",
"** Delivery incomplete **") followed by "The response was:" (Gmail's own text) or
"The response from the remote server was:" (the refusing server's reply).
Source: the notices themselves; Gmail help "Fix bounced or rejected emails" (support.google.com/mail/answer/7720).
"""

from __future__ import annotations

import re

from analyzer.detectors.gate import Clause, Gate
from analyzer.mime import Parsed
from analyzer.regex import lazy
from analyzer.textutil import LINE_SPACE

FROM_GOOGLE = lazy(r"mailer-daemon@(?:googlemail|google|gmail)\.com", re.I)
HEADLINE = lazy(r"^" + LINE_SPACE + r"\*\*\s*([^*\n]{3,80}?)\s*\*\*\s*$", re.M)
RESPONSE = lazy(r"^" + LINE_SPACE + r"the response (?:from the remote server )?was:\s*$", re.I | re.M)
REMOTE_RESPONSE = lazy(r"^" + LINE_SPACE + r"the response from the remote server was:\s*$", re.I | re.M)
DELAY_HEADLINE = lazy(r"delivery incomplete|delayed", re.I)


def google_gate(text: tuple[str, ...]) -> Gate:
    """The gate of a detector that needs from_google(p) and one of `text` in the text."""
    return (Clause(sender_decoded=("mailer-daemon@googlemail.com", "mailer-daemon@google.com",
                                   "mailer-daemon@gmail.com"), text=text),
            Clause(reporting_mta=("googlemail.com", "google.com"), text=text))


def from_google(p: Parsed) -> bool:
    """The bounce was written by Gmail / Google Workspace."""
    return bool(FROM_GOOGLE.search(p.header("From") or "")) or (
        p.dsn is not None and (p.dsn.reporting_mta or "").lower().rstrip(".") in ("googlemail.com", "google.com"))


def response(text: str) -> str | None:
    """The text after "The response was:" up to the end of that paragraph group (newer layout)."""
    m = RESPONSE.search(text)
    if not m:
        return None
    rest = text[m.end():].strip("\r\n")
    paragraph = re.split(r"\n\s*\n\s*\n|\n-{3,}|\n\s*\n(?=\S+:\s)", rest, maxsplit=1)[0]
    return " ".join(x.strip() for x in paragraph.splitlines() if x.strip()) or None
