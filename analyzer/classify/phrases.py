"""Refusal phrases of many MTAs and mail services, one table per reason. Data only.

Sources: the per-reason message tables of Sisimai v5 (lib/Sisimai/Reason/*.pm, BSD-2-Clause), which
collect texts of Postfix, Sendmail, Exim, qmail, Courier, Exchange, Domino, MDaemon, IMail, Mail.ru,
Yahoo, AOL, Comcast, SFR, free.fr, Orange, KDDI and many more; RFC 3463; the MTAs' own documentation
and source strings (Postfix smtp(8)/cleanup(8), Exim's deliver.c/transports, qmail-remote, Sendmail
srvrsmtp.c, OpenSMTPD, DragonFly dma). Fragments are regular expressions over the diagnostic text,
matched case-insensitively; most are plain phrases.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from dataclasses import dataclass

from analyzer.literals import LiteralIndex
from analyzer.reasons import Reason as R
from analyzer.regex import required_literal

PHRASES: dict[R, tuple[str, ...]] = {
    R.MAILBOXFULL: (
        r"account is (?:temporarily )?over quota", r"account is exceeding (?:their|its) quota",
        r"boite du destinataire pleine", r"delivery failed: over quota", r"dis[ck] quota exceeded",
        r"diskspace quota", r"does not have enough space", r"exceeded storage allocation",
        r"exceeding its mailbox quota", r"full mailbox", r"is over (?:disk )?quota",
        r"mail file size exceeds the maximum size allowed", r"mail quota exceeded",
        r"mailbox (?:exceeded the local limit|has exceeded its disk space limit|is full|full|over quota|"
        r"quota usage exceeded|size limit exceeded|would exceed maximum allowed storage)",
        r"maildir (?:over quota|delivery failed: (?:user|domain)disk quota)", r"mailfolder is full",
        r"no space left on device", r"not enough (?:disk|storage) space", r"not sufficient disk space",
        r"over the allowed quota", r"quota (?:exceeded|violation for)", r"over ?quota",
        r"recipient reached disk quota", r"the user'?s space has been used up", r"too much mail data",
        r"user has exceeded quota", r"user has too many messages on the server", r"user is over (?:the )?quota",
        r"messages in recipient'?s mailbox exceeded the local limit", r"their mailbox is full",
        r"mailbox (?:is )?over (?:the )?(?:size )?limit", r"insufficient (?:disk )?space .{0,20}mailbox",
    ),
    R.MESGTOOBIG: (
        r"exceeded maximum inbound message size", r"line limit exceeded", r"max(?:imum)? message size exceeded",
        r"message file too big", r"message length exceeds administrative limit",
        r"message size exceeds (?:fixed (?:maximum message size|limit)|maximum (?:value|allowed))",
        r"message (?:is )?too (?:big|large)", r"(?:mail|message) size limit exceeded",
        r"taille limite du message atteinte", r"message exceeds (?:the )?(?:maximum )?(?:fixed )?size",
        r"exceeds the size limit", r"size of the message exceeds",
    ),
    R.EXCEEDLIMIT: (
        r"message header size exceeds limit", r"recipient'?s mailbox .{0,30}per-message size limit",
    ),
    R.SUSPEND: (
        r" is currently suspended", r"temporar(?:y|ily) locked", r"archived recipient",
        r"boite du destinataire archivee", r"email account that you tried to reach is disabled",
        r"has been suspended", r"inactive account", r"invalid/inactive user", r"is a deactivated mailbox",
        r"user is terminated", r"mailbox (?:currently suspended|disabled|is frozen|is inactive)",
        r"recipient rejected: temporarily inactive", r"recipient suspend the service",
        r"this account has been (?:disabled or discontinued|temporarily suspended)",
        r"this mailbox is disabled", r"user or domain is disabled", r"user suspended",
        r"account is locked", r"(?:user(?:\(s\))? )?account (?:is )?disabled", r"account has been disabled",
        r"the mailbox is not available because it has been deactivated",
    ),
    R.HASMOVED: (
        r" has been replaced by ", r"address has changed", r"user has moved",
    ),
    R.NORELAYING: (
        r"as a relay", r"insecure mail relay", r"not permitted to relay", r"relay(?:ing)? (?:access )?denied",
        r"requires authentication when attempting to send to a non-local e-mail address", r"not a gateway",
        r"not allowed to relay", r"not an open relay", r"relay not permitted", r"relaying mail to ",
        r"specified domain is not allowed", r"that domain isn'?t in my list of allowed rcpthosts",
        r"not configured to relay mail", r"unable to relay", r"we don'?t handle mail for", r"no relaying",
        r"relay(?:ing)? (?:is )?(?:not allowed|prohibited)", r"email address is not verified",
        r"identities failed the check",
    ),
    R.AUTHFAILURE: (
        r"//spf\.pobox\.com", r"bad spf records? for", r"dmarc policy", r"please inspect your spf settings",
        r"sender policy framework (?:\(spf\) )?(?:fail|violation)", r"spf (?:\(sender policy framework\) )?"
        r"domain authentication fail", r"spf check: fail", r"does not pass dmarc", r"dmarc verification",
        r"authentication checks? (?:failed|did not pass)", r"dkim (?:signature )?(?:verification )?fail",
        r"is not allowed to send (?:mail )?from .{0,60} per it'?s spf record", r"spf (?:check )?failed",
        r"unauthenticated email from .{0,80} is not accepted",
    ),
    R.USERUNKNOWN: (
        r"#5\.1\.1 bad address", r"address (?:does not exist|unknown)", r"can'?t accept user",
        r"destination addresses were unknown", r"destination server rejected recipients",
        r"e-?mail address (?:does not exist|could not be found)", r"invalid (?:address|mailbox|recipient)",
        r"is not a (?:known user|valid mailbox|valid user)", r"is not an active address at this host",
        r"mailbox (?:does not exist|invalid|is unavailable|not present|not found|unavaiable)",
        r"nessun utente simile in questo indirizzo", r"no account by that name here",
        r"no existe (?:dicha persona|ese usuario)", r"no mail ?box available for this user",
        r"no mailbox (?:by that name is currently available|found|here by that name)",
        r"no such (?:address|mailbox|person|recipient|user)", r"account unavailable",
        r"no valid recipients", r"not a valid (?:recipient|user)", r"not a local address",
        r"recipient address rejected: (?:access denied|invalid[ -]user|invalid-recipient|unknown user|"
        r"userunknown|user unknown|user .{1,80} does not exist)",
        r"recipient (?:does not exist|is not accepted|is not local|not exist|not found|not ok|unknown)",
        r"requested action not taken: mailbox unavailable", r"resolver\.adr\.recipient ?notfound",
        r"recipientnotfound", r"sorry, badrcptto", r"your envelope recipient (?:has been denied|is in my badrcptto)",
        r"that domain or user isn'?t in my list of allowed rcpthosts",
        r"account that you tried to reach does not exist",
        r"the user'?s email name is not found", r"there is no one at this address",
        r"this (?:e-?mail )?address is wrong or no longer valid", r"is in my badrecipientto list",
        r"is not in my validrcptto list", r"(?:this )?user doesn'?t have an? .{1,60} account",
        r"unknown (?:address|e-mail address|local[ -]part|recipient|user)", r"unknown or illegal (?:alias|user)",
        r"user (?:does not exist|doesn'?t exist|invalid|is unknown|missing home directory|not active|"
        r"not exist|not found|not known|unknown)", r"utilisateur inconnu", r"invalid or unknown virtual user",
        r"was not found in ldap server", r"user you are trying to contact does not exist",
        r"not listed in (?:domino directory|public name & address book)", r"bad recipient",
        r"non-?existent user", r"rcpt <[^>]{1,200}> does not exist", r"user .{1,80} does not exist",
        r"address rejected: user ", r"invalid recipient address", r"recipient address rejected\.(?:\s|$)",
        r"invalid user", r"mailbox name not allowed",
        r"no such local user", r"user not exist", r"not our customer", r"addressee unknown",
    ),
    R.FILTERED: (
        r"due to extended inactivity new mail is not currently being accepted", r"has restricted sms e-?mail",
        r"is not accepting any mail", r"message filtered", r"message rejected due to user rules",
        r"not found recipient account", r"refused due to recipient preferences", r"resolver\.rst\.notauthorized",
        r"this account is protected by", r"user refuses to accept", r"user reject",
        r"refuse to receive mail", r"you have been blocked by the recipient", r"rejected by the domain filter",
    ),
    R.REQUIREPTR: (
        r"ip name lookup failed", r"must have a ptr record", r"bad dns ptr resource record",
        r"cannot find your hostname", r"fix reverse dns for", r"no ptr record", r"ptr record setup",
        r"reverse dns (?:failed|required|lookup for host .{1,80} failed)", r"sender ip reverse lookup rejected",
        r"does not have a ptr record", r"forward dns entry does not point to the sending ip",
        r"servers/devices with no reverse dns", r"unresolvable relay host name",
        r"hosts with dynamic ip or generic dns ptr-records", r"mismatches client ip",
        r"forbidden by invalid rdns record", r"service permits \d+ unverifi?yable sending ips",
        r"reverse dns validation failed", r"invalid rdns", r"no reverse dns", r"ptr record",
        r"get a custom reverse dns name", r"without a valid sender domain",
    ),
    R.NOTCOMPLIANTRFC: (
        r"this message is not rfc 5322 compliant", r"rfcmessagenoncompliant",
        r"multiple addresses in from: header", r"duplicate header", r"message contains multiple .{0,20}header",
        r"not rfc ?5322 compliant", r"header field .{0,40} appears more than once",
    ),
    R.BADREPUTATION: (
        r"rate limited due to ip reputation", r"ip/domain reputation problems", r"very low reputation",
        r"temporarily deferred due to unexpected volume or user complaints", r"poor (?:email )?reputation",
        r"low reputation", r"sender reputation",
    ),
    R.REJECTED: (
        r"access denied \(in reply to mail from command\)", r"access denied \(sender blacklisted\)",
        r"administrative prohibition", r"batv (?:failed to verify|validation failure)",
        r"backscatter protection detected an invalid or expired email address", r"bogus mail from",
        r"denied \[bouncedeny\]", r"denied by secumail valid-address-filter",
        r"does not exist e2110", r"domain of sender address", r"emetteur invalide",
        r"empty envelope senders not allowed",
        r"envelope blocked", r"no third-party dsns", r"from: domain is invalid",
        r"fully qualified email address required",
        r"invalid domain, see <url:", r"invalid sender", r"is not a registered gateway user",
        r"mail from not owned by user", r"null sender is not allowed",
        r"returned mail not accepted here", r"recursive cname records for", r"rule imposed mailbox access for",
        r"sending this from a different address or alias", r"send.{0,60} blacklisted",
        r"sender (?:address|email address) (?:has been blacklisted|rejected)",
        r"sender is (?:in my block list|spammer)",
        r"sender not pre-approved", r"sender (?:address )?rejected", r"sender domain is empty",
        r"sender verify failed",
        r"server does not accept mail from", r"spam reporting address", r"unroutable sender address",
        r"you are not allowed to post to this mailing list", r"your email address has been blacklisted",
        r"domain .{1,80} is a dead domain", r"sender domain must exist", r"sender .{0,40}not allowed",
        r"not a member of this mailing list",
        r"you are not a member", r"no such domain .{0,80}\.$", r"domain is invalid",
    ),
    R.HOSTUNKNOWN: (
        r"all (?:host address lookups failed permanently|relevant mx records point to non-existent hosts)",
        r"domain (?:does not exist|is not reachable|must exist|not found)", r"host or domain name not found",
        r"host unknown", r"host unreachable", r"mail domain mentioned in email address is unknown",
        r"name or service not known", r"no such domain", r"unknown domain", r"recipient domain must exist",
        r"the account or domain may not exist", r"unknown host", r"unrout(?:e)?able address",
        r"couldn'?t find any host named", r"illegal host/domain name", r"host .{1,100} not found",
        r"bad destination system address", r"\b55\d [a-z0-9][a-z0-9.\-]*\.[a-z]{2,} does not exist",
    ),
    R.SPAMDETECTED: (
        r"blocked by (?:policy: no spam please|spamassassin)", r"classified as spam",
        r"content filter rejection", r"identified this email as a bulk email", r"denied due to spam list",
        r"high probability of spam", r"detected (?:your message|this email)? ?as spam", r"appears to be unsolicited",
        r"mail content denied", r"may consider spam", r"considered (?:as )?spam", r"contains spam",
        r"message has been temporarily blocked by our filter", r"seems to be a spam", r"spamprofiler",
        r"rejected as spam", r"unacceptable content", r"suspected spam", r"possible spam",
        r"thinks this email is spam", r"our system has detected that this message is", r"probable spam",
        r"reject bulk\.advertising", r"spam check", r"spam content", r"spam detected", r"spam email",
        r"spam-like", r"spam message", r"spam not accepted", r"spam refused", r"spamming not allowed",
        r"flagged as spam", r"rejected by recurrent pattern detection", r"we don'?t accept spam",
        r"similar to spam", r"uribl policy", r"(?:is )?(?:considered|probably|detected as) spam",
        r"appears to be spam", r"triggered a spam block", r"spam contents", r"failed several antispam checks",
        r"mail rejete\. mail rejected\. ofr_506", r"percent probability of being spam", r"\(spam\)",
        r"scored as spam", r"- spam\b", r"message content rejected", r"bulk e-?mail", r"\bspam\b.{0,40}\brejected",
        r"rejected .{0,40}\bspam\b", r"unsolicited (?:bulk )?(?:e-?mail|mail)", r"likely spam",
    ),
    R.SPEEDING: (
        r"please try again slower", r"receiving mail at a rate that prevents additional messages",
        r"sending mail too fast", r"rate of (?:unsolicited )?mail", r"too fast",
    ),
    R.TOOMANYCONN: (
        r"all available ips are at maximum connection limit", r"connection rate limit exceeded",
        r"exceeds per-domain connection limit", r"max emails per hour", r"daily message quota exceeded",
        r"maximum sending rate exceeded", r"too many (?:connections|concurrent smtp connections|errors from your ip|"
        r"recipients|smtp sessions|simultaneous connections|messages in this connection)",
        r"trop de connexions", r"numerous attempts to deliver this message",
    ),
    R.BLOCKED: (
        r" said: 550 blocked", r"//www\.spamcop\.net/bl\.", r"bad sender ip address", r"banned sending ip",
        r"blacklisted by", r"blocked using ", r"blocked - see http", r"dnsbl:", r"abus detecte gu_eib_0[24]",
        r"may not be mail exchanger", r"client host rejected: was not authenticated", r"confirm this mail server",
        r"connection (?:dropped|refused by|reset by network|was dropped by remote host)",
        r"connections not accepted from ip addresses on spamhaus", r"currently sending spam see",
        r"domain does not exists:", r"dynamic/zombied/spam ips blocked", r"no valid recipients from ",
        r"esmtp not accepting connections", r"extreme bad ip profile", r"go away", r"helo command rejected:",
        r"host network not allowed", r"hosts with dynamic ip", r"invalid ip for sending mail of domain",
        r"is in an? (?:black ?list|rbl)", r"is not allowed to send mail from", r"no access from mail server",
        r"no matches to nameserver query", r"not currently accepting mail from your ip",
        r"part of their network is on our block list", r"please use the smtp server of your isp",
        r"refused - see http", r"rejected - multi-blacklist", r"sender has not passed validation",
        r"rejecting open proxy", r"sender ip address rejected", r"server access forbidden by your ip",
        r"service not available, closing transmission channel",
        r"smtp error from remote mail server after initial connection", r"that domain isn'?t in my list of allowed",
        r"looks suspiciously like spammer", r"to submit messages to this e-mail system has been rejected",
        r"too many spams from your ip", r"too many unwanted messages have been sent from the following ip",
        r"was blocked by ", r"we do not accept mail from dynamic ips", r"you are not allowed to connect",
        r"you are sending spam", r"your ip address is listed in the rbl", r"your network is temporary blacklisted",
        r"access from ip address .{1,60} blocked", r"client host .{1,80} blocked using",
        r"because the ip is in spamhaus",
        r"is_blocked", r"connection rejected by .{1,60}deny", r"refused to talk to me: .{0,40}blocked",
        r"ip .{1,40} is blocked by", r"mail server at .{1,60} is blocked", r"mail from .{1,80} refused:",
        r"rejected based on blacklist", r"temporarily deferred due to user complaints", r"listed as abusive",
        r"is blocked by rbl", r"(?:the )?(?:domain|email|ip) .{1,60} is blacklisted",
        r"service refused, please try later",
        r"ip address blacklisted", r"blocked for abuse", r"relay quota", r"\bblock ?list", r"black ?list(?:ed)?",
        r"\brbl\b", r"\bdnsbl\b", r"spamhaus", r"spamcop", r"barracudacentral", r"\bsorbs\b", r"blocked by ldap",
        r"your ip .{0,40}(?:blocked|banned|listed)", r"\bbanned\b", r"client host rejected",
        r"not accepting connections", r"access denied\.\.\.[0-9a-f]{8}",
    ),
    R.VIRUSDETECTED: (
        r"potentially executable attachment", r"infected with a virus", r"prohibited virus",
        r"used by recent viruses", r"virus (?:detected|phishing)", r"contains a virus", r"\bvirus\b.{0,30}found",
        r"malware", r"\bvirus\b",
    ),
    R.POLICYVIOLATION: (
        r"because the recipient is not accepting mail with ", r"closed mailing list", r"denied by policy",
        r"email not accepted for policy reasons", r"message given low priority", r"not accepted for policy reasons",
        r"protocol violation", r"rejected by organization policy", r"not subscribed to this group",
        r"its content presents a potential", r"do not accept messages containing images or other attachments",
        r"using a mass mailer", r"local policy violation", r"header error", r"policy reasons",
        r"violat(?:es|ed|ion of) .{0,40}polic(?:y|ies)", r"prohibited by policy",
    ),
    R.SYSTEMERROR: (
        r"aliasing/forwarding loop broken", r"can'?t create user output file", r"could not load drd for domain",
        r"internal error reading data", r"internal server error", r"interrupted system call",
        r"encountered an error while being processed", r"it would create a mail loop", r"local configuration error",
        r"local error in processing", r"loop was found in the mail exchanger", r"loops back to myself",
        r"mail system configuration error", r"server configuration error", r"service currently unavailable",
        r"system config error", r"temporary local problem", r"timeout waiting for input", r"transaction failed",
        r"unable to contact ldap server", r"unexpected error", r"unable to connect .{0,40}daemon",
        r"duplicated message-id", r"temporary failure", r"system error",
    ),
    R.NETWORKERROR: (
        r"too many hops", r"could not connect and send the mail to",
        r"dns records for the destination computer could not be found", r"hop count exceeded",
        r"host is unreachable", r"host name lookup failure", r"host not found, try again",
        r"mail forwarding loop for ", r"malformed (?:or unexpected )?name server reply",
        r"maximum (?:forwarding loop|hop) count exceeded", r"message looping", r"routing loop",
        r"no route to host", r"unable to resolve route ", r"unrouteable mail domain",
        r"network error on destination", r"lost connection with", r"mail loop", r"dns lookup failure",
        r"temporary lookup failure",
    ),
    R.CONTENTERROR: (
        r"header size exceeds maximum permitted", r"improper use of 8-bit data in message header",
        r"recipient list, exceeds policy limit", r"mime complexity exceeds the policy maximum",
        r"too many received: headers", r"too many \"received\" headers", r"invalid mime headers",
        r"improperly-formatted binary content", r"unnecessary base64 encoding", r"media error",
        r"message content (?:is )?(?:invalid|malformed)",
    ),
    R.SYSTEMFULL: (
        r"mail system full", r"insufficient (?:disk space|system (?:storage|resources))", r"out of disk space",
        r"system (?:storage|disk) (?:is )?full", r"requested action not taken: insufficient system storage",
    ),
    R.NOTACCEPT: (
        r"does not accept mail", r"name server: \.: host not found", r"null mx", r"no mx (?:found|record)",
        r"couldn'?t find a mail exchanger", r"accepts no mail", r"not accepting network messages",
        r"no smtp service",
    ),
    R.EXPIRED: (
        r"connection timed out", r"could not find a gateway for", r"delivery attempts will continue to be",
        r"delivery time expired", r"failed to deliver to domain ", r"giving up on", r"has been delayed",
        r"it has not been collected after", r"message expired", r"message timed out",
        r"retry time not reached for any host after a long failure period", r"server did not respond",
        r"this message has been in the queue too long", r"unable to deliver (?:this )?message after",
        r"was not reachable within the allowed queue period", r"could not be delivered for (?:more than )?\d+",
        r"not (?:be )?delivered within", r"envelope expired", r"retry timeout exceeded", r"too long in queue",
        r"all hosts have been failing for a long time", r"operation timed out", r"remote host is not responding",
        r"delivery expired", r"message could not be delivered for", r"queue period",
    ),
    R.SECURITYERROR: (
        r"authentication failed; server", r"authentication required",
        r"authentication turned on in your email client",
        r"you don'?t authenticate", r"unauthenticated senders not allowed", r"user not authorized",
        r"not authorized to send mail", r"verification failure", r"must be authenticated",
        r"delivery not authorized", r"sender is not authenticated",
    ),
    R.SUPPRESSED: (
        r"suppression list", r"on the (?:account-level )?suppression",
    ),
    R.MAILERERROR: (
        r"pipe to \|", r"procmail:", r"x-unix;", r"command output:", r"exit code", r"mailer error",
        r"command died with status", r"command failed:", r"couldn'?t create", r"local delivery failed",
        r"failed to read response template", r"mail(?:er|box) delivery program",
    ),
    R.VACATION: (
        r"i am (?:away|out of the office)", r"i will be traveling for work on", r"i'?m away on vacation",
        r"i am on vacation", r"out of (?:the )?office",
    ),
}


@dataclass(frozen=True, slots=True)
class Phrase:
    """One phrase: a literal pre-check and, unless the phrase is plain text, its regex."""

    literal: str  # lowercase text every match contains ('' when none could be derived)
    regex: str | None  # the fragment, None when it is the literal itself; compiled on first use

    @property
    def pattern(self) -> re.Pattern[str] | None:
        return None if self.regex is None else compiled(self.regex)


@functools.cache
def compiled(fragment: str) -> re.Pattern[str]:
    """A phrase's regex, compiled the first time a text passes its literal pre-check: most never do,
    and compiling all of them at import was a tenth of `ndr triage`'s start-up."""
    return re.compile(fragment)


