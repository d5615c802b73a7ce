"""SMTP reply codes, RFC 3463 enhanced status codes and SMTP commands found in text; diagnostic clean-up.

Pure functions over bounded text. Sources: RFC 5321 section 4.2 (reply codes), RFC 3463 (status codes,
vendors add 3-digit details such as 5.7.606 and 5.1.351), and the phrasing of Postfix ("in reply to
RCPT TO command"), Exim ("SMTP error from remote mail server after RCPT TO:"), Sendmail (">>> RCPT To:"),
qmail ("does not like recipient") and their relatives, for the command a refusal answered.
"""

from __future__ import annotations

import re

from analyzer import limits
from analyzer.literals import LiteralIndex
from analyzer.regex import Regex, lazy, literal_lower, literals_of
from analyzer.textutil import LINE_SPACE, unfold

# RFC 3463: class.subject.detail, each 1-3 digits; vendors use 3-digit details (5.7.606, 5.1.351).
_STATUS = lazy(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)")
_STATUS_EXACT = lazy(r"\s*([245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)")
_REPLY = lazy(r"(?<![\w.\-/#])([245][0-5]\d)(?=[\s\-\]]|$)")
# A reply code at the start of a line, optionally followed by '-' or ' ' and a status code.
_LINE_CODE = lazy(r"^\s*([245]\d\d)([ \-])(?:([245]\.\d{1,3}\.\d{1,3})\s?)?", re.M)
# The SMTP reply code and status at the very start of a diagnostic: "550-5.7.1 ", "550 5.1.1 ", "550-".
_LEAD = lazy(r"([245]\d\d)([ \-])(?:([245]\.\d{1,3}\.\d{1,3})(?=\s))?")

# The SMTP commands a refusal can answer, canonical names (Sisimai's vocabulary: CONN for the greeting).
COMMANDS = ("CONN", "HELO", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "BDAT", "QUIT")

# (pattern, group) -> the command named by group 1. First match wins; the text is searched once per pattern.
_COMMAND_PATTERNS: tuple[Regex, ...] = (
    # Postfix: "(in reply to RCPT TO command)", "(in reply to end of DATA command)"
    lazy(r"in reply to (?:end of )?(DATA|RCPT\s+TO|MAIL\s+FROM|EHLO|HELO|LHLO|STARTTLS|AUTH|BDAT|QUIT)\b", re.I),
    # Exim: "SMTP error from remote mail server after RCPT TO:<...>", "after end of data", "after initial connection"
    lazy(r"\bafter (RCPT\s+TO|MAIL\s+FROM|end of data|initial connection|EHLO|HELO|LHLO|STARTTLS|AUTH|DATA|"
               r"pipelined (?:RCPT\s+TO|MAIL\s+FROM|DATA)|sending data block)\b", re.I),
    # Sendmail / transcripts: ">>> RCPT To:<...>", ">>> DATA"
    lazy(r"^" + LINE_SPACE + r">>> (RCPT|MAIL|DATA|EHLO|HELO|STARTTLS|AUTH|QUIT|\.)", re.I | re.M),
    # DragonFly: "did not like our RCPT TO:", "did not like our final DATA:"
    lazy(r"did not like our (?:final )?(RCPT\s+TO|MAIL\s+FROM|DATA|EHLO|HELO|STARTTLS|AUTH)", re.I),
    # qmail: "does not like recipient", "sender was rejected", "my name was rejected", "failed after I sent"
    lazy(r"(does not like recipient|sender was rejected|my name was rejected|failed after I sent the message|"
               r"failed on DATA command|most progress was (?:RCPT TO|MAIL FROM|DATA|EHLO|HELO))", re.I),
    # Others: "(Error following RCPT command)", "for TEXT command", "(DATA), with", "SMTP:RCPT host"
    lazy(r"(?:error following|for|in response to|in reply to|response to) (RCPT|MAIL|DATA|TEXT|HELO|EHLO)"
               r"(?: TO| FROM)? command\b|\((RCPT|MAIL|DATA|HELO|EHLO)\), with|\bSMTP:(RCPT|MAIL|DATA) host\b", re.I),
)
# Each pattern with the lowercase texts one of which its every match holds (a pattern whose texts are all
# absent is not searched: most diagnostics name no command), derived from the pattern (analyzer.regex).
_COMMAND_LITERALS: tuple[tuple[str, ...] | None, ...] = tuple(literals_of([p]) for p in _COMMAND_PATTERNS)
_COMMAND_TABLE = tuple(zip(_COMMAND_PATTERNS, _COMMAND_LITERALS, strict=True))
# Each pattern's texts found in one pass over a diagnostic (analyzer.literals): text -> the patterns' numbers.
_COMMAND_TEXTS = LiteralIndex(
    (text, tuple(n for n, literals in enumerate(_COMMAND_LITERALS) if literals and text in literals))
    for text in dict.fromkeys(x for literals in _COMMAND_LITERALS for x in literals or ()))
