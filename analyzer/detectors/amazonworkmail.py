"""Amazon WorkMail bounces (sent through SES: X-Mailer: Amazon WorkMail).

Layout (a multipart/mixed, not a multipart/report)::

    An error occurred while trying to deliver the mail to the following recipients:
    user@example.jp

    Technical report:

    Reporting-MTA: dsn; a27-85.smtp-out.us-west-2.amazonses.com

    Action: failed
    Final-Recipient: rfc822; user@example.jp
    Diagnostic-Code: smtp; 550 5.1.1 <user@example.jp>... User Unknown
    Status: 5.1.1

When SES gave up retrying it writes "554 4.4.7 Message expired: unable to deliver in 840
minutes.<421 4.4.2 Connection timed out>": the part in angle brackets is the remote server's last
reply, which becomes the diagnostic (and its code and status); SES's own words decide the reason
(analyzer.classify.amazon.SENDER_RULES).
Source: the notices themselves; Amazon WorkMail Administrator Guide, "Troubleshooting bounced messages".
"""

from __future__ import annotations

import re
from dataclasses import replace

from analyzer.classify import amazon
from analyzer.detectors.base import Detection, Detector, Found, from_dsn_recipient
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.vendor_text import combine, dsn_founds, only_address, specific_status, with_verdict
from analyzer.dsn import parse_dsn
from analyzer.mime import Parsed
from analyzer.regex import lazy
from analyzer.textutil import LINE_SPACE, label_start

_INTRO = lazy(r"an error occurred while trying to deliver the mail to the following recipients:", re.I)
_REPORT = lazy(r"^" + LINE_SPACE + r"technical report:\s*$", re.I | re.M)
_INNER = lazy(r"^(?P<outer>.*?)<(?P<reply>[245]\d\d[ -][^<>]{1,500})>\s*$", re.S)


def detect(p: Parsed) -> Detection | None:
    mailer = (p.header("X-Mailer") or "") + " " + (p.header("X-Original-Mailer") or "")
    text = p.text
    intro = _INTRO.search(text[:5000])
    if not intro or ("amazon workmail" not in mailer.lower() and "amazonses.com" not in (p.header("From") or "")):
        return None
    report = _REPORT.search(text, intro.end())
    end = label_start(text, report.start()) if report else None
    listed = [Found(recipient=a) for a in (only_address(x) for x in text[intro.end(): end].splitlines()) if a]
    in_text = parse_dsn(text[report.end():]) if report else None
    founds = [from_dsn_recipient(r) for r in in_text.recipients] if in_text else []
    merged = combine(dsn_founds(p) or founds, listed)
    if not merged:
        return None
    return Detection(
        reporter="amazonworkmail",
        recipients=tuple(_finish(f) for f in merged),
        reporting_mta=in_text.reporting_mta if in_text else None,
    )


def _finish(found: Found) -> Found:
    m = _INNER.match(found.diagnostic or "")
    if m:
        verdict = with_verdict(found, amazon.SENDER_RULES, m.group("outer"))
        found = replace(verdict, diagnostic=m.group("reply").strip(), status=None)
    return specific_status(replace(found, action=found.action or "failed"))


# detect(): _INTRO in the text, and an X-Mailer / X-Original-Mailer or "amazonses.com" in the decoded From.
_INTRO_WORDS = ("an error occurred while trying to deliver the mail to the following recipients:",)
GATE: Gate = (Clause(headers=("x-mailer", "x-original-mailer"), text=_INTRO_WORDS),
              Clause(sender_decoded=("amazonses.com",), text=_INTRO_WORDS))
DETECTOR: Detector = Detector("amazonworkmail", detect, GATE)
