"""Authentication-Results, ARC-Authentication-Results and Received-SPF, parsed leniently.

RFC 8601 (Authentication-Results), RFC 8617 4.1.1 (ARC-Authentication-Results: "i=N;" first),
RFC 7208 9.1 (Received-SPF). Real headers break the grammar: Microsoft omits the authserv-id
("spf=pass (sender IP is 40.92.253.45) smtp.mailfrom=...; dkim=none (message not signed)
header.d=none;dmarc=fail action=oreject header.from=...;compauth=fail reason=000", from the
Exchange Online NDR documentation, ../shared/reference/ndr-texts.md 3.3), Yahoo writes
"mta1.yahoo.com from=yahoo.com; domainkeys=pass (ok)", others add a version after the id
("mx.microsoft.com 1"). The `authres` package (RFC grammar) rejects several of these and drops the
comments that carry the sender IP; bench/authres_eval.py measures it on the corpus. This parser
reads every form: results are never invented, unknown pieces are kept as properties.
"""

from __future__ import annotations

import re
from email.message import Message
from typing import Any

from analyzer import limits
from analyzer.headers.lexer import comment_end, comment_inner, split_top_level
from analyzer.model import AuthResult
from analyzer.regex import lazy
from analyzer.textutil import clip, header_str, unfold

HEADERS = ("authentication-results", "arc-authentication-results", "received-spf")

# Keys that are never a method name even though they have no "ptype." prefix.
_NOT_METHODS = frozenset({"reason", "action", "from", "policy", "i", "header", "smtp", "client-ip",
                          "envelope-from", "helo", "receiver", "identity", "mechanism", "problem"})
_TOKEN = lazy(r'\s*([^\s=();"]+)\s*=\s*("[^"]{0,500}"|[^\s();"]*)|\s*(\()|\s*([^\s();"]+)')
_INSTANCE = lazy(r"^i\s*=\s*(\d{1,3})$", re.I)
_AUTHSERV = lazy(r"^([^\s=();]+)(?:\s+(\d{1,3}))?$")
_SPF_COMMENT_HOST = lazy(r"^([A-Za-z0-9.-]+\.[A-Za-z]{2,}):\s")


def auth_chain(msg: Message[Any, Any]) -> tuple[tuple[AuthResult, ...], str | None]:
    """All results of a message's authentication headers, topmost (newest) header first.

    At most limits.MAX_AUTH_HEADERS headers are read; the defect says when more were present.
    """
    headers: list[tuple[str, str]] = []
    extra = 0
    fetch: Any = msg.policy.header_fetch_parse
    for name, raw in msg.raw_items():  # msg.items() without fetching every other header's value
        key = name.lower()
        if key in HEADERS:
            if len(headers) < limits.MAX_AUTH_HEADERS:
                headers.append((key, header_str(fetch(name, raw))))
            else:
                extra += 1
    out: list[AuthResult] = []
    for key, value in headers:
        out.extend(parse_auth_header(key, value))
    defect = (f"{len(headers) + extra} authentication headers: only the first {limits.MAX_AUTH_HEADERS} were read"
              if extra else None)
    return tuple(out), defect


def auth_of(msg: Message[Any, Any]) -> tuple[AuthResult, ...]:
    """All results of a message's authentication headers, topmost header first (bounded)."""
    return auth_chain(msg)[0]


def parse_auth_header(header: str, value: str) -> tuple[AuthResult, ...]:
    """One header (name lowercased) into its results. Never raises."""
    text = unfold(clip(value, limits.MAX_AUTH_CHARS))
    if header == "received-spf":
        spf = parse_received_spf(text)
        return (spf,) if spf is not None else ()
    return parse_authentication_results(text, header=header)


