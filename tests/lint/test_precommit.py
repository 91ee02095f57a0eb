"""`.pre-commit-hooks.yaml`: hook ids, entries and the definition-file pattern."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

HOOKS = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
)


def test_hook_ids_and_entries() -> None:
    entries = {h["id"]: h["entry"] for h in HOOKS}
    assert entries == {
        "defcheck-lint": "defcheck lint",
        "defcheck-fmt": "defcheck fmt",
        "defpin-check": "defpin --check",
    }
    assert all(h["language"] == "python" for h in HOOKS)


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("app.def", True),
        ("a/b/Singularity", True),
        ("Singularity.gpu", True),
        ("x/Apptainer", True),
        ("Apptainer.cuda-12", True),
        ("README.md", False),
        ("Singularity/setup.py", False),
        ("x.define", False),
        ("MySingularity", False),
    ],
)
def test_files_pattern(name: str, matches: bool) -> None:
    from defcheck.lint.discover import is_definition_file

    for hook in HOOKS:
        assert bool(re.search(hook["files"], name)) is matches
    assert is_definition_file(Path(name).name) is matches
