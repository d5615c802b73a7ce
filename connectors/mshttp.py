"""HTTP sessions for Microsoft endpoints: urllib3 retries that honour Retry-After, with a cap.

urllib3 honours Retry-After up to `retry_after_max` (21600 s by default) and silently shortens a
longer wait to that maximum. A nightly scan should neither stall for hours nor hammer a throttled
service, so `CappedRetry` gives up at once when the server asks for more than the cap; the caller
then sees the throttling response and says so (`retry_after_seconds`).
"""

from __future__ import annotations

import email.utils
import re
import time
from types import TracebackType
from typing import Self

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

# Throttling and transient gateway errors Graph and Entra ID answer with Retry-After.
# Source: https://learn.microsoft.com/en-us/graph/throttling ("429 Too Many Requests", "503", "504").
RETRY_STATUSES = (429, 503, 504)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), None if absent or unreadable."""
    if value is None:
        return None
    if re.fullmatch(r"\s*\d+\s*", value):
        return float(int(value))
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())


class CappedRetry(Retry):
    """A Retry that stops (returns the response) when Retry-After exceeds `retry_after_max`."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if response is not None:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None and wait > self.retry_after_max:
                reason = ResponseError(f"Retry-After {wait:.0f} s exceeds the cap of {self.retry_after_max} s")
                raise MaxRetryError(_pool, url or "", reason)  # type: ignore[arg-type]
        return super().increment(method, url, response, error, _pool, _stacktrace)


def make_session(*, max_retries: int, max_retry_after: float, pool_size: int = 4) -> requests.Session:
    """A requests session retrying 429/503/504 (honouring Retry-After up to the cap) and connection errors.

    After the retries, or when Retry-After is over the cap, the last response is returned (not
    raised), so the caller can read the error body and explain it. TLS trust is requests' default
    (certifi, or REQUESTS_CA_BUNDLE).
    """
    retry = CappedRetry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        backoff_factor=1.0,  # without Retry-After: 0, 2, 4, 8 ... s
        backoff_max=max_retry_after,
        status_forcelist=RETRY_STATUSES,
        # The token POST and PATCH isRead are idempotent; a repeated move answers 404 (already moved).
        allowed_methods=frozenset({"GET", "POST", "PATCH"}),
        respect_retry_after_header=True,
        retry_after_max=int(max_retry_after),
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
