"""The compiled analyzer: is it built, is it current, build it (`make native` runs `python -m ndr.native`).

setup.py compiles analyzer/ with mypyc into C extension modules beside the .py files; Python imports
those first. In a source checkout an edited .py is then shadowed by its older compiled module, which
would run old code without a word: status() finds such sources (file times only, nothing imported), the
CLI refuses to run on them and the tests fail on them, both naming `make native`.

    python -m ndr.native           # build when missing or stale (NDR_PURE=1: remove the compiled modules)
    python -m ndr.native --status  # print the state; exit 1 when stale
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "analyzer"
LIBRARY = "_native__mypyc"  # mypyc's shared library: every compiled module's code (setup.py group_name)


@dataclass(frozen=True)
class NativeStatus:
    compiled: tuple[str, ...]  # compiled modules present, as source paths relative to the project
    stale: tuple[str, ...]  # of those, the sources edited after the build (in a source checkout)
    checkout: bool  # analyzer/ lies in a source checkout (pyproject.toml beside it)

    @property
    def built(self) -> bool:
        return bool(self.compiled)


def _module_file(name: str) -> str | None:
    """'received.cpython-311-x86_64-linux-gnu.so' -> 'received.py'; None for anything else."""
    for suffix in EXTENSION_SUFFIXES:
        if name.endswith(suffix) and not name.startswith(LIBRARY):
            return name[: -len(suffix)] + ".py"
    return None


def status(package: Path | None = None) -> NativeStatus:
    """The compiled modules of `package` (default: this analyzer) and the sources newer than its library."""
    package = package or PACKAGE
    root = package.parent
    libraries = [p for p in package.glob(LIBRARY + ".*") if any(p.name.endswith(s) for s in EXTENSION_SUFFIXES)]
    compiled: list[Path] = []
    for directory, _, files in os.walk(package):
        for name in files:
            source = _module_file(name)
            if source is not None and (Path(directory) / source).exists():
                compiled.append(Path(directory) / source)
    checkout = (root / "pyproject.toml").exists()
    stale: list[Path] = []
    if compiled and checkout:
        built = min(p.stat().st_mtime for p in libraries) if libraries else 0.0
        stale = [p for p in compiled if p.stat().st_mtime > built]

    def relative(paths: list[Path]) -> tuple[str, ...]:
        return tuple(sorted(p.relative_to(root).as_posix() for p in paths))

    return NativeStatus(compiled=relative(compiled), stale=relative(stale), checkout=checkout)


def stale_message(state: NativeStatus) -> str:
    first = state.stale[0] + (f" and {len(state.stale) - 1} more" if len(state.stale) > 1 else "")
    return (f"the compiled analyzer is older than its source ({first}): run `make native` to rebuild it, "
            f"or `NDR_PURE=1 make native` to remove it and run pure Python")


def remove(package: Path = PACKAGE) -> int:
    """Delete every compiled module of `package`; the number deleted."""
    count = 0
    for directory, _, files in os.walk(package):
        for name in files:
            if any(name.endswith(suffix) for suffix in EXTENSION_SUFFIXES):
                (Path(directory) / name).unlink()
                count += 1
    return count


def build(package: Path = PACKAGE) -> NativeStatus:
    """Compile when missing or stale (NDR_PURE=1: remove instead); the state afterwards."""
    if os.environ.get("NDR_PURE", "") not in ("", "0"):
        removed = remove(package)
        print(f"ndr.native: NDR_PURE is set: the analyzer runs pure Python ({removed} compiled files removed)")
        return status(package)
    state = status(package)
    if state.built and not state.stale:
        print(f"ndr.native: the compiled analyzer is current ({len(state.compiled)} modules)")
        return state
    remove(package)  # all or nothing: the modules call each other natively
    print("ndr.native: compiling the analyzer with mypyc (a few minutes) ...", flush=True)
    subprocess.run([sys.executable, "setup.py", "--quiet", "build_ext", "--inplace"],
                   cwd=package.parent, check=False)
    state = status(package)
    if state.built and not state.stale:
        print(f"ndr.native: compiled {len(state.compiled)} modules")
    else:
        print("ndr.native: not compiled: the analyzer runs pure Python (setup.py said why)", file=sys.stderr)
    return state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ndr.native", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--status", action="store_true", help="print the state only; exit 1 when stale")
    args = parser.parse_args(argv)
    if args.status:
        state = status()
        if state.stale:
            print(f"ndr.native: {stale_message(state)}", file=sys.stderr)
            return 1
        print(f"ndr.native: {len(state.compiled)} compiled modules" if state.built else
              "ndr.native: not compiled (pure Python)")
        return 0
    state = build()
    return 1 if state.stale else 0


if __name__ == "__main__":
    sys.exit(main())
