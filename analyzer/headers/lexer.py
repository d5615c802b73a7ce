"""Small, linear-time lexing helpers shared by the header parsers (RFC 5322 comments, ';' lists).

No nested regex quantifiers: hostile headers cost time proportional to their (bounded) length.
"""

from __future__ import annotations

import re

_PAREN = re.compile(r"[()]")
_FLAT_COMMENT = re.compile(r"\([^()]*\)")
_SPECIAL = re.compile(r'[;("]')
MAX_PARENS = 32  # parentheses followed inside one nested comment; beyond, the comment runs to the end


def comment_end(text: str, start: int) -> int:
    """End index of the (possibly nested) comment opening at text[start] == "("; unbalanced: len(text)."""
    m = _FLAT_COMMENT.match(text, start)
    if m:
        return m.end()
    depth = 0
    pos = start
    for _ in range(MAX_PARENS):
        m = _PAREN.search(text, pos)
        if m is None:
            return len(text)
        depth += 1 if m.group() == "(" else -1
        pos = m.end()
        if depth == 0:
            return pos
    return len(text)


def comment_inner(comment: str) -> str:
    """The text inside a comment token, without its parentheses."""
    return (comment[1:-1] if comment.endswith(")") else comment[1:]).strip()


def split_top_level(text: str, limit: int = 64) -> list[str]:
    """Split at ';' outside comments and quoted strings: 'a; b (x;y); c' -> ['a', 'b (x;y)', 'c'].

    At most `limit` pieces: the last one keeps the rest of the text.
    """
    out: list[str] = []
    start = 0
    pos = 0
    while len(out) < limit - 1:
        m = _SPECIAL.search(text, pos)
        if m is None:
            break
        ch = m.group()
        if ch == ";":
            out.append(text[start:m.start()].strip())
            start = pos = m.end()
        elif ch == "(":
            pos = comment_end(text, m.start())
        else:
            close = text.find('"', m.end())
            pos = len(text) if close < 0 else close + 1
    out.append(text[start:].strip())
    return [piece for piece in out if piece]
