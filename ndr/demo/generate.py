"""Generate a realistic, deterministic bounce mailbox (mbox) for the demo, tests and benchmarks.

    python -m ndr.demo.generate --messages 3000 --days 30 --end 2025-03-31 --seed 7 --out demo.mbox
    python -m ndr.demo.generate --messages 100000 --out /tmp/bench.mbox      # for benchmarks

The same seed, end date, day count and message count always give the same bytes.
`--truth FILE.jsonl` also writes what each message was meant to show (story, reason, sending IP).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from ndr.demo import stories
from ndr.demo.scenario import FORMATS, STORY_WEIGHTS, Planned, Truth, day_weight, moment_on

DEFAULT_MESSAGES = 3000
DEFAULT_DAYS = 30
DEFAULT_SEED = 7
_FROM_LINE = re.compile(rb"^(>*From )", re.M)


def plan(messages: int, *, end: date, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED) -> list[Planned]:
    """Every message of the mailbox, oldest first. Days run from end - days + 1 to end, both included."""
    rng = random.Random(seed)
    first = end - timedelta(days=days - 1)
    day_list = [first + timedelta(days=i) for i in range(days)]
    out: list[Planned] = []
    for story, share in STORY_WEIGHTS:
        weights = [day_weight(story, i, days, d.weekday()) for i, d in enumerate(day_list)]
        if sum(weights) == 0:
            continue
        count = round(messages * share)
        for day in rng.choices(day_list, weights=weights, k=count):
            out.append(_one(story, rng, moment_on(rng, day)))
    while len(out) > messages:  # rounding of the shares
        out.pop()
    while len(out) < messages:
        out.append(_one("noise", rng, moment_on(rng, rng.choice(day_list))))
    out.sort(key=lambda p: (p.event.at, p.truth.recipient))
    return out


def _one(story: str, rng: random.Random, at: datetime) -> Planned:
    if story == "m365-growing":
        return stories.m365(rng, at, steady=False)
    if story == "m365-steady":
        return stories.m365(rng, at, steady=True)
    if story == "spamhaus-relay":
        return stories.spamhaus(rng, at, outlook=False)
    if story == "outlook-s3150":
        return stories.spamhaus(rng, at, outlook=True)
    if story == "dmarc-news":
        return stories.dmarc(rng, at)
    if story == "rate-limit":
        return stories.rate_limit(rng, at)
    return stories.noise(rng, at)


def generate(messages: int, *, end: date, days: int = DEFAULT_DAYS,
             seed: int = DEFAULT_SEED) -> Iterator[tuple[bytes, Truth]]:
    """(raw message, truth) pairs, oldest first. Rendering is seeded per message: stable and lazy."""
    for i, planned in enumerate(plan(messages, end=end, days=days, seed=seed)):
        render = FORMATS[planned.truth.format]
        yield render(planned.event, random.Random(seed * 1_000_003 + i)), planned.truth


def mbox_entry(data: bytes, at: datetime) -> bytes:
    """One mbox (mboxrd) entry: the From_ line, the message with From_-looking lines quoted, a blank line."""
    stamp = at.astimezone(UTC).strftime("%a %b %d %H:%M:%S %Y")
    body = _FROM_LINE.sub(rb">\1", data.replace(b"\r\n", b"\n"))
    if not body.endswith(b"\n"):
        body += b"\n"
    return b"From MAILER-DAEMON " + stamp.encode("ascii") + b"\n" + body + b"\n"


def write_mbox(path: Path, messages: int, *, end: date, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED,
               truth: Path | None = None) -> int:
    """Write the mailbox (and optionally the truth as JSON Lines); returns the number of messages."""
    count = 0
    truth_fh = truth.open("w", encoding="utf-8") if truth else None
    try:
        with path.open("wb") as fh:
            for data, t in generate(messages, end=end, days=days, seed=seed):
                fh.write(mbox_entry(data, t.at))
                if truth_fh:
                    record = asdict(t) | {"at": format_datetime(t.at)}
                    truth_fh.write(json.dumps(record, sort_keys=True) + "\n")
                count += 1
    finally:
        if truth_fh:
            truth_fh.close()
    return count


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ndr.demo.generate", description=__doc__.split("\n\n")[0],
        epilog="Example: python -m ndr.demo.generate --messages 3000 --end 2025-03-31 --out demo.mbox")
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES, help="number of messages (default 3000)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="days covered (default 30)")
    parser.add_argument("--end", type=_date, default=None, help="last day, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 7)")
    parser.add_argument("--out", type=Path, required=True, help="mbox file to write")
    parser.add_argument("--truth", type=Path, default=None, help="also write the intended results as JSON Lines")
    args = parser.parse_args(argv)
    if args.messages < 1 or args.days < 1:
        parser.error("--messages and --days must be at least 1")
    end = args.end or datetime.now(UTC).date()
    n = write_mbox(args.out, args.messages, end=end, days=args.days, seed=args.seed, truth=args.truth)
    print(f"wrote {n} messages ({end - timedelta(days=args.days - 1)} .. {end}) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
