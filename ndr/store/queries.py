"""Read queries over the store (reports, state, re-analysis)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from ndr.errors import NdrError
from ndr.store.rows import FAILURE_KEYS, FAILURE_KINDS, NON_FAILURE_ACTIONS, utc_iso


class QueryError(NdrError):
    """A bad argument to a store query (e.g. an unparseable date)."""

    exit_code = 2


def _bound(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    iso = utc_iso(value)
    if iso is None:
        raise QueryError(f"{name}: not an ISO 8601 date or time: {value!r}")
    return iso


def iter_failures(conn: sqlite3.Connection, *, since: str | None, until: str | None, sources: list[str] | None,
                  where: str) -> Iterator[dict[str, object]]:
    """See Store.iter_failures."""
    clauses = [f"kind IN ({', '.join('?' * len(FAILURE_KINDS))})",
               f"(action IS NULL OR action NOT IN ({', '.join('?' * len(NON_FAILURE_ACTIONS))}))"]
    params: list[object] = [*FAILURE_KINDS, *NON_FAILURE_ACTIONS]
    low, high = _bound(since, "since"), _bound(until, "until")
    if low is not None:
        clauses.append("date >= ?")
        params.append(low)
    if high is not None:
        clauses.append("date < ?")
        params.append(high)
    if sources is not None:
        clauses.append(f"source IN ({', '.join('?' * len(sources))})")
        params.extend(sources)
    sql = (f"SELECT {', '.join(FAILURE_KEYS)} FROM recipients WHERE {' AND '.join(clauses)} "  # noqa: S608
           "ORDER BY date, message_id, position")
    hard = FAILURE_KEYS.index("hard")
    try:
        for row in conn.execute(sql, params):
            values = list(row)
            if values[hard] is not None:
                values[hard] = bool(values[hard])
            yield dict(zip(FAILURE_KEYS, values, strict=True))
    except sqlite3.Error as exc:
        raise NdrError(f"{where}: {exc}") from exc
