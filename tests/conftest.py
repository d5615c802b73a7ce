"""Shared test plumbing: --update-golden, and `require()` for external components."""

from __future__ import annotations

import os
import shutil

import pytest

# Session fixtures of real components, shared by several test modules (imported, not started, here).
pytest_plugins = ["tests.dovecot"]


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
