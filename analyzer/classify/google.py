"""Gmail / Google Workspace texts -> reason.

RULES: refusals by Google's receiving servers (every reply ends with "gsmtp"). Source: Google
"SMTP error reference" (support.google.com/a/answer/3726730; also
knowledge.workspace.google.com/admin/support/troubleshooting/gmail-smtp-errors-and-codes), as
quoted in ../shared/reference/ndr-texts.md section 3.1, and the Email sender guidelines
(support.google.com/mail/answer/81126).

SENDER_RULES: what Gmail writes in its own bounces when it was the sending side (DNS failures,
unreachable hosts, "Send mail as" errors). Source: Gmail help "Fix bounced or rejected emails"
(support.google.com/mail/answer/7720) and the notices themselves ("** Address not found **",
"The recipient server did not accept our requests to connect.").
Order matters: the first matching rule wins.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    # IPv6 sending guidelines / PTR (550 5.7.1, 5.7.25, 421 4.7.23)
    Rule("google.ipv6-ptr-auth", R.REQUIREPTR,
         rx(r"ipv6 sending guidelines regarding ptr\s+records|p=ipv6_?auth")),
    Rule("google.ptr-missing", R.REQUIREPTR,
         rx(r"does not have a ptr record|missing ptr records?|pointer \(ptr\) record|ptr record setup|"
            r"reverse dns (?:record|lookup)")),
    # reputation and volume (550 5.7.1 reputation; 421/550 4.7.28/5.7.28 rate)
    Rule("google.low-reputation", R.BADREPUTATION,
         rx(r"very low reputation|low reputation of the sending|answer/188131")),
    Rule("google.rate-blocked", R.BLOCKED,
         rx(r"unusual rate of unsolicited mail originating from your (?:ip|ip netblock)\b.{0,160}"
            r"has been blocked")),
    Rule("google.not-authorized-ip", R.BLOCKED,
         rx(r"ip you're using to send mail is not authorized to send email directly")),
    Rule("google.rate-limit", R.SPEEDING,
         rx(r"unusual rate of (?:unsolicited )?mail|temporarily rate limited|receiving mail (?:at a rate|too quickly)|"
            r"sending mail too fast|daily (?:user )?sending (?:quota|limit) exceeded")),
    # authentication (5.7.26, 5.7.27, 5.7.30, 4.7.32, 5.7.40)
    Rule("google.dmarc", R.AUTHFAILURE,
         rx(r"domain's dmarc policy|dmarc policy of the sender|\bdmarc\b.{0,60}\b(?:fail|reject|policy)")),
    Rule("google.unauthenticated", R.AUTHFAILURE,
         rx(r"sender is unauthenticated|this mail is unauthenticated|authenticate with (?:either|at least one of) "
            r"spf or dkim|does not have authentication information|fails to pass authentication checks|"
            r"spf authentication didn't pass|dkim checks? did not pass|isn't aligned with either the authenticated|"
            r"hard fail policy")),
    Rule("google.unsolicited", R.SPAMDETECTED,
         rx(r"likely unsolicited mail|likely suspicious due to|spam content|this message is likely spam|"
            r"p=unsolicitedmessage")),
    Rule("google.tls-required", R.FAILEDSTARTTLS,
         rx(r"must issue a starttls command first|tls required for rcpt domain|wasn't sent over a tls")),
    Rule("google.not-rfc5322", R.NOTCOMPLIANTRFC,
         rx(r"not rfc ?5322 compliant|multiple addresses in from: header|p=rfcmessagenoncompliant")),
    Rule("google.account-disabled", R.SUSPEND,
         rx(r"account that you tried to reach is (?:disabled|inactive)|account is disabled|"
            r"p=disabledorinactive")),
    Rule("google.no-such-user", R.USERUNKNOWN,
         rx(r"email account that you tried to reach does not exist|p=nosuchuser|\bno such user\b")),
    Rule("google.no-such-domain", R.HOSTUNKNOWN, rx(r"weren't able to find the recipient domain")),
    Rule("google.over-quota", R.MAILBOXFULL,
         rx(r"out of storage space|over quota|inbox is full|exceeded (?:the|its) storage|p=overquotatemp")),
    Rule("google.message-too-big", R.MESGTOOBIG,
         rx(r"exceeded google's message size limits|message exceeded .{0,40}size limit|message is too large")),
    # "552 5.7.0 ... content presents a potential security issue ... p=BlockedMessage" (attachment and content
    # guidelines: executables, encrypted archives): a content policy, not a detected virus
    Rule("google.blocked-content", R.POLICYVIOLATION,
         rx(r"content presents a potential\s+security issue")),
    Rule("google.policy", R.POLICYVIOLATION,
         rx(r"has a policy that prohibited the mail|violates .{0,80} email policy|\bgcdp\b|"
            r"illegal attachment|p=blockedmessage.{0,40}attachment")),
    Rule("google.malformed", R.CONTENTERROR, rx(r"mail message is malformed")),
    Rule("google.relay-denied", R.NORELAYING, rx(r"mail relay denied")),
    Rule("google.auth-required", R.SECURITYERROR,
         rx(r"authentication required|username and password not accepted|p=badcredentials")),
    Rule("google.temporary-system", R.SYSTEMERROR,
         rx(r"temporary system problem|mail server temporarily rejected message")),
)

SENDER_RULES: tuple[Rule, ...] = (
    Rule("gmail.null-mx", R.NOTACCEPT, rx(r"doesn't receive email according to the administrator|returned null mx")),
    Rule("gmail.dns-nxdomain-temporary", R.NETWORKERROR,
         rx(r"dns error:.{0,200}(?:nxdomain|domain name not found)"), status="4."),
    Rule("gmail.dns-no-answer", R.NETWORKERROR, rx(r"dns error:.{0,300}had no relevant answers")),
    Rule("gmail.dns-nxdomain", R.HOSTUNKNOWN,
         rx(r"dns error:.{0,200}(?:nxdomain|domain name not found)|domain \S+ couldn't be found")),
    Rule("gmail.dns-error", R.NETWORKERROR, rx(r"dns error:|could not contact dns servers")),
    Rule("gmail.connect-failed", R.EXPIRED,
         rx(r"recipient server did not accept our requests to connect")),
    Rule("gmail.delayed", R.EXPIRED, rx(r"delivery to the following recipients? has been delayed|"
                                        r"there was a temporary problem delivering your message")),
    Rule("gmail.address-not-found", R.USERUNKNOWN,
         rx(r"because the address couldn't be found")),
    Rule("gmail.over-quota", R.MAILBOXFULL, rx(r"storage quota exceeded|out of storage space")),
    Rule("gmail.send-mail-as", R.REJECTED,
         rx(r"'send mail as'|p=customfromdenied|does not advertise auth capability")),
    Rule("gmail.tls", R.FAILEDSTARTTLS, rx(r"does not support tls|tls negotiation failed")),
)
