"""The VS Code extension builds, passes its grammar and unit tests, and packages a .vsix.

Runs the extension's own npm scripts (`npm ci`, `npm run build`, `npm test`,
`npm run package`) in a copy of `editors/vscode`, so the working tree stays clean. Needs
Node.js and npm (skipped with the reason on a machine without them; required in CI).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import REPO, require_tool


@pytest.mark.slow
def test_extension_builds_tests_and_packages(tmp_path: Path) -> None:
    npm = require_tool("npm", "Node.js and npm build the VS Code extension")
    work = tmp_path / "vscode"
    shutil.copytree(
        REPO / "editors" / "vscode",
        work,
        ignore=shutil.ignore_patterns("node_modules", "dist", "*.vsix", "out"),
    )
    for script in (
        ["ci", "--no-audit", "--no-fund"],
        ["run", "build"],
        ["test"],
        ["run", "package"],
    ):
        r = subprocess.run(
            [npm, *script], cwd=work, capture_output=True, text=True, check=False, timeout=600
        )
        assert r.returncode == 0, (
            f"npm {' '.join(script)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        )
    vsix = work / "defcheck.vsix"
    assert vsix.is_file() and vsix.stat().st_size > 1000
