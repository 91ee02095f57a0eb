"""Conformance: the linter runs on every real-world file of `../shared/corpus/real/`.

No rule may crash (`DEF002`), every span must lie inside its file, and every safe fix
must leave a file that Apptainer accepts if it accepted the original. Skipped with a
reason when the shared corpus is absent, except under CI (CI=true), where that fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from defcheck.lint import LintConfig, fix_text, lint_paths
from defcheck.lint.discover import discover
from defcheck.syntax import parse
from helpers import missing

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus" / "real"

pytestmark = pytest.mark.conformance


@pytest.fixture(scope="module")
def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        message = f"shared corpus not found at {CORPUS.resolve()}"
        missing(message)
    files = list(discover([CORPUS]))
    assert len(files) >= 300
    return files


def test_lint_whole_corpus_without_crash(corpus_files: list[Path]) -> None:
    results = lint_paths(corpus_files, config=LintConfig(), shellcheck=False)
    assert len(results) == len(corpus_files)
    for res in results:
        assert res.error is None, res.error
        assert res.text is not None
        crashes = [f.message for f in res.findings if f.code == "DEF002"]
        assert not crashes, f"{res.path}: {crashes}"
        for f in res.findings:
            assert 0 <= f.span.start <= f.span.end <= len(res.text), (res.path, f)


@pytest.mark.shellcheck
def test_lint_sample_with_shellcheck(corpus_files: list[Path], shellcheck_bin: str) -> None:
    sample = corpus_files[::25]
    results = lint_paths(sample, config=LintConfig())
    assert any(f.code.startswith("SC") for r in results for f in r.findings)
    for res in results:
        assert not [f for f in res.findings if f.code in ("DEF002", "DEF004")], res.path
        assert res.text is not None
        for f in res.findings:
            assert 0 <= f.span.start <= f.span.end <= len(res.text), (res.path, f)


def test_safe_fixes_never_break_corpus_files(corpus_files: list[Path]) -> None:
    for path in corpus_files[::3]:
        text = path.read_text(encoding="utf-8")
        result = fix_text(text, config=LintConfig(), shellcheck=False)
        if result.text == text:
            continue
        if not parse(text).errors:
            assert not parse(result.text).errors, path