def parse_authentication_results(text: str, *, header: str = "authentication-results") -> tuple[AuthResult, ...]:
    """An (ARC-)Authentication-Results value into one AuthResult per method."""
    pieces = split_top_level(text)
    instance: int | None = None
    if pieces and (m := _INSTANCE.match(pieces[0])):
        instance = int(m.group(1))
        pieces = pieces[1:]
    authserv_id: str | None = None
    results: list[_Result] = []
    pending: list[tuple[str, str]] = []
    for n, piece in enumerate(pieces):
        items = _items(piece)
        if n == 0 and items and items[0][0] == "word":
            m = _AUTHSERV.match(items[0][1])
            if m:
                authserv_id = m.group(1).lower()
                items = items[1:]
                if items and items[0][0] == "word" and items[0][1].isdigit():
                    items = items[1:]  # "mx.microsoft.com 1": the version of the header syntax
        _read_piece(items, results, pending)
    return tuple(
        AuthResult(header=header, authserv_id=authserv_id, method=r.method, result=r.result, reason=r.reason,
                   properties=tuple(r.properties), instance=instance)
        for r in results[: limits.MAX_AUTH_RESULTS]
    )


def parse_received_spf(text: str) -> AuthResult | None:
    """A Received-SPF value: 'pass (comment) client-ip=...; envelope-from=...; receiver=...'."""
    items = [item for piece in split_top_level(text) for item in _items(piece)]
    if not items or items[0][0] != "word":
        return None
    result = items[0][1].lower()
    comment: str | None = None
    props: list[tuple[str, str]] = []
    for kind, key, value in ((k, a, b) for k, a, b in _triples(items[1:])):
        if kind == "comment" and comment is None:
            comment = value
        elif kind == "pair":
            props.append((key.lower(), value))
    # policyd-spf writes "receiver=<UNKNOWN>" when it does not know its own name.
    receiver = next((v for k, v in props if k == "receiver" and v and not v.startswith("<")), None)
    if receiver is None and comment and (m := _SPF_COMMENT_HOST.match(comment)):
        receiver = m.group(1)
    return AuthResult(header="received-spf", authserv_id=receiver.lower() if receiver else None, method="spf",
                      result=result, reason=comment, properties=tuple(props))


class _Result:
    """A result being read (mutable while parsing only)."""

    __slots__ = ("method", "properties", "reason", "result")

    def __init__(self, method: str, result: str) -> None:
        self.method = method
        self.result = result
        self.reason: str | None = None
        self.properties: list[tuple[str, str]] = []


Item = tuple[str, str]  # ("word", w) | ("pair", "k=v") | ("comment", inner text)


def _items(piece: str) -> list[Item]:
    """Words, key=value pairs and comments of one ';'-separated piece."""
    out: list[Item] = []
    pos = 0
    for _ in range(64):
        m = _TOKEN.match(piece, pos)
        if m is None or m.end() == pos:
            break
        if m.group(3):
            start = m.start(3)
            pos = comment_end(piece, start)
            out.append(("comment", comment_inner(piece[start:pos])))
            continue
        pos = m.end()
        if m.group(1) is not None:
            value = m.group(2)
            if value.startswith('"'):
                value = value.strip('"')
            out.append(("pair", f"{m.group(1)}={value}"))
        else:
            out.append(("word", m.group(4)))
    return out


def _triples(items: list[Item]) -> list[tuple[str, str, str]]:
    """(kind, key, value): pairs split into key and value; comments and words keep their text as value."""
    out: list[tuple[str, str, str]] = []
    for kind, text in items:
        if kind == "pair":
            key, _, value = text.partition("=")
            out.append((kind, key, value))
        else:
            out.append((kind, "", text))
    return out


def _read_piece(items: list[Item], results: list[_Result], pending: list[tuple[str, str]]) -> None:
    """Add the results of one piece; property-only pieces attach to the previous (ptype.x) or next result."""
    current: _Result | None = None
    after_result = False  # the comment right after "method=result" is its reason
    for kind, key, value in _triples(items):
        if kind == "pair":
            lkey = key.lower()
            if "." not in lkey and lkey not in _NOT_METHODS and len(results) < limits.MAX_AUTH_RESULTS:
                current = _Result(lkey.split("/", 1)[0], value.lower() or "none")
                current.properties.extend(pending)
                pending.clear()
                results.append(current)
                after_result = True
                continue
            if not value:
                continue  # "header.d=" with nothing after it (or an unterminated quote)
            target = current or (results[-1] if results and "." in lkey else None)
            if lkey == "reason" and target is not None:
                target.reason = value or None
            elif target is not None:
                target.properties.append((lkey, value))
            else:
                pending.append((lkey, value))
        elif kind == "comment" and after_result and current is not None and current.reason is None:
            current.reason = value or None
        after_result = False
