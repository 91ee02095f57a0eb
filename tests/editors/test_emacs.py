"""Emacs in batch mode: editors/emacs/defcheck-mode.el byte-compiles without warnings, its
ERT tests (mode selection by name and content, font-lock, imenu, indentation, eglot
registration) pass, and eglot gets diagnostics from `defcheck lsp`.

Needs Emacs (Debian: emacs-nox) and, for the eglot test on Emacs < 29, Debian's elpa-eglot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from helpers import missing

EMACS_DIR = Path(__file__).resolve().parents[2] / "editors" / "emacs"
ERT_FILE = Path(__file__).resolve().parent / "defcheck-mode-test.el"
EGLOT_RUN = Path(__file__).resolve().parent / "defcheck-eglot-run.el"
DEBIAN_ELPA = "/usr/share/emacs/site-lisp/elpa"


def _emacs(
    emacs: str, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [emacs, "--batch", "-Q", *args],
        cwd=cwd,
        env={**os.environ, "HOME": str(cwd), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_byte_compiles_cleanly(emacs: str, tmp_path: Path) -> None:
    source = tmp_path / "defcheck-mode.el"
    shutil.copy(EMACS_DIR / "defcheck-mode.el", source)
    proc = _emacs(
        emacs,
        "--eval",
        "(setq byte-compile-error-on-warn t)",
        "-f",
        "batch-byte-compile",
        str(source),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "defcheck-mode.elc").exists()


def test_ert_suite(emacs: str, tmp_path: Path) -> None:
    proc = _emacs(
        emacs,
        "-L",
        str(EMACS_DIR),
        "-l",
        "defcheck-mode",
        "-l",
        str(ERT_FILE),
        "-f",
        "ert-run-tests-batch-and-exit",
        cwd=tmp_path,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "0 unexpected" in output, output


def _lsp_available() -> bool:
    return find_spec("defcheck.lsp") is not None and find_spec("defcheck.__main__") is not None


@pytest.mark.timeout(150)
@pytest.mark.xfail(
    not _lsp_available(),
    reason="`defcheck lsp` (issue 6) is not in this tree yet",
    strict=True,
)
def test_eglot_diagnostics_from_defcheck_lsp(emacs: str, tmp_path: Path) -> None:
    """eglot starts `python -m defcheck lsp` for a defcheck-mode buffer (language id
    "apptainer") and flymake shows the parse error on line 2."""
    path = tmp_path / "Singularity"
    path.write_text("Bootstrap: docker\nFrom alpine\n\n%post\n    echo hi\n", encoding="utf-8")
    out = tmp_path / "result.json"
    proc = _emacs(
        emacs,
        "-L",
        str(EMACS_DIR),
        "-l",
        str(EGLOT_RUN),
        cwd=tmp_path,
        env={
            "DEFCHECK_LSP": json.dumps([sys.executable, "-m", "defcheck", "lsp"]),
            "DEFCHECK_FILE": str(path),
            "DEFCHECK_OUT": str(out),
            "DEFCHECK_ELPA": DEBIAN_ELPA,
        },
    )
    output = proc.stdout + proc.stderr
    if proc.returncode == 3:
        message = (
            "eglot is not installed (Emacs 29+ ships it; Debian 12: apt-get install elpa-eglot)"
        )
        missing(message)
    assert proc.returncode == 0, output
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["mode"] == "defcheck-mode"
    assert result["managed"] is True
    assert result["language-id"] == "apptainer"
    errors = [d for d in result["diagnostics"] if d["line"] == 2 and d["type"] == "eglot-error"]
    assert errors, result
