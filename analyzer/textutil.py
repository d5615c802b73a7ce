"""Text helpers for hostile mail: charset decoding, header decoding, HTML to text, unfolding.

Pure functions, no I/O. Everything here is bounded: inputs are truncated to documented limits.
"""

from __future__ import annotations

import binascii
import codecs
import html
import re
from email.header import decode_header

# Misspelled or vendor charset labels seen in real bounces, mapped to a codec Python knows.
CHARSET_ALIASES: dict[str, str] = {
    "uft-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "latin-1",
    "unknown-8bit": "latin-1",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "x-sjis": "shift_jis",
    "shift_jis": "cp932",
    "ms932": "cp932",
    "windows-31j": "cp932",
    "x-euc-jp": "euc_jp",
    "sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "default": "latin-1",
    "x-user-defined": "latin-1",
}

_known_codecs: dict[str, str | None] = {}


def codec_for(charset: str | None) -> str | None:
    """The Python codec name for a MIME charset label, or None when unknown."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    if label in _known_codecs:
        return _known_codecs[label]
    name: str | None = CHARSET_ALIASES.get(label, label)
    try:
        codecs.lookup(name or "")
    except LookupError:
        name = None
    if len(_known_codecs) < 512:  # bounded: labels come from strangers
        _known_codecs[label] = name
    return name


# When the declared charset fails, related charsets worth trying before giving up (Japanese mail is
# often labelled iso-2022-jp but written in EUC-JP or Shift_JIS, with vendor extensions).
_FALLBACKS: dict[str, tuple[str, ...]] = {
    "iso2022_jp": ("iso2022_jp_ext", "iso2022_jp_2", "euc_jp", "cp932"),
    "shift_jis": ("cp932", "euc_jp"),
    "euc_jp": ("cp932", "euc_jis_2004"),
    "cp932": ("euc_jp",),
    "gb18030": ("big5",),
    "utf-8": ("cp1252",),  # labelled UTF-8, written in a Windows code page
}


def ascii_superset(charset: str | None) -> bool:
    """Whether decode_bytes gives ASCII bytes back unchanged, without a defect, for this label: no label,
    ASCII, unknown labels, UTF-8 and the single-byte ISO 8859 and Windows code pages (not UTF-7, UTF-16
    or the ISO-2022 encodings, which read ASCII bytes as something else)."""
    name = codec_for(charset)
    if name is None or name == "ascii":
        return True
    codec = codecs.lookup(name).name
    return codec in ("utf-8", "latin-1", "iso8859-1", "cp1252") or codec.startswith(("iso8859-", "cp125"))


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, bool]:
    """Decode bytes with the declared charset; fall back to UTF-8, related charsets, then Windows-1252.

    Returns the text and whether the declared charset was unusable (a defect worth recording).
    """
    name = codec_for(charset)
    if name == "ascii" or name is None:
        if data.isascii():
            return data.decode("ascii"), False
        try:
            return data.decode("utf-8"), name is None and charset is not None
        except UnicodeDecodeError:
            return data.decode("cp1252", "replace"), True
    try:
        return data.decode(name), False
    except UnicodeDecodeError:
        pass
    codec = codecs.lookup(name).name
    for other in (*(("utf-8",) if codec != "utf-8" else ()), *_FALLBACKS.get(codec, ())):
        try:
            return data.decode(other), True
        except UnicodeDecodeError:
            continue
    return data.decode(name, "replace"), True


_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=]")


def base64_problem(encoded: bytes) -> str | None:
    """What a base64 decoder had to drop or guess in `encoded` (line breaks and blanks aside), or None.

    Independent of the Python version (compat32 records InvalidBase64* defects on decoding in some
    versions, on the part, not in others)."""
    data = b"".join(encoded.split())  # line breaks and blanks are transport, not damage
    junk = len(data.translate(None, _BASE64_ALPHABET))
    if junk:
        data = _NOT_BASE64.sub(b"", data)
    try:
        binascii.a2b_base64(data, strict_mode=True)
    except binascii.Error:
        padding = "wrong padding or length"
    else:
        padding = ""
    if junk and padding:
        return f"{junk} characters outside the alphabet ignored, {padding}"
    if junk:
        return f"{junk} characters outside the alphabet ignored"
    return padding or None


def decode_escapes(text: str) -> str:
    """Text with raw ISO-2022-JP escape sequences (left undecoded in DSN fields) decoded; else unchanged."""
    if "\x1b$" not in text and "\x1b(" not in text:
        return text
    try:
        return text.encode("latin-1").decode("iso2022_jp_ext")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def header_str(value: object) -> str:
    """A compat32 header value as a clean str (raw 8-bit bytes decoded as UTF-8 or Latin-1)."""
    if value is None:
        return ""
    if not isinstance(value, str):  # email.header.Header
        value = str(value)
    if value.isascii():
        return value
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeDecodeError:
        return value.encode("utf-8", "surrogateescape").decode("cp1252", "replace")


_ENCODED_WORD = re.compile(r"=\?[^?\s]{1,40}\?[bBqQ]\?")


def decode_rfc2047(value: str) -> str:
    """Decode RFC 2047 encoded words; never raises."""
    value = header_str(value)
    if "=?" not in value or not _ENCODED_WORD.search(value):
        return unfold(value)
    try:
        parts = decode_header(value)
    except Exception:  # noqa: BLE001 - email.header raises assorted errors on hostile input
        return unfold(value)
    out: list[str] = []
    for chunk, cs in parts:
        if isinstance(chunk, bytes):
            text, _ = decode_bytes(chunk, cs)
            out.append(text)
        else:
            out.append(chunk)
    return unfold("".join(out))


def unfold(value: str) -> str:
    r"""Unfold a header value: all runs of whitespace become one space; trimmed.

    str.split() splits at the characters `\s` matches in a str pattern (str.isspace: the same table),
    so this is re.sub(r"\s+", " ", value).strip(), several times faster (tests/test_textutil.py)."""
    return " ".join(value.split())


_TAG_DROP = re.compile(r"<(script|style|head)\b[^>]{0,500}>.*?</\1\s*>", re.I | re.S)
_BREAK = re.compile(r"<\s*(br|/p|p|/div|div|tr|/tr|li|/h\d|h\d|/table|table)\b[^>]{0,500}>", re.I)
_TAG = re.compile(r"<[^>]{0,2000}>")
_BLANKS = re.compile(r"[ \t\u00a0]+")


def html_to_text(markup: str) -> str:
    """A readable plain-text rendering of an HTML body (for NDRs that only ship HTML)."""
    text = _TAG_DROP.sub(" ", markup)
    text = _BREAK.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _BLANKS.sub(" ", text)
    return "\n".join(line.strip() for line in text.splitlines())


# Linear line-start labels: a multiline `^\s*LABEL` pattern is quadratic on a run of blank lines (every
# line start re-reads the rest of the run), so labels are matched as `^[^\S\n]*LABEL` (LINE_SPACE).
# The match is the same label; only its start differs: label_start() gives the start `^\s*` had.
LINE_SPACE = r"[^\S\n]*"


def label_start(text: str, start: int) -> int:
    r"""Where `^\s*LABEL` (re.M) starts for a `^[^\S\n]*LABEL` match at `start`: the first of the blank
    lines right above the label. Linear in those lines."""
    i = start
    while i > 0 and text[i - 1].isspace():
        i -= 1
    if i == 0 or text[i - 1] == "\n":
        return i
    return text.index("\n", i, start) + 1


def clip(text: str, limit: int) -> str:
    """Text truncated to at most `limit` characters."""
    return text if len(text) <= limit else text[:limit]
