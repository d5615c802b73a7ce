"""Graph connector against the local stand-in: first and incremental runs, paging, folders, 410 resync, concurrency."""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from connectors.graph import describe_cursor
from ndr.errors import ConfigError
from tests import graph_standin as gs
from tests.graph_support import UPN, MiniStore, add_bounces, bounce_mime, connector

pytest_plugins = ["tests.graph_fixtures"]


def _delta_requests(st: gs.State) -> list[gs.Request]:
    return st.requests_to(r"/messages/delta$")


def _link(cursor: str | None) -> str:
    """'delta' or 'next': which kind of link a stored cursor holds."""
    query = parse_qs(urlsplit(json.loads(cursor or "")["link"]).query)
    return "delta" if "$deltatoken" in query else "next" if "$skiptoken" in query else "?"


def test_first_run_fetches_every_message_in_delta_order_and_stores_the_delta_link(standin: gs.State) -> None:
    ids = add_bounces(standin, 7)
    store = MiniStore()
    conn = connector(standin)
    store.run(conn)
    assert store.order == ids
    assert store.messages[ids[3]] == bounce_mime(3)  # the $value bytes, unchanged
    assert conn.total == 7  # the folder's size on a full sync, for the progress bar
    assert describe_cursor(store.cursor or "").startswith(f"{UPN} folder ")
    assert describe_cursor(store.cursor or "").endswith("up to date at the last scan (deltaLink)")
    assert _link(store.cursor) == "delta" and json.loads(store.cursor or "")["mailbox"] == UPN
    first = _delta_requests(standin)[0]
    query = parse_qs(urlsplit(first.target).query)
    assert query["$select"] == ["id,receivedDateTime,isRead"]
    assert first.headers["Prefer"] == "odata.maxpagesize=100"
    assert len(standin.requests_to(r"/\$value$")) == 7


def test_paging_follows_next_links_verbatim_with_a_checkpoint_per_page(standin: gs.State) -> None:
    ids = add_bounces(standin, 25)
    store = MiniStore()
    store.run(connector(standin, page_size=10))
    assert store.order == ids
    links = [json.loads(c)["link"] for c in store.checkpoints]
    assert [_link(c) for c in store.checkpoints] == ["next", "next", "delta"]
    delta = _delta_requests(standin)
    assert len(delta) == 3
    # pages 2 and 3 are the nextLinks exactly as received: no $select added again
    assert [urlsplit(r.target).query for r in delta[1:]] == [urlsplit(link).query for link in links[:2]]


def test_incremental_run_yields_only_new_messages_and_ignores_removed(standin: gs.State) -> None:
    ids = add_bounces(standin, 5)
    store = MiniStore()
    store.run(connector(standin))
    inbox = standin.folder(UPN, "inbox")
    assert inbox is not None
    standin.delete_message(UPN, inbox.id, ids[0])
    new = add_bounces(standin, 2, start=100)
    values_before = len(standin.requests_to(r"/\$value$"))
    store.run(connector(standin))
    assert store.order[5:] == new
    assert store.new == 7 and store.duplicates == 0
    assert len(standin.requests_to(r"/\$value$")) - values_before == 2  # nothing old downloaded again
    store.run(connector(standin))  # nothing changed: an empty round still stores a fresh deltaLink
    assert store.new == 7 and len(store.order) == 7


def test_a_crash_mid_round_resumes_from_the_last_page_and_loses_nothing(standin: gs.State) -> None:
    ids = add_bounces(standin, 30)
    store = MiniStore()
    store.run(connector(standin, page_size=10), stop_after=15)  # killed in the middle of page 2
    assert _link(store.cursor) == "next"  # page 1 is checkpointed
    assert "in progress (nextLink)" in describe_cursor(store.cursor or "")
    store.run(connector(standin, page_size=10))
    assert set(store.messages) == set(ids)
    assert store.new == 30 and store.duplicates == 5  # messages 11-15 again, deduplicated by the store
    assert _link(store.cursor) == "delta"


def test_limit_stops_at_a_page_boundary_so_the_next_run_goes_on(standin: gs.State) -> None:
    ids = add_bounces(standin, 12)
    store = MiniStore()
    store.run(connector(standin), limit=5)
    assert store.order == ids[:5]
    assert _link(store.cursor) == "next"
    store.run(connector(standin), limit=5)
    store.run(connector(standin), limit=5)
    assert store.order == ids and store.duplicates == 0


def test_a_scan_that_stops_right_after_the_limit_still_advances(standin: gs.State) -> None:
    """`ndr scan --max-messages N` stops after the N-th message: that message carries the page's cursor."""
    ids = add_bounces(standin, 7)
    store = MiniStore()
    for _ in range(3):
        store.run(connector(standin), limit=3, stop_after=3)
    assert store.order == ids and store.duplicates == 0


