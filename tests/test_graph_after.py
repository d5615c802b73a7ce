"""After-actions on Graph: mark read (PATCH isRead) and move (POST move), and what the next round sees."""

from __future__ import annotations

import json

import pytest

from ndr.errors import ConfigError
from tests import graph_standin as gs
from tests.graph_support import UPN, MiniStore, add_bounces, connector

pytest_plugins = ["tests.graph_fixtures"]


def test_read_marks_each_stored_message_and_the_next_round_does_not_download_them_again(standin: gs.State) -> None:
    ids = add_bounces(standin, 5)
    store = MiniStore()
    store.run(connector(standin, after="read", page_size=2))
    inbox = standin.folder(UPN, "inbox")
    assert inbox is not None
    assert all(inbox.messages[i]["isRead"] for i in ids)
    assert len(standin.requests_to(r"/messages/[^/]+$", method="PATCH")) == 5
    assert sorted(json.loads(store.cursor or "")["skip"]) == sorted(ids)
    values = len(standin.requests_to(r"/\$value$"))
    new = add_bounces(standin, 1, start=10)
    store.run(connector(standin, after="read", page_size=2))  # Graph lists the 5 again (changed) plus the new one
    assert len(standin.requests_to(r"/\$value$")) - values == 1
    assert store.order == ids + new and store.duplicates == 0
    assert json.loads(store.cursor or "")["skip"] == new
    store.run(connector(standin, after="read"))  # only the last one changed since; it is skipped as well
    assert store.order == ids + new


def test_read_leaves_already_read_messages_alone(standin: gs.State) -> None:
    mid = standin.add_message(UPN, "inbox", b"Subject: x\r\n\r\nread already\r\n", subject="x",
                              sender="MAILER-DAEMON@mx.example.net", is_read=True)
    MiniStore().run(connector(standin, after="read"))
    assert standin.requests_to(r"/messages/[^/]+$", method="PATCH") == []
    inbox = standin.folder(UPN, "inbox")
    assert inbox is not None and inbox.messages[mid]["isRead"] is True


def test_move_to_a_nested_folder(standin: gs.State) -> None:
    dest_id = standin.add_folder(UPN, "Inbox/Processed")
    ids = add_bounces(standin, 4)
    store = MiniStore()
    store.run(connector(standin, after="move:inbox/processed"))
    assert store.order == ids
    dest = standin.mailboxes[UPN][dest_id]
    inbox = standin.folder(UPN, "inbox")
    assert inbox is not None and inbox.messages == {} and len(dest.messages) == 4
    moves = standin.requests_to(r"/move$", method="POST")
    assert len(moves) == 4
    values = len(standin.requests_to(r"/\$value$"))
    store.run(connector(standin, after="move:inbox/processed"))  # next round: only @removed entries
    assert len(standin.requests_to(r"/\$value$")) == values and store.new == 4


def test_move_target_must_exist_before_anything_is_fetched(standin: gs.State) -> None:
    add_bounces(standin, 2)
    with pytest.raises(ConfigError) as err:
        MiniStore().run(connector(standin, after="move:Archive/Bounces"))
    assert str(err.value).startswith("sources[0].after: no folder 'Bounces' in Archive")
    assert standin.requests_to(r"/\$value$") == []
