"""Exchange Server 2003 (and 2000/5.5) NDRs: "did not reach the following recipient(s)".

Layout::

    Your message
      To:      user@example.com
      Subject: ...
      Sent:    ...
    did not reach the following recipient(s):
    user@example.com on 4/29/2010 11:23 PM
                The e-mail account does not exist at the organization this message was sent to.
                <mail.example.com #5.1.1>

Older servers add "MSEXCH:IMS:<org>:<site>:<server> 0 (000C05A6) Unknown Recipient".
Source: Microsoft KB 284204 "Delivery status notifications in Exchange Server and in Small Business
Server" (status codes in the "<host #X.Y.Z>" tag) and the IMS diagnostic codes
(analyzer.classify.microsoft.EXCHANGE2003_CODES).
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.classify import microsoft
from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import ADDRESS, combine, dsn_founds, specific_status
from analyzer.mime import Parsed
from analyzer.regex import lazy

_START = lazy(r"did not reach the following recipient\(s\):|"
                    r"the following recipient\(s\) could not be reached:", re.I)
_RCPT = lazy(r"^\s*(" + ADDRESS.pattern + r")\s+on\s+\S.*$")
_TAG = lazy(r"<\s*([^<>\s]+)\s+#([245]\.\d{1,3}\.\d{1,3})(?:\s+[^<>]*)?>")
_IMS = lazy(r"MSEXCH:[\w:.-]*\s+\d+\s+\(([0-9A-F]{8})\)\s*(.*)$", re.I)


def detect(p: Parsed) -> Detection | None:
    text = p.text
    start = _START.search(text[:20000])
    if not start:
        return None
    founds = _read(text[start.end():])
    if not founds:
        return None
    dsn = p.dsn
    return Detection(
        reporter="exchange2003",
        recipients=combine(dsn_founds(p), founds),
        reporting_mta=dsn.reporting_mta if dsn else None,
        arrival_date=dsn.arrival_date if dsn else None,
    )


def _read(section: str) -> list[Found]:
    out: list[Found] = []
    block: list[str] = []
    rcpt: str | None = None

    def flush() -> None:
        if rcpt is not None:
            out.append(_found(rcpt, block))

    for line in section.splitlines()[:2000]:
        m = _RCPT.match(line)
        if m:
            flush()
            rcpt, block = m.group(1), []
        elif rcpt is not None:
            if line.strip() and not line[:1].isspace() and not _TAG.search(line) and not _IMS.search(line):
                break  # back at the left margin: the recipient list is over
            block.append(line.strip())
    flush()
    return out


def _found(rcpt: str, block: list[str]) -> Found:
    text = " ".join(x for x in block if x)
    tag = _TAG.search(text)
    ims = _IMS.search(text)
    explanation = _TAG.sub("", text).strip()
    status = tag.group(2) if tag else None
    found = Found(recipient=rcpt, status=status, diagnostic=explanation or None,
                  remote_mta=tag.group(1) if tag else None, action="failed")
    reason = microsoft.EXCHANGE2003_CODES.get(ims.group(1).upper()) if ims else None
    if ims and reason is not None:
        found = replace(found, reason=reason, rule=f"exchange2003.ims-{ims.group(1).upper()}",
                        evidence=ims.group(0).strip())
    return specific_status(found)


# detect(): _START in the text.
GATE: Gate = (Clause(text=("did not reach the following recipient(s):",
                           "the following recipient(s) could not be reached:")),)
DETECTOR: Detector = Detector("exchange2003", detect, GATE)
