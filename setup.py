"""Build hook: the analyzer compiled to C by mypyc (the metadata lives in pyproject.toml).

analyzer/ is plain, fully typed Python (mypy --strict); mypyc compiles the same source into C extension
modules that Python imports in place of the .py files, ~1.3x faster on the corpus (`make bench` prints
both figures). Nothing else changes: the compiled analyzer gives byte-identical results
(tests/test_native.py compares the two on every corpus and sample message).

    pip install .                             # compiled (mypyc comes from the build requirements)
    NDR_PURE=1 pip install .                  # pure Python, no C compiler needed
    python setup.py build_ext --inplace       # what `make native` runs in a source checkout

A failed C build is not fatal: the install goes on with the pure-Python analyzer and says so.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent

# Kept interpreted: the frozen records (records.fast_init sets their slots through the dataclass's own
# descriptors), the lazily compiled regex wrapper (it fills its method slots from __getattr__), the
# detector registry (54 modules imported in a cycle mypyc cannot type) and the package's __init__.
INTERPRETED = frozenset({
    "analyzer/__init__.py",
    "analyzer/model.py",
    "analyzer/records.py",
    "analyzer/regex.py",
    "analyzer/detectors/__init__.py",
})


def compiled_sources() -> list[str]:
    """The analyzer's modules mypyc compiles, relative to the project root, in a fixed order."""
    paths = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "analyzer").rglob("*.py"))
    return [p for p in paths if p not in INTERPRETED]


def ext_modules() -> list[Any]:
    if os.environ.get("NDR_PURE", "") not in ("", "0"):
        return []
    try:
        from mypyc.build import mypycify  # noqa: PLC0415 (a build requirement, not a runtime one)
    except ImportError:
        print("ndr: mypyc is not installed: the analyzer stays pure Python", file=sys.stderr)
        return []
    cwd = os.getcwd()
    os.chdir(ROOT)  # mypyc resolves the paths and its build/ directory from here
    try:
        return list(mypycify(compiled_sources(), opt_level="3", debug_level="0", group_name="analyzer._native"))
    except (Exception, SystemExit) as exc:  # noqa: BLE001 (mypyc exits on a type error: stay pure Python)
        print(f"ndr: mypyc could not compile the analyzer ({exc!r}); it stays pure Python", file=sys.stderr)
        return []
    finally:
        os.chdir(cwd)


class OptionalBuildExt(build_ext):
    """build_ext that falls back to the pure-Python analyzer when the C build fails (no compiler, ...).

    All or nothing: the modules call each other natively, so a partial build is removed entirely."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 (any build failure: the pure-Python analyzer still works)
            for ext in self.extensions:
                for path in {Path(self.get_ext_fullpath(ext.name)), ROOT / self.get_ext_filename(ext.name)}:
                    path.unlink(missing_ok=True)
            print(f"ndr: compiling the analyzer failed ({exc}); it stays pure Python", file=sys.stderr)


setup(ext_modules=ext_modules(), cmdclass={"build_ext": OptionalBuildExt})