def _phrase(fragment: str) -> Phrase:
    literal = required_literal(fragment)
    plain = literal == fragment.replace("\\.", ".").replace("\\-", "-") and "\\" not in fragment.replace("\\.", "")
    return Phrase(literal=literal, regex=None if plain and literal else fragment)


# The phrases, read-only after import.
TABLE: dict[R, tuple[Phrase, ...]] = {reason: tuple(_phrase(f) for f in frags) for reason, frags in PHRASES.items()}


def match(reason: R, text: str, lower: str | None = None) -> str | None:
    """The text one of the reason's phrases matches in `text`, or None. `lower` is text.lower(), if at hand."""
    phrases = TABLE.get(reason)
    if not phrases or not text:
        return None
    low = lower if lower is not None else text.lower()
    for phrase in phrases:
        if phrase.literal and phrase.literal not in low:
            continue
        found = _found(phrase, text, low)
        if found is not None:
            return found
    return None


def _found(phrase: Phrase, text: str, low: str) -> str | None:
    """The phrase's match in the text whose lowercase is `low` (its literal is in it), or None."""
    if phrase.regex is None:
        start = low.find(phrase.literal)
        return _original(text, low, start, start + len(phrase.literal))
    m = compiled(phrase.regex).search(low)
    return _original(text, low, m.start(), m.end()) if m else None


