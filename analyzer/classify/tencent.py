"""Tencent QQ Mail / Exmail (qq.com, exmail.qq.com) refusals -> reason.

Source: QQ Mail help for senders, the pages the refusals link to
(service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=10007xx, e.g. "Ip frequency limited",
"Connection frequency limited", "Domain frequency limited", "Mailbox not found or access denied",
"Mail content denied", "DMARC check failed", "Mailbox is full").
Order matters: the first matching rule wins.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    Rule("tencent.frequency", R.TOOMANYCONN, rx(r"\b(?:ip|connection|domain|sender)? ?frequency limited")),
    Rule("tencent.dmarc", R.AUTHFAILURE, rx(r"dmarc check failed|spf check failed|dkim check failed")),
    Rule("tencent.content", R.SPAMDETECTED, rx(r"mail content denied|content (?:rejected|denied)|spam")),
    Rule("tencent.no-mailbox", R.USERUNKNOWN, rx(r"mailbox not found|mailbox unavailable or access denied")),
    Rule("tencent.full", R.MAILBOXFULL, rx(r"mailbox is full|quota exceeded")),
)