_COMMAND_NAMES: dict[str, str] = {
    "rcpt to": "RCPT", "rcpt": "RCPT", "mail from": "MAIL", "mail": "MAIL", "data": "DATA", "end of data": "DATA",
    "text": "DATA", ".": "DATA", "sending data block": "DATA", "initial connection": "CONN", "ehlo": "EHLO",
    "helo": "HELO", "lhlo": "EHLO", "starttls": "STARTTLS", "auth": "AUTH", "bdat": "BDAT", "quit": "QUIT",
    "does not like recipient": "RCPT", "sender was rejected": "MAIL", "my name was rejected": "HELO",
    "failed after i sent the message": "DATA", "failed on data command": "DATA",
}


def normalize_status(value: str | None) -> str | None:
    """'5.1.1 (bad destination)' -> '5.1.1'; invalid -> None. Strips leading zeros of parts."""
    if not value:
        return None
    m = _STATUS_EXACT.match(value)
    if not m:
        return None
    return f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}"


def find_status(text: str | None) -> str | None:
    """The first RFC 3463 status code in free text, or None. '#5.1.1' (qmail) counts."""
    if not text:
        return None
    text = text[:4096]
    # Every match starts with "2.", "4." or "5.": searched from the first of them (its look-behind still sees
    # the text before), not at all when none is there (some 40% of diagnostics carry no status).
    starts = [i for i in (text.find("2."), text.find("4."), text.find("5.")) if i >= 0]
    m = _STATUS.search(text, min(starts)) if starts else None
    if not m:
        return None
    return f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}"


def find_replycode(text: str | None) -> str | None:
    """The first SMTP reply code (2xx/4xx/5xx) in free text, or None."""
    if not text:
        return None
    m = _REPLY.search(text[:4096])
    return m.group(1) if m else None


def find_command(text: str | None) -> str | None:
    """The SMTP command a refusal answered, when the text says it ('RCPT', 'DATA', 'MAIL', 'CONN', ...)."""
    if not text:
        return None
    text = text[:8192]
    low = literal_lower(text)  # None when the pre-check cannot tell (re.I folds a few letters differently)
    present: set[int] = set()
    if low is not None:
        for numbers in _COMMAND_TEXTS.values(low):
            present.update(numbers)
    for n, (pattern, literals) in enumerate(_COMMAND_TABLE):
        if low is not None and literals is not None and n not in present:
            continue  # none of its texts is in the diagnostic
        m = pattern.search(text)
        if m:
            word = next(g for g in m.groups() if g)
            return command_name(word)
    return None


def command_name(word: str | None) -> str | None:
    """'RCPT TO' / 'rcpt' / 'end of data' -> 'RCPT' / 'RCPT' / 'DATA'; None when not an SMTP command."""
    if not word:
        return None
    key = " ".join(word.lower().split())
    for prefix in ("pipelined ", "most progress was "):
        if key.startswith(prefix):
            key = key[len(prefix):]
    name = _COMMAND_NAMES.get(key)
    if name is None and key.upper() in COMMANDS:
        name = key.upper()
    return name


