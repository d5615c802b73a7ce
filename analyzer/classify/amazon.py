"""Amazon SES texts -> reason.

BOUNCE_TYPES: SES bounce notifications (bounceType/bounceSubType). Source: Amazon SES Developer
Guide, "Contents of notifications for Amazon SES" (docs.aws.amazon.com/ses/latest/dg/
notification-contents.html#bounce-types).

RECEIVING_RULES: the fixed texts of the SES receipt-rule "Bounce" action templates. Source: Amazon
SES Developer Guide, "Bounce action" (docs.aws.amazon.com/ses/latest/dg/receiving-email-action-bounce.html):
"Mailbox does not exist" 550 5.1.1, "Message too large" 552 5.3.4, "Mailbox full" 552 5.2.2,
"Message content rejected" 500 5.6.1 (the content filter refused it), "Unknown failure" 554 5.0.0,
"Temporary failure" 450 4.0.0.

SENDER_RULES: texts SES itself writes when it refuses to send.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

# (bounceType, bounceSubType) -> reason; None as subtype matches any.
BOUNCE_TYPES: dict[tuple[str, str | None], R] = {
    ("Permanent", "NoEmail"): R.USERUNKNOWN,
    ("Permanent", "Suppressed"): R.SUPPRESSED,
    ("Permanent", "OnAccountSuppressionList"): R.SUPPRESSED,
    ("Transient", "MailboxFull"): R.MAILBOXFULL,
    ("Transient", "MessageTooLarge"): R.MESGTOOBIG,
    ("Transient", "ContentRejected"): R.CONTENTERROR,
    ("Transient", "AttachmentRejected"): R.POLICYVIOLATION,
}

RECEIVING_RULES: tuple[Rule, ...] = (
    Rule("ses-receiving.no-mailbox", R.USERUNKNOWN, rx(r"\bmailbox does not exist\b")),
    Rule("ses-receiving.too-large", R.MESGTOOBIG, rx(r"\bmessage too large\b")),
    Rule("ses-receiving.full", R.MAILBOXFULL, rx(r"\bmailbox full\b")),
    Rule("ses-receiving.content", R.SPAMDETECTED, rx(r"\bmessage content rejected\b")),
    Rule("ses-receiving.filtered", R.FILTERED, rx(r"\bmessage filtered\b")),
    Rule("ses-receiving.temporary", R.ONHOLD, rx(r"\btemporary failure\b")),
)

SENDER_RULES: tuple[Rule, ...] = (
    Rule("ses.suppressed", R.SUPPRESSED,
         rx(r"suppressed sending to this address|on the (?:account-level )?suppression list")),
    Rule("ses.expired", R.EXPIRED, rx(r"message expired: unable to deliver in \d+ minutes")),
)