def _original(text: str, low: str, start: int, end: int) -> str:
    """The matched span in the original letter case (lowercasing kept the length), else lowercase."""
    return text[start:end] if len(text) == len(low) else low[start:end]


# One pass over a text for all the tables, instead of one `in` per phrase and reason (generic.decide asks
# for a dozen reasons, some 280 phrases, per recipient). A phrase can match only where its literal is in the
# lowercase text, so a text's candidates are the phrases whose literal it holds: an Aho-Corasick automaton of
# all literals (analyzer.literals) finds every literal the text holds in one pass, each standing for the
# phrases with that literal. `TextPhrases.match` runs a reason's candidates in table order as `match` runs
# every phrase whose literal it finds: the same first match. The automaton is built on first use (about a
# millisecond).


@dataclass(frozen=True, slots=True, kw_only=True)
class _Scanner:
    """All literals in one automaton, and what each literal stands for."""

    literals: LiteralIndex[tuple[int, ...]]  # literal -> numbers of the phrases with that literal
    phrases: tuple[Phrase, ...]  # every phrase, numbered in TABLE order
    reasons: tuple[R, ...]  # the reason of each phrase number
    always: tuple[int, ...]  # numbers of the phrases without a literal: candidates in every text


def _scanner() -> _Scanner:
    global _SCANNER  # noqa: PLW0603 - built once, on first need
    if _SCANNER is None:
        phrases: list[Phrase] = []
        reasons: list[R] = []
        by_literal: dict[str, list[int]] = {}
        for reason, table in TABLE.items():
            for phrase in table:
                by_literal.setdefault(phrase.literal, []).append(len(phrases))
                phrases.append(phrase)
                reasons.append(reason)
        always = tuple(by_literal.pop("", ()))
        _SCANNER = _Scanner(literals=LiteralIndex((literal, tuple(numbers)) for literal, numbers in by_literal.items()),
                            phrases=tuple(phrases), reasons=tuple(reasons), always=always)
    return _SCANNER


