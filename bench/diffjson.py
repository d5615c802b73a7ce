"""Differential check of the analyzer's JSON: the same inputs through two trees, every line compared.

    python bench/diffjson.py dump base.jsonl --tree /tmp/ndr-base   # a snapshot (git archive) of the old code
    python bench/diffjson.py dump new.jsonl                          # this tree
    python bench/diffjson.py compare base.jsonl new.jsonl            # exit 1 on any difference

Inputs, in a fixed order: every ../shared/corpus/sisimai message, every tests/samples golden sample, the
first --demo messages of the demo generator's mbox (fixed seed and end date; generated once into --dir),
the hostile builders of tests/hostile.py, and deterministic mutations of the corpus (truncated, LF line
ends, seeded byte flips). Each output line is `to_json(analyze(data), source=<input name>)`; a speed change
must leave every line identical. bench/diffcheck.py snapshots and re-checks the working tree; this script
compares two trees side by side, e.g. `git archive HEAD` against HEAD plus one's own changed files while
others have uncommitted work in the shared tree.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "sisimai" / "maildir"
GENERATOR_END = "2025-03-31"


def demo_mbox(directory: Path, n: int) -> Path:
    path = directory / f"diffjson-demo-{n}.mbox"
    if not path.exists():
        subprocess.run([sys.executable, "-m", "ndr.demo.generate", "--messages", str(n), "--end", GENERATOR_END,
                        "--out", str(path)], check=True, cwd=ROOT)
    return path


def mutations(name: str, data: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    yield f"{name}#half", data[: len(data) // 2]
    yield f"{name}#lf", data.replace(b"\r\n", b"\n")
    flipped = bytearray(data)
    for _ in range(max(1, len(data) // 500)):
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    yield f"{name}#flips", bytes(flipped)


def inputs(demo: Path | None, demo_n: int) -> Iterator[tuple[str, bytes]]:
    from connectors.files import iter_mbox  # noqa: PLC0415 - after dump() has set sys.path
    from tests import hostile  # noqa: PLC0415

    corpus = sorted(CORPUS.rglob("*.eml"))
    for path in corpus:
        yield f"corpus/{path.relative_to(CORPUS)}", path.read_bytes()
    samples = ROOT / "tests" / "samples"
    for path in sorted(samples.rglob("*.eml")):
        yield f"golden/{path.relative_to(samples)}", path.read_bytes()
    if demo is not None:
        with open(demo, "rb") as fh:
            for i, (_, data) in enumerate(islice(iter_mbox(fh), demo_n)):
                yield f"demo/{i}", data
    yield "hostile/bounce", hostile.bounce()
    yield "hostile/big_message", hostile.big_message()
    yield "hostile/long_diagnostic", hostile.long_diagnostic()
    yield "hostile/many_received", hostile.many_received()
    yield "hostile/nested_rfc822", hostile.nested_rfc822()
    yield "hostile/many_parts", hostile.many_parts()
    rng = random.Random(20240603)
    for path in corpus:
        yield from mutations(f"mutated/{path.relative_to(CORPUS)}", path.read_bytes(), rng)


def dump(out: Path, tree: Path, demo_dir: Path, demo_n: int) -> int:
    demo = demo_mbox(demo_dir, demo_n) if demo_n else None
    sys.path.insert(0, str(tree))  # the analyzer under test comes from `tree`; tests/ and connectors/ from ROOT
    sys.path.insert(1, str(ROOT))
    from analyzer import analyze  # noqa: PLC0415 - from the tree under test, once sys.path names it
    from analyzer.serialize import to_json  # noqa: PLC0415

    loaded = sys.modules["analyzer"].__file__ or ""
    if not Path(loaded).resolve().is_relative_to(tree.resolve()):
        sys.exit(f"analyzer was loaded from {loaded}, not from {tree}")
    n = 0
    with open(out, "w", encoding="utf-8") as fh:
        for name, data in inputs(demo, demo_n):
            fh.write(to_json(analyze(data), source=name) + "\n")
            n += 1
    print(f"{out}: {n} analyses from {tree}")
    return 0


def compare(a: Path, b: Path, show: int) -> int:
    left = a.read_text(encoding="utf-8").splitlines()
    right = b.read_text(encoding="utf-8").splitlines()
    if len(left) != len(right):
        print(f"different line counts: {len(left)} vs {len(right)}")
    diffs = 0
    for la, lb in zip(left, right, strict=False):
        if la == lb:
            continue
        diffs += 1
        if diffs <= show:
            ja, jb = json.loads(la), json.loads(lb)
            keys = [k for k in dict.fromkeys([*ja, *jb]) if ja.get(k) != jb.get(k)]
            print(f"{ja.get('source')}: differs in {keys}")
            for k in keys[:3]:
                print(f"  - {json.dumps(ja.get(k), ensure_ascii=False)[:300]}")
                print(f"  + {json.dumps(jb.get(k), ensure_ascii=False)[:300]}")
    print(f"{min(len(left), len(right))} analyses compared, {diffs} differences")
    return 1 if diffs or len(left) != len(right) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump", help="analyse every input, write JSON Lines")
    d.add_argument("out", type=Path)
    d.add_argument("--tree", type=Path, default=ROOT, help="the repository whose analyzer/ is used (default: this)")
    d.add_argument("--demo", type=int, default=3000, help="demo generator messages (0: none)")
    d.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where the demo mbox is kept")
    c = sub.add_parser("compare", help="compare two dumps line by line")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    c.add_argument("--show", type=int, default=20, help="differences printed")
    args = parser.parse_args()
    if args.command == "dump":
        return dump(args.out, args.tree, args.dir, args.demo)
    return compare(args.a, args.b, args.show)


if __name__ == "__main__":
    sys.exit(main())
