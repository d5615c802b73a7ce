"""Microsoft anti-spam headers decoded, with the plain-language texts."""

from __future__ import annotations

import email

import pytest

from analyzer.headers.antispam import antispam_of, bcl_text, compauth_text, parse_forefront, scl_text


def _msg(headers: str) -> email.message.Message:
    return email.message_from_string(headers + "Subject: x\n\nbody\n")


def test_inbound_report_decoded() -> None:
    a = antispam_of(_msg(
        "X-Forefront-Antispam-Report: CIP:198.51.100.25;CTRY:NL;LANG:en;SCL:5;SRV:;IPV:NLI;SFV:SPM;"
        "H:mail.example.net;PTR:mail.example.net;CAT:SPM;SFS:(13230031)(4636009)(376002);DIR:INB;SFTY:9.25;\n"
        "X-Microsoft-Antispam: BCL:4;ARA:13230031;\n"
        "X-MS-Exchange-Organization-SCL: 5\n"))
    assert a is not None
    assert (a.cip, a.ctry, a.lang, a.scl, a.ipv, a.sfv, a.helo, a.ptr, a.cat, a.dir, a.sfty, a.bcl) == (
        "198.51.100.25", "NL", "en", 5, "NLI", "SPM", "mail.example.net", "mail.example.net", "SPM", "INB", "9.25", 4)
    assert a.sfs == "(13230031)(4636009)(376002)"
    assert a.srv is None  # empty values are dropped
    assert a.sfv_text is not None and a.sfv_text.startswith("spam")
    assert a.cat_text == "spam"
    assert a.ipv_text == "the IP address is on no IP reputation list"
    assert a.scl_text is not None and "Junk" in a.scl_text
    assert a.bcl_text == "bulk sender with a mixed number of complaints"
    assert a.sfty_text == "first contact safety tip"
    assert a.dir_text == "inbound"


@pytest.mark.parametrize(("sfv", "words"), [
    ("NSPM", "not spam"), ("SKN", "not spam before filtering"), ("SKI", "skipped"), ("SKA", "allowed"),
    ("SKB", "blocked senders"), ("SKS", "spam before filtering"), ("BLK", "Blocked Senders"), ("SFE", "Safe Senders"),
    ("SKQ", "quarantine"), ("SPM", "spam"),
])
def test_every_sfv_has_words(sfv: str, words: str) -> None:
    a = antispam_of(_msg(f"X-Forefront-Antispam-Report: SFV:{sfv.lower()};\n"))
    assert a is not None and a.sfv == sfv
    assert a.sfv_text is not None and words in a.sfv_text


@pytest.mark.parametrize(("cat", "words"), [
    ("BULK", "bulk"), ("DIMP", "domain impersonation"), ("GIMP", "mailbox intelligence"),
    ("HPHSH", "high confidence phishing"), ("HPHISH", "high confidence phishing"), ("HSPM", "high confidence spam"),
    ("MALW", "malware"), ("PHSH", "phishing"), ("SPM", "spam"), ("SPOOF", "spoofing"), ("UIMP", "user impersonation"),
    ("AMP", "anti-malware"), ("SAP", "Safe Attachments"), ("OSPM", "outbound spam"), ("INTOS", "intra-organization"),
    ("FTBP", "file type"), ("BIMP", "brand"),
])
def test_every_cat_has_words(cat: str, words: str) -> None:
    a = antispam_of(_msg(f"X-Forefront-Antispam-Report: CAT:{cat};\n"))
    assert a is not None and a.cat == cat and a.cat_text is not None and words in a.cat_text


def test_ipv_cal_and_old_efv_name() -> None:
    a = antispam_of(_msg("X-Forefront-Antispam-Report: IPV:CAL;\n"))
    assert a is not None and a.ipv == "CAL" and a.ipv_text is not None and "Allow List" in a.ipv_text
    old = antispam_of(_msg("X-Forefront-Antispam-Report: EFV:NLI;\n"))
    assert old is not None and old.ipv == "NLI"


def test_org_scl_alone_and_bcl_alone() -> None:
    a = antispam_of(_msg("X-MS-Exchange-Organization-SCL: -1\n"))
    assert a is not None and a.scl == -1 and a.scl_text is not None and "skipped" in a.scl_text
    b = antispam_of(_msg("X-Microsoft-Antispam: BCL:0;\n"))
    assert b is not None and b.bcl == 0 and b.bcl_text == "not from a bulk sender" and b.scl is None


def test_untrusted_copy_only_without_trusted_report() -> None:
    both = antispam_of(_msg("X-Forefront-Antispam-Report-Untrusted: CIP:203.0.113.1;SFV:SPM;\n"
                            "X-Forefront-Antispam-Report: CIP:198.51.100.1;SFV:NSPM;\n"))
    assert both is not None and (both.cip, both.sfv) == ("198.51.100.1", "NSPM")
    only = antispam_of(_msg("X-Forefront-Antispam-Report-Untrusted: CIP:203.0.113.1;SFV:SPM;\n"))
    assert only is not None and only.cip == "203.0.113.1"


def test_topmost_report_wins_and_absent_is_none() -> None:
    a = antispam_of(_msg("X-Forefront-Antispam-Report: SCL:1;\nX-Forefront-Antispam-Report: SCL:9;\n"))
    assert a is not None and a.scl == 1
    assert antispam_of(_msg("X-Other: 1\n")) is None


@pytest.mark.parametrize("value", ["", ";;;", "SCL:x;BCL:;CIP:not-an-ip", "SCL:99999;", "SCL:²;", ":" * 5000,
                                   "CIP:" + "1" * 10000])
def test_garbage_never_raises(value: str) -> None:
    a = antispam_of(_msg(f"X-Forefront-Antispam-Report: {value}\nX-Microsoft-Antispam: {value}\n"))
    assert a is not None and a.scl is None and a.bcl is None and a.cip is None


def test_parse_forefront_first_key_wins() -> None:
    assert parse_forefront("SFV:NSPM; sfv:SPM ;H: a.example.net;") == {"SFV": "NSPM", "H": "a.example.net"}


@pytest.mark.parametrize(("scl", "words"), [(-1, "skipped"), (0, "not spam"), (1, "not spam"), (5, "spam"),
                                            (6, "spam"), (7, "high confidence"), (9, "high confidence")])
def test_scl_texts(scl: int, words: str) -> None:
    assert words in (scl_text(scl) or "")


@pytest.mark.parametrize(("bcl", "words"), [(0, "not from"), (2, "few"), (5, "mixed"), (9, "many")])
def test_bcl_texts(bcl: int, words: str) -> None:
    assert words in (bcl_text(bcl) or "")


@pytest.mark.parametrize(("code", "words"), [("000", "explicit"), ("001", "implicit"), ("130", "passed"),
                                             ("201", "soft-passed"), ("301", "not checked"), ("451", "bypassed"),
                                             ("601", "own accepted"), ("905", "bypassed"), ("x", None), (None, None)])
def test_compauth_texts(code: str | None, words: str | None) -> None:
    text = compauth_text(code)
    assert (text is None) if words is None else (text is not None and words in text)
