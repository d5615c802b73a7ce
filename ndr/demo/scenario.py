"""The demo's story, as data and a deterministic plan of events.

Our organisation sends from Microsoft 365 (example.com), an on-premises Postfix relay for its CRM
(relay1.example.net, 203.0.113.25), an Exim list server for its newsletter (lists.example.org,
198.51.100.7, domain news.example.org), a legacy Sendmail host (198.51.100.30) and a subsidiary on
Google Workspace (example.net). Over 30 days:

- Gmail refuses more and more mail from one Microsoft 365 outbound IPv6 /64 (no PTR / IPv6
  guidelines, low reputation), while another Microsoft 365 /64 sees a steady trickle of spam verdicts;
- the Postfix relay gets listed on Spamhaus ZEN a few days in and is refused by several receivers
  (and by Outlook.com's own block list, S3150);
- news.example.org publishes DMARC p=reject mid-month without aligned DKIM on the list server;
- Gmail rate-limits (4.7.28) campaign days, as delay notifications;
- the usual background: unknown users, full mailboxes, mistyped domains.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from ndr.demo import exchange, mta
from ndr.demo.parts import Event, rfc_date, token
from ndr.demo.texts import (
    Reply,
)

Render = Callable[[Event, random.Random], bytes]
FORMATS: dict[str, Render] = {
    "exo_classic": exchange.exo_classic, "exo_modern": exchange.exo_modern, "exo_delay": exchange.exo_delay,
    "postfix": mta.postfix, "exim": mta.exim, "exim_classic": mta.exim_classic, "sendmail": mta.sendmail,
    "gmail": mta.gmail,
}

MAILBOX = "bounces@example.com"
M365_GROWING = tuple(f"2a01:111:f403:2612::{h}" for h in ("700", "701", "702", "703", "706", "70a"))
M365_GROWING_PREFIX = "2a01:111:f403:2612::/64"
M365_STEADY = tuple(f"2a01:111:f403:c20f::{h}" for h in ("6", "7", "8"))
M365_STEADY_PREFIX = "2a01:111:f403:c20f::/64"
RELAY_IP, RELAY_PREFIX = "203.0.113.25", "203.0.113.0/24"
LISTS_IP, LISTS_PREFIX = "198.51.100.7", "198.51.100.0/24"
WORKSPACE_IPS = ("209.85.221.54", "209.85.128.41", "209.85.167.50")

# Receiving domains: (domain, kind of receiver). Kinds pick MX names and reply tables.
GMAIL_DOMAINS = ("gmail.com", "googlemail.com")
GOOGLE_HOSTED = ("northwind.example.net", "fabrikam.example.com")
MICROSOFT_HOSTED = ("contoso.example.org", "adatum.example.org")
MS_CONSUMER = ("outlook.com", "hotmail.com")
OTHER_HOSTED = ("tailspin.example.net", "wingtip.example.com", "litware.example.net", "proseware.example.org")
TYPO_DOMAINS = ("gmial.example.invalid", "exmaple.invalid")

FIRST = ("anna", "ben", "carla", "david", "eva", "felix", "greta", "hugo", "ines", "jonas", "karin", "lukas",
         "maria", "nils", "olga", "paul", "rita", "sven", "tina", "uwe", "vera", "walter", "yara", "zoe")
LAST = ("adler", "bauer", "costa", "dubois", "engel", "fischer", "garcia", "horvat", "ivanova", "jansen", "kowalski",
        "lindqvist", "moreau", "novak", "okafor", "petrov", "rossi", "schmidt", "tanaka", "urban", "vogel", "weber")
SUBJECTS = ("Quarterly figures", "Meeting notes", "Your offer", "Re: delivery schedule", "Invoice question",
            "Contract draft v3", "Follow-up on our call", "Project kickoff", "Updated price list", "Re: samples")


@dataclass(frozen=True, slots=True, kw_only=True)
class Truth:
    """What the generator meant, to check ndr's own analysis against."""

    story: str  # m365-growing | m365-steady | spamhaus-relay | outlook-s3150 | dmarc-news | rate-limit | noise
    format: str  # key of FORMATS
    reason: str  # the reason ndr should find
    type: str  # failure | delay
    sending_ip: str | None  # the address the receiver saw, when the NDR text names it
    prefix: str | None  # its cluster prefix (IPv6 /64, IPv4 /24), when the NDR lets ndr find it
    recipient: str
    at: datetime  # the NDR's Date


