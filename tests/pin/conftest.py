"""Fixtures for defpin tests: a real local registry (session-scoped) and CLI helpers.

Tests that need `docker-registry`/`skopeo` FAIL when they are missing and CI=true, and
are skipped with a reason otherwise (`require_tool`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import require_tool

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.support` without a tests/__init__.py
    sys.path.insert(0, str(ROOT))

from tests.support.registry import Registry, start_registry  # noqa: E402


def require_registry_tools(auth: str = "none") -> None:
    """The tools the local registry fixture needs in `auth` mode."""
    require_tool("docker-registry", "apt-get install docker-registry")
    require_tool("skopeo", "apt-get install skopeo")
    if auth == "basic":
        require_tool("htpasswd", "apt-get install apache2-utils")
    if auth == "token":
        require_tool("openssl", "apt-get install openssl")


AUTH_SEED = ["test/busy:1.0", "test/multi:1.0", "test/dockerlist:1.0", "private/busy:1.0"]


def _start(factory: pytest.TempPathFactory, auth: str) -> Iterator[Registry]:
    require_registry_tools(auth)
    seed: bool | list[str] = True if auth == "none" else AUTH_SEED
    reg = start_registry(factory.mktemp(f"registry-{auth}"), auth=auth, seed=seed)
    try:
        yield reg
    finally:
        reg.stop()


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """An anonymous registry with the standard test images (do not move its tags)."""
    yield from _start(tmp_path_factory, "none")


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry with HTTP Basic auth (alice:s3cret)."""
    yield from _start(tmp_path_factory, "basic")


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry with Bearer token auth; `private/*` needs alice:s3cret."""
    yield from _start(tmp_path_factory, "token")


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No real credentials or library settings leak into tests."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in (
        "DEFPIN_CREDS",
        "DOCKER_CONFIG",
        "DEFPIN_LIBRARY_URL",
        "DEFPIN_LIBRARY_TOKEN",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
    ):
        monkeypatch.delenv(var, raising=False)


@dataclass
class Result:
    """Exit code and captured output of one defpin run."""

    code: int
    out: str
    err: str


@pytest.fixture
def defpin(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `defpin_main(args)` in-process and capture its output."""
    from defcheck.cli.defpin import defpin_main

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = defpin_main([str(a) for a in args])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    return run
