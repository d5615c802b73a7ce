"""The embedded store: one SQLite file holding messages, analyses, recipient rows and source cursors.

    from ndr.store import Store
    with Store.open(path, readonly=True) as store:
        for row in store.iter_failures(since="2024-05-01", until=None, sources=None):
            ...
"""

from __future__ import annotations

from ndr.store.db import New, Outcome, Seen, SourceState, Store, StoreError
from ndr.store.prepare import Prepared, digest_of, prepare, prepare_failed
from ndr.store.rows import FAILURE_KEYS

__all__ = [
    "FAILURE_KEYS", "New", "Outcome", "Prepared", "Seen", "SourceState", "Store", "StoreError", "digest_of",
    "prepare", "prepare_failed",
]
