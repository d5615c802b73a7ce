"""Exchange Online (Microsoft 365) NDRs in both layouts, and its delay notification.

Layouts after ../shared/reference/ndr-texts.md section 3.3: the older "Diagnostic information for
administrators" text and the newer "More Info for Email Admins" text, each followed by a
message/delivery-status part and the original headers as text/rfc822-headers.
"""

from __future__ import annotations

import random
from datetime import timedelta

from ndr.demo.parts import Event, boundary, envelope, one_line, original_headers, rfc_date, token

TENANT_SERVERS = ("AM6PR04MB5678.eurprd04.prod.outlook.com", "DB9PR02MB7310.eurprd02.prod.outlook.com",
                  "VI1PR03MB4821.eurprd03.prod.outlook.com")


def _servers(rng: random.Random) -> tuple[str, str]:
    gen = rng.choice(TENANT_SERVERS)
    return gen, gen.replace("MB", "MB1", 1) if rng.random() < 0.5 else gen


def _dsn(event: Event, reporting: str, received_from: str) -> str:
    diag = one_line(event.reply)
    rcpt = event.original.recipient
    lines = [
        f"Reporting-MTA: dns;{reporting}",
        f"Received-From-MTA: dns;{received_from}",
        f"Arrival-Date: {rfc_date(event.original.sent_at)}",
        "",
        f"Final-Recipient: rfc822;{rcpt}",
        f"Action: {event.action}",
        f"Status: {event.status}",
        f"Remote-MTA: dns;{event.remote_mta}",
        f"Diagnostic-Code: smtp;{diag}",
        f"X-Display-Name: {rcpt.split('@')[0]}",
    ]
    if event.action == "delayed":
        lines.append(f"Will-Retry-Until: {rfc_date(event.at + timedelta(days=1, hours=20))}")
    return "\n".join(lines) + "\n"


def _top(event: Event, rng: random.Random, subject: str, b: str, generating: str) -> str:
    sender = "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.com>"
    mid = f"<{token(rng, 8).lower()}-{token(rng, 4).lower()}-{token(rng, 12).lower()}@{generating}>"
    received = [f"from {generating} (2603:10a6:20b:3f1::{rng.randrange(16, 250):x}) by "
                f"{generating} (2603:10a6:20b:3f1::{rng.randrange(16, 250):x}) with Microsoft SMTP Server "
                f"(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8489.25 via Mailbox "
                f"Transport; {rfc_date(event.at)}"]
    extra = [("X-MS-Exchange-Message-Is-Ndr", ""), ("Auto-Submitted", "auto-replied"),
             ("X-MS-PublicTrafficType", "Email"), ("Content-Language", "en-US")]
    return envelope(sender=sender, to=event.mailbox, subject=subject, at=event.at, message_id=mid,
                    received=received, extra=extra,
                    content_type=f'multipart/report; report-type=delivery-status;\n\tboundary="{b}"')


def exo_classic(event: Event, rng: random.Random) -> bytes:
    """The older layout: 'Delivery has failed to these recipients or groups' + diagnostics for admins."""
    generating, received_from = _servers(rng)
    b = boundary(rng)
    o = event.original
    text = (
        "Delivery has failed to these recipients or groups:\n\n"
        f"{o.recipient} ({o.recipient})<mailto:{o.recipient}>\n"
        "A problem occurred while delivering this message to this email address. Try sending this message again. "
        "If the problem continues, please contact your helpdesk.\n\n\n\n\n"
        "Diagnostic information for administrators:\n\n"
        f"Generating server: {generating}\n\n"
        f"{o.recipient}\n{event.remote_mta}\n"
        f"Remote Server returned '{one_line(event.reply)}'\n\n"
        "Original message headers:\n\n" + original_headers(o)
    )
    body = (
        f"--{b}\nContent-Type: text/plain; charset=\"us-ascii\"\nContent-Transfer-Encoding: 7bit\n\n{text}\n"
        f"--{b}\nContent-Type: message/delivery-status\n\n{_dsn(event, generating, received_from)}\n"
        f"--{b}\nContent-Type: text/rfc822-headers\n\n{original_headers(o)}\n--{b}--\n"
    )
    return (_top(event, rng, f"Undeliverable: {o.subject}", b, generating) + "\n" + body).encode("utf-8")


