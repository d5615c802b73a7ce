"""Generic refusal texts of many MTAs -> reason, tried after the provider tables.

Source: Sisimai v5 lib/Sisimai/Reason/*.pm (the per-reason message patterns), RFC 3463,
and the texts of Postfix, Exim, Sendmail, qmail as quoted in their documentation.
"""

from __future__ import annotations

from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason as R

RULES: tuple[Rule, ...] = (
    Rule("generic.blocklist", R.BLOCKED, rx(r"spamhaus|spamcop|barracudacentral|\bsorbs\b|blocklist|blacklist|"
                                            r"block list|black list|\brbl\b|\bdnsbl\b|listed (at|on|in)")),
    Rule("generic.no-ptr", R.REQUIREPTR, rx(r"reverse dns|no ptr|ptr record|rdns|reverse (hostname|lookup)|"
                                            r"cannot find your hostname|client host rejected: cannot find")),
    Rule("generic.auth", R.AUTHFAILURE, rx(r"\bspf\b.{0,40}\bfail|\bdkim\b.{0,40}\bfail|\bdmarc\b")),
    Rule("generic.user-unknown", R.USERUNKNOWN,
         rx(r"user unknown|unknown user|no such (user|mailbox|recipient)|mailbox (unavailable|not found)|"
            r"does not exist|recipient (address )?rejected|invalid (recipient|mailbox)|"
            r"address rejected|unrouteable address|not our customer|user not found")),
    Rule("generic.mailbox-full", R.MAILBOXFULL, rx(r"mailbox (is )?full|over ?quota|quota exceeded|"
                                                   r"insufficient (disk )?space|exceeded storage")),
    Rule("generic.host-unknown", R.HOSTUNKNOWN, rx(r"host (or domain name )?not found|domain (name )?not found|"
                                                   r"unrouteable mail domain|host unknown|no mx|nxdomain")),
    Rule("generic.spam", R.SPAMDETECTED, rx(r"\bspam\b|junk mail|unsolicited")),
    Rule("generic.virus", R.VIRUSDETECTED, rx(r"\bvirus\b|malware|infected")),
    Rule("generic.too-big", R.MESGTOOBIG, rx(r"message (is )?too (big|large)|size limit|exceeds? .{0,20}size")),
    Rule("generic.expired", R.EXPIRED, rx(r"retry time(out)? exceeded|too long in queue|"
                                          r"delivery time expired|message expired|could not be delivered for")),
    Rule("generic.rate", R.SPEEDING, rx(r"rate limit|too many messages|too fast")),
    Rule("generic.relay", R.NORELAYING, rx(r"relay(ing)? (access )?denied|not permitted to relay|relay not permitted")),
    Rule("generic.tls", R.FAILEDSTARTTLS, rx(r"starttls|\btls\b.{0,30}required")),
)
