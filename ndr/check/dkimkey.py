"""DKIM key records (RFC 6376 3.6.1): does `<selector>._domainkey.<domain>` exist, parse, and how strong is it.

Tag lists and RSA keys are parsed with dkimpy (`dkim.util.parse_tag_value`,
`dkim.crypto.parse_public_key`), the reference Python DKIM implementation. Signatures themselves
cannot be verified from a bounce (the body and headers were changed or cut): this checks the key.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re

import dkim.crypto
import dkim.util

from ndr.check.model import DkimKeyCheck
from ndr.check.resolver import Resolver, Status

_SELECTOR = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$", re.I)
ED25519_BYTES = 32


def key_name(domain: str, selector: str) -> str:
    return f"{selector}._domainkey.{domain}".lower()


def check_key(domain: str, selector: str, resolver: Resolver) -> DkimKeyCheck:
    """Look up and parse the key record of (d=`domain`, s=`selector`)."""
    if not _SELECTOR.match(selector):
        return DkimKeyCheck(domain=domain, selector=selector, name=key_name(domain, "?"), status="invalid",
                            problem=f"s={selector!r} is not a valid selector")
    name = key_name(domain, selector)
    answer = resolver.lookup(name, "TXT")
    make = functools.partial(DkimKeyCheck, domain=domain, selector=selector, name=name)
    if answer.status is Status.OFFLINE:
        return make(status="skipped", answer=answer)
    if not answer.definite:
        why = f"{answer.status.value}" + (f": {answer.detail}" if answer.detail else "")
        return make(status="unknown", problem=why, answer=answer)
    records = [r for r in answer.records if _looks_like_key(r)]
    if not records:
        missing = "no DKIM key among the TXT records"
        if answer.status is Status.NXDOMAIN:
            missing = "no key record (NXDOMAIN)"
        return make(status="missing", answer=answer, problem=missing)
    if len(records) > 1:
        return make(status="invalid", record=" | ".join(records), answer=answer,
                    problem=f"{len(records)} key records published (verifiers fail on more than one)")
    record = records[0]
    status, key_type, bits, problem = parse_key(record)
    return make(status=status, key_type=key_type, bits=bits, record=record, problem=problem, answer=answer)


def _looks_like_key(record: str) -> bool:
    text = record.strip().lower()
    return text.startswith("v=dkim1") or "p=" in text


def parse_key(record: str) -> tuple[str, str | None, int | None, str | None]:
    """(status, key type, bits, problem) of one key record: ok | revoked | invalid."""
    try:
        tags = dkim.util.parse_tag_value(record.encode("utf-8"))
    except dkim.util.InvalidTagValueList as exc:
        return "invalid", None, None, f"tag list does not parse ({exc})"
    version = tags.get(b"v")
    if version is not None and version != b"DKIM1":
        return "invalid", None, None, f"v={version.decode(errors='replace')} (must be DKIM1)"
    key_type = tags.get(b"k", b"rsa").decode("ascii", "replace").lower()
    if b"p" not in tags:
        return "invalid", key_type, None, "no p= (public key) tag"
    data = re.sub(rb"\s+", b"", tags[b"p"])
    if not data:
        return "revoked", key_type, None, "empty p=: the key is revoked"
    try:
        der = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return "invalid", key_type, None, "p= is not valid base64"
    if key_type == "ed25519":
        if len(der) != ED25519_BYTES:
            return "invalid", key_type, None, f"an ed25519 key is 32 bytes, this p= has {len(der)}"
        return "ok", key_type, 256, None
    if key_type != "rsa":
        return "invalid", key_type, None, f"k={key_type}: unknown key type (rsa or ed25519)"
    try:
        key = dkim.crypto.parse_public_key(der)
    except dkim.crypto.UnparsableKeyError:
        return "invalid", key_type, None, "p= is not an RSA public key"
    return "ok", key_type, int(key["modulus"]).bit_length(), None
