"""Recognise the receiving provider from the remote MTA and the diagnostic text.

Source: the providers' MX host names and the signatures of their replies (Gmail ends every
reply with "gsmtp"; Microsoft's carry "outlook.com"/"protection.outlook.com" hosts and AS/S-codes).
"""

from __future__ import annotations

import re

# (provider, pattern over "remote_mta diagnostic"), first match wins.
PROVIDERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("google", re.compile(r"gsmtp\b|\bgoogle\.com\b|\bgmail(\.com)?\b|googlemail\.com|aspmx\.l\.google", re.I)),
    ("microsoft", re.compile(r"outlook\.com\b|hotmail\.com\b|\blive\.com\b|protection\.outlook|"
                             r"exchangelabs\.com|\(AS\d{6,}\)|\(S3150\)|\bmsn\.com\b|office365", re.I)),
    ("yahoo", re.compile(r"yahoo(dns)?\.(com|net|co\.jp)\b|\baol\.com\b|yahoo\.com|\bTSS\d\d\b|\bymail\b", re.I)),
    ("apple", re.compile(r"\bicloud\.com\b|\bme\.com\b|\bmac\.com\b|apple\.com", re.I)),
    ("amazonses", re.compile(r"amazonses\.com|\bamazonaws\.com\b", re.I)),
    ("proofpoint", re.compile(r"pphosted\.com|ppe-hosted\.com|proofpoint", re.I)),
    ("mimecast", re.compile(r"mimecast", re.I)),
    ("messagelabs", re.compile(r"messagelabs\.com", re.I)),
    ("zoho", re.compile(r"\bzoho(mail)?\.(com|eu|in)\b", re.I)),
    ("gmx", re.compile(r"\bgmx\.(net|de|com)\b|\bweb\.de\b|\b1and1\b|kundenserver\.de|ionos", re.I)),
    ("mailru", re.compile(r"\bmail\.ru\b", re.I)),
    ("yandex", re.compile(r"yandex\.(ru|net|com)", re.I)),
    ("orange", re.compile(r"\borange\.fr\b|\bwanadoo\.fr\b|francetelecom", re.I)),
    ("tencent", re.compile(r"\bqq\.com\b|tencent|exmail\.qq", re.I)),
    ("cox", re.compile(r"\bcox\.net\b", re.I)),
    ("spectrum", re.compile(r"charter\.net|\brr\.com\b|spectrum", re.I)),
    ("cloudflare", re.compile(r"cloudflare", re.I)),
)


def provider_of(remote_mta: str | None, diagnostic: str | None) -> str | None:
    """The receiving provider's short name, or None."""
    text = f"{remote_mta or ''} {diagnostic or ''}"
    if not text.strip():
        return None
    for name, pattern in PROVIDERS:
        if pattern.search(text):
            return name
    return None
