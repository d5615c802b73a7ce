"""Gmail / Google Workspace rejection texts -> reason.

Source: Google "SMTP error reference" (support.google.com/a/answer/3726730), as quoted in
../shared/reference/ndr-texts.md section 3.1, and Google's sender guidelines
(support.google.com/mail/answer/81126).
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    Rule("google.ipv6-ptr-auth", R.REQUIREPTR, rx(r"ipv6 sending guidelines regarding ptr\s+records|p=ipv6_?auth")),
    Rule("google.ptr-missing", R.REQUIREPTR,
         rx(r"does not have a ptr record|missing ptr records?|pointer \(ptr\) record|ptr record setup")),
    Rule("google.low-reputation", R.BADREPUTATION, rx(r"very low reputation|low reputation of the sending|"
                                                      r"rate limited due to ip reputation|answer/188131")),
    Rule("google.rate-limit", R.SPEEDING, rx(r"unusual rate of (unsolicited )?mail|temporarily rate limited|"
                                             r"receiving mail at a rate that|sending mail too fast")),
    Rule("google.unsolicited", R.SPAMDETECTED, rx(r"likely unsolicited mail|likely suspicious due to|"
                                                  r"spam content|detected that this message is likely spam")),
    Rule("google.dmarc", R.AUTHFAILURE, rx(r"domain's dmarc policy|dmarc policy of the sender|dmarc\b.*\bfail")),
    Rule("google.unauthenticated", R.AUTHFAILURE,
         rx(r"sender is unauthenticated|authenticate with either spf or dkim|does not have authentication "
            r"information|fails to pass authentication checks|spf authentication didn't pass|dkim checks? did "
            r"not pass|isn't aligned with either the authenticated spf or dkim|hard fail policy")),
    Rule("google.tls-required", R.FAILEDSTARTTLS,
         rx(r"must issue a starttls command first|tls required for rcpt domain|wasn't sent over a tls")),
    Rule("google.account-disabled", R.SUSPEND,
         rx(r"account that you tried to reach is disabled|account is disabled|inactive")),
    Rule("google.no-such-user", R.USERUNKNOWN,
         rx(r"email account that you tried to reach does not exist|no such user")),
    Rule("google.over-quota", R.MAILBOXFULL,
         rx(r"out of storage space|over quota|inbox is full|exceeded (the|its) storage")),
    Rule("google.message-too-big", R.MESGTOOBIG, rx(r"message exceeded .*size limit|message is too large")),
    Rule("google.policy", R.POLICYVIOLATION,
         rx(r"has a policy that prohibited the mail|violates .{0,80} email policy|gcdp")),
    Rule("google.security", R.SECURITYERROR, rx(r"content presents a potential security issue")),
    Rule("google.relay-denied", R.NORELAYING, rx(r"mail relay denied")),
)
