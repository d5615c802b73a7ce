"""NDRs of the classic MTAs and of Gmail: Postfix (failure and delay warning), Exim (4.9x with a
delivery-status part, and the classic plain-text form), Sendmail, and Google's mailer-daemon.

Texts follow each MTA's own bounce templates (Postfix bounce.cf defaults, Exim's "This message was
created automatically by mail delivery software", Sendmail's "Transcript of session follows",
Gmail's "Address not found" / "Message not delivered").
"""

from __future__ import annotations

import random
import textwrap
from datetime import timedelta

from ndr.demo.parts import Event, envelope, original_headers, original_message, rfc_date, token

POSTFIX_HOST = "relay1.example.net"
EXIM_HOST = "lists.example.org"
SENDMAIL_HOST = "legacy.example.com"


def _received_local(host: str, rng: random.Random, event: Event) -> list[str]:
    return [f"from {host} ({host} [{_ip_of(host)}]) by mx.example.com (Postfix) with ESMTPS id "
            f"{token(rng, 11)} for <{event.mailbox}>; {rfc_date(event.at + timedelta(seconds=1))}"]


def _ip_of(host: str) -> str:
    return {POSTFIX_HOST: "203.0.113.25", EXIM_HOST: "198.51.100.7", SENDMAIL_HOST: "198.51.100.30"}.get(
        host, "192.0.2.1")


def _folded(reply: tuple[str, ...], width: int = 72, indent: str = "    ") -> str:
    text = " ".join(line[4:] if i < len(reply) - 1 else line for i, line in enumerate(reply)) \
        if len(reply) > 1 else reply[0]
    return textwrap.fill(text, width=width, initial_indent="", subsequent_indent=indent)


def postfix(event: Event, rng: random.Random) -> bytes:
    """Postfix: 'Undelivered Mail Returned to Sender' or 'Delayed Mail (still being retried)'."""
    o = event.original
    b = f"{token(rng, 10)}.{int(event.at.timestamp())}/{POSTFIX_HOST}"
    queue_id = token(rng, 11)
    delayed = event.action == "delayed"
    local_error = not event.remote_ip  # e.g. the domain has no MX: Postfix's own text, no remote server
    said = _folded((" ".join(event.reply) if local_error else f"host {event.remote_mta}[{event.remote_ip}] said: "
                    + " ".join(event.reply) + f" (in reply to {event.smtp_phase} command)",))
    if delayed:
        head = ("This is the mail system at host relay1.example.net.\n\n"
                "####################################################################\n"
                "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
                "####################################################################\n\n"
                "Your message could not be delivered for 4.0 hours.\n"
                "It will be retried until it is 5.0 days old.\n\n"
                "For further assistance, please send mail to postmaster.\n\n"
                "If you do so, please include this problem report. You can\n"
                "delete your own text from the attached returned message.\n\n"
                "                   The mail system\n\n")
        subject = "Delayed Mail (still being retried)"
    else:
        head = ("This is the mail system at host relay1.example.net.\n\n"
                "I'm sorry to have to inform you that your message could not\n"
                "be delivered to one or more recipients. It's attached below.\n\n"
                "For further assistance, please send mail to postmaster.\n\n"
                "If you do so, please include this problem report. You can\n"
                "delete your own text from the attached returned message.\n\n"
                "                   The mail system\n\n")
        subject = "Undelivered Mail Returned to Sender"
    dsn = [f"Reporting-MTA: dns; {POSTFIX_HOST}", f"X-Postfix-Queue-ID: {queue_id}",
           f"X-Postfix-Sender: rfc822; {o.sender}", f"Arrival-Date: {rfc_date(o.sent_at)}", "",
           f"Final-Recipient: rfc822; {o.recipient}", f"Original-Recipient: rfc822;{o.recipient}",
           f"Action: {event.action}", f"Status: {event.status}"]
    if local_error:
        dsn.append("Diagnostic-Code: X-Postfix; " + _folded((" ".join(event.reply),), indent="    "))
    else:
        dsn += [f"Remote-MTA: dns; {event.remote_mta}",
                "Diagnostic-Code: smtp; " + _folded((" ".join(event.reply),), indent="    ")]
    if delayed:
        dsn.append(f"Will-Retry-Until: {rfc_date(o.sent_at + timedelta(days=5))}")
    returned = ("Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n"
                + original_headers(o)) if delayed else \
        ("Content-Description: Undelivered Message\nContent-Type: message/rfc822\n\n" + original_message(o))
    body = (
        "This is a MIME-encapsulated message.\n\n"
        f"--{b}\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n"
        f"{head}<{o.recipient}>: {said}\n\n"
        f"--{b}\nContent-Description: Delivery report\n"
        f"Content-Type: message/delivery-status\n\n" + "\n".join(dsn) + "\n\n"
        f"--{b}\n{returned}\n--{b}--\n"
    )
    top = envelope(sender=f"MAILER-DAEMON@{POSTFIX_HOST} (Mail Delivery System)", to=event.mailbox,
                   subject=subject, at=event.at, message_id=f"<{token(rng, 11)}.{queue_id}@{POSTFIX_HOST}>",
                   received=_received_local(POSTFIX_HOST, rng, event),
                   extra=[("Auto-Submitted", "auto-replied")],
                   content_type=f'multipart/report; report-type=delivery-status;\n\tboundary="{b}"')
    return (top + "Content-Transfer-Encoding: 8bit\n\n" + body).encode("utf-8")


