"""The mypyc-compiled analyzer: built in CI, byte-identical to the pure-Python one, never run stale."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest
from click.testing import CliRunner

import analyzer.mime
from ndr import native
from ndr.cli import cli
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]
SUFFIX = EXTENSION_SUFFIXES[0]


def _pure() -> bool:
    return os.environ.get("NDR_PURE", "") not in ("", "0")


def test_the_analyzer_runs_compiled() -> None:
    """`make test` builds it (`make native`); CI must test what users run (NDR_PURE=1 opts out)."""
    if _pure():
        pytest.skip("NDR_PURE is set: the pure-Python analyzer is under test")
    state = native.status()
    require("the mypyc-compiled analyzer (`make native`: mypy's mypyc and a C compiler)", state.built)
    assert analyzer.mime.__file__ is not None and analyzer.mime.__file__.endswith(tuple(EXTENSION_SUFFIXES))
    assert "analyzer/headers/received.py" in state.compiled
    assert "analyzer/model.py" not in state.compiled  # kept interpreted (setup.py INTERPRETED)
    assert state.stale == ()


def test_compiled_results_equal_pure_python(tmp_path: Path) -> None:
    """Every diffcheck input (corpus, goldens, demo, hostile, mutations: ~5,500) gives the same JSON line."""
    if not native.status().built:
        pytest.skip("the analyzer is not compiled: nothing to compare")
    pure = tmp_path / "pure"
    shutil.copytree(ROOT / "analyzer", pure / "analyzer", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    dumps = []
    for name, tree in (("pure", pure), ("compiled", ROOT)):
        out = tmp_path / f"{name}.jsonl"
        subprocess.run([sys.executable, str(ROOT / "bench" / "diffcheck.py"), "dump", str(out), "--tree", str(tree)],
                       check=True, capture_output=True, cwd=ROOT)
        dumps.append(out)
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "diffcheck.py"), "compare", *map(str, dumps)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    lines = dumps[0].read_text().count("\n")
    assert lines > 5000
    assert not list((pure / "analyzer").rglob("*" + SUFFIX))


def _fake_package(tmp_path: Path, *, checkout: bool = True) -> Path:
    package = tmp_path / "analyzer"
    (package / "headers").mkdir(parents=True)
    for rel in ("mime.py", "model.py", "headers/received.py"):
        (package / rel).write_text("x = 1\n")
    for rel in ("mime", "headers/received"):
        (package / (rel + SUFFIX)).write_bytes(b"\x7fELF")
    (package / ("_native__mypyc" + SUFFIX)).write_bytes(b"\x7fELF")
    if checkout:
        (tmp_path / "pyproject.toml").write_text("[project]\n")
    return package


def _age(path: Path, seconds: float) -> None:
    st = path.stat()
    os.utime(path, (st.st_atime - seconds, st.st_mtime - seconds))


def test_status_finds_compiled_modules_and_stale_sources(tmp_path: Path) -> None:
    package = _fake_package(tmp_path)
    for source in package.rglob("*.py"):
        _age(source, 60)
    state = native.status(package)
    assert state.compiled == ("analyzer/headers/received.py", "analyzer/mime.py")  # model.py: no module
    assert state.stale == ()
    assert state.checkout and state.built

    (package / "headers" / "received.py").write_text("x = 2\n")  # edited after the build
    (package / "model.py").write_text("x = 2\n")  # interpreted: its edits always count
    state = native.status(package)
    assert state.stale == ("analyzer/headers/received.py",)
    message = native.stale_message(state)
    assert "analyzer/headers/received.py" in message and "make native" in message and "NDR_PURE=1" in message


def test_status_outside_a_checkout_never_stale(tmp_path: Path) -> None:
    """An installed package's file times say nothing about edits (a wheel unpacks them in any order)."""
    package = _fake_package(tmp_path, checkout=False)
    _age(package / ("_native__mypyc" + SUFFIX), 60)
    state = native.status(package)
    assert state.built and not state.checkout and state.stale == ()


def test_remove_deletes_every_compiled_file(tmp_path: Path) -> None:
    package = _fake_package(tmp_path)
    assert native.remove(package) == 3
    assert not list(package.rglob("*" + SUFFIX))
    assert native.status(package).compiled == ()
    assert sorted(p.name for p in package.rglob("*.py")) == ["mime.py", "model.py", "received.py"]


def test_cli_refuses_a_stale_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = _fake_package(tmp_path)
    _age(package / ("_native__mypyc" + SUFFIX), 60)
    monkeypatch.setattr(native, "PACKAGE", package)
    result = CliRunner().invoke(cli, ["triage", "--help"])
    assert result.exit_code == 2
    assert "compiled analyzer is older than its source" in result.output
    assert "analyzer/headers/received.py" in result.output
