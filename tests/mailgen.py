"""Realistic, anonymised bounce mail generated from templates (for scan tests and the scan benchmark).

`message(i)` is deterministic: the same i gives the same bytes, different i give different bytes.
Kinds rotate through an Exchange Online NDR of a Gmail IPv6 rejection, a Postfix user-unknown DSN
with the returned original, a Spamhaus block, a mailbox-full delay, and a plain (not bounce) message.
Every `BIG_EVERY`-th message returns an original carrying a ~100 KB attachment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

BIG_EVERY = 97
_EPOCH = datetime(2024, 5, 1, 1, 0, tzinfo=UTC)
_DOMAINS = ("example.com", "example.net", "example.org")
_NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")


def _date(i: int) -> datetime:
    return _EPOCH + timedelta(minutes=7 * i)


def _rfc2822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _rcpt(i: int) -> str:
    return f"{_NAMES[i % len(_NAMES)]}.{i}@{'gmail.example.com' if i % 5 == 0 else _DOMAINS[i % 3]}"


def _v6(i: int) -> str:
    return f"2a01:111:f403:{0x2600 + i % 40:x}::{0x700 + i % 250:x}"


def _v4(i: int) -> str:
    return f"198.51.100.{i % 250 + 1}"


def _original(i: int, rcpt: str, big: bool) -> str:
    sent = _rfc2822(_date(i) - timedelta(minutes=3))
    headers = (
        f"Received: from DB9PR01MB{1000 + i % 900}.eurprd01.prod.outlook.com ([fe80::1%4]) by "
        f"AM0PR01MB{2000 + i % 700}.eurprd01.prod.outlook.com with mapi id 15.20.7544.{i % 90}; {sent}\n"
        f"From: Sales <sales@example.org>\nTo: <{rcpt}>\nSubject: Offer {i}\nDate: {sent}\n"
        f"Message-ID: <orig-{i}@example.org>\nMIME-Version: 1.0\n"
    )
    if not big:
        return headers + f"Content-Type: text/plain; charset=utf-8\n\nHello,\nour offer number {i}.\n"
    blob = hashlib.sha256(str(i).encode()).hexdigest() * 2048  # ~128 KB, base64-like lines below
    lines = "\n".join(blob[n : n + 76] for n in range(0, len(blob), 76))
    return (headers + 'Content-Type: multipart/mixed; boundary="orig-b"\n\n--orig-b\n'
            "Content-Type: text/plain\n\nSee the attachment.\n--orig-b\n"
            'Content-Type: application/pdf; name="offer.pdf"\nContent-Transfer-Encoding: base64\n\n'
            f"{lines}\n--orig-b--\n")


def _report(i: int, *, subject: str, sender: str, text: str, reporting: str, fields: str, original: str) -> bytes:
    b = f"b-{i:08d}"
    return (
        f"Return-Path: <>\nReceived: from {reporting} (mx{i % 4}.example.net [{_v4(i + 7)}]) by mail.example.org "
        f"(Postfix) with ESMTPS id {i:010X}; {_rfc2822(_date(i))}\n"
        f"From: {sender}\nTo: <sales@example.org>\nSubject: {subject}\nDate: {_rfc2822(_date(i))}\n"
        f"Message-ID: <ndr-{i}@{reporting}>\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"\n\n'
        f"This is a MIME-encapsulated message.\n\n--{b}\nContent-Type: text/plain; charset=us-ascii\n\n{text}\n"
        f"--{b}\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; {reporting}\n"
        f"Arrival-Date: {_rfc2822(_date(i) - timedelta(minutes=3))}\n\n{fields}\n"
        f"--{b}\nContent-Type: message/rfc822\n\n{original}\n--{b}--\n"
    ).encode()


def _gmail_ipv6(i: int, big: bool) -> bytes:
    rcpt, ip = _rcpt(i), _v6(i)
    diag = (f"550-5.7.1 [{ip} 12] Our system has detected that this message does not meet IPv6 sending "
            "guidelines regarding PTR records and authentication. For more information, go to "
            f"https://support.google.com/mail/?p=IPv6AuthError {i:x}si.{i % 99} - gsmtp")
    text = ("Delivery has failed to these recipients or groups:\n\n"
            f"{rcpt}\nThe recipient's email system rejected the message.\n\n"
            "Diagnostic information for administrators:\n\n"
            f"Generating server: AM0PR01MB{2000 + i % 700}.eurprd01.prod.outlook.com\n\n"
            f"{rcpt}\nmx.google.com\nRemote Server returned '{diag}'\n")
    fields = (f"Final-Recipient: rfc822; {rcpt}\nAction: failed\nStatus: 5.7.1\n"
              f"Diagnostic-Code: smtp; {diag}\nRemote-MTA: dns; mx.google.com\n")
    return _report(i, subject=f"Undeliverable: Offer {i}", sender="Microsoft Outlook <postmaster@example.org>",
                   text=text, reporting=f"AM0PR01MB{2000 + i % 700}.eurprd01.prod.outlook.com", fields=fields,
                   original=_original(i, rcpt, big))


def _postfix_unknown(i: int, big: bool) -> bytes:
    rcpt = _rcpt(i)
    diag = f"550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"
    text = (f"This is the mail system at host mail.example.net.\n\nI'm sorry to have to inform you that your "
            f"message could not\nbe delivered to one or more recipients.\n\n<{rcpt}>: host "
            f"mx.{rcpt.rpartition('@')[2]}[{_v4(i)}] said: {diag} (in reply to RCPT TO command)\n")
    fields = (f"Final-Recipient: rfc822; {rcpt}\nOriginal-Recipient: rfc822;{rcpt}\nAction: failed\n"
              f"Status: 5.1.1\nRemote-MTA: dns; mx.{rcpt.rpartition('@')[2]}\nDiagnostic-Code: smtp; {diag}\n")
    return _report(i, subject="Undelivered Mail Returned to Sender",
                   sender="MAILER-DAEMON@mail.example.net (Mail Delivery System)",
                   text=text, reporting="mail.example.net", fields=fields, original=_original(i, rcpt, big))


def _spamhaus(i: int, big: bool) -> bytes:
    rcpt, ip = _rcpt(i), f"203.0.113.{i % 200 + 1}"
    diag = (f"554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; "
            f"https://www.spamhaus.org/query/ip/{ip}")
    fields = (f"Final-Recipient: rfc822; {rcpt}\nAction: failed\nStatus: 5.7.1\n"
              f"Remote-MTA: dns; mx1.example.com\nDiagnostic-Code: smtp; {diag}\n")
    text = f"<{rcpt}>: host mx1.example.com[192.0.2.25] said: {diag} (in reply to RCPT TO command)\n"
    return _report(i, subject="Undelivered Mail Returned to Sender",
                   sender="MAILER-DAEMON@relay.example.net (Mail Delivery System)",
                   text=text, reporting="relay.example.net", fields=fields, original=_original(i, rcpt, big))


def _delay(i: int, big: bool) -> bytes:
    rcpt = _rcpt(i)
    diag = f"452 4.2.2 The email account that you tried to reach is over quota. {i:x} - gsmtp"
    fields = (f"Final-Recipient: rfc822; {rcpt}\nAction: delayed\nStatus: 4.2.2\nRemote-MTA: dns; mx.google.com\n"
              f"Diagnostic-Code: smtp; {diag}\nWill-Retry-Until: {_rfc2822(_date(i) + timedelta(days=5))}\n")
    text = f"Delivery to <{rcpt}> is delayed; the system will keep trying for 5 days.\n"
    return _report(i, subject="Delayed Mail (still being retried)",
                   sender="MAILER-DAEMON@mail.example.net (Mail Delivery System)",
                   text=text, reporting="mail.example.net", fields=fields, original=_original(i, rcpt, big))


def _plain(i: int, big: bool) -> bytes:
    del big
    return (f"Received: from mail-{i % 9}.example.com ({_v6(i)}) by mx.example.org with ESMTPS; "
            f"{_rfc2822(_date(i))}\nFrom: <news@example.com>\nTo: <sales@example.org>\n"
            f"Subject: Newsletter {i}\nDate: {_rfc2822(_date(i))}\nMessage-ID: <news-{i}@example.com>\n\n"
            f"From the desk of the editor: issue {i}.\nFrom here on, nothing to report.\n").encode()


_KINDS = (_gmail_ipv6, _postfix_unknown, _spamhaus, _delay, _gmail_ipv6, _plain)
# The expected kind of message(i), by i % len(_KINDS).
KIND_OF = ("bounce", "bounce", "bounce", "delay", "bounce", "not_bounce")


def message(i: int) -> bytes:
    """The i-th generated message (i >= 0)."""
    return _KINDS[i % len(_KINDS)](i, i % BIG_EVERY == BIG_EVERY - 1)


def mbox_entry(data: bytes, i: int) -> bytes:
    """One mbox (mboxrd) entry: From line, '>From ' escaping, blank line after."""
    escaped = b"\n".join(b">" + line if line.lstrip(b">").startswith(b"From ") else line
                         for line in data.split(b"\n"))
    stamp = _date(i).strftime("%a %b %d %H:%M:%S %Y").encode()
    return b"From MAILER-DAEMON " + stamp + b"\n" + escaped.rstrip(b"\n") + b"\n\n"


def write_mbox(path: Path, indices: Iterable[int], *, append: bool = False) -> None:
    with open(path, "ab" if append else "wb") as fh:
        for i in indices:
            fh.write(mbox_entry(message(i), i))


def write_maildir(root: Path, indices: Iterable[int], *, sub: str = "new") -> list[Path]:
    for d in ("cur", "new", "tmp"):
        (root / d).mkdir(parents=True, exist_ok=True)
    paths = []
    for i in indices:
        name = f"{1714525200 + i}.M{i}P4242.mx.example.org"
        path = root / sub / (name + (":2,S" if sub == "cur" else ""))
        path.write_bytes(message(i))
        paths.append(path)
    return paths


def write_dir(root: Path, indices: Iterable[int]) -> list[Path]:
    paths = []
    for i in indices:
        path = root / f"{i // 100:03d}" / f"bounce-{i:06d}.eml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(message(i))
        paths.append(path)
    return paths


def digest(i: int) -> str:
    return hashlib.sha256(message(i)).hexdigest()