def _exim_text(event: Event) -> str:
    o = event.original
    reply = "\n".join(f"    {line}" for line in event.reply)
    phase = "after end of data" if event.smtp_phase == "end of DATA" else f"after {event.smtp_phase}:<{o.recipient}>"
    return (
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        f"  {o.recipient}\n"
        f"    host {event.remote_mta} [{event.remote_ip}]\n"
        f"    SMTP error from remote mail server {phase}:\n{reply}\n"
    )


def exim(event: Event, rng: random.Random) -> bytes:
    """Exim 4.9x: multipart/report with a delivery-status part."""
    o = event.original
    msg_id = f"{token(rng, 6)}-{token(rng, 6)}-{token(rng, 2)}"
    b = f"{int(event.at.timestamp())}-eximdsn-{rng.randrange(10**9, 10**10)}"
    dsn = (f"Reporting-MTA: dns; {EXIM_HOST}\n\nAction: failed\nFinal-Recipient: rfc822;{o.recipient}\n"
           f"Status: {event.status}\nRemote-MTA: dns; {event.remote_mta}\n"
           "Diagnostic-Code: smtp; " + " ".join(event.reply) + "\n")
    body = (
        f"--{b}\nContent-type: text/plain; charset=us-ascii\n\n{_exim_text(event)}\n"
        f"--{b}\nContent-type: message/delivery-status\n\n{dsn}\n"
        f"--{b}\nContent-type: message/rfc822\n\n{original_message(o)}\n--{b}--\n"
    )
    top = envelope(sender=f"Mail Delivery System <Mailer-Daemon@{EXIM_HOST}>", to=event.mailbox,
                   subject="Mail delivery failed: returning message to sender", at=event.at,
                   message_id=f"<E1{msg_id}@{EXIM_HOST}>", received=_received_local(EXIM_HOST, rng, event),
                   extra=[("X-Failed-Recipients", o.recipient), ("Auto-Submitted", "auto-replied")],
                   content_type=f'multipart/report; report-type=delivery-status; boundary={b}')
    return (top + "Content-Transfer-Encoding: 7bit\n\n" + body).encode("utf-8")


def exim_classic(event: Event, rng: random.Random) -> bytes:
    """Exim's classic plain-text bounce (no delivery-status part)."""
    o = event.original
    msg_id = f"{token(rng, 6)}-{token(rng, 6)}-{token(rng, 2)}"
    body = (_exim_text(event) + "\n------ This is a copy of the message, including all the headers. ------\n\n"
            + f"Return-path: <{o.sender}>\n" + original_message(o))
    top = envelope(sender=f"Mail Delivery System <Mailer-Daemon@{EXIM_HOST}>", to=event.mailbox,
                   subject="Mail delivery failed: returning message to sender", at=event.at,
                   message_id=f"<E1{msg_id}@{EXIM_HOST}>", received=_received_local(EXIM_HOST, rng, event),
                   extra=[("X-Failed-Recipients", o.recipient), ("Auto-Submitted", "auto-replied")],
                   content_type="text/plain; charset=us-ascii")
    return (top + "\n" + body).encode("utf-8")


