"""Snapshots of what users see: the rendered text output and the fix diff.

Update with `pytest tests/lint/test_snapshots.py --snapshot-update` and review the diff.
"""

from __future__ import annotations

import difflib

import pytest

from defcheck.cli.render_lint import render_text
from defcheck.lint import LintConfig, fix_text, lint_text
from defcheck.lint.engine import FileResult

NO_IMAGES = LintConfig(ignore=("DEF1", "DEF2", "DEF3"))

CASES = {
    "structure": (
        "Bootstrap: Docker\n"
        "Form: alpine:3.20\n"
        "Stage: build\n"
        "\n"
        "%enviroment\n"
        "    export A=1\n"
        "\n"
        "%files from bulid\n"
        "    /a /a\n"
        "\n"
        "%help\n"
    ),
    "pitfalls": (
        "From: alpine:3.20\n"
        "Bootstrap: docker\n"
        "MirrorURL: http://example.org/x#y\n"
        "\n"
        "%labels\n"
        "\tVERSION=1.0\n"
        "\tAuthor: me\n"
        "\n"
        "%files\n"
        "    app.py #main\n"
        "    'a b' /opt/\n"
    ),
    "buildargs": (
        "Bootstrap: docker\n"
        "From: alpine:{{ TAG }}\n"
        "\n"
        "%arguments\n"
        "    UNUSED=1\n"
        "    broken line\n"
        "\n"
        "%post\n"
        '    echo "build #1 {{ TAG }}"\n'
    ),
}


def _render(name: str, text: str) -> str:
    findings = lint_text(text, path=f"{name}.def", config=NO_IMAGES, shellcheck=False)
    res = FileResult(f"{name}.def", text, findings=tuple(findings))
    return "\n".join(line for _, line in render_text([res])) + "\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_rendered_text(name: str, text_snapshot) -> None:  # type: ignore[no-untyped-def]
    assert _render(name, CASES[name]) == text_snapshot


@pytest.mark.parametrize("name", sorted(CASES))
def test_fix_diff(name: str, text_snapshot) -> None:  # type: ignore[no-untyped-def]
    text = CASES[name]
    fixed = fix_text(text, config=NO_IMAGES, unsafe=True, shellcheck=False).text
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True),
            fixed.splitlines(keepends=True),
            fromfile=f"a/{name}.def",
            tofile=f"b/{name}.def",
        )
    )
    assert diff == text_snapshot
