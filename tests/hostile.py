"""Builders of hostile messages for the robustness tests and the robustness figures (bench/robustness.py)."""

from __future__ import annotations

BOUNCE_HEAD = (
    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
    "To: alice@example.com\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Date: Mon, 3 Jun 2024 10:00:00 +0200\r\n"
    "Message-ID: <hostile@mx.example.net>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
)


def bounce(diagnostic: str = "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown",
           text: str = "Delivery failed.", headers: str = "", original: str = "") -> bytes:
    """A small, well-formed RFC 3464 bounce with optional extra top headers, text and returned original."""
    return (
        headers + BOUNCE_HEAD
        + "--B\r\nContent-Type: text/plain\r\n\r\n" + text + "\r\n"
        + "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
        + "Final-Recipient: rfc822; bob@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        + "Diagnostic-Code: smtp; " + diagnostic + "\r\n\r\n"
        + "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        + (original or "Subject: hi\r\nFrom: alice@example.com\r\n")
        + "\r\n--B--\r\n"
    ).encode("utf-8", "surrogateescape")


def big_message(size: int = 20 * 1024 * 1024) -> bytes:
    """A bounce followed by `size` bytes of base64-like text lines (a huge attachment)."""
    head = bounce()
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\r\n"
    return head + line * (size // len(line))


def long_diagnostic(size: int = 5 * 1024 * 1024) -> bytes:
    """A bounce whose diagnostic is one line of `size` characters (with IP-like and code-like fragments)."""
    chunk = "550 5.7.1 [192.0.2.1 5] blocked (((( <a@b> client host [ "
    return bounce(diagnostic=(chunk * (size // len(chunk) + 1))[:size])


def many_received(n: int = 10_000) -> bytes:
    """A message with `n` Received headers."""
    hops = "".join(
        f"Received: from h{i}.example.net (h{i}.example.net [192.0.2.{i % 250 + 1}]) by h{i + 1}.example.net "
        f"(Postfix) with ESMTP id Q{i}; Mon, 3 Jun 2024 10:{i // 60 % 60:02d}:{i % 60:02d} +0000\r\n"
        for i in range(n)
    )
    return bounce(headers=hops)


def nested_rfc822(depth: int = 100) -> bytes:
    """`depth` message/rfc822 parts nested inside each other, a DSN at the bottom."""
    inner = bounce()
    for i in range(depth):
        inner = (f"From: relay{i}@example.net\r\nSubject: wrap {i}\r\nMIME-Version: 1.0\r\n"
                 "Content-Type: message/rfc822\r\n\r\n").encode() + inner
    return inner


def many_parts(n: int = 10_000) -> bytes:
    """A multipart message with `n` tiny text parts."""
    parts = "".join(f"--P\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(n))
    return ("From: a@example.net\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=P\r\n\r\n" + parts + "--P--\r\n").encode()