def test_expired_delta_link_410_triggers_a_full_resync_deduplicated(
    standin: gs.State, caplog: pytest.LogCaptureFixture
) -> None:
    ids = add_bounces(standin, 6)
    store = MiniStore()
    store.run(connector(standin))
    standin.delta_generation += 1  # the stored deltaLink now answers 410
    new = add_bounces(standin, 2, start=50)
    with caplog.at_level(logging.WARNING, logger="ndr.test.graph"):
        store.run(connector(standin))
    assert 410 in standin.statuses(r"/messages/delta$")
    assert store.new == 8 and store.duplicates == 6  # everything listed again; only the 2 new are new
    assert set(store.messages) == set(ids + new)
    assert "expired (410)" in caplog.text and "full resync" in caplog.text
    assert _link(store.cursor) == "delta"


def test_invalid_sync_state_400_on_a_stored_link_also_resyncs(standin: gs.State) -> None:
    ids = add_bounces(standin, 3)
    store = MiniStore()
    store.run(connector(standin))
    standin.fail(r"/messages/delta$", status=400, count=1, retry_after=None,
                 body={"error": {"code": "SyncStateInvalid", "message": "Sync state is invalid."}})
    store.run(connector(standin))
    assert standin.statuses(r"/messages/delta$")[-2:] == [400, 200]
    assert store.duplicates == 3 and set(store.messages) == set(ids)


def test_nested_folder_path_is_matched_case_insensitively(standin: gs.State) -> None:
    standin.add_folder(UPN, "Inbox/Bounces/2024")
    standin.add_folder(UPN, "Inbox/Other")
    ids = add_bounces(standin, 3, folder="Inbox/Bounces/2024")
    add_bounces(standin, 2, start=10)  # in the inbox itself: not wanted
    store = MiniStore()
    store.run(connector(standin, folder="inbox/BOUNCES/2024"))
    assert store.order == ids
    assert standin.requests_to(r"/childFolders$")  # found through the folder tree


def test_well_known_name_works_whatever_the_display_name(standin: gs.State) -> None:
    inbox = standin.folder(UPN, "inbox")
    assert inbox is not None
    inbox.display_name = "Posteingang"  # a German mailbox
    ids = add_bounces(standin, 2)
    store = MiniStore()
    store.run(connector(standin, folder="Inbox"))
    assert store.order == ids


def test_unknown_folder_is_a_config_error_naming_the_key_and_the_choices(standin: gs.State) -> None:
    standin.add_folder(UPN, "Inbox/Bounces")
    with pytest.raises(ConfigError) as err:
        MiniStore().run(connector(standin, folder="Inbox/Bounce"))
    assert str(err.value).startswith("sources[0].folder: no folder 'Bounce' in Inbox")
    assert "Bounces" in str(err.value)


def test_changed_folder_or_unreadable_cursor_means_a_full_sync(standin: gs.State) -> None:
    ids = add_bounces(standin, 3)
    store = MiniStore()
    store.run(connector(standin))
    store.cursor = "not json"
    store.run(connector(standin))
    assert store.duplicates == 3
    store.cursor = json.dumps({**json.loads(store.checkpoints[-1]), "folder_id": "AAMkADgone"})
    store.run(connector(standin))
    assert store.duplicates == 6 and set(store.messages) == set(ids)


def test_at_most_four_concurrent_value_requests_and_deterministic_order(standin: gs.State) -> None:
    ids = add_bounces(standin, 40)
    standin.value_delay = 0.05  # each $value takes a while, so parallel downloads overlap
    store = MiniStore()
    store.run(connector(standin, page_size=15))
    assert store.order == ids
    assert standin.peak_value_requests == 4  # parallel, and never more than 4 per mailbox


def test_delta_pages_and_downloads_together_stay_within_four_requests(standin: gs.State) -> None:
    ids = add_bounces(standin, 30)
    standin.value_delay, standin.page_delay = 0.08, 0.04  # delta pages are fetched while downloads run
    store = MiniStore()
    store.run(connector(standin, page_size=2))
    assert store.order == ids
    assert standin.peak_graph_requests == 4  # delta pages and $value share 4 permits (5 without them)
    MiniStore().run(connector(standin, page_size=2, after="read"))  # a full sync again, with PATCHes
    assert len(standin.requests_to(r"/messages/[^/]+$", method="PATCH")) == 30
    assert standin.peak_graph_requests == 4


def test_concurrency_is_configurable_down_to_one(standin: gs.State) -> None:
    ids = add_bounces(standin, 10)
    standin.value_delay = 0.02
    store = MiniStore()
    store.run(connector(standin, max_concurrent_requests=1))
    assert store.order == ids and standin.peak_value_requests == 1 and standin.peak_graph_requests == 1


def test_a_message_deleted_between_listing_and_download_is_skipped(standin: gs.State) -> None:
    ids = add_bounces(standin, 3)
    standin.fail(rf"/messages/{re.escape(quote(ids[1], safe=''))}/\$value$", status=404, count=1, retry_after=None,
                 body={"error": {"code": "ErrorItemNotFound", "message": "The specified object was not found."}})
    store = MiniStore()
    store.run(connector(standin))
    assert store.order == [ids[0], ids[2]]
    assert sorted(standin.statuses(r"/\$value$")) == [200, 200, 404]
    assert _link(store.cursor) == "delta"
