"""Shared test helpers (`from helpers import ...`): ../shared, external tools, invariants.

Tests that need `../shared` (conformance data), a registry, buildah, ShellCheck or Neovim
skip with a clear reason on a user's machine, and FAIL under CI (`CI=true`), where a missing
tool means a broken CI setup rather than an optional feature.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from defcheck.syntax import Document
from defcheck.syntax.gostr import GO_SPACE

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def in_ci() -> bool:
    """True when running under CI (`CI=true`)."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def missing(reason: str) -> None:
    """Skip (user machine) or fail (CI) because something the test needs is absent."""
    if in_ci():
        pytest.fail(f"required under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def shared_dir() -> Path:
    """`../shared` next to the repository (conformance data), or skip/fail."""
    path = (REPO.parent / "shared").resolve()
    if not (path / "conformance").is_dir():
        missing(
            f"conformance data not found at {path} (the project's ../shared checkout; "
            "only maintainers and CI have it)"
        )
    return path


def require_tool(name: str, reason: str = "") -> str:
    """Path of an executable on PATH (or next to the interpreter), or skip/fail."""
    import sys

    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        missing(f"`{name}` not found{': ' + reason if reason else ''}")
    assert found is not None
    return found


def check_invariants(doc: Document) -> None:
    """Round trip, contiguous terminals and spans that hold their own text."""
    text = doc.text
    assert doc.source() == text
    toks = doc.tree.tokens()
    pos = 0
    for t in toks:
        assert t.start == pos, "terminals are contiguous"
        assert t.end > t.start
        pos = t.end
    assert pos == len(text)
    for stage in doc.all_stages:
        assert 0 <= stage.span.start <= stage.span.end <= len(text)
        for f in stage.header:
            assert text[f.key_span.start : f.key_span.end] == f.key
            assert f.span.slice(text).lstrip(GO_SPACE).startswith(f.key) or f.key == ""
            if f.value is not None and not f.continued:
                assert f.value_span.slice(text) == f.value
            if f.comment is not None and f.comment_span is not None:
                assert f.comment_span.slice(text) == f.comment
        for s in stage.sections:
            assert (
                s.span.slice(text)
                == s.head_span.slice(text) + text[s.head_span.end : s.body_span.start] + s.body
            )
            assert s.name_span.slice(text).lstrip("%") == s.written
            if s.has_args:
                assert s.args_span.slice(text) == s.args
            if s.kind in ("files", "appfiles"):
                for e in s.files_entries():
                    assert e.src_span.slice(text).strip(GO_SPACE).strip('"') == e.src
            if s.kind in ("labels", "applabels"):
                for lb in s.labels():
                    assert lb.key_span.slice(text) == lb.key
                    assert lb.value_span.slice(text) == lb.value
    for c in doc.comments:
        assert c.span.slice(text).startswith(c.text)
    for p in doc.placeholders:
        assert p.name_span.slice(text) == p.name
        assert p.span.slice(text).startswith("{{")


def python_output(code: str) -> list[str]:
    """The words `python -c code` prints, run with this checkout's `src` first on the path
    (a fresh interpreter: what it imports is not hidden by this test process)."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()