@dataclass(frozen=True, slots=True, kw_only=True)
class Planned:
    """One message to render."""

    event: Event
    truth: Truth


def mx_of(domain: str, rng: random.Random) -> tuple[str, str, str]:
    """(remote MTA, its address, receiver kind) for a recipient domain."""
    if domain in GMAIL_DOMAINS:
        return "gmail-smtp-in.l.google.com", f"2a00:1450:400c:c0{rng.randrange(1, 9)}::1{rng.randrange(10):x}", "google"
    if domain in GOOGLE_HOSTED:
        return "aspmx.l.google.com", f"2a00:1450:4013:c0{rng.randrange(1, 9)}::1b", "google"
    if domain in MICROSOFT_HOSTED:
        host = f"{domain.replace('.', '-')}.mail.protection.outlook.com"
        return host, f"52.101.{rng.randrange(64, 99)}.{rng.randrange(1, 250)}", "microsoft"
    if domain in MS_CONSUMER:
        return "outlook-com.olc.protection.outlook.com", f"52.101.{rng.randrange(8, 60)}.{rng.randrange(1, 250)}", \
            "microsoft"
    if domain == "yahoo.com":
        return "mta7.am0.yahoodns.net", f"67.195.204.{rng.randrange(70, 80)}", "yahoo"
    return f"mx1.{domain}", f"192.0.2.{rng.randrange(10, 250)}", "postfix"


def person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return first, last


def address(rng: random.Random, domain: str) -> str:
    first, last = person(rng)
    style = rng.randrange(3)
    locals_ = (f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randrange(10, 99)}")
    local = locals_[style]
    return f"{local}@{domain}"


def fill_reply(reply: Reply, rng: random.Random, *, ip: str, rcpt: str, at: datetime) -> tuple[str, tuple[str, ...]]:
    status, lines = reply
    server = f"{token(rng, 4)}EPF{token(rng, 8)}.eurprd0{rng.randrange(1, 9)}.prod.outlook.com"
    values = {"ip": ip, "n": str(rng.randrange(10, 20)), "sid": f"{token(rng, 12).lower()}.{rng.randrange(100, 999)}",
              "rcpt": rcpt, "server": server, "stamp": at.strftime("%Y-%m-%dT%H:%M:%S.000Z") + " 08DD" + token(rng, 12)}
    return status, tuple(line.format(**values) for line in lines)


def received_for(sender_domain: str, client_ip: str, host: str, rng: random.Random, at: datetime) -> tuple[str, ...]:
    return (f"from app1.{sender_domain} (app1.{sender_domain} [{client_ip}]) by {host} with ESMTPS id "
            f"{token(rng, 10)}; {rfc_date(at)}",)


def m365_received(rng: random.Random, at: datetime) -> tuple[str, ...]:
    host = rng.choice(exchange.TENANT_SERVERS)
    link = f"fe80::{rng.randrange(4096, 65535):x}:{rng.randrange(4096, 65535):x}%{rng.randrange(3, 7)}"
    return (f"from {host} ([{link}]) "
            f"by {host} ([fe80::{rng.randrange(4096, 65535):x}%{rng.randrange(3, 7)}]) with mapi id 15.20.8489.025; "
            f"{rfc_date(at)}",)


STORY_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("m365-growing", 0.36), ("m365-steady", 0.04), ("spamhaus-relay", 0.12), ("outlook-s3150", 0.04),
    ("dmarc-news", 0.10), ("rate-limit", 0.10), ("noise", 0.24),
)


def day_weight(story: str, i: int, days: int, weekday: int) -> float:
    """How much of a story happens on day i (0 = first) of the month: the shape of each trend."""
    frac = i / max(1, days - 1)
    office = 0.45 if weekday >= 5 else 1.0  # less mail at weekends
    if story == "m365-growing":
        return office * (0.4 + 3.6 * math.pow(frac, 1.4))
    if story in ("spamhaus-relay", "outlook-s3150"):
        return office if i >= max(1, days // 5) else 0.0  # listed from day 6 of 30
    if story == "dmarc-news":
        # p=reject from day 11 of 30; newsletters go out on Tuesdays and Thursdays
        return (1.0 if weekday in (1, 3) else 0.25) if i >= days // 3 else 0.0
    if story == "rate-limit":
        return 3.0 if weekday == 1 else 0.3  # Tuesday campaigns
    return office


def moment_on(rng: random.Random, day: date) -> datetime:
    hour = min(23, max(0, int(rng.gauss(12.5, 3.2))))
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=UTC)
