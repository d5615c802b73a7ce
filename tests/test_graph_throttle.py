"""Graph throttling against the stand-in: Retry-After honoured, capped, 503/504 retried, retries bounded.

The stand-in's request log (arrival times) proves the waits; no test asserts its own wall time.
"""

from __future__ import annotations

import itertools

import pytest

from ndr.errors import SourceError
from tests import graph_standin as gs
from tests.graph_support import MiniStore, add_bounces, connector

pytest_plugins = ["tests.graph_fixtures"]


def _gaps(reqs: list[gs.Request]) -> list[float]:
    return [b.at - a.at for a, b in itertools.pairwise(reqs)]


def test_a_429_storm_is_absorbed_honouring_retry_after(standin: gs.State) -> None:
    ids = add_bounces(standin, 4)
    standin.fail(r"/messages/delta$", status=429, count=2, retry_after=1)
    standin.fail(r"/\$value$", status=429, count=2, retry_after=1)
    store = MiniStore()
    store.run(connector(standin, max_concurrent_requests=1))
    assert store.order == ids
    delta = standin.requests_to(r"/messages/delta$")
    assert standin.statuses(r"/messages/delta$") == [429, 429, 200]
    assert all(gap >= 0.95 for gap in _gaps(delta))  # waited Retry-After: 1 s before each retry
    values = standin.requests_to(r"/\$value$")
    assert standin.statuses(r"/\$value$")[:3] == [429, 429, 200]
    assert all(gap >= 0.95 for gap in _gaps(values[:3]))


def test_retry_after_beyond_the_cap_fails_at_once_and_says_so(standin: gs.State) -> None:
    add_bounces(standin, 2)
    standin.fail(r"/messages/delta$", status=429, count=5, retry_after=600)
    with pytest.raises(SourceError) as err:
        MiniStore().run(connector(standin, max_retry_after=120))
    msg = str(err.value)
    assert "wait 600 s" in msg and "max_retry_after = 120 s" in msg and msg.startswith("sources[0]: ")
    assert "\n" not in msg
    assert standin.statuses(r"/messages/delta$") == [429]  # no retry, no sleeping for 10 minutes


def test_a_503_is_retried(standin: gs.State) -> None:
    ids = add_bounces(standin, 2)
    standin.fail(r"/mailFolders$", status=503, count=1, retry_after=1)
    standin.fail(r"/\$value$", status=504, count=1, retry_after=None)  # no Retry-After: backoff
    store = MiniStore()
    store.run(connector(standin, max_concurrent_requests=1))
    assert store.order == ids
    assert standin.statuses(r"/mailFolders$") == [503, 200]
    assert standin.statuses(r"/\$value$") == [504, 200, 200]


def test_persistent_throttling_ends_after_max_retries(standin: gs.State) -> None:
    add_bounces(standin, 1)
    standin.fail(r"/messages/delta$", status=503, count=10, retry_after=1)
    with pytest.raises(SourceError) as err:
        MiniStore().run(connector(standin, max_retries=2))
    assert "503" in str(err.value) and "after 2 retries" in str(err.value)
    assert standin.statuses(r"/messages/delta$") == [503, 503, 503]


def test_token_endpoint_throttling_is_retried_too(standin: gs.State) -> None:
    ids = add_bounces(standin, 1)
    standin.fail(r"/oauth2/v2.0/token$", status=503, count=1, retry_after=1)
    store = MiniStore()
    store.run(connector(standin))
    assert store.order == ids
    assert standin.statuses(r"/oauth2/v2.0/token$") == [503, 200]
