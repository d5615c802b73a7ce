"""`ndr scan` over local sources (real files, real SQLite): first scan, rescan, appended, rewritten."""

from __future__ import annotations

import os
from pathlib import Path

from tests.mailgen import digest, message, write_dir, write_maildir, write_mbox
from tests.scanhelp import count, db, digests, ndr, source_row, toml_source, write_config


def _scan(cfg: Path, *args: str) -> tuple[int, dict[str, list[int]]]:
    """Exit code and, per source, [fetched, new, duplicates, failed, skipped] parsed from the summary table."""
    ran = ndr("scan", "--config", str(cfg), *args)
    assert ran.code in (0, 1), ran.err
    rows: dict[str, list[int]] = {}
    for line in ran.out.splitlines()[2:]:
        cells = line.split()
        rows[cells[0]] = [int(c) for c in cells[2:7]]
    return ran.code, rows


def test_mbox_first_second_and_grown(tmp_path: Path) -> None:
    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(40))
    cfg = write_config(tmp_path, toml_source("box", "mbox", box))
    store = tmp_path / "store.sqlite3"
    assert _scan(cfg) == (0, {"box": [40, 40, 0, 0, 0]})
    assert digests(store) == sorted(digest(i) for i in range(40))
    assert _scan(cfg) == (0, {"box": [0, 0, 0, 0, 0]})  # resumed after the last message: nothing fetched
    write_mbox(box, range(40, 45), append=True)
    assert _scan(cfg) == (0, {"box": [5, 5, 0, 0, 0]})
    assert digests(store) == sorted(digest(i) for i in range(45))
    with db(store) as conn:
        refs = [r[0] for r in conn.execute("SELECT ref FROM refs ORDER BY message_id")]
    assert refs[0] == f"{box}#0"
    assert all(ref.startswith(f"{box}#") for ref in refs)


def test_mbox_rewritten_is_rescanned_and_deduplicated(tmp_path: Path) -> None:
    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(20))
    cfg = write_config(tmp_path, toml_source("box", "mbox", box))
    assert _scan(cfg) == (0, {"box": [20, 20, 0, 0, 0]})
    # a mail client expunged the first three messages and a new one arrived: the file is rewritten
    write_mbox(box, [*range(3, 20), 20])
    assert _scan(cfg) == (0, {"box": [18, 1, 17, 0, 0]})
    # it shrank below the cursor: rescanned too
    write_mbox(box, [21])
    assert _scan(cfg) == (0, {"box": [1, 1, 0, 0, 0]})
    assert count(tmp_path / "store.sqlite3") == 22


def test_mbox_same_head_but_last_message_changed_is_rescanned(tmp_path: Path) -> None:
    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(10))
    cfg = write_config(tmp_path, toml_source("box", "mbox", box))
    _scan(cfg)
    write_mbox(box, [*range(9), 30, 31])  # same first messages, the last one replaced, and one more
    assert _scan(cfg) == (0, {"box": [11, 2, 9, 0, 0]})


def test_mbox_from_lines_in_bodies_are_unescaped(tmp_path: Path) -> None:
    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(6))  # message 5 (plain) has body lines starting with "From "
    assert b"\n>From here on" in box.read_bytes()
    cfg = write_config(tmp_path, toml_source("box", "mbox", box))
    _scan(cfg)
    assert digest(5) in digests(tmp_path / "store.sqlite3")


def test_dir_first_second_added_and_nested(tmp_path: Path) -> None:
    root = tmp_path / "ndrs"
    write_dir(root, range(150))  # in 000/ and 001/
    (root / "notes.txt").write_text("not mail")
    cfg = write_config(tmp_path, toml_source("saved", "dir", root))
    assert _scan(cfg) == (0, {"saved": [150, 150, 0, 0, 0]})
    assert _scan(cfg) == (0, {"saved": [0, 0, 0, 0, 150]})  # unchanged files are not even opened
    write_dir(root, range(150, 160))
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "sub" / "deeper" / "X.EML").write_bytes(message(500))
    assert _scan(cfg) == (0, {"saved": [11, 11, 0, 0, 150]})
    assert digests(tmp_path / "store.sqlite3") == sorted([digest(i) for i in range(160)] + [digest(500)])
    assert source_row(tmp_path / "store.sqlite3", "saved")["new"] == 161


def test_dir_max_messages_resumes_where_it_stopped(tmp_path: Path) -> None:
    root = tmp_path / "ndrs"
    write_dir(root, range(10))
    cfg = write_config(tmp_path, toml_source("saved", "dir", root))
    seen = [_scan(cfg, "--max-messages", "4")[1]["saved"] for _ in range(3)]
    assert seen == [[4, 4, 0, 0, 0], [4, 4, 0, 0, 4], [2, 2, 0, 0, 8]]  # the files not stored yet, in order
    assert count(tmp_path / "store.sqlite3") == 10


