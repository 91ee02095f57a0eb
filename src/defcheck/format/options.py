"""Formatter options: `FormatOptions` and the `Preview` switches.

`[tool.defcheck.format]` in `pyproject.toml` (or `[format]` in `.defcheck.toml`) and the
`defcheck fmt` flags both end up here; `FormatOptions.from_mapping` validates a table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from defcheck.errors import ConfigError

LINE_ENDINGS = ("preserve", "lf", "crlf")


class Preview(str, Enum):
    """Style changes that wait behind a switch before they become the default (black's
    `Preview`). Each member is listed and tested in docs/formatter.md."""

    #: Drop double quotes around `%files` paths that need none (`"/opt/a"` -> `/opt/a`).
    FILES_UNQUOTE = "files-unquote"


@dataclass(frozen=True)
class FormatOptions:
    """How `format_text` lays a file out.

    >>> FormatOptions(indent="\\t").indent_unit
    '\\t'
    """

    #: One indentation unit for section bodies: spaces or a single tab.
    indent: str = "    "
    #: "preserve" keeps the file's line ending (that of its first line), or "lf"/"crlf".
    line_ending: str = "preserve"
    #: Put sections in the documented canonical order where Apptainer's result is identical.
    sort_sections: bool = False
    #: Enabled preview styles.
    preview: frozenset[Preview] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.indent or (self.indent != "\t" and self.indent.strip(" ")):
            raise ValueError("indent must be one tab or 1 to 16 spaces")
        if self.indent != "\t" and len(self.indent) > 16:
            raise ValueError("indent must be one tab or 1 to 16 spaces")
        if self.line_ending not in LINE_ENDINGS:
            raise ValueError(f"line_ending must be one of {', '.join(LINE_ENDINGS)}")

    @property
    def indent_unit(self) -> str:
        """The indentation unit as text."""
        return self.indent

    def has(self, feature: Preview) -> bool:
        """True if a preview feature is enabled."""
        return feature in self.preview

    @classmethod
    def from_mapping(cls, table: Mapping[str, object], *, source: str = "config") -> FormatOptions:
        """Options from a `[tool.defcheck.format]` table; raises `ConfigError`.

        >>> FormatOptions.from_mapping({"indent": 2, "line-ending": "lf"}).indent
        '  '
        """
        known = {"indent", "line-ending", "sort-sections", "preview"}
        for key in table:
            if key not in known:
                raise ConfigError(
                    f"invalid config: {source}: unknown key `format.{key}` "
                    f"(known: {', '.join(sorted(known))})"
                )
        kwargs: dict[str, object] = {}
        if "indent" in table:
            kwargs["indent"] = parse_indent(table["indent"], source=source)
        if "line-ending" in table:
            value = table["line-ending"]
            if value not in LINE_ENDINGS:
                raise ConfigError(
                    f"invalid config: {source}: key `format.line-ending` should be one of "
                    + ", ".join(LINE_ENDINGS)
                )
            kwargs["line_ending"] = value
        if "sort-sections" in table:
            value = table["sort-sections"]
            if not isinstance(value, bool):
                raise ConfigError(
                    f"invalid config: {source}: key `format.sort-sections` should be a boolean"
                )
            kwargs["sort_sections"] = value
        if "preview" in table:
            kwargs["preview"] = parse_preview(table["preview"], source=source)
        return cls(**kwargs)  # type: ignore[arg-type]


def parse_indent(value: object, *, source: str = "--indent") -> str:
    """`4`, `"4"` or `"tab"` -> the indentation unit; raises `ConfigError`."""
    if value == "tab" or value == "\t":
        return "\t"
    if isinstance(value, bool):
        value = None
    try:
        n = int(str(value))
    except (TypeError, ValueError):
        n = 0
    if not 1 <= n <= 16:
        raise ConfigError(
            f'invalid config: {source}: indent should be a number from 1 to 16 or "tab"'
        )
    return " " * n


def parse_preview(value: object, *, source: str = "--preview") -> frozenset[Preview]:
    """`true` (all preview styles), `false`, or a list of preview names."""
    if value is True:
        return frozenset(Preview)
    if value is False:
        return frozenset()
    if isinstance(value, str):
        value = [v for v in value.split(",") if v]
    if not isinstance(value, list):
        raise ConfigError(f"invalid config: {source}: preview should be true, false or a list")
    out: set[Preview] = set()
    names = {p.value: p for p in Preview}
    for item in value:
        if item not in names:
            raise ConfigError(
                f"invalid config: {source}: unknown preview style {item!r} "
                f"(known: {', '.join(sorted(names))})"
            )
        out.add(names[item])
    return frozenset(out)
