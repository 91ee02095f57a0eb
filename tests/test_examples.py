"""The bundled examples: accepted by Apptainer and already in canonical format.

`common-mistakes.def` is the exception by design: it shows what the linter catches.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from defcheck.format import format_text
from defcheck.syntax import parse
from helpers import EXAMPLES

GOOD = sorted(p for p in EXAMPLES.glob("*.def") if p.name != "common-mistakes.def")


def test_there_are_examples() -> None:
    assert len(GOOD) >= 6


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_example_is_valid_and_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert parse(text).diagnostics == []
    assert format_text(text) == text


def test_common_mistakes_is_rejected_by_apptainer() -> None:
    doc = parse((EXAMPLES / "common-mistakes.def").read_text(encoding="utf-8"))
    assert [d.message for d in doc.diagnostics] == ["invalid section(s) specified: enviroment"]
