"""The scan loop against the connector contract: transactions, after-actions, failures, dry runs, output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ndr import config as cfgmod
from ndr import scan as scanmod
from tests.mailgen import digest, write_mbox
from tests.scanhelp import count, db, digests, ndr, ndr_process, source_row, toml_source, write_config


@pytest.fixture(autouse=True)
def _scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cfgmod.SOURCE_TYPES, "scripted", "tests.scripted_source")


def _scripted_source(tmp: Path, name: str, **extra: object) -> str:
    lines = ["[[sources]]", f'name = "{name}"', 'type = "scripted"', f'store = "{tmp / "store.sqlite3"}"',
             f'journal = "{tmp / (name + ".journal")}"']
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def _journal(tmp: Path, name: str) -> list[str]:
    path = tmp / f"{name}.journal"
    return path.read_text().split() if path.exists() else []


def test_after_store_runs_once_stored_and_checkpoint_moves_the_cursor(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, _scripted_source(tmp_path, "s", count=4, checkpoint=True))
    ran = ndr("scan", "--config", str(cfg))
    assert ran.code == 0, ran.err
    assert _journal(tmp_path, "s") == ["m0", "m1", "m2", "m3"]  # after_store checked each was committed
    assert json.loads(str(source_row(tmp_path / "store.sqlite3", "s")["cursor"])) == {"next": 4, "done": True}
    assert "s: starting at 0" in ran.err  # connector log lines carry the source name


def test_an_analysis_crash_is_stored_as_error_and_the_scan_goes_on(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real = scanmod.prepare
    poisoned = digest(2)

    def prepare(data: bytes, options: object, *, digest: str | None = None) -> object:
        if digest == poisoned:
            raise ValueError("rule table exploded")
        return real(data, options, digest=digest)  # type: ignore[arg-type]

    monkeypatch.setattr(scanmod, "prepare", prepare)
    cfg = write_config(tmp_path, _scripted_source(tmp_path, "s", count=5))
    ran = ndr("scan", "--config", str(cfg))
    assert ran.code == 1
    assert "ERROR s: m2: analysis failed (ValueError: rule table exploded); stored as kind=error" in ran.err
    store = tmp_path / "store.sqlite3"
    assert count(store) == 5
    with db(store) as conn:
        assert conn.execute("SELECT kind, failure FROM messages WHERE ref = 'm2'").fetchone() == (
            "error", "analysis failed: ValueError: rule table exploded")
    row = source_row(store, "s")
    assert (row["new"], row["failed"], json.loads(str(row["cursor"]))) == (4, 1, {"next": 5})
    assert _journal(tmp_path, "s") == ["m0", "m1", "m2", "m3", "m4"]
    monkeypatch.setattr(scanmod, "prepare", real)
    assert ndr("scan", "--config", str(cfg)).code == 0  # the cursor moved past it: not fetched again


def test_a_store_failure_stops_that_source_without_moving_its_cursor(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from ndr.store import Store, StoreError

    real = Store.record
    calls: list[str | None] = []

    def record(self: Store, source: str, entries: list[object], cursor: str | None, **kw: object) -> object:
        calls.append(cursor)
        if source == "a" and cursor == json.dumps({"next": 4}):  # the second batch of two
            raise StoreError("disk I/O error")
        return real(self, source, entries, cursor, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "record", record)
    cfg = write_config(tmp_path, _scripted_source(tmp_path, "a", count=5),
                       _scripted_source(tmp_path, "b", first=100, count=3))
    config = cfgmod.load_config(cfg)
    store_path = tmp_path / "store.sqlite3"
    with Store.open(store_path) as store:
        result = scanmod.Scanner(store, scanmod.ScanOptions(batch_size=2)).run(config.sources)
    assert result.exit_code == 1
    a, b = result.sources
    assert (a.fetched, a.new, a.error) == (4, 2, "disk I/O error")  # stopped at the failing batch
    assert calls[:2] == [json.dumps({"next": 2}), json.dumps({"next": 4})]
    assert json.loads(str(source_row(store_path, "a")["cursor"])) == {"next": 2}
    assert _journal(tmp_path, "a") == ["m0", "m1"]  # no after-action for what was not stored
    assert (b.new, b.error) == (3, None) and _journal(tmp_path, "b") == ["m100", "m101", "m102"]
    monkeypatch.setattr(Store, "record", real)
    assert ndr("scan", "--config", str(cfg)).code == 0
    assert digests(store_path) == sorted([digest(i) for i in range(5)] + [digest(i) for i in range(100, 103)])
    assert source_row(store_path, "a")["new"] == 5


def test_batches_commit_with_the_cursor_of_their_last_message(tmp_path: Path) -> None:
    from ndr.store import Store

    cfg = write_config(tmp_path, _scripted_source(tmp_path, "s", count=7, checkpoint=True))
    config = cfgmod.load_config(cfg)
    with Store.open(tmp_path / "store.sqlite3") as store:
        result = scanmod.Scanner(store, scanmod.ScanOptions(batch_size=3, max_messages=5)).run(config.sources)
        assert (result.sources[0].new, result.exit_code) == (5, 0)
        assert json.loads(str(store.cursor_of("s"))) == {"next": 5}  # batches [0-2], [3-4]: the last cut short
        result = scanmod.Scanner(store, scanmod.ScanOptions(batch_size=3)).run(config.sources)
        assert result.sources[0].new == 2
        assert json.loads(str(store.cursor_of("s"))) == {"next": 7, "done": True}  # then the checkpoint
    assert _journal(tmp_path, "s") == [f"m{i}" for i in range(7)]


def test_a_source_error_is_reported_and_a_rerun_completes(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, _scripted_source(tmp_path, "s", count=6, fail_after=4),
                       _scripted_source(tmp_path, "t", first=50, count=2))
    ran = ndr("scan", "--config", str(cfg))
    assert ran.code == 1
    assert "ERROR s: stopped: connection reset by peer" in ran.err
    assert count(tmp_path / "store.sqlite3") == 6
    cfg.write_text(cfg.read_text().replace("fail_after = 4\n", ""))
    assert ndr("scan", "--config", str(cfg)).code == 0
    assert count(tmp_path / "store.sqlite3") == 8


def test_an_authentication_error_exits_2_and_the_other_sources_go_on(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, _scripted_source(tmp_path, "locked", auth_error=True),
                       _scripted_source(tmp_path, "fine", count=2))
    ran = ndr("scan", "--config", str(cfg))
    assert ran.code == 2
    assert "ERROR locked: login refused: check password_env" in ran.err
    assert count(tmp_path / "store.sqlite3") == 2


def test_dry_run_stores_nothing_and_runs_no_after_actions(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, _scripted_source(tmp_path, "s", count=3, checkpoint=True))
    ran = ndr("scan", "--config", str(cfg), "--dry-run")
    assert ran.code == 0
    assert not (tmp_path / "store.sqlite3").exists()  # not even created
    assert _journal(tmp_path, "s") == []
    assert ran.out.startswith("dry run, nothing stored: 1 source(s), 3 fetched, 3 new, 0 duplicates, 0 failed")
    assert "s: m0: would store bounce" in ran.err
    # with an existing store: duplicates are recognised, nothing changes
    assert ndr("scan", "--config", str(cfg), "--max-messages", "2").code == 0
    before = (digests(tmp_path / "store.sqlite3"), source_row(tmp_path / "store.sqlite3", "s"))
    ran = ndr("scan", "--config", str(cfg), "--dry-run")
    assert ran.out.startswith("dry run, nothing stored: 1 source(s), 1 fetched, 1 new, 0 duplicates")
    assert (digests(tmp_path / "store.sqlite3"), source_row(tmp_path / "store.sqlite3", "s")) == before
    assert _journal(tmp_path, "s") == ["m0", "m1"]


def test_runs_are_recorded(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, _scripted_source(tmp_path, "s", count=3, fail_after=2))
    ndr("scan", "--config", str(cfg), "--max-messages", "5")
    with db(tmp_path / "store.sqlite3") as conn:
        run = conn.execute("SELECT id, finished_at IS NOT NULL, exit_code, argv FROM runs").fetchone()
        per_source = conn.execute("SELECT source, fetched, new, duplicates, failed, error FROM run_sources").fetchall()
    assert run[1:3] == (1, 1)
    assert per_source == [("s", 2, 2, 0, 0, "s: connection reset by peer")]


def test_off_a_terminal_log_lines_name_source_and_reference_and_a_summary_follows(tmp_path: Path) -> None:
    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(7))
    cfg = write_config(tmp_path, toml_source("box", "mbox", box))
    ran = ndr_process("scan", "--config", str(cfg), home=tmp_path)
    assert ran.code == 0, ran.err
    lines = ran.err.splitlines()
    assert len(lines) == 7
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    assert re.fullmatch(stamp + rf" INFO box: {re.escape(str(box))}#0: stored bounce: requireptr from "
                        r"2a01:111:f403:2600::/64", lines[0])
    assert all(f"box: {box}#" in line for line in lines)
    assert "\x1b[" not in ran.out + ran.err  # no colours, no bars
    out = ran.out.splitlines()
    assert re.fullmatch(r"1 source\(s\), 7 fetched, 7 new, 0 duplicates, 0 failed in \d+\.\d s", out[0])
    assert out[1].split() == ["source", "type", "fetched", "new", "duplicates", "failed", "skipped", "seconds",
                              "status"]
    assert out[2].split()[:6] == ["box", "mbox", "7", "7", "0", "0"] and out[2].endswith("ok")
    quiet = ndr_process("scan", "--config", str(cfg), "-q", home=tmp_path)
    assert (quiet.code, quiet.err) == (0, "")


def test_on_a_terminal_a_progress_bar_is_drawn(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess

    from tests.scanhelp import ROOT, ndr_argv, process_env

    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(30))
    cfg = write_config(tmp_path, toml_source("box", "mbox", box))
    primary, secondary = pty.openpty()
    env = process_env({"TERM": "xterm", "COLUMNS": "120"}, home=tmp_path)
    proc = subprocess.Popen(ndr_argv("scan", "--config", str(cfg)), stdin=secondary, stdout=secondary,
                            stderr=secondary, env=env, cwd=ROOT)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert proc.wait(60) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "box" in screen and "30/30" in screen and "msg/s" in screen
    assert "━" in screen  # the bar
    assert "stored bounce" not in screen  # per-message lines only off a terminal (or with -v)


def test_reports_are_written_after_a_scan_when_the_config_asks(tmp_path: Path) -> None:
    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(12))
    cfg = write_config(tmp_path, toml_source("box", "mbox", box))
    out = tmp_path / "reports"
    cfg.write_text(cfg.read_text() + f'\n[report]\nout = "{out}"\nformats = ["csv"]\nsince = "10000d"\n')
    dry = ndr("scan", "--config", str(cfg), "--dry-run")
    assert dry.code == 0 and not out.exists()
    ran = ndr("scan", "--config", str(cfg))
    assert ran.code == 0, ran.err
    assert "2a01:111:f403:2600::" in (out / "failures.csv").read_text()
