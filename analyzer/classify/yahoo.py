"""Yahoo / AOL (Yahoo Inc.) texts -> reason.

RULES: refusals by Yahoo's and AOL's receiving servers. Source: Yahoo Sender Hub "SMTP error
codes" (senders.yahooinc.com/smtp-error-codes, formerly postmaster.yahooinc.com/error-codes and
help.yahoo.com/kb/postmaster SLN3434), e.g. "421 4.7.0 [TSS04] Messages from x temporarily deferred
due to unexpected volume or user complaints", "553 5.7.2 [TSS09] All messages from x will be
permanently deferred", "553 5.7.1 [BL21] Connections will not be accepted from x, because the ip is
in Spamhaus's list", "554 5.7.9 Message not accepted for policy reasons", "550 5.7.9 This mail has
been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate
with either SPF or DKIM", "554 delivery error: dd This user doesn't have a yahoo.com account",
"554 delivery error: dd Sorry your message to x cannot be delivered. This mailbox is disabled".

SENDER_RULES: texts Yahoo writes in its own "Failure Notice" bounces when it was the sender.
Order matters: the first matching rule wins.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    Rule("yahoo.spamhaus", R.BLOCKED,
         rx(r"\[BL2\d\]|because the ip is in spamhaus|not accepted from ip addresses on spamhaus")),
    Rule("yahoo.permanently-deferred", R.BLOCKED,
         rx(r"\[TS(?:S0[39]|S1[01]|03)\]|will be permanently deferred")),
    Rule("yahoo.complaints", R.BADREPUTATION,
         rx(r"\[TSS?0[124]\]|temporarily deferred due to (?:unexpected volume or )?user complaints|"
            r"deferred due to excessive user complaints")),
    Rule("yahoo.unauthenticated", R.AUTHFAILURE,
         rx(r"requires all senders to authenticate with either spf or dkim|sender is unauthenticated|"
            r"\bdmarc\b.{0,60}\b(?:fail|policy|reject)")),
    Rule("yahoo.unresolvable-sender", R.REJECTED, rx(r"unresolvable rfc\.?5321 (?:from )?domain")),
    Rule("yahoo.phishing", R.SPAMDETECTED, rx(r"\[PH01\]")),
    Rule("yahoo.headers-not-rfc", R.NOTCOMPLIANTRFC, rx(r"headers are not rfc compliant")),
    Rule("yahoo.policy", R.POLICYVIOLATION, rx(r"not accepted for policy reasons")),
    Rule("yahoo.no-account", R.USERUNKNOWN,
         rx(r"user doesn't have a (?:yahoo|ymail|rocketmail|aol)\.\S+ account|dd requested mail action aborted, "
            r"mailbox not found|^\s*552 1 requested mail action aborted, mailbox not found")),
    Rule("yahoo.disabled", R.SUSPEND, rx(r"this mailbox is disabled|\(554\.30\)")),
    Rule("yahoo.connections", R.TOOMANYCONN,
         rx(r"too many concurrent smtp connections|max(?:imum)? messages? per connection|"
            r"too many (?:connections|messages in this session)")),
)

SENDER_RULES: tuple[Rule, ...] = (
    Rule("yahoo.sender.no-mx", R.NOTACCEPT, rx(r"no mx record found for domain")),
    Rule("yahoo.sender.gave-up", R.EXPIRED, rx(r"unable to deliver message after multiple retries")),
)
