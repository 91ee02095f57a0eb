"""Case files (black's `tests/data/cases`): expected output, idempotence, other options."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from defcheck.format import FormatOptions, Preview, format_text
from format.casefile import all_cases, read_case

CASES = all_cases()


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path) -> None:
    case = read_case(path)
    got = format_text(case.source, options=case.options, force_partial=case.force_partial)
    assert got == case.expected
    again = format_text(got, options=case.options, force_partial=case.force_partial)
    assert again == got, "formatting is not idempotent"


OTHER_OPTIONS = [
    FormatOptions(indent="\t"),
    FormatOptions(indent="  ", line_ending="crlf"),
    FormatOptions(line_ending="lf", sort_sections=True),
    FormatOptions(indent=" ", preview=frozenset(Preview)),
]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
@pytest.mark.parametrize("n", range(len(OTHER_OPTIONS)))
def test_case_other_options(path: Path, n: int) -> None:
    """Each case with other options: only safety (checked inside) and stability."""
    case = read_case(path)
    options = replace(OTHER_OPTIONS[n], preview=OTHER_OPTIONS[n].preview | case.options.preview)
    got = format_text(case.source, options=options, force_partial=case.force_partial)
    assert format_text(got, options=options, force_partial=case.force_partial) == got


def test_cases_exist() -> None:
    assert len(CASES) >= 20
