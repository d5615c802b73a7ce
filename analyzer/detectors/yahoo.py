"""Yahoo Mail / AOL "Failure Notice" bounces.

Layout::

    Sorry, we were unable to deliver your message to the following address.

    <user@example.org>:
    Remote host said: 550 5.1.1 <user@example.org>... User Unknown [RCPT_TO]

    --- Below this line is a copy of the message.

The reply may wrap ("Remote host said:" alone, the reply and "[RCPT_TO]" on the next lines), be
written "550: 5.2.2 ..." by Yahoo itself, or be Yahoo's own words ("No mx record found for
domain=x", "Unable to deliver message after multiple retries, giving up."), which
analyzer.classify.yahoo.SENDER_RULES decides. The bracketed tag names the SMTP command.
Source: the notices themselves (Yahoo Help "Understand bounce-back messages", help.yahoo.com/kb/SLN3454).
"""

from __future__ import annotations

import re

from analyzer.classify import yahoo
from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import ADDRESS, report_text, strip_reply_command, with_verdict
from analyzer.mime import Parsed, headers_from_text
from analyzer.regex import lazy
from analyzer.textutil import LINE_SPACE

_START = lazy(r"sorry,? we were unable to deliver your message to the following address(?:es)?\.?", re.I)
_COPY = lazy(r"^-{2,}\s*below this line is a copy of the message\.?\s*$", re.I | re.M)
_RCPT = lazy(r"^" + LINE_SPACE + r"<(" + ADDRESS.pattern + r")>\s*:\s*$", re.M)
_REMOTE_SAID = lazy(r"^remote host said:\s*", re.I)
_YAHOO_CODE = lazy(r"^([245]\d\d):\s*")  # Yahoo's own "550: 5.2.2 ..." rendering


def detect(p: Parsed) -> Detection | None:
    text = report_text(p)
    start = _START.search(text[:5000])
    if not start:
        return None
    copy = _COPY.search(text, start.end())
    section = text[start.end(): copy.start() if copy else len(text)]
    marks = list(_RCPT.finditer(section))
    founds = [_found(m.group(1), section[m.end(): marks[i + 1].start() if i + 1 < len(marks) else len(section)])
              for i, m in enumerate(marks)]
    if not founds:
        return None
    original = None
    if copy and p.original is None:
        original = headers_from_text(text[copy.end():].lstrip("\r\n"))
    return Detection(reporter="yahoo", recipients=tuple(founds), original=original)


def _found(rcpt: str, block: str) -> Found:
    said = " ".join(block.split())
    remote = bool(_REMOTE_SAID.match(said))
    said = _REMOTE_SAID.sub("", said)
    said, command = strip_reply_command(said)
    said = _YAHOO_CODE.sub(r"\1 ", said).strip()
    found = Found(recipient=rcpt, action="failed", diagnostic=said or None, command=command,
                  diagnostic_type="smtp" if remote else None)
    return found if remote else with_verdict(found, yahoo.SENDER_RULES)


# detect(): _START in report_text (the text or a multipart preamble).
GATE: Gate = (Clause(text=("we were unable to deliver your message to the following address",)),)
DETECTOR: Detector = Detector("yahoo", detect, GATE)
