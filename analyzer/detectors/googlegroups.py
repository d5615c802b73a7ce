"""Google Groups refusals: the group does not exist, or the sender may not post to it.

Sent by Gmail's mailer-daemon, in the sender's language ("We're writing to let you know that the
group you tried to contact (x) may not exist, or you may not have permission to post messages to
the group."), signed "Google Groups" with a link to groups.google.com/support; the refused group
address is in X-Failed-Recipients. Google does not say which of the two it is, so the reason is
"rejected" (the group refused this sender).
Source: the notices themselves (Google Groups Help, "Messages to a group bounce", support.google.com/groups).
"""

from __future__ import annotations

import re

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.google_common import from_google
from analyzer.detectors.vendor_text import header_addresses
from analyzer.mime import Parsed, headers_from_text
from analyzer.reasons import Reason
from analyzer.regex import lazy
from analyzer.textutil import LINE_SPACE

_SIGNATURE = lazy(r"groups\.google\.com/support|^" + LINE_SPACE + r"Google Groups\S*\s*$", re.M)
_ENGLISH = lazy(r"may not exist, or you may not have permission to post messages to the group", re.I)
_ORIGINAL = lazy(r"^-{3,}\s*original message\s*-{3,}\s*$", re.I | re.M)


def detect(p: Parsed) -> Detection | None:
    if not from_google(p):
        return None
    text = p.text
    orig = _ORIGINAL.search(text)
    body = text[: orig.start()] if orig else text
    if not _SIGNATURE.search(body):
        return None
    groups = header_addresses(p, "X-Failed-Recipients")
    if not groups:
        return None
    said = _ENGLISH.search(body)
    evidence = said.group(0) if said else "Google Groups: the group may not exist, or the sender may not post"
    paragraphs = [" ".join(x.split()) for x in re.split(r"\n\s*\n", body)]
    notice = next((x for x in paragraphs if len(x) > 80), None)
    return Detection(
        reporter="googlegroups",
        recipients=tuple(
            Found(recipient=g, action="failed", diagnostic=notice,
                  reason=Reason.REJECTED, rule="googlegroups.cannot-post", evidence=evidence)
            for g in groups
        ),
        original=headers_from_text(text[orig.end():].lstrip("\r\n")) if orig and p.original is None else None,
    )


# detect(): _SIGNATURE in the text and an X-Failed-Recipients header.
GATE: Gate = (Clause(headers=("x-failed-recipients",), text=("groups.google.com/support", "google groups")),)
DETECTOR: Detector = Detector("googlegroups", detect, GATE)