def sendmail(event: Event, rng: random.Random) -> bytes:
    """Sendmail 8: 'Returned mail: see transcript for details'."""
    o = event.original
    qid = f"{token(rng, 8)}{rng.randrange(100000, 999999)}"
    b = f"{qid}.{int(event.at.timestamp())}/{SENDMAIL_HOST}"
    last = event.reply[-1]
    text = (
        f"The original message was received at {rfc_date(o.sent_at)}\n"
        "from app2.example.com [198.51.100.31]\n\n"
        "   ----- The following addresses had permanent fatal errors -----\n"
        f"<{o.recipient}>\n    (reason: {last})\n\n"
        "   ----- Transcript of session follows -----\n"
        f"... while talking to {event.remote_mta}.:\n"
        f">>> {'DATA' if event.smtp_phase == 'end of DATA' else event.smtp_phase + ':<' + o.recipient + '>'}\n"
        + "\n".join(f"<<< {line}" for line in event.reply) + "\n"
        "554 5.0.0 Service unavailable\n"
    )
    dsn = (f"Reporting-MTA: dns; {SENDMAIL_HOST}\nReceived-From-MTA: DNS; app2.example.com\n"
           f"Arrival-Date: {rfc_date(o.sent_at)}\n\nFinal-Recipient: RFC822; {o.recipient}\nAction: failed\n"
           f"Status: {event.status}\nRemote-MTA: DNS; {event.remote_mta}\nDiagnostic-Code: SMTP; {last}\n"
           f"Last-Attempt-Date: {rfc_date(event.at)}\n")
    body = (
        "This is a MIME-encapsulated message\n\n"
        f"--{b}\n\n{text}\n"
        f"--{b}\nContent-Type: message/delivery-status\n\n{dsn}\n"
        f"--{b}\nContent-Type: message/rfc822\n\n{original_message(o)}\n--{b}--\n"
    )
    top = envelope(sender=f"Mail Delivery Subsystem <MAILER-DAEMON@{SENDMAIL_HOST}>", to=event.mailbox,
                   subject="Returned mail: see transcript for details", at=event.at,
                   message_id=f"<{qid}@{SENDMAIL_HOST}>", received=_received_local(SENDMAIL_HOST, rng, event),
                   extra=[("Auto-Submitted", "auto-generated (failure)")],
                   content_type=f'multipart/report; report-type=delivery-status;\n\tboundary="{b}"')
    return (top + "\n" + body).encode("utf-8")


def gmail(event: Event, rng: random.Random) -> bytes:
    """Google Workspace's mailer-daemon: 'Delivery Status Notification (Failure)'."""
    o = event.original
    b = f"000000000000{token(rng, 16, '0123456789abcdef')}"
    not_found = event.status in ("5.1.1", "5.1.2")
    title = "** Address not found **" if not_found else "** Message not delivered **"
    lead = (f"Your message wasn't delivered to {o.recipient} because the address couldn't be found, or is unable "
            "to receive mail." if not_found else
            f"There was a problem delivering your message to {o.recipient}. See the technical details below.")
    text = f"\n{title}\n\n{lead}\n\nThe response from the remote server was:\n" + " ".join(event.reply) + "\n"
    dsn = (f"Reporting-MTA: dns; googlemail.com\nArrival-Date: {rfc_date(o.sent_at)}\n"
           f"X-Original-Message-ID: {o.message_id}\n\nFinal-Recipient: rfc822; {o.recipient}\nAction: failed\n"
           f"Status: {event.status}\nRemote-MTA: dns; {event.remote_mta}. ({event.remote_ip}, the server for the "
           f"domain {o.recipient.split('@')[1]}.)\nDiagnostic-Code: smtp; " + " ".join(event.reply) + "\n"
           f"Last-Attempt-Date: {event.at.strftime('%a, %d %b %Y %H:%M:%S -0800 (PST)')}\n")
    body = (
        f"--{b}\nContent-Type: text/plain; charset=\"UTF-8\"\n\n{text}\n"
        f"--{b}\nContent-Type: message/delivery-status\n\n{dsn}\n"
        f"--{b}\nContent-Type: message/rfc822\n\n{original_message(o)}\n--{b}--\n"
    )
    received = [f"by 2002:a05:6000:1a8c:b0:38f:2a5d:{rng.randrange(4096, 65535):x} with SMTP id "
                f"{token(rng, 20).lower()}csp{rng.randrange(10**6, 10**7)}; {rfc_date(event.at)}"]
    top = envelope(sender="Mail Delivery Subsystem <mailer-daemon@googlemail.com>", to=event.mailbox,
                   subject="Delivery Status Notification (Failure)", at=event.at,
                   message_id=f"<{token(rng, 24).lower()}@mx.google.com>", received=received,
                   extra=[("Auto-Submitted", "auto-replied"), ("X-Failed-Recipients", o.recipient)],
                   content_type=f'multipart/report; boundary="{b}"; report-type=delivery-status')
    return (top + "\n" + body).encode("utf-8")
