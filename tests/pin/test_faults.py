"""Faults: every case exits 2 with a clear message and leaves the files untouched.

Network faults come from `tests.support.fault_server`, a loopback server that proxies
to the real test registry and injects timeouts, 500s, 429s, resets and bad bodies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.support.fault_server import FaultServer
from tests.support.registry import Registry

from .conftest import ROOT, Result

pytestmark = pytest.mark.registry


@pytest.fixture
def proxy(registry: Registry) -> Iterator[FaultServer]:
    with FaultServer(upstream=registry.url) as server:
        yield server


def files_for(tmp_path: Path, host: str, n: int = 3) -> list[Path]:
    out = []
    for i in range(n):
        f = tmp_path / f"f{i}.def"
        f.write_text(f"Bootstrap: docker\nFrom: {host}/test/busy:1.{i % 2}\n%post\n  true\n")
        out.append(f)
    return out


def assert_untouched(files: list[Path], before: list[bytes]) -> None:
    assert [f.read_bytes() for f in files] == before
    assert not [p for p in files[0].parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("fault", "ok", "message"),
    [
        ("timeout", 0, "registry unavailable: .*timed out"),
        ("500", 0, "registry unavailable: .*HTTP 500"),
        ("429", 0, "registry unavailable: .*rate limited \\(HTTP 429\\)"),
        ("reset", 1, "registry unavailable: .*(reset|closed)"),
        ("bad-digest", 0, "hashes to sha256:"),
        ("401", 0, "authentication required"),
    ],
)
def test_network_fault_exits_2(
    proxy: FaultServer, tmp_path: Path, defpin: Callable[..., Result],
    fault: str, ok: int, message: str,
) -> None:  # fmt: skip
    import re

    proxy.fault, proxy.ok_requests, proxy.delay = fault, ok, 2
    files = files_for(tmp_path, proxy.host)
    before = [f.read_bytes() for f in files]
    retries = "1" if fault in ("429", "500") else "0"  # show the retry path, keep it quick
    r = defpin(*files, "--timeout", "0.5", "--retries", retries)
    assert r.code == 2, (r.out, r.err)
    assert re.search(message, r.err), r.err
    assert re.search(r"f\d\.def:2:7: error: ", r.err)
    assert "drift" not in r.out
    assert_untouched(files, before)


def test_retry_then_success(
    proxy: FaultServer, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    proxy.fault, proxy.retry_after, proxy.fault_limit = "429", 1, 1
    files = files_for(tmp_path, proxy.host, 1)
    start = time.monotonic()
    r = defpin(*files, "--retries", "2")
    assert r.code == 0, r.err
    assert time.monotonic() - start >= 0.9  # Retry-After honoured
    assert "@sha256:" in files[0].read_text()


def test_drift_check_with_unavailable_registry_is_not_drift(
    proxy: FaultServer, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    (f,) = files_for(tmp_path, proxy.host, 1)
    assert defpin(f).code == 0
    proxy.fault = "500"
    r = defpin(f, "--check", "--online", "--retries", "0")
    assert r.code == 2 and "registry unavailable" in r.err and "drift" not in r.out


def test_read_only_file_as_root_via_directory(
    registry: Registry, tmp_path: Path, defpin: Callable[..., Result]
) -> None:
    """Root ignores file modes, but an atomic write needs a writable directory."""
    d = tmp_path / "ro"
    d.mkdir()
    files = files_for(d, registry.host, 1)
    before = [f.read_bytes() for f in files]
    real_access = os.access

    def fake_access(path: object, mode: int, **kw: object) -> bool:
        if str(path) == str(files[0]) and mode & os.W_OK:
            return False
        return real_access(path, mode)  # type: ignore[arg-type]

    mp = pytest.MonkeyPatch()
    mp.setattr(os, "access", fake_access)
    try:
        r = defpin(*files)
    finally:
        mp.undo()
    assert r.code == 2 and "read-only" in r.err
    assert_untouched(files, before)


def test_ctrl_c_mid_run(proxy: FaultServer, tmp_path: Path) -> None:
    proxy.fault, proxy.delay, proxy.ok_requests = "timeout", 60, 1
    files = files_for(tmp_path, proxy.host, 4)
    before = [f.read_bytes() for f in files]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "defcheck.cli.defpin", *map(str, files), "--timeout", "50",
         "--concurrency", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while proxy.requests < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proxy.requests >= 2, "defpin never reached the registry"
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 2, err
    assert b"interrupted" in err and b"Traceback" not in err
    assert_untouched(files, before)
