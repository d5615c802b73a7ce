"""`ndr reanalyze`: run the analyzer again over the kept bytes of stored messages (after a rule update).

Messages are read in pages by id and updated a page per transaction; analyses, message columns and
recipient rows are replaced where the result changed, and the recipient rows of messages stored by an
older ndr (messages.rows_version < ROWS_VERSION: e.g. before the envelope columns of schema 2) are
rewritten even when the analysis did not change. Safe to interrupt: a page is all or nothing, and
running it again gives the same result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from analyzer import DEFAULT_OPTIONS, Options
from ndr import __version__
from ndr.store.db import _INSERT_RECIPIENT, Store
from ndr.store.envelope import envelope_of
from ndr.store.prepare import analysis_json, reanalyze, unpack_analysis
from ndr.store.retain import compress, decompress
from ndr.store.rows import ROWS_VERSION, meta_of, recipient_rows

PAGE = 200  # messages per transaction


@dataclass(frozen=True, slots=True, kw_only=True)
class ReanalysisResult:
    """What a re-analysis did."""

    messages: int  # messages analysed again
    changed: int  # whose analysis changed (rows rewritten)
    failed: int  # whose re-analysis raised (left as they were)
    upgraded: int = 0  # same analysis, rows rewritten because an older ndr wrote them (rows_version)


def count(store: Store, sources: list[str] | None) -> int:
    """Messages a re-analysis over `sources` (None: all) would visit."""
    where, params = _filter(sources)
    row = store.connection().execute(f"SELECT count(*) FROM messages m WHERE 1 = 1{where}", params).fetchone()  # noqa: S608
    return int(row[0])


def _filter(sources: list[str] | None) -> tuple[str, list[object]]:
    if sources is None:
        return "", []
    marks = ", ".join("?" * len(sources))
    return f" AND m.id IN (SELECT message_id FROM refs WHERE source IN ({marks}))", list(sources)  # noqa: S608


def run(store: Store, *, sources: list[str] | None = None, options: Options = DEFAULT_OPTIONS,
        log: logging.Logger | None = None, progress: Callable[[int], None] | None = None) -> ReanalysisResult:
    """Re-analyse the stored messages seen in `sources` (None: all)."""
    log = log or logging.getLogger("ndr.reanalyze")
    where, params = _filter(sources)
    sql = ("SELECT m.id, m.size, m.received_at, m.stored_at, m.source, m.ref, m.failure, m.rows_version, "  # noqa: S608
           f"b.analysis, b.data FROM messages m JOIN bodies b ON b.message_id = m.id WHERE m.id > ?{where} "
           "ORDER BY m.id LIMIT ?")
    last, done, changed, failed, upgraded = 0, 0, 0, 0, 0
    while True:
        rows = store.connection().execute(sql, [last, *params, PAGE]).fetchall()
        if not rows:
            break
        with store.transaction() as conn:
            for message_id, size, received_at, stored_at, source, ref, failure, version, old, blob in rows:
                last = message_id
                done += 1
                kept = decompress(blob)
                try:
                    analysis = reanalyze(kept, size, options)
                except Exception as exc:  # noqa: BLE001 - the per-message boundary of re-analysis
                    failed += 1
                    log.error("%s: %s: re-analysis failed (%s: %s); left as it was",  # noqa: TRY400
                              source, ref, type(exc).__name__, exc)
                    continue
                new = analysis_json(analysis)
                same = failure is None and new == unpack_analysis(old)
                if same and version >= ROWS_VERSION:
                    continue
                meta = meta_of(analysis, received_at=received_at, stored_at=stored_at)
                if same:
                    upgraded += 1
                    conn.execute("UPDATE messages SET rows_version = ? WHERE id = ?", (ROWS_VERSION, message_id))
                else:
                    changed += 1
                    conn.execute("UPDATE messages SET date = ?, kind = ?, message_id = ?, subject = ?, reporter = ?, "
                                 "failure = NULL, analyzed_with = ?, rows_version = ? WHERE id = ?",
                                 (meta.date, meta.kind, meta.message_id, meta.subject, meta.reporter, __version__,
                                  ROWS_VERSION, message_id))
                    conn.execute("UPDATE bodies SET analysis = ? WHERE message_id = ?",
                                 (compress(new.encode("utf-8")), message_id))
                rows = recipient_rows(analysis, meta, source=source, ref=ref, envelope=envelope_of(analysis, kept))
                conn.execute("DELETE FROM recipients WHERE message_id = ?", (message_id,))
                conn.executemany(_INSERT_RECIPIENT, [(message_id, *r) for r in rows])
        if progress is not None:
            progress(done)
    return ReanalysisResult(messages=done, changed=changed, failed=failed, upgraded=upgraded)
