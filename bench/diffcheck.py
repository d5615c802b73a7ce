"""Full-JSON differential check of analyze(): the same inputs two ways, every difference listed.

    python bench/diffcheck.py ab analyzer/mime.py analyzer/headers/received.py
        # `git archive HEAD` against HEAD plus only these files of the working tree (others may have
        # uncommitted work in a shared tree); no files: against the whole working tree
    python bench/diffcheck.py dump /tmp/before.jsonl                  # a snapshot of this tree's analyses
    python bench/diffcheck.py dump /tmp/base.jsonl --tree /tmp/base   # ... of another tree's analyzer/
    python bench/diffcheck.py compare /tmp/before.jsonl /tmp/after.jsonl
    python bench/diffcheck.py paths                                   # fast MIME parse vs the stdlib's

Inputs, in a fixed order: every ../shared/corpus/sisimai message, every tests/samples golden sample,
the first --demo messages of the demo generator (fixed seed and end date; every tenth also with LF line
ends, as a mbox stores it), the hostile builders of tests/hostile.py (large sizes and the defaults),
seeded random bytes, mutations of every seventh golden sample (CRLF, CR, mixed line ends, truncated, no
blank lines, a NUL, a base64 label on text) and of every corpus message (truncated, LF line ends,
seeded byte flips). A line is `to_json(analyze(data), source=<input name>)` (an exception raised is
recorded as such). A speed change must leave every line identical.

`ab` runs both dumps in child processes (one analyzer per process) and compares them; `paths` runs
each input with analyzer.mime.USE_FASTMIME on and off in one process: a difference there is a
fast-parse bug (the fast parser must build the stdlib's tree or decline). Exit status 0 when there is
no difference, 1 otherwise, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "sisimai" / "maildir"
SAMPLES = ROOT / "tests" / "samples"
GENERATOR_END = date(2025, 3, 31)


def hostile_inputs() -> Iterator[tuple[str, bytes]]:
    """Hostile and damaged inputs, deterministic."""
    from tests import hostile  # noqa: PLC0415 - the test builders, only for this script

    yield "hostile/bounce", hostile.bounce()
    yield "hostile/big-6m", hostile.big_message(6 * 1024 * 1024)
    yield "hostile/big", hostile.big_message()
    yield "hostile/long-diagnostic-1m", hostile.long_diagnostic(1024 * 1024)
    yield "hostile/long-diagnostic", hostile.long_diagnostic()
    yield "hostile/many-received-3000", hostile.many_received(3000)
    yield "hostile/many-received", hostile.many_received()
    yield "hostile/nested-rfc822", hostile.nested_rfc822(100)
    yield "hostile/many-parts-2000", hostile.many_parts(2000)
    yield "hostile/many-parts", hostile.many_parts()
    rng = random.Random(5)
    for i in range(20):
        yield f"hostile/random-{i}", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))


def sample_mutations() -> Iterator[tuple[str, bytes]]:
    """Line-ending variants and damage of every seventh golden sample."""
    for path in sorted(SAMPLES.rglob("*.eml"))[::7]:
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


def corpus_mutations(corpus: list[Path], base: Path) -> Iterator[tuple[str, bytes]]:
    """Every corpus message truncated, with LF line ends, and with seeded byte flips."""
    rng = random.Random(20240603)
    for path in corpus:
        data = path.read_bytes()
        name = f"mutated/{path.relative_to(base)}"
        yield f"{name}#half", data[: len(data) // 2]
        yield f"{name}#lf", data.replace(b"\r\n", b"\n")
        flipped = bytearray(data)
        for _ in range(max(1, len(data) // 500)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        yield f"{name}#flips", bytes(flipped)


def inputs(demo: int, corpus_dir: Path) -> Iterator[tuple[str, bytes]]:
    corpus = sorted(corpus_dir.rglob("*.eml"))
    for path in corpus:
        yield f"corpus/{path.relative_to(corpus_dir)}", path.read_bytes()
    for path in sorted(SAMPLES.rglob("*.eml")):
        yield f"golden/{path.relative_to(SAMPLES)}", path.read_bytes()
    if demo:
        from ndr.demo.generate import generate  # noqa: PLC0415

        for i, (data, _) in enumerate(generate(demo, end=GENERATOR_END)):
            yield f"demo/{i}", data
            if i % 10 == 0:
                yield f"demo/{i}#lf", data.replace(b"\r\n", b"\n")
    yield from hostile_inputs()
    yield from sample_mutations()
    yield from corpus_mutations(corpus, corpus_dir)


def _analyser() -> Callable[[bytes, str], str]:
    from analyzer import analyze  # noqa: PLC0415 - from the tree under test, once sys.path names it
    from analyzer.serialize import to_json  # noqa: PLC0415

    def line(data: bytes, name: str) -> str:
        try:
            return to_json(analyze(data), source=name)
        except Exception as exc:  # noqa: BLE001 - recorded: the other tree may raise the same, or not
            return json.dumps({"source": name, "exception": f"{type(exc).__name__}: {exc}"[:300]})

    return line


def _use_tree(tree: Path) -> None:
    """Import analyzer/ from `tree` (tests/ and ndr/ from this repository when tree has none)."""
    sys.path.insert(0, str(tree))
    sys.path.insert(1, str(ROOT))
    import analyzer  # noqa: PLC0415

    loaded = Path(analyzer.__file__ or "").resolve()
    if not loaded.is_relative_to(tree.resolve()):
        sys.exit(f"analyzer was loaded from {loaded}, not from {tree}")


def dump(out: Path, tree: Path, demo: int, corpus: Path) -> int:
    _use_tree(tree)
    line = _analyser()
    n = 0
    with open(out, "w", encoding="utf-8") as fh:
        for name, data in inputs(demo, corpus):
            fh.write(line(data, name) + "\n")
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
            print_diff(la, lb)
    print(f"{min(len(left), len(right))} analyses compared, {diffs} differences")
    return 1 if diffs or len(left) != len(right) else 0


def print_diff(old: str, new: str) -> None:
    """The top-level fields that differ (or the raw lines when one is not JSON)."""
    try:
        ja, jb = json.loads(old), json.loads(new)
    except json.JSONDecodeError:
        print(f"  - {old[:300]}\n  + {new[:300]}")
        return
    keys = [k for k in dict.fromkeys([*ja, *jb]) if ja.get(k) != jb.get(k)]
    print(f"{ja.get('source')}: differs in {keys}")
    for k in keys[:3]:
        print(f"  - {json.dumps(ja.get(k), ensure_ascii=False)[:400]}")
        print(f"  + {json.dumps(jb.get(k), ensure_ascii=False)[:400]}")


def paths(demo: int, corpus: Path, show: int) -> int:
    _use_tree(ROOT)
    from analyzer import mime  # noqa: PLC0415

    line = _analyser()
    count = diffs = 0
    for name, data in inputs(demo, corpus):
        count += 1
        mime.USE_FASTMIME = False
        try:
            slow = line(data, name)
        finally:
            mime.USE_FASTMIME = True
        fast = line(data, name)
        if slow != fast:
            diffs += 1
            if diffs <= show:
                print_diff(slow, fast)
    print(f"{count} inputs, {diffs} differences (stdlib parse - / fast parse +)")
    return 1 if diffs else 0


def ab(files: list[str], *, rev: str, work: Path, demo: int, corpus: Path, show: int) -> int:
    """`git archive rev` against it plus `files` of the working tree (all of the tree without files)."""
    base, new = work / "base", work / "new"
    for tree in (base, new):
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    if files:
        for name in files:
            source = (ROOT / name).resolve()
            if not source.is_relative_to(ROOT):
                sys.exit(f"{name}: not in {ROOT}")
            target = new / source.relative_to(ROOT)
            if source.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
            else:
                target.unlink(missing_ok=True)  # deleted in the working tree
    else:
        shutil.rmtree(new)
        shutil.copytree(ROOT, new, ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info",
                                                                  ".mypy_cache", ".ruff_cache", ".pytest_cache"))
    outs = {tree: work / f"{tree.name}.jsonl" for tree in (base, new)}
    common = ["--demo", str(demo), "--corpus", str(corpus)]
    children = [subprocess.Popen([sys.executable, __file__, "dump", str(out), "--tree", str(tree), *common])
                for tree, out in outs.items()]
    if any(child.wait() != 0 for child in children):
        print("a dump failed")
        return 1
    return compare(outs[base], outs[new], show)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--demo", type=int, default=3000, help="demo generator messages (default 3000; 0: none)")
    common.add_argument("--corpus", type=Path, default=CORPUS, help=f"the corpus maildir (default {CORPUS})")
    shown = argparse.ArgumentParser(add_help=False)
    shown.add_argument("--show", type=int, default=20, help="differences printed in full (default 20)")
    a = sub.add_parser("ab", parents=[common, shown], help="git archive REV against it plus FILES (or the tree)")
    a.add_argument("files", nargs="*", help="changed files of the working tree (default: the whole tree)")
    a.add_argument("--rev", default="HEAD", help="the base revision (default HEAD)")
    a.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "ndr-diffcheck",
                   help="where the two trees and their dumps go")
    d = sub.add_parser("dump", parents=[common], help="analyse every input, write JSON Lines")
    d.add_argument("out", type=Path)
    d.add_argument("--tree", type=Path, default=ROOT, help="the repository whose analyzer/ is used (default: this)")
    c = sub.add_parser("compare", parents=[shown], help="compare two dumps line by line")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    sub.add_parser("paths", parents=[common, shown], help="compare the fast MIME parse with the stdlib's")
    args = ap.parse_args()
    if args.command == "ab":
        return ab(args.files, rev=args.rev, work=args.dir, demo=args.demo, corpus=args.corpus, show=args.show)
    if args.command == "dump":
        return dump(args.out, args.tree, args.demo, args.corpus)
    if args.command == "compare":
        return compare(args.a, args.b, args.show)
    return paths(args.demo, args.corpus, args.show)


if __name__ == "__main__":
    sys.exit(main())
