"""The file index of dir and maildir sources: unchanged files are not opened on a re-scan; changed,
new and removed files are followed; `ndr state reset` and stores from before the index read it all."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from connectors import local
from ndr.store import Store, schema
from tests.mailgen import digest, message, write_dir, write_maildir
from tests.scanhelp import count, db, digests, ndr, toml_source, write_config


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the local connector reads (the real reader, watched)."""
    seen: list[Path] = []
    real = local._read

    def watched(path: Path) -> tuple[bytes | None, str | None]:
        seen.append(path)
        return real(path)

    monkeypatch.setattr(local, "_read", watched)
    return seen


def _scan(cfg: Path, *args: str) -> tuple[list[int], str]:
    """[fetched, new, duplicates, failed, skipped] of the only source, and the summary's first line."""
    ran = ndr("scan", "--config", str(cfg), *args)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    return [int(c) for c in lines[2].split()[2:7]], lines[0]


def _index(store: Path) -> dict[str, tuple[int, int, str]]:
    with db(store) as conn:
        rows = conn.execute("SELECT f.ref, f.size, f.mtime_ns, m.digest FROM files f "
                            "JOIN messages m ON m.id = f.message_id").fetchall()
    return {ref: (size, mtime, dig) for ref, size, mtime, dig in rows}


def test_an_unchanged_dir_is_listed_not_read(tmp_path: Path, opened: list[Path]) -> None:
    root = tmp_path / "ndrs"
    paths = write_dir(root, range(30))
    cfg = write_config(tmp_path, toml_source("saved", "dir", root))
    assert _scan(cfg)[0] == [30, 30, 0, 0, 0]
    assert len(opened) == 30
    index = _index(tmp_path / "store.sqlite3")
    assert index["000/bounce-000007.eml"] == (paths[7].stat().st_size, paths[7].stat().st_mtime_ns, digest(7))
    assert len(index) == 30
    opened.clear()
    counts, line = _scan(cfg)
    assert counts == [0, 0, 0, 0, 30] and opened == []
    assert line.startswith("1 source(s), 0 fetched, 0 new, 0 duplicates, 0 failed, 30 unchanged file(s) not read in ")
    with db(tmp_path / "store.sqlite3") as conn:
        last = conn.execute("SELECT fetched, skipped FROM run_sources ORDER BY run_id DESC LIMIT 1").fetchone()
    assert last == (0, 30)


def test_changed_new_and_removed_files_are_followed(tmp_path: Path, opened: list[Path]) -> None:
    root = tmp_path / "ndrs"
    paths = write_dir(root, range(10))
    cfg = write_config(tmp_path, toml_source("saved", "dir", root))
    store = tmp_path / "store.sqlite3"
    _scan(cfg)
    opened.clear()
    os.utime(paths[1], ns=(paths[1].stat().st_atime_ns, paths[1].stat().st_mtime_ns + 10**9))  # touched only
    paths[2].write_bytes(message(102))  # rewritten: other bytes
    paths[3].unlink()
    write_dir(root, [10])
    assert _scan(cfg)[0] == [3, 2, 1, 0, 7]  # touched: a duplicate; rewritten and added: new
    assert sorted(p.name for p in opened) == ["bounce-000001.eml", "bounce-000002.eml", "bounce-000010.eml"]
    index = _index(store)
    assert "000/bounce-000003.eml" not in index and len(index) == 10  # the removed file left the index
    assert index["000/bounce-000002.eml"][2] == digest(102)
    assert index["000/bounce-000001.eml"][1] == paths[1].stat().st_mtime_ns
    assert digest(3) in digests(store)  # its message stays stored
    opened.clear()
    assert _scan(cfg)[0] == [0, 0, 0, 0, 10] and opened == []


def test_a_maildir_message_moving_to_cur_is_not_read_again(tmp_path: Path, opened: list[Path]) -> None:
    md = tmp_path / "Maildir"
    paths = write_maildir(md, range(5))
    cfg = write_config(tmp_path, toml_source("md", "maildir", md))
    _scan(cfg)
    opened.clear()
    for p in paths:
        os.rename(p, md / "cur" / (p.name + ":2,S"))
    assert _scan(cfg)[0] == [0, 0, 0, 0, 5] and opened == []


def test_state_reset_forgets_the_index(tmp_path: Path, opened: list[Path]) -> None:
    root = tmp_path / "ndrs"
    write_dir(root, range(6))
    cfg = write_config(tmp_path, toml_source("saved", "dir", root))
    _scan(cfg)
    assert ndr("state", "--config", str(cfg), "reset", "saved", "--yes").code == 0
    assert _index(tmp_path / "store.sqlite3") == {}
    opened.clear()
    assert _scan(cfg)[0] == [6, 0, 6, 0, 0] and len(opened) == 6  # read again, stored once


def test_dry_run_uses_the_index_and_writes_nothing(tmp_path: Path, opened: list[Path]) -> None:
    root = tmp_path / "ndrs"
    write_dir(root, range(4))
    cfg = write_config(tmp_path, toml_source("saved", "dir", root))
    _scan(cfg)
    write_dir(root, [4])
    opened.clear()
    ran = ndr("scan", "--config", str(cfg), "--dry-run")
    assert ran.out.startswith("dry run, nothing stored: 1 source(s), 1 fetched, 1 new, 0 duplicates, 0 failed, "
                              "4 unchanged file(s) not read")
    assert len(opened) == 1 and len(_index(tmp_path / "store.sqlite3")) == 4


def test_parallel_analysis_records_the_index_too(tmp_path: Path, opened: list[Path]) -> None:
    root = tmp_path / "ndrs"
    write_dir(root, range(40))
    cfg = write_config(tmp_path, toml_source("saved", "dir", root))
    assert _scan(cfg, "--jobs", "2")[0] == [40, 40, 0, 0, 0]
    assert len(_index(tmp_path / "store.sqlite3")) == 40
    opened.clear()
    assert _scan(cfg, "--jobs", "2")[0] == [0, 0, 0, 0, 40] and opened == []


def test_a_store_from_before_the_index_is_read_once_then_indexed(tmp_path: Path, opened: list[Path]) -> None:
    root = tmp_path / "ndrs"
    write_dir(root, range(8))
    cfg = write_config(tmp_path, toml_source("saved", "dir", root))
    store = tmp_path / "store.sqlite3"
    _scan(cfg)
    with sqlite3.connect(store) as conn:  # back to schema 2: no files table, no run_sources.skipped (nor later)
        conn.execute("DROP TABLE pending_after")
        conn.execute("DROP TABLE files")
        conn.execute("ALTER TABLE run_sources DROP COLUMN skipped")
        conn.execute("PRAGMA user_version = 2")
    with Store.open(store) as opened_store:
        assert schema.version_of(opened_store.connection()) == schema.LATEST
    opened.clear()
    assert _scan(cfg)[0] == [8, 0, 8, 0, 0] and len(opened) == 8  # no index yet: read, known by digest
    assert _scan(cfg)[0] == [0, 0, 0, 0, 8]
    assert count(store) == 8
