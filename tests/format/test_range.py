"""`format_range`: only the blocks touching the lines change, with the same safety."""

from __future__ import annotations

import pytest

from defcheck.errors import ParseError
from defcheck.format import FormatOptions, format_range, format_text

SOURCE = (
    "bootstrap:docker\n"  # 0
    "from :alpine\n"  # 1
    "%post\n"  # 2
    "  echo a   \n"  # 3
    "%runscript\n"  # 4
    "  exec b\n"  # 5
    "%labels\n"  # 6
    "  A   b\n"  # 7
)


def test_only_touched_blocks_change() -> None:
    out = format_range(SOURCE, 3, 3)
    assert out == (
        "bootstrap:docker\nfrom :alpine\n%post\n    echo a\n\n"
        "%runscript\n  exec b\n%labels\n  A   b\n"
    )


def test_header_range() -> None:
    out = format_range(SOURCE, 0, 0)
    assert out.startswith("Bootstrap: docker\nFrom: alpine\n\n%post\n  echo a   \n")


def test_whole_range_equals_format_text() -> None:
    assert format_range(SOURCE, 0, 100) == format_text(SOURCE)


def test_range_outside_changes_nothing() -> None:
    assert format_range(SOURCE, 50, 60) == SOURCE


def test_range_ignores_sort_sections() -> None:
    out = format_range(SOURCE, 0, 100, options=FormatOptions(sort_sections=True))
    assert out == format_text(SOURCE)


def test_range_on_broken_file() -> None:
    with pytest.raises(ParseError):
        format_range("Bootstrap: docker\nFrom x\n", 0, 1)
