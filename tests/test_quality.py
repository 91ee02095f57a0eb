"""Project gates run as tests: ruff, ruff format, mypy --strict, layer contracts, caches.

These are the checks every commit must pass; running them in the suite keeps the README's
single test command the whole truth.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is a test dependency (pip install -e '.[test]')", pytrace=False)
    return str(path)


def test_ruff_check() -> None:
    r = _run(_tool("ruff"), "check", "src", "tests", "benchmarks")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_format() -> None:
    r = _run(_tool("ruff"), "format", "--check", "src", "tests", "benchmarks")
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_strict() -> None:
    r = _run(_tool("mypy"), "src/defcheck")
    assert r.returncode == 0, r.stdout + r.stderr


def test_layers() -> None:
    r = _run(_tool("lint-imports"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_parse_tables_current() -> None:
    r = _run(sys.executable, "-m", "defcheck.dev", "gen-tables", "--check")
    assert r.returncode == 0, r.stderr


def test_exported_members() -> None:
    """Every name in `__all__` exists and public API modules export what they document."""
    import defcheck
    import defcheck.syntax

    for module in (defcheck, defcheck.syntax):
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module.__name__}.{name}"
