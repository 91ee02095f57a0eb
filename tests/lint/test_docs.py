"""Rule documentation: generated docs are current, and every rule's examples behave.

Each rule's "## Example" code blocks must trigger the rule and its "## Use instead"
blocks must not (our addition to ruff's docs check, STYLE.md §4).
"""

from __future__ import annotations

import re

import pytest

from defcheck.dev.docs import gen_docs, rule_markdown, section_blocks
from defcheck.lint import LintConfig, all_rules, lint_text

#: Rules that cannot be shown with a code block (engine-produced, tabs, BOM, 64 KiB).
PROSE_ONLY = {"DEF002", "DEF004", "DEF504", "DEF509", "DEF510"}
RULES = [r.meta for r in all_rules()]
HEADINGS = ("## Why is this bad?",)


def test_docs_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert gen_docs(check=True) == 0, capsys.readouterr().err


@pytest.mark.parametrize("meta", RULES, ids=[m.code for m in RULES])
def test_rule_metadata(meta) -> None:  # type: ignore[no-untyped-def]
    assert re.fullmatch(r"DEF\d{3}", meta.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", meta.name)
    assert meta.summary and not meta.summary.endswith(".")
    for heading in HEADINGS:
        assert heading in meta.explanation, f"{meta.code} lacks {heading!r}"
    if meta.fix is not None:
        assert "## Fix safety" in meta.explanation, f"{meta.code} has a fix: explain its safety"
    assert rule_markdown(meta).startswith(f"# {meta.code}: {meta.name}\n")


@pytest.mark.parametrize("meta", RULES, ids=[m.code for m in RULES])
def test_examples(meta) -> None:  # type: ignore[no-untyped-def]
    examples = section_blocks(meta.explanation, "Example")
    instead = section_blocks(meta.explanation, "Use instead")
    if meta.code in PROSE_ONLY:
        return
    assert examples, f"{meta.code}: no code block under ## Example"
    config = LintConfig(extend_select=(meta.code,))
    for text in examples:
        found = [f.code for f in lint_text(text, config=config, shellcheck=False)]
        assert meta.code in found, f"{meta.code}: its Example does not trigger it:\n{text}"
    for text in instead:
        found = [
            f.message
            for f in lint_text(text, config=config, shellcheck=False)
            if f.code == meta.code
        ]
        assert not found, f"{meta.code}: its 'Use instead' triggers it: {found}"
