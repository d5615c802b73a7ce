"""Shared test plumbing: --update-golden, and `require()` for external components."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

# A child pytest of `reran_pure` imports the analyzer from a pure-Python copy (set before anything imports it).
PURE_ANALYZER_ENV = "NDR_TEST_PURE_ANALYZER"
if os.environ.get(PURE_ANALYZER_ENV):
    sys.path.insert(0, os.environ[PURE_ANALYZER_ENV])
    import analyzer  # noqa: F401  (now: its submodules come from this package path, whatever pytest adds later)

# Session fixtures of real components, shared by several test modules (imported, not started, here).
pytest_plugins = ["tests.dovecot"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test a compiled analyzer older than its source: the edited .py would not be the code run."""
    from ndr.native import stale_message, status

    state = status()
    if state.stale:
        pytest.exit(stale_message(state), returncode=2)


@pytest.fixture(scope="session")
def pure_analyzer_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of analyzer/'s sources without the compiled modules (imported as pure Python)."""
    tree = tmp_path_factory.mktemp("pure-analyzer")
    shutil.copytree(Path(__file__).resolve().parents[1] / "analyzer", tree / "analyzer",
                    ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    return tree


@pytest.fixture
def reran_pure(request: pytest.FixtureRequest) -> bool:
    """For white-box tests that spy on analyzer functions through their module (monkeypatch): compiled code
    calls its functions directly, past any spy. When the analyzer is compiled this runs the test in a child
    pytest on a pure-Python copy of the same source, asserts it passed there, and returns True (the test then
    returns); on a pure analyzer it returns False and the test runs here."""
    import analyzer.mime

    if not (analyzer.mime.__file__ or "").endswith(tuple(EXTENSION_SUFFIXES)):
        return False
    if os.environ.get(PURE_ANALYZER_ENV):  # never again from a child: it must have the pure copy
        pytest.fail(f"{PURE_ANALYZER_ENV} is set, yet the compiled analyzer was imported")
    tree = request.getfixturevalue("pure_analyzer_tree")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", request.node.nodeid],
                            cwd=root, env={**os.environ, PURE_ANALYZER_ENV: str(tree)},
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "1 passed" in result.stdout, result.stdout[-4000:]
    return True


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite expected JSON of golden samples")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(what: str, ok: bool) -> None:
    """Skip a test when a component is missing on a developer machine; fail it in CI (CI=true)."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"{what} is required in CI but missing (.ci/run should install it)")
    pytest.skip(f"{what} not installed")


def require_binary(name: str, package: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
    require(f"{name} (Debian package {package})", path is not None)
    assert path is not None
    return path
