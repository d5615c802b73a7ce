"""One planned message per story: who sent what to whom, what the receiver replied, which format
the NDR comes in, and what ndr should conclude (the Truth)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from ndr.demo.parts import Event, Original, later, token
from ndr.demo.scenario import (
    GMAIL_DOMAINS,
    GOOGLE_HOSTED,
    LISTS_IP,
    LISTS_PREFIX,
    M365_GROWING,
    M365_GROWING_PREFIX,
    M365_STEADY,
    M365_STEADY_PREFIX,
    MAILBOX,
    MICROSOFT_HOSTED,
    MS_CONSUMER,
    OTHER_HOSTED,
    RELAY_IP,
    RELAY_PREFIX,
    SUBJECTS,
    TYPO_DOMAINS,
    WORKSPACE_IPS,
    Planned,
    Truth,
    address,
    fill_reply,
    m365_received,
    mx_of,
    person,
    received_for,
)
from ndr.demo.texts import (
    GMAIL_DMARC,
    GMAIL_IPV6_PTR,
    GMAIL_RATE,
    GMAIL_REPUTATION,
    GMAIL_UNAUTHENTICATED,
    GMAIL_UNSOLICITED,
    MAILBOX_FULL,
    MICROSOFT_DMARC,
    OUTLOOK_S3150,
    SPAMHAUS,
    USER_UNKNOWN,
)


def _original(rng: random.Random, *, sender_domain: str, rcpt: str, sent: datetime, received: tuple[str, ...],
              sender: str | None = None, name: str | None = None, subject: str | None = None) -> Original:
    first, last = person(rng)
    return Original(
        message_id=f"<{token(rng, 16, 'abcdef0123456789')}.{token(rng, 6).lower()}@{sender_domain}>",
        sender=sender or f"{first}.{last}@{sender_domain}", sender_name=name or f"{first.title()} {last.title()}",
        recipient=rcpt, subject=subject or rng.choice(SUBJECTS), sent_at=sent, received=received,
    )


def _event(at: datetime, *, action: str, reply: tuple[str, tuple[str, ...]], mx: tuple[str, str, str],
           original: Original, phase: str = "end of DATA") -> Event:
    return Event(at=at, action=action, status=reply[0], reply=reply[1], remote_mta=mx[0], remote_ip=mx[1],
                 smtp_phase=phase, original=original, mailbox=MAILBOX)


def m365(rng: random.Random, at: datetime, *, steady: bool) -> Planned:
    """Gmail refuses Microsoft 365 IPv6 mail: PTR/IPv6 guidelines or low reputation (growing /64), or spam (steady)."""
    domain = rng.choice(GMAIL_DOMAINS) if rng.random() < 0.7 else rng.choice(GOOGLE_HOSTED)
    rcpt = address(rng, domain)
    ip = rng.choice(M365_STEADY if steady else M365_GROWING)
    sent = at - timedelta(seconds=rng.uniform(2, 40))
    if steady:
        table, reason = GMAIL_UNSOLICITED, "spamdetected"
    elif rng.random() < 0.55:
        table, reason = GMAIL_IPV6_PTR, "requireptr"
    else:
        table, reason = GMAIL_REPUTATION, "badreputation"
    reply = fill_reply(rng.choice(table), rng, ip=ip, rcpt=rcpt, at=at)
    original = _original(rng, sender_domain="example.com", rcpt=rcpt, sent=sent, received=m365_received(rng, sent))
    fmt = "exo_classic" if rng.random() < 0.5 else "exo_modern"
    return Planned(event=_event(at, action="failed", reply=reply, mx=mx_of(domain, rng), original=original),
                   truth=Truth(story="m365-steady" if steady else "m365-growing", format=fmt, reason=reason,
                               type="failure", sending_ip=ip, recipient=rcpt, at=at,
                               prefix=M365_STEADY_PREFIX if steady else M365_GROWING_PREFIX))


def spamhaus(rng: random.Random, at: datetime, *, outlook: bool) -> Planned:
    """The CRM relay is on Spamhaus ZEN (and on Outlook.com's S3150 list)."""
    domain = rng.choice(MS_CONSUMER) if outlook else rng.choice(OTHER_HOSTED)
    rcpt = address(rng, domain)
    sent = at - timedelta(seconds=rng.uniform(1, 20))
    reply = fill_reply(rng.choice(OUTLOOK_S3150 if outlook else SPAMHAUS), rng, ip=RELAY_IP, rcpt=rcpt, at=at)
    original = _original(rng, sender_domain="crm.example.com", rcpt=rcpt, sent=sent,
                         sender="noreply@crm.example.com", name="Example CRM",
                         subject=rng.choice(("Your invoice", "Appointment reminder", "Order confirmation")),
                         received=received_for("crm.example.com", "203.0.113.60", "relay1.example.net", rng, sent))
    blocklist_story = "outlook-s3150" if outlook else "spamhaus-relay"
    return Planned(event=_event(at, action="failed", reply=reply, mx=mx_of(domain, rng), original=original,
                                phase="RCPT TO"),
                   truth=Truth(story=blocklist_story, format="postfix", reason="blocked", type="failure",
                               sending_ip=RELAY_IP, prefix=RELAY_PREFIX, recipient=rcpt, at=at))


def dmarc(rng: random.Random, at: datetime) -> Planned:
    """news.example.org has DMARC p=reject; the list server is neither in its SPF nor signs aligned DKIM.

    Gmail says so in two wordings, both naming the sending address as Gmail's replies do; Outlook.com
    in one that does not name it (its cluster's sending address stays unknown).
    """
    to_gmail = rng.random() < 0.7
    names_ip = to_gmail
    domain = rng.choice(GMAIL_DOMAINS) if to_gmail else rng.choice(MS_CONSUMER)
    rcpt = address(rng, domain)
    sent = at - timedelta(seconds=rng.uniform(1, 30))
    table = (GMAIL_UNAUTHENTICATED if rng.random() < 0.5 else GMAIL_DMARC) if to_gmail else MICROSOFT_DMARC
    reply = fill_reply(rng.choice(table), rng, ip=LISTS_IP, rcpt=rcpt, at=at)
    original = _original(rng, sender_domain="news.example.org", rcpt=rcpt, sent=sent,
                         sender="news@news.example.org", name="Example News",
                         subject=f"Newsletter {at:%B %Y}: what's new",
                         received=received_for("example.org", "198.51.100.12", "lists.example.org", rng, sent))
    return Planned(event=_event(at, action="failed", reply=reply, mx=mx_of(domain, rng), original=original),
                   truth=Truth(story="dmarc-news", format="exim", reason="authfailure", type="failure",
                               sending_ip=LISTS_IP if names_ip else None, prefix=LISTS_PREFIX if names_ip else None,
                               recipient=rcpt, at=at))


def rate_limit(rng: random.Random, at: datetime) -> Planned:
    """Gmail's 4.7.28 rate limit on campaign days, reported as delays by the relay and by Microsoft 365."""
    domain = rng.choice(GMAIL_DOMAINS)
    rcpt = address(rng, domain)
    from_relay = rng.random() < 0.6
    ip = RELAY_IP if from_relay else rng.choice(M365_GROWING)
    sent = at - timedelta(hours=rng.uniform(4, 6))
    reply = fill_reply(GMAIL_RATE[0], rng, ip=ip, rcpt=rcpt, at=at)
    if from_relay:
        original = _original(rng, sender_domain="crm.example.com", rcpt=rcpt, sent=sent,
                             sender="noreply@crm.example.com", name="Example CRM", subject="Spring offers",
                             received=received_for("crm.example.com", "203.0.113.60", "relay1.example.net", rng, sent))
    else:
        original = _original(rng, sender_domain="example.com", rcpt=rcpt, sent=sent, received=m365_received(rng, sent))
    fmt = "postfix" if from_relay else "exo_delay"
    return Planned(event=_event(at, action="delayed", reply=reply, mx=mx_of(domain, rng), original=original),
                   truth=Truth(story="rate-limit", format=fmt, reason="speeding", type="delay", sending_ip=ip,
                               prefix=RELAY_PREFIX if from_relay else M365_GROWING_PREFIX, recipient=rcpt, at=at))


NOISE_SENDERS: tuple[tuple[str, float], ...] = (
    ("m365", 0.40), ("relay", 0.20), ("lists", 0.15), ("legacy", 0.10), ("workspace", 0.15),
)


def noise(rng: random.Random, at: datetime) -> Planned:
    """Unknown users, full mailboxes and mistyped domains from every sending system."""
    sender = rng.choices([s for s, _ in NOISE_SENDERS], weights=[w for _, w in NOISE_SENDERS])[0]
    pick = rng.random()
    domains = (*GMAIL_DOMAINS, *GOOGLE_HOSTED, *MICROSOFT_HOSTED, *MS_CONSUMER, *OTHER_HOSTED, "yahoo.com")
    domain = rng.choice(domains)
    mx = mx_of(domain, rng)
    kind = mx[2]
    if pick < 0.62:
        reason, reply_table = "userunknown", USER_UNKNOWN[kind]
    elif pick < 0.92 and kind in MAILBOX_FULL:
        reason, reply_table = "mailboxfull", MAILBOX_FULL[kind]
    else:
        reason, reply_table = "userunknown", USER_UNKNOWN[kind]
    if pick >= 0.92 and sender == "relay":
        domain = rng.choice(TYPO_DOMAINS)
        mx = (domain, "", "none")
        reason, reply_table = "hostunknown", (("5.4.4", (
            f"Host or domain name not found. Name service error for name={domain} type=AAAA: Host not found",)),)
    rcpt = address(rng, domain)
    sent = at - timedelta(seconds=rng.uniform(1, 50))
    if sender == "m365":
        fmt = "exo_classic" if rng.random() < 0.5 else "exo_modern"
        original = _original(rng, sender_domain="example.com", rcpt=rcpt, sent=sent, received=m365_received(rng, sent))
        ip = None
    elif sender == "relay":
        fmt, ip = "postfix", RELAY_IP
        original = _original(rng, sender_domain="crm.example.com", rcpt=rcpt, sent=sent,
                             sender="noreply@crm.example.com", name="Example CRM", subject="Your invoice",
                             received=received_for("crm.example.com", "203.0.113.60", "relay1.example.net", rng, sent))
    elif sender == "lists":
        fmt, ip = ("exim" if rng.random() < 0.6 else "exim_classic"), LISTS_IP
        original = _original(rng, sender_domain="news.example.org", rcpt=rcpt, sent=sent,
                             sender="news@news.example.org", name="Example News", subject="Newsletter",
                             received=received_for("example.org", "198.51.100.12", "lists.example.org", rng, sent))
    elif sender == "legacy":
        fmt, ip = "sendmail", "198.51.100.30"
        original = _original(rng, sender_domain="legacy.example.com", rcpt=rcpt, sent=sent,
                             sender="reports@legacy.example.com", name="Report Server", subject="Daily report",
                             received=received_for("example.com", "198.51.100.31", "legacy.example.com", rng, sent))
    else:
        fmt, ip = "gmail", rng.choice(WORKSPACE_IPS)
        original = _original(rng, sender_domain="example.net", rcpt=rcpt, sent=sent,
                             received=(f"by mail-wr1-f54.google.com with SMTP id {token(rng, 16).lower()} for "
                                       f"<{rcpt}>; {later(sent, rng, 0, 1):%a, %d %b %Y %H:%M:%S +0000}",))
    reply = fill_reply(rng.choice(reply_table), rng, ip=ip or "", rcpt=rcpt, at=at)
    return Planned(event=_event(at, action="failed", reply=reply, mx=mx, original=original, phase="RCPT TO"),
                   truth=Truth(story="noise", format=fmt, reason=reason, type="failure", sending_ip=ip, prefix=None,
                               recipient=rcpt, at=at))
