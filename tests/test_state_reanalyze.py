"""`ndr state`, `ndr state reset` and `ndr reanalyze` against a real store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.classify import PROVIDER_RULES
from analyzer.classify.rules import Rule, rx
from analyzer.reasons import Reason
from ndr.cli import state as state_cli
from ndr.store import Store
from tests.mailgen import write_dir, write_mbox
from tests.scanhelp import ndr, source_row, toml_source, write_config


@pytest.fixture
def scanned(tmp_path: Path) -> Path:
    """Two sources scanned once, a third configured but never scanned."""
    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(12))
    write_dir(tmp_path / "ndrs", range(100, 106))
    cfg = write_config(tmp_path, toml_source("box", "mbox", box), toml_source("saved", "dir", tmp_path / "ndrs"),
                       toml_source("later", "maildir", tmp_path / "md"))
    assert ndr("scan", "--config", str(cfg), "--source", "box", "--source", "saved").code == 0
    return cfg


def test_state_shows_cursor_counts_and_last_run(scanned: Path) -> None:
    ran = ndr("state", "--config", str(scanned))
    assert ran.code == 0
    lines = ran.out.splitlines()
    assert lines[0].split() == ["source", "type", "cursor", "new", "duplicates", "failed", "pending", "last", "run",
                                 "status"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert rows["box"].split()[1:6] == ["mbox", "mbox", "offset", str(_last_offset(scanned)), "12"]
    assert rows["box"].rstrip().endswith("ok")
    assert rows["saved"].split()[1:5] == ["dir", "after", "001/bounce-000105.eml", "6"]
    assert rows["later"].split()[1:3] == ["maildir", "-"] and rows["later"].rstrip().endswith("never scanned")


def _last_offset(cfg: Path) -> int:
    cursor = source_row(cfg.parent / "store.sqlite3", "box")["cursor"]
    return int(json.loads(str(cursor))["last"])


def test_state_json(scanned: Path) -> None:
    ran = ndr("state", "--config", str(scanned), "--json")
    rows = {r["source"]: r for r in json.loads(ran.out)}
    assert rows["box"]["new"] == 12 and rows["box"]["last_run_status"] == "ok"
    assert rows["box"]["pending_after_actions"] == rows["later"]["pending_after_actions"] == 0
    assert json.loads(rows["box"]["cursor"])["last"] == _last_offset(scanned)
    assert rows["later"]["cursor"] is None and rows["later"]["last_run_status"] == "never scanned"


def test_state_before_any_scan(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, toml_source("box", "mbox", tmp_path / "b.mbox"))
    ran = ndr("state", "--config", str(cfg))
    assert ran.code == 0
    assert ran.out.splitlines()[0] == f"no store yet at {tmp_path / 'store.sqlite3'}: run `ndr scan` first"


def test_reset_forgets_the_cursor_and_nothing_is_stored_twice(scanned: Path) -> None:
    ran = ndr("state", "--config", str(scanned), "reset", "box", "--yes")
    assert (ran.code, ran.out) == (0, "box: cursor forgotten; the next scan reads it from the beginning\n")
    store = scanned.parent / "store.sqlite3"
    assert source_row(store, "box")["cursor"] is None
    rescan = ndr("scan", "--config", str(scanned), "--source", "box")
    assert rescan.out.splitlines()[2].split()[2:6] == ["12", "0", "12", "0"]


def test_reset_asks_first(scanned: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_cli, "is_tty", lambda stream: True)
    store = scanned.parent / "store.sqlite3"
    before = source_row(store, "box")["cursor"]
    from click.testing import CliRunner

    from ndr.cli import cli

    declined = CliRunner().invoke(cli, ["state", "--config", str(scanned), "reset", "box"], input="n\n")
    assert declined.exit_code == 0
    assert "Forget the cursor of 'box'?" in declined.output and "left as it was" in declined.output
    assert source_row(store, "box")["cursor"] == before
    accepted = CliRunner().invoke(cli, ["state", "--config", str(scanned), "reset", "box"], input="y\n")
    assert accepted.exit_code == 0
    assert source_row(store, "box")["cursor"] is None


def test_reset_without_a_terminal_needs_yes(scanned: Path) -> None:
    ran = ndr("state", "--config", str(scanned), "reset", "box")
    assert (ran.code, ran.err) == (2, "ndr state: not on a terminal: add --yes to reset without asking\n")
    assert source_row(scanned.parent / "store.sqlite3", "box")["cursor"] is not None


def test_reset_of_an_unknown_source(scanned: Path) -> None:
    ran = ndr("state", "--config", str(scanned), "reset", "nope", "--yes")
    assert (ran.code, ran.err) == (2, f"ndr state: nope: no such source in {scanned.parent / 'store.sqlite3'}\n")


def _reasons(cfg: Path) -> dict[str, tuple[str, str]]:
    with Store.open(cfg.parent / "store.sqlite3", readonly=True) as store:
        return {str(r["ref"]): (str(r["reason"]), str(r["rule"])) for r in store.iter_failures()}


def test_reanalyze_applies_a_rule_change_to_stored_messages(scanned: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _reasons(scanned)
    ipv6 = {ref for ref, (reason, _) in before.items() if reason == "requireptr"}
    assert len(ipv6) == 6  # messages 0, 4, 6, 10 of the mbox and 100, 102 of the dir
    assert ndr("reanalyze", "--config", str(scanned)).out == "reanalysed 18 message(s): 0 changed, 0 failed\n"

    new_rule = Rule(id="test.ipv6-reputation", reason=Reason.BADREPUTATION, pattern=rx(r"IPv6 sending guidelines"))
    monkeypatch.setitem(PROVIDER_RULES, "google", (new_rule, *PROVIDER_RULES["google"]))
    ran = ndr("reanalyze", "--config", str(scanned), "--source", "box")
    assert (ran.code, ran.out) == (0, "reanalysed 12 message(s): 4 changed, 0 failed\n")
    after = _reasons(scanned)
    changed = {ref for ref in after if after[ref] != before[ref]}
    assert {after[ref] for ref in changed} == {("badreputation", "test.ipv6-reputation")}
    assert len(changed) == 4 and all(ref.startswith(str(scanned.parent / "bounces.mbox")) for ref in changed)
    assert ndr("reanalyze", "--config", str(scanned)).out == "reanalysed 18 message(s): 2 changed, 0 failed\n"
    assert ndr("reanalyze", "--config", str(scanned)).out == "reanalysed 18 message(s): 0 changed, 0 failed\n"
    monkeypatch.undo()
    assert ndr("reanalyze", "--config", str(scanned)).out == "reanalysed 18 message(s): 6 changed, 0 failed\n"
    assert _reasons(scanned) == before


def test_reanalyze_before_any_scan(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, toml_source("box", "mbox", tmp_path / "b.mbox"))
    ran = ndr("reanalyze", "--config", str(cfg))
    expected = f"ndr reanalyze: no store at {tmp_path / 'store.sqlite3'}: run `ndr scan` first\n"
    assert (ran.code, ran.err) == (2, expected)


@pytest.mark.parametrize("command", [["scan"], ["state"], ["state", "reset"], ["reanalyze"]])
def test_help_has_examples(command: list[str]) -> None:
    ran = ndr(*command, "--help")
    assert ran.code == 0
    assert "Examples:" in ran.out and f"ndr {' '.join(command)}" in ran.out
