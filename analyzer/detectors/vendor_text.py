"""Helpers shared by the provider detectors: addresses, sections, replies and DSN merging.

Provider NDRs (Exchange, Gmail, Yahoo, ...) say in human-readable text what their delivery-status
part (when there is one) says in fields, and often more. These helpers read that text and merge it
with the RFC 3464 fields. Pure functions over strings and `Found` records; nothing here raises on
odd text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import fields, replace

from analyzer.classify.rules import Rule
from analyzer.detectors.base import Found, from_dsn_recipient
from analyzer.mime import Parsed
from analyzer.reasons import Reason
from analyzer.regex import Regex, lazy, literal_lower, may_match
from analyzer.smtp import find_command, find_replycode, find_status, normalize_status

# Patterns of the helpers below (module level: a pattern given as text is looked up in re's cache on every call).
_ADDRESS_DECOR = lazy(r"mailto:|[<>()\[\]\"':,;\s]", re.I)
_SQUASH = lazy(r"[\s'\"]+")
_REPLY_COMMAND = lazy(r"\s*\[(RCPT_TO|MAIL_FROM|DATA|HELO|EHLO|CONNECT|AUTH)\]\s*$")
_IN_REPLY_TO = lazy(r"(?<!\s)\s*\(in reply to [^)]*\)\s*$", re.I)

# An e-mail address as it appears in NDR text (local part kept as written).
ADDRESS = lazy(r"[\w.!#$%&'*+/=?^`{|}~-]{1,200}@[\w-]{1,63}(?:\.[\w-]{1,63})+", re.UNICODE)
# A host name on a line of its own (remote server lines of Exchange NDRs).
HOSTNAME = lazy(r"^\[?[A-Za-z0-9][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63})+\.?\]?$")
# SMTP reply code (+ optional enhanced status) at the start of a string.
REPLY_START = lazy(r"^\s*#?([245]\d\d)(?:[ -]+#?([245]\.\d{1,3}\.\d{1,3}))?(?=[\s:;,.-]|$)")
_FOUND_FIELDS = tuple(f.name for f in fields(Found))


_MAX_AT_SIGNS = 2000  # '@' signs examined per call: bounds the work on hostile text


def addresses(text: str | None, limit: int = 1000) -> list[str]:
    """The distinct addresses in `text`, in order (the first `limit`).

    Scans from each '@' within a window around it, so the cost is linear in the text, not in the
    text times the longest local part (a plain ADDRESS.finditer over megabytes without '@' is slow).
    """
    out: list[str] = []
    seen: set[str] = set()
    text = text or ""
    pos = examined = 0
    while len(out) < limit and examined < _MAX_AT_SIGNS:
        at = text.find("@", pos)
        if at < 0:
            break
        examined += 1
        m = ADDRESS.search(text, max(at - 200, pos), at + 256)
        while m is not None and m.end() <= at:
            m = ADDRESS.search(text, m.end(), at + 256)
        if m is None or m.start() > at:
            pos = at + 1
            continue
        pos = m.end()
        addr = m.group(0).strip(".'")
        key = addr.lower()
        if key not in seen:
            seen.add(key)
            out.append(addr)
    return out


def only_address(line: str) -> str | None:
    """The address when a line names one recipient and nothing else.

    Accepts the decorations Exchange and others add: '<a@b>', 'a@b (a@b)<mailto:a@b>', '"a@b":', 'a@b:'.
    """
    if len(line) > 1000 or "@" not in line:
        return None
    found = addresses(line, 3)
    if not found:
        return None
    rest = ADDRESS.sub(" ", line)
    rest = _ADDRESS_DECOR.sub("", rest)
    return found[0] if not rest else None


def header_addresses(p: Parsed, name: str) -> list[str]:
    """Addresses in a top-level header (e.g. X-Failed-Recipients), in order."""
    return addresses(p.header(name))


def line_index(lines: Sequence[str], pattern: Regex, start: int = 0) -> int:
    """Index of the first line at or after `start` that `pattern` matches; -1 when none does."""
    for i in range(max(start, 0), len(lines)):
        if pattern.search(lines[i]):
            return i
    return -1


def between(text: str, start: Regex, end: Regex | None = None) -> str | None:
    """The text after the first match of `start`, up to the first match of `end` after it."""
    m = start.search(text)
    if not m:
        return None
    rest = text[m.end():]
    if end is not None:
        e = end.search(rest)
        if e:
            rest = rest[: e.start()]
    return rest


def dsn_founds(p: Parsed) -> list[Found]:
    """The recipients of the message/delivery-status part, as Found records."""
    dsn = p.dsn
    return [from_dsn_recipient(r) for r in dsn.recipients] if dsn is not None else []


def fill(primary: Found, extra: Found) -> Found:
    """`primary` with its empty fields taken from `extra`."""
    changes = {
        name: getattr(extra, name)
        for name in _FOUND_FIELDS
        if getattr(primary, name) in (None, "") and getattr(extra, name) not in (None, "")
    }
    return replace(primary, **changes) if changes else primary


def _key(address: str | None) -> str:
    return (address or "").strip().strip("<>").lower()


def better_diagnostic(dsn_text: str | None, text: str | None) -> str | None:
    """The fuller of two renderings of the same refusal: the DSN's, unless the text's extends it."""
    if not dsn_text:
        return text
    if not text:
        return dsn_text
    a, b = _squash(dsn_text), _squash(text)
    if len(b) > len(a) and (b.startswith(a) or a in b):
        return text
    return dsn_text


def _squash(text: str) -> str:
    return _SQUASH.sub("", text).lower()


def combine(dsn: Sequence[Found], text: Sequence[Found]) -> tuple[Found, ...]:
    """Merge the DSN's recipients with the ones read from the text (matched by address).

    The DSN decides the order and the fields it has; the text fills the gaps, may extend the
    diagnostic, and adds recipients the DSN lacks.
    """
    by_addr = {_key(f.recipient): f for f in text if f.recipient}
    used: set[str] = set()
    out: list[Found] = []
    for i, d in enumerate(dsn):
        key = _key(d.recipient)
        t = by_addr.get(key)
        if t is None and not key and i < len(text):
            t = text[i]
        if t is None:
            out.append(d)
            continue
        used.add(_key(t.recipient))
        merged = fill(d, t)
        diagnostic = better_diagnostic(d.diagnostic, t.diagnostic)
        if diagnostic != merged.diagnostic:
            merged = replace(merged, diagnostic=diagnostic)
        out.append(merged)
    out.extend(t for t in text if t.recipient and _key(t.recipient) not in used and
               _key(t.recipient) not in {_key(d.recipient) for d in dsn})
    return tuple(out)


def specific_status(found: Found) -> Found:
    """Use the diagnostic's status when the stated one is only a class ('5.0.0' vs '5.1.0' in the text)."""
    stated = normalize_status(found.status)
    said = find_status(found.diagnostic)
    if said and (stated is None or (stated.endswith(".0.0") and said[0] == stated[0] and said != stated)):
        return replace(found, status=said)
    return found


