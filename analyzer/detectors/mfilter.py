"""m-FILTER (Digital Arts, Japan) bounces: "failure notice" with Japanese and labelled sections.

m-FILTER writes, after a Japanese preamble, the failed addresses and then labelled sections:
    kijitora@example.com
    -------server message
    550 5.1.1 <kijitora@example.com>: Recipient address rejected: User unknown
    -------SMTP command
    DATA
    -------original mail info
    From: ...  (the original's headers)
Source: observed m-FILTER bounces (X-Mailer: m-FILTER).
"""

from __future__ import annotations

from analyzer.detectors.base import Detection, Detector, Found
from analyzer.detectors.gate import Clause, Gate
from analyzer.detectors.textscan import ADDRESS, lines, pasted_headers, split_at
from analyzer.mime import Parsed
from analyzer.smtp import command_name

_SERVER = "-------server message"
_COMMAND = "-------smtp command"
_ORIGINAL = ("-------original mail info",)


def detect(p: Parsed) -> Detection | None:
    mailer = (p.raw_header("X-Mailer") or "").lower()
    if "m-filter" not in mailer and (p.raw_header("Subject") or "").strip() != "failure notice":
        return None
    text = p.text
    low = text.lower()
    if _SERVER not in low or _COMMAND not in low:
        return None
    head, tail = split_at(text, _ORIGINAL, p.lower)
    rcpts: list[str] = []
    server: list[str] = []
    command: str | None = None
    section = "addresses"
    for line in lines(head):
        key = line.strip().lower()
        if key == _SERVER:
            section = "server"
        elif key == _COMMAND:
            section = "command"
        elif not key:
            continue
        elif section == "addresses":
            m = ADDRESS.fullmatch(line.strip())
            if m:
                rcpts.append(m.group(1))
        elif section == "server":
            server.append(line.strip())
        elif section == "command" and command is None:
            command = command_name(line.strip().split(":")[0]) or line.strip().upper()
    if not rcpts:
        return None
    diagnostic = " ".join(server) or None
    found = tuple(Found(recipient=r, diagnostic=diagnostic, command=command, action="failed") for r in rcpts)
    original = pasted_headers(tail) if p.original is None else None
    return Detection(reporter="mfilter", recipients=found, original=original)


# detect(): m-FILTER in X-Mailer or a "failure notice" subject, and _SERVER in the text.
GATE: Gate = (Clause(headers=("x-mailer",), text=(_SERVER,)), Clause(subject=("failure notice",), text=(_SERVER,)))
DETECTOR: Detector = Detector("mfilter", detect, GATE)
