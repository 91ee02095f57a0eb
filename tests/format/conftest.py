"""Shared helpers for the formatter tests."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str, reason: str) -> None:
    """Skip when an external tool is missing, but fail in CI (CI=true)."""
    if shutil.which(name) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is required in CI: {reason}")
        pytest.skip(f"{name} not installed: {reason}")
