"""Authentication-Results, ARC-Authentication-Results and Received-SPF. Minimal first version."""

from __future__ import annotations

import re
from email.message import Message

from analyzer.model import AuthResult
from analyzer.textutil import header_str, unfold

_METHOD = re.compile(r"\b(spf|dkim|dmarc|arc|compauth|iprev|auth|bimi|dkim-atps|domainkeys|sender-id|x-[a-z-]+)"
                     r"\s*=\s*([a-z]+)", re.I)


def auth_of(msg: Message) -> tuple[AuthResult, ...]:
    out: list[AuthResult] = []
    for hname in ("Authentication-Results", "ARC-Authentication-Results"):
        for value in msg.get_all(hname) or []:
            text = unfold(header_str(value))
            for m in _METHOD.finditer(text):
                out.append(AuthResult(header=hname.lower(), authserv_id=None, method=m.group(1).lower(),
                                      result=m.group(2).lower()))
    for value in msg.get_all("Received-SPF") or []:
        text = unfold(header_str(value))
        result = text.split(None, 1)[0].lower() if text else "none"
        out.append(AuthResult(header="received-spf", authserv_id=None, method="spf", result=result))
    return tuple(out)