def with_class_status(found: Found, permanent: bool | None) -> Found:
    """Give a recipient without any status code one of its class: from its reply code, else from
    whether the format calls the failure permanent (5.0.0) or temporary (4.0.0).
    RFC 3463: X.0.0 is "other or undefined status" of that class.
    """
    if normalize_status(found.status) or find_status(found.diagnostic):
        return found
    code = found.replycode or find_replycode(found.diagnostic)
    if code and code[0] in "45":
        return replace(found, status=f"{code[0]}.0.0")
    if permanent is None:
        return found
    return replace(found, status="5.0.0" if permanent else "4.0.0")


def verdict(rules: Iterable[Rule], text: str | None, status: str | None = None,
            code: str | None = None) -> tuple[Reason, str, str] | None:
    """(reason, rule id, matched text) of the first rule that matches `text`, or None."""
    if not text:
        return None
    status = normalize_status(status) or find_status(text)
    code = code or find_replycode(text)
    low = literal_lower(text)
    for rule in rules:
        if rule.applies(status, code) and may_match(rule.pattern, low):
            m = rule.pattern.search(text)
            if m:
                return rule.reason, rule.id, m.group(0)
    return None


def with_verdict(found: Found, rules: Iterable[Rule], text: str | None = None) -> Found:
    """`found` with the detector's verdict from `rules` over its diagnostic (or `text`), when one matches."""
    hit = verdict(rules, text if text is not None else found.diagnostic, found.status, found.replycode)
    if hit is None:
        return found
    return replace(found, reason=hit[0], rule=hit[1], evidence=hit[2])


def join_wrapped(lines: Sequence[str]) -> str:
    """Lines of one wrapped paragraph joined with single spaces."""
    return " ".join(x.strip() for x in lines if x.strip())


def strip_reply_command(text: str) -> tuple[str, str | None]:
    """Split a trailing SMTP command marker off a reply: '... [RCPT_TO]' -> ('...', 'RCPT')."""
    m = _REPLY_COMMAND.search(text)
    if not m:
        return text, None
    tag = m.group(1).split("_", 1)[0]
    return text[: m.start()], "CONN" if tag == "CONNECT" else tag


def report_text(p: Parsed) -> str:
    """The readable text of a report, including a multipart preamble.

    Some bounces carry their notice as the preamble of a multipart body (or end up parsed that way
    when their lost boundary is recovered from the returned message): the text then sits before the
    first part, where `Parsed.text` does not look.
    """
    preamble = p.msg.preamble if p.msg.is_multipart() else None
    if isinstance(preamble, str) and len(preamble.strip()) > 40:
        return preamble.strip() + "\n\n" + p.text
    return p.text


_PARAGRAPH_RCPT = lazy(r"^<(" + ADDRESS.pattern + r")>(?:\s*\(expanded from <[^>]*>\))?:\s*(.*)$")
_SAID = lazy(r"\bhost ([A-Za-z0-9.-]+)\s*\[([0-9A-Fa-f.:]+)\]\s*(?:said|refused to talk to me):\s*", re.I)


def postfix_paragraphs(text: str) -> list[Found]:
    """Recipients of a Postfix-style notice: '<rcpt>: host mx[ip] said: 550 ... (in reply to RCPT TO command)'.

    Used by providers whose outbound MTA is Postfix (Yandex, AOL, iCloud); the reply is kept
    without the "host ... said:" prefix, the SMTP command comes from the "(in reply to ...)" note.
    """
    out: list[Found] = []
    rcpt: str | None = None
    parts: list[str] = []

    def flush() -> None:
        if rcpt is None:
            return
        said = " ".join(parts)
        host = _SAID.search(said)
        reply = said[host.end():] if host else said
        command = find_command(reply)
        reply = _IN_REPLY_TO.sub("", reply)
        out.append(Found(recipient=rcpt, diagnostic=reply or None, remote_mta=host.group(1) if host else None,
                         command=command, diagnostic_type="smtp" if host else None))

    for line in text.splitlines()[:5000]:
        m = _PARAGRAPH_RCPT.match(line)
        if m:
            flush()
            rcpt, parts = m.group(1), [m.group(2)]
        elif rcpt is not None and line.strip():
            parts.append(line.strip())
        elif rcpt is not None:
            flush()
            rcpt, parts = None, []
    flush()
    return out
