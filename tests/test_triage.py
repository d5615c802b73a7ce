"""`ndr triage`: the text diagnosis, --explain, --json (design.md's field names), inputs and exit codes.

The command runs for real: in-process through click's runner, and once as a subprocess for stdin.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ndr.cli import cli
from tests.conftest import require
from tests.hostile import bounce

SAMPLES = Path(__file__).parent / "samples"
M365_GMAIL = SAMPLES / "not-bounce" / "m365-to-gmail-delivered.eml"
EXO_SPOOF = SAMPLES / "not-bounce" / "exo-inbound-spoof-dmarc-fail.eml"

# Every field name design.md ("Interfaces other tools rely on") promises, per level.
TOP = {"source", "kind", "message_id", "date", "subject", "reporter", "reporting_mta", "recipients", "original",
       "hops", "auth", "sending_ip", "defects"}
RECIPIENT = {"recipient", "action", "status", "replycode", "reason", "hard", "remote_mta", "diagnostic", "sending_ip",
             "sending_prefix", "blocklist", "rule", "evidence"}
ORIGINAL = {"message_id", "from", "to", "subject", "date"}
HOP = {"from_host", "from_ip", "by_host", "protocol", "at", "delay_s"}
AUTH = {"header", "authserv_id", "method", "result", "properties"}
# design.md's reason vocabulary (Sisimai v5's, lowercase)
REASONS = {
    "authfailure", "badreputation", "blocked", "contenterror", "delivered", "exceedlimit", "expired", "failedstarttls",
    "feedback", "filtered", "hasmoved", "hostunknown", "mailboxfull", "mailererror", "mesgtoobig", "networkerror",
    "norelaying", "notaccept", "notcompliantrfc", "onhold", "policyviolation", "rejected", "requireptr",
    "securityerror", "spamdetected", "speeding", "suppressed", "suspend", "syntaxerror", "systemerror", "systemfull",
    "toomanyconn", "undefined", "userunknown", "vacation", "virusdetected",
}

GMAIL_IPV6_DIAG = ("550-5.7.1 [2a01:111:f403:2612::700 12] This message does not meet IPv6 sending guidelines "
                   "regarding PTR records and authentication. For more information, go to Email sender guidelines. "
                   "https://support.google.com/mail/?p=IPv6AuthError v1si55415385wja.21 - gsmtp")
ORIGINAL_HEADERS = (
    "Received: from DB9PR08MB7114.eurprd08.prod.outlook.com ([fe80::1%6]) by DB9PR08MB7114.eurprd08.prod.outlook.com "
    "([fe80::1%6]) with mapi id 15.20.7633.027; Mon, 3 Jun 2024 08:00:01 +0000\r\n"
    "From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: Quarterly figures\r\n"
    "Date: Mon, 3 Jun 2024 08:00:00 +0000\r\nMessage-ID: <q1@example.com>\r\n"
    "Authentication-Results: dkim=none (message not signed) header.d=none;dmarc=none action=none "
    "header.from=example.com;\r\n")


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["triage", *args], input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ipv6_bounce(tmp_path: Path) -> Path:
    path = tmp_path / "gmail-ipv6.eml"
    path.write_bytes(bounce(diagnostic=GMAIL_IPV6_DIAG, original=ORIGINAL_HEADERS))
    return path


def _fields(obj: dict[str, Any], names: set[str], where: str) -> None:
    missing = names - obj.keys()
    assert not missing, f"{where}: missing {sorted(missing)}"
    empty = [k for k, v in obj.items() if v == ""]
    assert not empty, f"{where}: empty strings instead of null: {empty}"


def test_json_has_every_field_of_design_md(ipv6_bounce: Path) -> None:
    code, out, _ = run("--json", str(ipv6_bounce), str(M365_GMAIL))
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [x["source"] for x in lines] == [str(ipv6_bounce), str(M365_GMAIL)]
    report, delivered = lines
    for obj in lines:
        _fields(obj, TOP, obj["source"])
        for h in obj["hops"]:
            _fields(h, HOP, "hop")
        for a in obj["auth"]:
            _fields(a, AUTH, "auth")
    _fields(report["original"], ORIGINAL, "original")
    (r,) = report["recipients"]
    _fields(r, RECIPIENT, "recipient")
    assert (r["recipient"], r["action"], r["status"], r["replycode"]) == ("bob@example.org", "failed", "5.7.1", "550")
    assert (r["sending_ip"], r["sending_prefix"]) == ("2a01:111:f403:2612::700", "2a01:111:f403:2612::/64")
    assert r["blocklist"] is None  # empty is null, never ""
    assert report["original"]["subject"] == "Quarterly figures"
    assert delivered["kind"] == "not_bounce" and delivered["sending_ip"] == "2a01:111:f403:2612::700"


def test_prefix_lengths_are_parameters(ipv6_bounce: Path) -> None:
    _, out, _ = run("--json", "--prefix-v6", "48", str(ipv6_bounce))
    assert json.loads(out)["recipients"][0]["sending_prefix"] == "2a01:111:f403::/48"


def test_text_diagnosis(ipv6_bounce: Path) -> None:
    code, out, _ = run(str(ipv6_bounce))
    assert code == 0
    assert "bounce: delivery failed" in out
    assert "bob@example.org  failed  5.7.1 (550)" in out
    assert "sending IP: 2a01:111:f403:2612::700  prefix 2a01:111:f403:2612::/64  Microsoft 365 outbound" in out
    assert "what to do:" in out and "Microsoft" in out  # a shared pool: the provider must act
    assert "Original message" in out and "Quarterly figures" in out
    assert "Hops (original message), oldest first" in out
    assert "Authentication (original message)" in out and "dmarc=none" in out
    assert "decided by:" not in out


def test_explain_shows_detector_rule_evidence_and_ip_source(ipv6_bounce: Path) -> None:
    _, out, _ = run("--explain", str(ipv6_bounce))
    assert "decided by: rule " in out
    assert "sending IP from: diagnostic.reply-bracket" in out


def test_not_bounce_shows_hops_auth_and_antispam() -> None:
    _, out, _ = run(str(EXO_SPOOF))
    assert "not a bounce" in out
    assert "compauth=fail" in out and "000: explicit authentication failed" in out
    assert "CAT:SPOOF  spoofing" in out and "SCL:9  high confidence spam" in out
    assert "PTR:InfoNoRecords  no reverse DNS record" in out
    assert "Sending IP: 203.0.113.77 (prefix 203.0.113.0/24)" in out
    lines = out.splitlines()
    assert len(lines) < 60  # one screen


def test_directory_is_searched_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "one.eml").write_bytes(bounce())
    (tmp_path / "two.EML").write_bytes(bounce())
    (tmp_path / "notes.txt").write_text("not mail")
    code, out, _ = run("--json", str(tmp_path))
    assert code == 0
    assert sorted(Path(json.loads(x)["source"]).name for x in out.splitlines()) == ["one.eml", "two.EML"]


def test_mbox_members_are_numbered(tmp_path: Path) -> None:
    one = bounce().replace(b"\r\n", b"\n")
    mbox = tmp_path / "bounces.mbox"
    mbox.write_bytes(b"From MAILER-DAEMON Mon Jun  3 10:00:00 2024\n" + one + b"\n"
                     + b"From MAILER-DAEMON Mon Jun  3 10:05:00 2024\n" + one + b"\n")
    code, out, _ = run("--json", str(mbox))
    assert code == 0
    assert [json.loads(x)["source"] for x in out.splitlines()] == [f"{mbox}/1", f"{mbox}/2"]


def test_exit_status_1_when_an_input_cannot_be_read(ipv6_bounce: Path, tmp_path: Path) -> None:
    code, out, err = run("--json", str(ipv6_bounce), str(tmp_path / "missing.eml"))
    assert code == 1
    assert len(out.splitlines()) == 1  # the readable input is still reported
    assert "missing.eml: no such file or directory" in err


def test_exit_status_2_on_usage_errors() -> None:
    assert run()[0] == 2  # no PATH
    assert run("--prefix-v6", "200", str(M365_GMAIL))[0] == 2
    assert run("--no-such-option", str(M365_GMAIL))[0] == 2


def test_help_has_examples() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "Examples:" in out and "ndr triage --json" in out and "Exit status" in out


def test_stdin_in_a_real_process(ipv6_bounce: Path) -> None:
    env = {**os.environ, "NDR_CONFIG": str(ipv6_bounce.parent / "no-config.toml")}
    proc = subprocess.run([sys.executable, "-c", "import sys; from ndr.cli import main; sys.exit(main())",
                           "triage", "--json", "-"], input=ipv6_bounce.read_bytes(), capture_output=True,
                          env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["source"] == "-"


def test_triage_does_not_import_heavy_modules(ipv6_bounce: Path) -> None:
    code = ("import sys; from ndr.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('pandas', 'openpyxl', 'jinja2', 'imapclient', 'msal', 'requests', 'rich', 'dns',"
            " 'authheaders', 'connectors.imap', 'connectors.graph') if m in sys.modules]\n"
            "print('HEAVY:' + ','.join(heavy))\n")
    proc = subprocess.run([sys.executable, "-c", code, "triage", str(ipv6_bounce)], capture_output=True, text=True,
                          env={**os.environ, "NDR_CONFIG": str(ipv6_bounce.parent / "none.toml")}, timeout=60,
                          check=False)
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY:", proc.stdout


# -- the JSON interface over every golden sample --------------------------------------------------
DESIGN = Path(__file__).resolve().parents[2] / "shared" / "design.md"
KINDS = {"bounce", "delay", "autoreply", "feedback", "not_bounce", "error"}
ACTIONS = {"failed", "delayed", "delivered", "relayed", "expanded"}
AUTH_HEADERS = {"authentication-results", "arc-authentication-results", "received-spf"}


def _design_fields() -> dict[str, set[str]]:
    """The field names of design.md's "Interfaces other tools rely on" block, per level."""
    require(f"the shared design at {DESIGN}", DESIGN.exists())
    text = DESIGN.read_text(encoding="utf-8")
    block = text[text.index("## Interfaces other tools rely on"):]
    block = block[block.index("```") + 3:]
    block = block[: block.index("```")]
    levels: dict[str, set[str]] = {}
    rest = block
    for name in ("recipients", "original", "hops", "auth"):
        start = rest.index(f'"{name}": ')
        opening = rest.index("{", start)
        depth, end = 0, opening
        for end in range(opening, len(rest)):  # the matching brace (auth's properties nest one level)
            depth += {"{": 1, "}": -1}.get(rest[end], 0)
            if depth == 0:
                break
        inner = rest[opening + 1 : end]
        levels[name] = set(re.findall(r'"(\w+)":', re.sub(r'"properties": \{[^}]*\}', '"properties": 0', inner)))
        rest = rest[:opening] + rest[end + 1 :]
    levels["top"] = set(re.findall(r'"(\w+)":', rest))
    return levels


