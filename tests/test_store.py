"""The SQLite store: schema versions, exactly-once recording, the iter_failures contract, kept bytes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from analyzer import DEFAULT_OPTIONS, analyze
from ndr.store import FAILURE_KEYS, New, Seen, Store, StoreError, prepare, prepare_failed, reanalysis, retain, schema
from ndr.store.lock import LockedError, writer_lock
from ndr.store.queries import QueryError
from tests.mailgen import BIG_EVERY, message

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "sisimai" / "maildir"


def _store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "s.sqlite3")
    store.ensure_source("src", "mbox")
    return store


def _new(i: int, ref: str | None = None) -> New:
    return New(ref=ref or f"box#{i}", prepared=prepare(message(i), DEFAULT_OPTIONS))


def test_fresh_store_is_at_the_latest_schema_in_wal_mode(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        conn = store.connection()
        assert schema.version_of(conn) == schema.LATEST >= 1
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"sources", "runs", "run_sources", "messages", "refs", "bodies", "recipients"} <= tables


def test_a_store_from_a_newer_ndr_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    Store.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    with pytest.raises(schema.SchemaError, match="newer ndr"):
        Store.open(path)


def test_a_failing_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.sqlite3"
    Store.open(path).close()
    broken = "CREATE TABLE extra (x INTEGER);\nALTER TABLE no_such_table ADD COLUMN y TEXT;"
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, broken))
    monkeypatch.setattr(schema, "LATEST", len(schema.MIGRATIONS))
    with pytest.raises(schema.SchemaError, match=f"migration to schema {schema.LATEST} failed"):
        Store.open(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST - 1
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").fetchone()[0] == 0


def test_a_new_migration_is_applied_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.sqlite3"
    with Store.open(path) as store:
        store.ensure_source("src", "mbox")
    added = "ALTER TABLE sources ADD COLUMN note TEXT;"
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, added))
    monkeypatch.setattr(schema, "LATEST", len(schema.MIGRATIONS))
    for _ in range(2):
        with Store.open(path) as store:
            assert schema.version_of(store.connection()) == schema.LATEST
            assert store.connection().execute("SELECT name, note FROM sources").fetchall() == [("src", None)]


def test_each_message_is_stored_once_by_digest(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.ensure_source("other", "dir")
        first = store.record("src", [_new(1)], '{"n": 1}')
        again = store.record("other", [_new(1, ref="copy.eml")], '{"n": 9}')
        seen = store.record("src", [Seen(ref="box#1-again", digest=_new(1).prepared.digest)], '{"n": 2}')
        assert first[0].new and not again[0].new and not seen[0].new
        assert first[0].message_id == again[0].message_id == seen[0].message_id
        conn = store.connection()
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM recipients").fetchone()[0] == 1
        assert sorted(conn.execute("SELECT source, ref FROM refs")) == [
            ("other", "copy.eml"), ("src", "box#1"), ("src", "box#1-again")]
        src = {s.name: s for s in store.sources()}
        assert (src["src"].fetched, src["src"].new, src["src"].duplicates, src["src"].cursor) == (2, 1, 1, '{"n": 2}')
        assert (src["other"].new, src["other"].duplicates) == (0, 1)


def test_the_analysis_is_stored_as_the_triage_json(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        (outcome,) = store.record("src", [_new(0)], None)
        stored = store.analysis(outcome.message_id)
        assert stored is not None and "source" not in stored
        assert stored["kind"] == "bounce"
        assert stored["recipients"][0]["reason"] == "requireptr"  # type: ignore[index]
        assert stored["original"]["message_id"] == "<orig-0@example.org>"  # type: ignore[index]
        assert store.analysis(outcome.message_id + 1) is None


def test_messages_and_cursor_are_one_transaction(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.record("src", [_new(1)], '{"n": 1}')
        with pytest.raises(StoreError, match="not stored"):
            store.record("src", [_new(2), Seen(ref="ghost", digest="0" * 64)], '{"n": 3}')
        conn = store.connection()
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 1  # message 2 rolled back
        assert store.cursor_of("src") == '{"n": 1}'  # and so was the cursor
        assert store.sources()[0].fetched == 1


def test_pending_after_actions_are_recorded_with_their_messages_and_settled_later(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.ensure_source("other", "imap")
        store.record("src", [_new(1, "B/7/1"), _new(2, "B/7/2")], '{"n": 2}', pending=["B/7/1", "B/7/2"])
        store.record("other", [_new(3, "B/7/1")], None, pending=["B/7/1"])
        with pytest.raises(StoreError, match="not stored"):  # rolled back with the batch that failed
            store.record("src", [_new(4, "B/7/4"), Seen(ref="ghost", digest="0" * 64)], '{"n": 4}',
                         pending=["B/7/4"], settled=["B/7/1"])
        assert store.pending_after("src") == ["B/7/1", "B/7/2"]
        store.record("src", [_new(5, "B/7/5")], '{"n": 5}', pending=["B/7/5"], settled=["B/7/1"])
        assert store.pending_after("src") == ["B/7/2", "B/7/5"]
        store.settle_after("src", ["B/7/2", "B/7/5", "B/7/99"])
        assert store.pending_after("src") == [] and store.pending_after("other") == ["B/7/1"]
        assert {s.name: s.pending_after for s in store.sources()} == {"src": 0, "other": 1}


def test_a_store_of_the_previous_schema_migrates_keeping_its_data(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.sqlite3"
    with monkeypatch.context() as m:  # a store as the previous ndr writes it: its migrations only
        m.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:-1])
        m.setattr(schema, "LATEST", len(schema.MIGRATIONS) - 1)
        with Store.open(path) as old:
            old.ensure_source("src", "imap")
            old.record("src", [_new(i, f"B/7/{i}") for i in range(5)], '{"folders": {}}')
            assert "pending_after" not in {r[0] for r in old.connection().execute("SELECT name FROM sqlite_master")}
            before = {t: old.connection().execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                      for t in ("sources", "messages", "refs", "bodies", "recipients")}
    with Store.open(path) as store:
        conn = store.connection()
        assert schema.version_of(conn) == schema.LATEST
        for table, rows in before.items():
            assert conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() == rows, table
        assert store.pending_after("src") == [] and store.sources()[0].pending_after == 0
        store.record("src", [_new(9, "B/7/9")], '{"folders": {}}', pending=["B/7/9"])
        assert store.pending_after("src") == ["B/7/9"]


def test_cursor_alone_and_reset(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.record("src", [_new(1)], None, advance=False)
        assert store.cursor_of("src") is None
        store.set_cursor("src", '{"delta": "x"}')
        assert store.cursor_of("src") == '{"delta": "x"}'
        assert store.reset_cursor("src") is True
        assert store.cursor_of("src") is None
        assert store.reset_cursor("nope") is False


def test_a_failed_analysis_is_stored_as_error_and_counted_failed(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        p = prepare_failed(b"Subject: x\n\nbody\n", RuntimeError("boom"))
        store.record("src", [New(ref="r", prepared=p)], '{"n": 1}')
        kind, failure = store.connection().execute("SELECT kind, failure FROM messages").fetchone()
        assert (kind, failure) == ("error", "analysis failed: RuntimeError: boom")
        s = store.sources()[0]
        assert (s.new, s.failed, s.cursor) == (0, 1, '{"n": 1}')


def test_iter_failures_rows_have_exactly_the_contract_keys(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.record("src", [_new(i) for i in range(12)], None)
        rows = list(store.iter_failures(None, None, None))
        # 12 messages: 2 not bounces (i % 6 == 5) -> 10 failed or delayed recipients
        assert len(rows) == 10
        for row in rows:
            assert tuple(row) == FAILURE_KEYS
            assert isinstance(row["message_id"], int)
            assert row["hard"] in (True, False, None)
            assert row["kind"] in ("bounce", "delay")
            assert row["date"].endswith("+00:00")  # type: ignore[union-attr]
        first = rows[0]
        assert first["source"] == "src" and first["ref"] == "box#0"
        assert first["reason"] == "requireptr"
        assert first["sending_prefix"] == "2a01:111:f403:2600::/64"
        assert first["domain"] == "gmail.example.com"
        assert first["original_message_id"] == "<orig-0@example.org>"
        assert first["date"] == "2024-05-01T01:00:00+00:00"
        assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)  # type: ignore[type-var]


def test_iter_failures_filters_by_time_and_source(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.ensure_source("b", "dir")
        store.record("src", [_new(i) for i in range(6)], None)  # 01:00 .. 01:35, 7 minutes apart
        store.record("b", [_new(i) for i in range(6, 10)], None)
        rows = store.iter_failures(since="2024-05-01T01:07:00Z", until="2024-05-01T03:28:00+02:00")
        dates = [r["date"] for r in rows]
        assert dates == ["2024-05-01T01:07:00+00:00", "2024-05-01T01:14:00+00:00", "2024-05-01T01:21:00+00:00"]
        assert {r["source"] for r in store.iter_failures(sources=["b"])} == {"b"}
        assert list(store.iter_failures(sources=[])) == []
        assert len(list(store.iter_failures(since="2024-05-01"))) == 9  # i = 5 is not a bounce
        with pytest.raises(QueryError, match="since: not an ISO 8601 date"):
            list(store.iter_failures(since="yesterday"))


def test_date_falls_back_to_arrival_then_storage_time(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        undated = message(0).replace(b"Date: ", b"X-Old-Date: ")
        p = prepare(undated, DEFAULT_OPTIONS)
        store.record("src", [New(ref="a", prepared=p, received_at="2024-06-02T10:00:00+02:00")], None)
        row = next(store.iter_failures())
        assert row["date"] == "2024-06-02T08:00:00+00:00"


def test_small_messages_are_kept_whole() -> None:
    data = message(0)
    assert len(data) <= retain.KEEP_WHOLE_BYTES
    assert retain.kept_bytes(data) == data
    assert retain.decompress(retain.compress(data)) == data


@pytest.mark.parametrize("crlf", [False, True])
def test_big_returned_originals_are_cut_but_analyse_the_same(crlf: bool) -> None:
    data = message(BIG_EVERY - 1)
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    kept = retain.kept_bytes(data)
    assert len(data) > 100_000
    assert len(kept) < 12_000
    assert analyze(kept) == analyze(data)
    assert kept.endswith(b"--" + f"b-{BIG_EVERY - 1:08d}".encode() + b"--" + (b"\r\n" if crlf else b"\n"))
    p = prepare(data, DEFAULT_OPTIONS)
    assert p.kept_size == len(kept) and len(p.kept) < 4000


def test_an_oversized_message_keeps_saying_it_was_cut(tmp_path: Path) -> None:
    from analyzer import limits

    data = message(0).replace(b"Hello,", b"Hello," + b"x" * 76 + (b"\n" + b"y" * 76) * (limits.MAX_MESSAGE_BYTES // 77))
    assert len(data) > limits.MAX_MESSAGE_BYTES
    p = prepare(data, DEFAULT_OPTIONS)
    assert p.kept_size < 64 * 1024
    with _store(tmp_path) as store:
        store.record("src", [New(ref="big", prepared=p)], None)
        result = reanalysis.run(store)
        assert (result.messages, result.changed, result.failed) == (1, 0, 0)


def test_kept_bytes_of_the_real_corpus_analyse_like_the_originals() -> None:
    files = sorted(CORPUS.rglob("*.eml"))
    if not files:
        pytest.skip("corpus not available")
    trimmed = 0
    for path in files:
        data = path.read_bytes()
        kept = retain.kept_bytes(data)
        if kept != data:
            trimmed += 1
            p = prepare(data, DEFAULT_OPTIONS)
            # either the trimmed bytes analyse the same, or prepare kept everything
            assert analyze(retain.decompress(p.kept)) == p.analysis or p.kept_size == len(data), path.name


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with writer_lock(path), pytest.raises(LockedError, match="another ndr process is writing"), writer_lock(path):
        pass
    with writer_lock(path):  # released
        pass
