"""Domain names as the checks take them: lowercase ASCII (IDNA), validated, never trusted from mail as-is."""

from __future__ import annotations

import re

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def as_domain(text: str) -> str | None:
    """`text` as a lowercase ASCII domain name ('Bücher.example' -> IDNA), or None when it is not one.

    An address ('user@example.com') gives its domain.
    """
    name = text.strip().rstrip(".").lower()
    if "@" in name:
        name = name.rpartition("@")[2]
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL.match(lab) for lab in labels) or labels[-1].isdigit():
        return None
    return name