def is_unspecific(status: str | None) -> bool:
    """True for '5.0.0', '4.0.0' and None: a status that says only the class."""
    return status is None or status.endswith(".0.0")


def prefer_status(reported: str | None, in_text: str | None, replycode: str | None = None) -> str | None:
    """Choose between a report's Status field and the status the refusal text itself carries.

    The text is what the refusing server said; a DSN's Status is the reporting MTA's summary of it and
    is often only a class ('5.0.0') or a guess. The text's code wins when it is more specific and of
    the same class as the reply code (so a stray '4.4.1' in a 5xx sentence does not flip the class).
    """
    if in_text is None:
        return reported
    if replycode and replycode[0] != in_text[0]:
        return reported or None
    if reported is None:
        return in_text
    if is_unspecific(in_text):
        return reported
    if reported[0] != in_text[0] and not is_unspecific(reported):
        return reported
    return in_text


def pseudo_status(replycode: str | None, action: str | None) -> str:
    """The class-only status ('5.0.0' or '4.0.0') of a failure whose report gives no status code.

    The class comes from the reply code, else from the action (delayed: 4), else 5.
    """
    if replycode and replycode[0] in "45":
        return f"{replycode[0]}.0.0"
    return "4.0.0" if action == "delayed" else "5.0.0"


def join_reply_lines(text: str) -> str:
    """Join a multi-line SMTP reply into one sentence, keeping the first code and status.

    '550-5.7.1 [ip] Our system ... does\\n550-5.7.1 not meet ...\\n550 5.7.1 information. x - gsmtp'
    -> '550 5.7.1 [ip] Our system ... does not meet ... information. x - gsmtp'
    """
    text = text[: limits.MAX_DIAGNOSTIC_CHARS * 4]
    first: str | None = None
    out: list[str] = []
    matched_any = False
    for line in text.splitlines():
        m = _LINE_CODE.match(line)
        if m:
            matched_any = True
            rest = line[m.end():].strip()
            if first is None:
                first = m.group(1) + (" " + m.group(3) if m.group(3) else "")
                out.append(first + (" " + rest if rest else ""))
            else:
                out.append(rest)
        else:
            out.append(line.strip())
    joined = clean_diagnostic(text if not matched_any else " ".join(x for x in out if x))
    return joined or ""


def clean_diagnostic(text: str | None) -> str | None:
    """Unfold a diagnostic, drop repeated '550-5.7.1' continuation codes, bound its length.

    '550-5.7.26 Unauthenticated email ... domain's 550-5.7.26 DMARC policy. 550 5.7.26 https://...'
    -> '550 5.7.26 Unauthenticated email ... domain's DMARC policy. https://...'
    """
    if text is None:
        return None
    text = unfold(text[: limits.MAX_DIAGNOSTIC_CHARS * 4])
    m = _LEAD.search(text, 0, 200)
    if m and (m.start() == 0 or text[m.start() - 1] in " :;(["):
        code, status = m.group(1), m.group(3)
        head, tail = text[: m.end()], text[m.end():]
        marks = [f" {code}-{status} ", f" {code} {status} "] if status else []
        marks += [f" {code}-"]
        for mark in marks:
            while mark in tail:  # consecutive continuation lines ("550-5.7.26 550-5.7.26 text") overlap
                tail = tail.replace(mark, " ")
        if not status and tail.count(f" {code} ") == 1 and m.group(2) == "-":
            tail = tail.replace(f" {code} ", " ")
        if m.group(2) == "-":
            head = head[: m.start() + 3] + " " + head[m.start() + 4:]
        text = unfold(head + tail)
    if len(text) > limits.MAX_DIAGNOSTIC_CHARS:
        text = text[: limits.MAX_DIAGNOSTIC_CHARS] + "…"
    return text or None


def status_class(status: str | None) -> str | None:
    """'5.7.1' -> '5'."""
    return status[0] if status and status[0] in "245" else None