_SCANNER: _Scanner | None = None


class TextPhrases:
    """`match(reason, text)` for many reasons over one text: the literals it holds found once (on first use)."""

    __slots__ = ("_found", "_low", "_text")

    def __init__(self, text: str, lower: str | None = None) -> None:
        self._text = text
        self._low = lower
        self._found: dict[R, list[int]] | None = None

    def reasons(self) -> Collection[R]:
        """The reasons `match` may find a phrase of: those with a phrase whose literal the text holds (every
        none for an empty text)."""
        text = self._text
        if not text:
            return ()
        if self._low is None:
            self._low = text.lower()
        if self._found is None:
            self._found = _present(_scanner(), self._low)
        return self._found

    def match(self, reason: R) -> str | None:
        """match(reason, text): the same answer."""
        text = self._text
        if not text:
            return None
        low = self._low
        if low is None:
            low = self._low = text.lower()
        found = self._found
        if found is None:
            found = self._found = _present(_scanner(), low)
        numbers = found.get(reason)
        if not numbers:
            return None
        phrases = _scanner().phrases
        for number in numbers:
            hit = _found(phrases[number], text, low)
            if hit is not None:
                return hit
        return None



def _present(scanner: _Scanner, low: str) -> dict[R, list[int]]:
    """Per reason, the numbers of its phrases whose literal is in `low`, in table order."""
    numbers = set(scanner.always)
    for found in scanner.literals.values(low):
        numbers.update(found)
    out: dict[R, list[int]] = {}
    reasons = scanner.reasons
    for number in sorted(numbers):
        out.setdefault(reasons[number], []).append(number)
    return out