def _no_empty_strings(value: object, where: str) -> None:
    """Empty values are null, never "" (design.md), at every depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            _no_empty_strings(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_empty_strings(v, f"{where}[{i}]")
    else:
        assert value != "", f"{where}: an empty string instead of null"


def test_the_field_lists_here_are_design_mds() -> None:
    assert _design_fields() == {"top": TOP, "recipients": RECIPIENT, "original": ORIGINAL, "hops": HOP, "auth": AUTH}


def test_json_of_every_golden_sample_keeps_the_interface() -> None:
    """`ndr triage --json` over the whole samples folder: every field design.md lists, at every level,
    on every message; values of the promised kinds; no "" anywhere."""
    emls = sorted(SAMPLES.rglob("*.eml"))
    code, out, _ = run("--json", str(SAMPLES))
    assert code == 0
    objs = [json.loads(line) for line in out.splitlines()]
    assert sorted(o["source"] for o in objs) == sorted(str(p) for p in emls)  # one object per file, recursively
    kinds: set[str] = set()
    for obj in objs:
        where = obj["source"]
        _fields(obj, TOP, where)
        _no_empty_strings(obj, where)
        assert obj["kind"] in KINDS, where
        kinds.add(obj["kind"])
        assert isinstance(obj["recipients"], list) and isinstance(obj["hops"], list), where
        assert isinstance(obj["auth"], list) and isinstance(obj["defects"], list), where
        if obj["date"] is not None:
            datetime.fromisoformat(obj["date"])
        if obj["original"] is not None:
            _fields(obj["original"], ORIGINAL, f"{where}: original")
        for r in obj["recipients"]:
            _fields(r, RECIPIENT, f"{where}: recipient")
            assert r["action"] is None or r["action"] in ACTIONS, where
            assert r["hard"] in (True, False, None), where
            assert r["reason"] in REASONS, f"{where}: {r['reason']}"
            assert r["sending_prefix"] is None or "/" in r["sending_prefix"], where
        for h in obj["hops"]:
            _fields(h, HOP, f"{where}: hop")
            assert h["delay_s"] is None or isinstance(h["delay_s"], int | float), where
        for a in obj["auth"]:
            _fields(a, AUTH, f"{where}: auth")
            assert a["header"] in AUTH_HEADERS, where
            assert a["properties"] is None or isinstance(a["properties"], dict), where  # none: null, as any empty
    assert {"bounce", "delay", "not_bounce"} <= kinds
    assert sum(len(o["recipients"]) for o in objs) > len(objs) // 2
