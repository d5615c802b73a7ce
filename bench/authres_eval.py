"""Measure the `authres` package against ndr's lenient parser on the corpus' authentication headers.

Usage: .venv/bin/python bench/authres_eval.py [CORPUS_DIR]

For every Authentication-Results and ARC-Authentication-Results header in the corpus (top level and
returned originals), plus the Microsoft/ARC forms of ../shared/reference/ndr-texts.md, it reports:
how many authres parses at all, how many of those agree with analyzer.headers.auth on
(authserv-id, method, result, ptype.property values), whether comments (the reason, where
Microsoft and Google put the sender IP) survive, and microseconds per header for both.
"""

from __future__ import annotations

import email
import sys
import time
from email.message import Message
from pathlib import Path

import authres  # type: ignore[import-untyped,unused-ignore]

from analyzer.headers.auth import parse_auth_header
from analyzer.textutil import header_str, unfold

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai" / "maildir" / "bsd"
# Forms named in the reference (Exchange Online omits the authserv-id; ARC has "i=N;" first).
EXTRA = [
    ("authentication-results", "spf=pass (sender IP is 40.92.253.45) smtp.mailfrom=example.com; dkim=none "
     "(message not signed) header.d=none;dmarc=fail action=oreject header.from=example.com;compauth=fail reason=000"),
    ("arc-authentication-results", "i=1; mx.microsoft.com 1; spf=pass smtp.mailfrom=example.com; dmarc=pass "
     "action=none header.from=example.com; dkim=pass header.d=example.com; arc=none"),
    ("arc-authentication-results", "i=1; mx.google.com; dkim=pass header.i=@example.com header.s=selector1 "
     "header.b=AbCd; spf=pass (google.com: domain of a@example.com designates 2a01:111:f403:2612::700 as "
     "permitted sender) smtp.mailfrom=a@example.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) "
     "header.from=example.com"),
]


def corpus_headers(root: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def walk(msg: Message, depth: int) -> None:
        for name in ("Authentication-Results", "ARC-Authentication-Results"):
            for value in msg.get_all(name) or []:
                out.append((name.lower(), unfold(header_str(value))))
        if msg.is_multipart() and depth < 5:
            for part in msg.get_payload():
                if isinstance(part, Message):
                    walk(part, depth + 1)

    for path in sorted(root.glob("*.eml")):
        walk(email.message_from_bytes(path.read_bytes()), 0)
    return out


def with_authres(header: str, value: str) -> tuple[str | None, list[tuple[str, str, dict[str, str]]], bool]:
    """(authserv-id, [(method, result, properties)], any comment kept) as authres reads it."""
    if header == "arc-authentication-results" and value.lower().startswith("i="):
        value = value.split(";", 1)[1] if ";" in value else ""
    parsed = authres.AuthenticationResultsHeader.parse_value(value)
    results = []
    comments = False
    for r in parsed.results:
        props = {f"{p.type}.{p.name}".lower(): str(p.value) for p in r.properties if p.value}  # ndr drops empty ones
        comments = comments or bool(r.result_comment or r.reason)
        results.append((str(r.method).lower(), str(r.result).lower(), props))
    return (str(parsed.authserv_id).lower() if parsed.authserv_id else None), results, comments


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    headers = corpus_headers(root) + EXTRA
    t0 = time.perf_counter()
    ours = [parse_auth_header(h, v) for h, v in headers]
    t_ours = time.perf_counter() - t0
    parsed = agree = lost_comment = 0
    rejected: list[str] = []
    differ: list[str] = []
    t0 = time.perf_counter()
    theirs: list[tuple[str | None, list[tuple[str, str, dict[str, str]]], bool] | None] = []
    for h, v in headers:
        try:
            theirs.append(with_authres(h, v))
        except Exception as exc:  # noqa: BLE001 - measuring which inputs authres rejects
            theirs.append(None)
            rejected.append(f"{type(exc).__name__}: {v[:90]}")
    t_theirs = time.perf_counter() - t0
    for (_, v), mine, other in zip(headers, ours, theirs, strict=True):
        if other is None:
            continue
        parsed += 1
        serv, results, comments = other
        mine_view = [(r.method, r.result, {k: val for k, val in r.properties if "." in k}) for r in mine]
        mine_serv = mine[0].authserv_id if mine else serv
        if (mine_serv, mine_view) == (serv, results):
            agree += 1
        else:
            differ.append(f"authres={serv} {results}\n      ndr    ={mine_serv} {mine_view}\n      {v[:120]}")
        if any(r.reason for r in mine) and not comments:
            lost_comment += 1
    n = len(headers)
    print(f"headers: {n} ({n - len(EXTRA)} from the corpus, {len(EXTRA)} reference forms)")
    print(f"authres parsed: {parsed}/{n} ({parsed / n:.1%}); rejected {len(rejected)}")
    print(f"agree with ndr's parser (authserv-id, method, result, ptype.property): {agree}/{parsed}")
    print(f"headers whose comment/reason authres dropped: {lost_comment}/{parsed}")
    print(f"speed: authres {t_theirs / n * 1e6:.0f} us/header, ndr {t_ours / n * 1e6:.0f} us/header")
    for line in rejected[:12]:
        print("  rejected:", line)
    for line in differ[:12]:
        print("  differs:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