def test_mbox_max_messages_resumes_where_it_stopped(tmp_path: Path) -> None:
    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(10))
    cfg = write_config(tmp_path, toml_source("box", "mbox", box))
    seen = [_scan(cfg, "--max-messages", "4")[1]["box"] for _ in range(4)]
    assert seen == [[4, 4, 0, 0, 0], [4, 4, 0, 0, 0], [2, 2, 0, 0, 0], [0, 0, 0, 0, 0]]
    assert digests(tmp_path / "store.sqlite3") == sorted(digest(i) for i in range(10))


def test_maildir_new_and_cur_read_only(tmp_path: Path) -> None:
    md = tmp_path / "Maildir"
    paths = write_maildir(md, range(8))
    write_maildir(md, range(8, 10), sub="cur")
    (md / "tmp" / "1714530000.M1P1.being-delivered").write_bytes(message(99))
    before = {p: (p.stat().st_mtime_ns, p.stat().st_mode) for p in md.rglob("*") if p.is_file()}
    cfg = write_config(tmp_path, toml_source("md", "maildir", md))
    assert _scan(cfg) == (0, {"md": [10, 10, 0, 0, 0]})
    after = {p: (p.stat().st_mtime_ns, p.stat().st_mode) for p in md.rglob("*") if p.is_file()}
    assert after == before  # nothing moved, renamed or touched
    # a mail client moves a message from new/ to cur/ and flags it: same ref, not new
    moved = md / "cur" / (paths[0].name + ":2,S")
    os.rename(paths[0], moved)
    write_maildir(md, [10])
    assert _scan(cfg) == (0, {"md": [1, 1, 0, 0, 10]})  # a rename keeps size and mtime: not read again
    store = tmp_path / "store.sqlite3"
    assert digest(99) not in digests(store)  # tmp/ is not read
    with db(store) as conn:
        refs = {r[0] for r in conn.execute("SELECT ref FROM refs WHERE source = 'md'")}
    assert len(refs) == 11
    assert paths[0].name in refs and all(":2," not in r for r in refs)


def test_the_same_bytes_in_two_sources_are_stored_once(tmp_path: Path) -> None:
    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(10))
    root = tmp_path / "ndrs"
    write_dir(root, range(5, 15))
    cfg = write_config(tmp_path, toml_source("box", "mbox", box), toml_source("saved", "dir", root))
    assert _scan(cfg) == (0, {"box": [10, 10, 0, 0, 0], "saved": [10, 5, 5, 0, 0]})
    store = tmp_path / "store.sqlite3"
    assert count(store) == 15
    assert count(store, "refs") == 20
    with db(store) as conn:
        (first_source,) = conn.execute("SELECT source FROM messages WHERE digest = ?", (digest(7),)).fetchone()
        assert first_source == "box"


def test_source_option_scans_only_that_source(tmp_path: Path) -> None:
    box = tmp_path / "bounces.mbox"
    write_mbox(box, range(3))
    root = tmp_path / "ndrs"
    write_dir(root, range(3, 6))
    cfg = write_config(tmp_path, toml_source("box", "mbox", box), toml_source("saved", "dir", root))
    assert _scan(cfg, "--source", "saved") == (0, {"saved": [3, 3, 0, 0, 0]})
    assert source_row(tmp_path / "store.sqlite3", "box") == {}  # never scanned


def test_a_missing_source_is_reported_and_the_others_go_on(tmp_path: Path) -> None:
    root = tmp_path / "ndrs"
    write_dir(root, range(3))
    cfg = write_config(tmp_path, toml_source("gone", "mbox", tmp_path / "no.mbox"), toml_source("saved", "dir", root),
                       toml_source("md", "maildir", root))
    ran = ndr("scan", "--config", str(cfg))
    assert ran.code == 1
    assert f"ERROR gone: stopped: {tmp_path / 'no.mbox'}: no such mbox file" in ran.err
    assert f"ERROR md: stopped: {root}: not a Maildir (it needs cur/ and new/)" in ran.err
    assert count(tmp_path / "store.sqlite3") == 3
    summary = {line.split()[0]: line for line in ran.out.splitlines()[2:]}
    assert "stopped: gone:" in summary["gone"] and summary["saved"].rstrip().endswith("ok")


def test_an_unreadable_file_is_a_failure_and_the_rest_is_stored(tmp_path: Path) -> None:
    root = tmp_path / "ndrs"
    write_dir(root, range(4))
    bad = root / "000" / "bounce-000002.eml"
    bad.unlink()
    bad.symlink_to(bad)  # a symlink loop: unreadable even for root (ELOOP)
    cfg = write_config(tmp_path, toml_source("saved", "dir", root))
    ran = ndr("scan", "--config", str(cfg))
    assert ran.code == 1
    assert "ERROR saved: 000/bounce-000002.eml: cannot read: Too many levels of symbolic links" in ran.err
    assert ran.out.splitlines()[2].split()[2:7] == ["3", "3", "0", "1", "0"]  # fetched, new, dup, failed, skipped
    assert count(tmp_path / "store.sqlite3") == 3
