"""Google Workspace / Gmail bounces in the newer layout without usable delivery-status fields.

"** Message not delivered **" notices about Gmail's own sending setup ("Send mail as" through an
external SMTP server, routing and relay settings of a Workspace domain) often carry an empty
message/delivery-status part: the recipient is in X-Failed-Recipients (or the text), the cause in
"The response was:". Classified by analyzer.classify.google.SENDER_RULES, then the usual chain.
Source: the notices themselves; Gmail help "Send emails from a different address or alias"
(support.google.com/mail/?p=CustomFromDenied).
"""

from __future__ import annotations

from analyzer.classify import google
from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Gate
from analyzer.detectors.google_common import (
    DELAY_HEADLINE,
    HEADLINE,
    REMOTE_RESPONSE,
    from_google,
    google_gate,
    response,
)
from analyzer.detectors.vendor_text import addresses, header_addresses, with_verdict
from analyzer.mime import Parsed


def detect(p: Parsed) -> Detection | None:
    if not from_google(p):
        return None
    text = p.text
    headline = HEADLINE.search(text[:2000])
    if headline is None or (p.dsn is not None and p.dsn.recipients):
        return None
    recipients = header_addresses(p, "X-Failed-Recipients") or addresses(text[headline.end(): headline.end() + 600], 1)
    if not recipients:
        return None
    said = response(text)
    delayed = bool(DELAY_HEADLINE.search(headline.group(1)))
    intro = " ".join(text[headline.start(): headline.start() + 1500].split())
    out = []
    for r in recipients:
        f = Found(recipient=r, action="delayed" if delayed else "failed", diagnostic=said)
        if not REMOTE_RESPONSE.search(text):
            f = with_verdict(f, google.SENDER_RULES, intro)
        out.append(f)
    return Detection(reporter="googleworkspace", recipients=tuple(out))


# detect(): from_google and a HEADLINE ("** ... **") in the text.
GATE: Gate = google_gate(("**",))
DETECTOR: Detector = Detector("googleworkspace", detect, GATE)
