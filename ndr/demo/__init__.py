"""A deterministic generator of realistic bounce mailboxes, for `make demo`, tests and benchmarks.

    python -m ndr.demo.generate --messages 3000 --end 2025-03-31 --seed 7 --out demo.mbox

Every address and network is a documentation range or an example domain, except the public
Microsoft 365 / Google outbound ranges and the big mailbox providers' names, which are the point.
"""
