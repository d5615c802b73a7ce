"""Documented limits that bound analysis time and memory on hostile input (see README, "Limits")."""

from __future__ import annotations

MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # bytes of a message analysed; the rest is ignored (defect recorded)
MAX_PARTS = 300  # MIME parts visited per message
MAX_DEPTH = 12  # nesting depth of multipart / message/rfc822 followed
MAX_CONTAINERS = 100  # multipart/* and message/* parts parsed (the stdlib parser is quadratic in their nesting)
MAX_TEXT_CHARS = 512 * 1024  # characters kept of all human-readable text parts together
MAX_PART_DECODE_BYTES = 2 * 1024 * 1024  # bytes of one text part decoded
MAX_HEADER_CHARS = 64 * 1024  # characters of one header value considered
MAX_RECEIVED = 200  # Received headers parsed per message (newest first; older ones are dropped)
MAX_RECEIVED_CHARS = 2048  # characters of one Received header parsed (real ones stay under 1 KiB)
MAX_AUTH_HEADERS = 50  # Authentication-Results / ARC-Authentication-Results / Received-SPF headers read
MAX_AUTH_CHARS = 8192  # characters of one authentication header parsed
MAX_AUTH_RESULTS = 32  # method results kept per authentication header
MAX_RECIPIENTS = 1000  # recipients reported per message
MAX_DIAGNOSTIC_CHARS = 4096  # characters of one diagnostic kept in the analysis
MAX_DSN_CHARS = 256 * 1024  # characters of one delivery-status part parsed
