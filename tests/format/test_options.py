"""FormatOptions and configuration tables."""

from __future__ import annotations

import pytest

from defcheck.errors import ConfigError
from defcheck.format import FormatOptions, Preview
from defcheck.format.options import parse_indent, parse_preview


def test_from_mapping() -> None:
    opts = FormatOptions.from_mapping(
        {"indent": "tab", "line-ending": "crlf", "sort-sections": True, "preview": True}
    )
    assert opts == FormatOptions("\t", "crlf", True, frozenset(Preview))


@pytest.mark.parametrize(
    "table, message",
    [
        ({"indent": 0}, "indent"),
        ({"indent": "x"}, "indent"),
        ({"line-ending": "cr"}, "line-ending"),
        ({"sort-sections": "yes"}, "sort-sections"),
        ({"preview": ["nope"]}, "preview"),
        ({"bogus": 1}, "unknown key"),
    ],
)
def test_invalid(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        FormatOptions.from_mapping(table)


def test_helpers() -> None:
    assert parse_indent("2") == "  " and parse_indent("tab") == "\t"
    assert parse_preview("files-unquote") == frozenset({Preview.FILES_UNQUOTE})
    assert parse_preview(False) == frozenset()
    with pytest.raises(ValueError):
        FormatOptions(indent="x")
    with pytest.raises(ValueError):
        FormatOptions(line_ending="cr")