def exo_modern(event: Event, rng: random.Random) -> bytes:
    """The newer layout: 'Your message to X couldn't be delivered' ... 'More Info for Email Admins'."""
    generating, received_from = _servers(rng)
    b = boundary(rng)
    o = event.original
    local, _, domain = o.recipient.partition("@")
    sent = o.sent_at.strftime("%-m/%-d/%Y %-I:%M:%S %p")
    code = event.reply[-1][:9].strip()
    text = (
        f"Your message to {o.recipient} couldn't be delivered.\n\n"
        f"{domain} suspects your message is spam and rejected it.\n\n"
        f"{o.sender.split('@')[0]}\nOffice 365\n{domain}\nAction Required\nSender\n\n"
        "Unauthenticated or suspected spam\n\n"
        "How to Fix It\nThe receiving server refused the message. Ask your email admin to check the details "
        "below; the problem is usually with how the sending servers are set up, not with the message.\n\n"
        "__\n\nWas this helpful? Send feedback to Microsoft.\n\n"
        "More Info for Email Admins\n"
        f"Status code: {code}\n\n"
        "This error occurs when the receiving server refuses the message. Check the sending IP's reputation, "
        "reverse DNS and authentication (SPF, DKIM, DMARC) against the receiver's requirements.\n\n"
        "Original Message Details\n"
        f"Created Date:\t{sent}\nSender Address:\t{o.sender}\nRecipient Address:\t{o.recipient}\n"
        f"Subject:\t{o.subject}\n\n"
        "Error Details\n"
        f"Reported error:\t{one_line(event.reply)}\n"
        f"DSN generated by:\t{generating}\n"
        f"Remote server:\t{event.remote_mta}\n\n"
        "Message Hops\nHOP\tTIME (UTC)\tFROM\tTO\tWITH\tRELAY TIME\n"
        f"1\t{sent}\t{received_from}\t{received_from}\tmapi\t*\n"
        f"2\t{sent}\t{received_from}\t{generating}\tMicrosoft SMTP Server (version=TLS1_2, "
        "cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)\t1 sec\n\n"
        "Original Message Headers\n\n" + original_headers(o)
    )
    html = (f"<html><body><p><b>Your message to <a href=\"mailto:{o.recipient}\">{local}@{domain}</a> couldn't "
            "be delivered.</b></p><p>More Info for Email Admins</p></body></html>")
    alt = boundary(rng)
    body = (
        f"--{b}\nContent-Type: multipart/alternative; differences=Content-Type;\n\tboundary=\"{alt}\"\n\n"
        f"--{alt}\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: 8bit\n\n{text}\n"
        f"--{alt}\nContent-Type: text/html; charset=\"utf-8\"\nContent-Transfer-Encoding: 8bit\n\n{html}\n"
        f"--{alt}--\n\n"
        f"--{b}\nContent-Type: message/delivery-status\n\n{_dsn(event, generating, received_from)}\n"
        f"--{b}\nContent-Type: text/rfc822-headers\n\n{original_headers(o)}\n--{b}--\n"
    )
    return (_top(event, rng, f"Undeliverable: {o.subject}", b, generating) + "\n" + body).encode("utf-8")


def exo_delay(event: Event, rng: random.Random) -> bytes:
    """Exchange Online's delay notification (Action: delayed)."""
    generating, received_from = _servers(rng)
    b = boundary(rng)
    o = event.original
    text = (
        "Delivery is delayed to these recipients or groups:\n\n"
        f"{o.recipient} ({o.recipient})<mailto:{o.recipient}>\n\n"
        f"Subject: {o.subject}\n\n"
        "This message hasn't been delivered yet. Delivery will continue to be attempted.\n\n"
        "The server will keep trying to deliver this message for the next 1 days, 19 hours and 52 minutes. "
        "You'll be notified if the message can't be delivered by that time.\n\n\n\n\n"
        "Diagnostic information for administrators:\n\n"
        f"Generating server: {generating}\n"
        f"Receiving server: {event.remote_mta} ({event.remote_ip})\n\n"
        f"{o.recipient}\n"
        f"Remote Server at {event.remote_mta} ({event.remote_ip}) returned '{event.status} "
        f"{one_line(event.reply)}'\n"
        f"{event.at.strftime('%-m/%-d/%Y %-I:%M:%S %p')} - Remote Server at {event.remote_mta} "
        f"({event.remote_ip}) returned '{one_line(event.reply)}'\n\n"
        "Original message headers:\n\n" + original_headers(o)
    )
    body = (
        f"--{b}\nContent-Type: text/plain; charset=\"us-ascii\"\nContent-Transfer-Encoding: 7bit\n\n{text}\n"
        f"--{b}\nContent-Type: message/delivery-status\n\n{_dsn(event, generating, received_from)}\n"
        f"--{b}\nContent-Type: text/rfc822-headers\n\n{original_headers(o)}\n--{b}--\n"
    )
    return (_top(event, rng, f"Delivery delayed:{o.subject}", b, generating) + "\n" + body).encode("utf-8")
