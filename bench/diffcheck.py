"""Full-JSON differential check of analyze(): the same inputs, two ways, every difference listed.

    python bench/diffcheck.py --write /tmp/before.jsonl       # snapshot the analyses of every input
    python bench/diffcheck.py --compare /tmp/before.jsonl     # ... and later compare the current code with it
    python bench/diffcheck.py --paths                         # in one run: fast MIME parse vs the stdlib's

Inputs: the corpus (../shared/corpus/sisimai), the golden samples (tests/samples), --demo messages of
the demo generator (fixed seed and end date) and hostile inputs (tests/hostile.py builders, line-ending
variants, truncations, seeded random bytes, broken base64). Each analysis is serialised with
analyzer.serialize.to_json. Exit status 0 when there is no difference, 1 otherwise.
--paths runs each input with analyzer.mime.USE_FASTMIME on and off: a difference there is a fast-parse
bug (the fast parser must build the stdlib's tree or decline).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for analyzer and tests

from analyzer import analyze, mime
from analyzer.serialize import to_json

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "sisimai" / "maildir"
SAMPLES = ROOT / "tests" / "samples"


def hostile_inputs() -> Iterator[tuple[str, bytes]]:
    """Hostile and damaged inputs, deterministic."""
    from tests import hostile  # noqa: PLC0415 - the test builders, only for this script

    yield "hostile/bounce", hostile.bounce()
    yield "hostile/big", hostile.big_message(6 * 1024 * 1024)
    yield "hostile/long-diagnostic", hostile.long_diagnostic(1024 * 1024)
    yield "hostile/many-received", hostile.many_received(3000)
    yield "hostile/nested-rfc822", hostile.nested_rfc822(100)
    yield "hostile/many-parts", hostile.many_parts(2000)
    rng = random.Random(5)
    for i in range(20):
        yield f"hostile/random-{i}", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    samples = sorted(SAMPLES.rglob("*.eml"))
    for path in samples[::7]:
        data = path.read_bytes()
        lf = data.replace(b"\r\n", b"\n")
        name = f"mutated/{path.relative_to(SAMPLES)}"
        yield f"{name}/crlf", lf.replace(b"\n", b"\r\n")
        yield f"{name}/cr", lf.replace(b"\n", b"\r")
        yield f"{name}/mixed", lf.replace(b"\n\n", b"\r\n\n", 3)
        yield f"{name}/half", data[: len(data) // 2]
        yield f"{name}/no-blank-lines", lf.replace(b"\n\n", b"\n")
        yield f"{name}/nul", data[:200] + b"\0" + data[200:]
        yield f"{name}/base64", data.replace(b"Content-Type: text/plain", b"Content-Transfer-Encoding: base64\n"
                                             b"Content-Type: text/plain", 1)


def inputs(demo: int, corpus: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(corpus.rglob("*.eml")):
        yield f"corpus/{path.relative_to(corpus)}", path.read_bytes()
    for path in sorted(SAMPLES.rglob("*.eml")):
        yield f"golden/{path.relative_to(SAMPLES)}", path.read_bytes()
    if demo:
        from ndr.demo.generate import generate  # noqa: PLC0415

        for i, (data, _) in enumerate(generate(demo, end=date(2025, 3, 31))):
            yield f"demo/{i}", data
    yield from hostile_inputs()


def analysed(data: bytes) -> str:
    return to_json(analyze(data))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path, help="write the analyses as JSON Lines {name, json}")
    mode.add_argument("--compare", type=Path, help="compare the analyses with a file made by --write")
    mode.add_argument("--paths", action="store_true", help="compare the fast MIME parse with the stdlib's")
    ap.add_argument("--demo", type=int, default=3000, help="demo generator messages (default 3000)")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help=f"the corpus maildir (default {CORPUS})")
    ap.add_argument("--show", type=int, default=20, help="differences printed in full (default 20)")
    args = ap.parse_args()
    differences: list[tuple[str, str, str]] = []
    count = 0
    if args.write:
        with args.write.open("w", encoding="utf-8") as out:
            for name, data in inputs(args.demo, args.corpus):
                out.write(json.dumps({"name": name, "json": analysed(data)}) + "\n")
                count += 1
        print(f"{count} analyses written to {args.write}")
        return 0
    if args.compare:
        before = {}
        with args.compare.open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                before[record["name"]] = record["json"]
        for name, data in inputs(args.demo, args.corpus):
            count += 1
            now = analysed(data)
            if before.get(name) != now:
                differences.append((name, before.get(name, "(absent)"), now))
    else:
        for name, data in inputs(args.demo, args.corpus):
            count += 1
            mime.USE_FASTMIME = False
            try:
                slow = analysed(data)
            finally:
                mime.USE_FASTMIME = True
            fast = analysed(data)
            if slow != fast:
                differences.append((name, slow, fast))
    for name, old, new in differences[: args.show]:
        print(f"--- {name}")
        print_diff(old, new)
    print(f"{count} inputs, {len(differences)} differences")
    return 1 if differences else 0


def print_diff(old: str, new: str) -> None:
    """The top-level fields that differ (or the raw texts when one is not JSON)."""
    try:
        a, b = json.loads(old), json.loads(new)
    except json.JSONDecodeError:
        print(f"  before: {old[:300]}\n  after:  {new[:300]}")
        return
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            print(f"  {key}:\n    before: {json.dumps(a.get(key))[:400]}\n    after:  {json.dumps(b.get(key))[:400]}")


if __name__ == "__main__":
    sys.exit(main())
