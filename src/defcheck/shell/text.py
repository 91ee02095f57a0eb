"""Text preparation shared by the tree-sitter and ShellCheck layers.

A section body is analysed as it will run, but positions must point into the definition
file exactly. `PreparedBody` does the two rewrites we allow and maps offsets back:

* `\\r\\n` becomes `\\n` (CRLF files): the analysed text is shorter, so offsets are mapped
  back by counting the carriage returns removed before them. Line numbers do not change.
* `{{ NAME }}` build-argument placeholders (spec §7.2) are replaced by a word of the same
  length (`NAME______`), so they read as one literal word and offsets stay unchanged.

Tree-sitter reports UTF-8 byte columns; `ByteColumns` turns them into string offsets.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from defcheck.syntax.lazy import lazy_compile
from defcheck.syntax.span import LineIndex

# Apptainer's `{{\s*(\w+)\s*}}` (ASCII), limited to one line so masking keeps line ends.
_PLACEHOLDER = lazy_compile(r"\{\{[\t\f ]*([0-9A-Za-z_]+)[\t\f ]*\}\}")
# Bytes 0x80-0xBF continue a UTF-8 sequence; every other byte starts a code point.
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))


def mask_placeholders(text: str) -> str:
    """Replace each `{{ NAME }}` by a same-length literal word.

    >>> mask_placeholders("echo {{ VERSION }}!")
    'echo VERSION______!'
    """

    if "{{" not in text:
        return text

    def _word(match: re.Match[str]) -> str:
        return match.group(1).ljust(len(match.group(0)), "_")

    return _PLACEHOLDER.sub(_word, text)


class PreparedBody:
    """A body ready for analysis, with the mapping back to the original body text.

    `text` is what tools see. `to_original(i)` maps an offset in `text` to the offset in
    the original body; `base` is the absolute offset of the body in the definition file.

    (What `@dataclass(frozen=True, slots=True)` would write, without importing
    `dataclasses`, which costs more start-up time than linting a small file.)
    """

    __slots__ = ("_removed", "base", "original", "text")

    def __init__(
        self, original: str, text: str, base: int = 0, _removed: tuple[int, ...] = ()
    ) -> None:
        self.original = original
        self.text = text
        self.base = base
        self._removed = _removed

    def __repr__(self) -> str:
        return f"PreparedBody(original={self.original!r}, text={self.text!r}, base={self.base!r})"

    def _key(self) -> tuple[str, str, int, tuple[int, ...]]:
        return self.original, self.text, self.base, self._removed

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, PreparedBody)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @classmethod
    def prepare(cls, body: str, *, base: int = 0, placeholders: bool = True) -> PreparedBody:
        """Normalise CRLF to LF and (optionally) mask placeholders.

        >>> p = PreparedBody.prepare("a\\r\\nb", base=10)
        >>> p.text, p.absolute(2)
        ('a\\nb', 13)
        """
        text = mask_placeholders(body) if placeholders else body
        removed: list[int] = []
        if "\r\n" in text:
            # Offsets (in the normalised text) where a `\r` was dropped: the `\n` that
            # followed it lands there.
            parts = text.split("\r\n")
            pos = 0
            for part in parts[:-1]:
                pos += len(part)
                removed.append(pos)
                pos += 1
            text = "\n".join(parts)
        return cls(body, text, base, tuple(removed))

    def to_original(self, offset: int) -> int:
        """Offset in the original body of `offset` in `text`."""
        if not self._removed:
            return offset
        # Every `\r` removed strictly before this offset shifts it by one; an offset at a
        # `\n` that followed a `\r` maps onto the `\r` (the end of the line content).
        return offset + bisect_left(self._removed, offset)

    def to_prepared(self, offset: int) -> int:
        """Offset in `text` of `offset` in the original body (inverse of `to_original`)."""
        if not self._removed:
            return offset
        # The k-th removed `\r` sat at original offset removed[k] + k.
        lo, hi = 0, len(self._removed)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._removed[mid] + mid < offset:
                lo = mid + 1
            else:
                hi = mid
        return offset - lo

    def absolute(self, offset: int) -> int:
        """Absolute offset in the definition file of `offset` in `text`."""
        if not self._removed:
            return self.base + offset
        return self.base + offset + bisect_left(self._removed, offset)


class ByteColumns:
    """Convert tree-sitter `(row, byte column)` points of a text into string offsets."""

    __slots__ = ("_ascii", "_line_bytes", "_line_starts")

    def __init__(self, text: str) -> None:
        self._ascii = text.isascii()
        self._line_starts = LineIndex(text).starts
        self._line_bytes: list[bytes] | None = None
        if not self._ascii:
            self._line_bytes = [line.encode("utf-8", "surrogatepass") for line in text.split("\n")]

    def line_of(self, offset: int) -> int:
        """0-based line of a string offset."""
        return bisect_right(self._line_starts, offset) - 1

    def offset(self, row: int, byte_column: int) -> int:
        """String offset of a tree-sitter point."""
        if row >= len(self._line_starts):
            row = len(self._line_starts) - 1
        start = self._line_starts[row]
        if self._line_bytes is None:
            return start + byte_column
        prefix = self._line_bytes[row][:byte_column]
        if prefix.isascii():
            return start + len(prefix)
        return start + len(prefix.translate(None, _CONTINUATION_BYTES))


# NOTE: tree-sitter-bash 0.25's scanner crashes (segfault or bus error, depending on
# memory layout) on `{` followed by some non-ASCII code points (`{\U000E0001`,
# `{\U00034ABF`). For bash every non-ASCII character is an ordinary word character, so
# the parser reads a copy where each one is `x`: the same tree, and string offsets equal
# byte offsets. Word texts and values are always taken from the original text.
_NON_ASCII = lazy_compile(r"[^\x00-\x7f]")


def tree_sitter_text(text: str) -> str:
    """`text` with every non-ASCII character replaced by `x` (same length).

    >>> tree_sitter_text("echo é😀")
    'echo xx'
    """
    return text if text.isascii() else _NON_ASCII.sub("x", text)


def encode(text: str) -> bytes:
    """UTF-8 bytes for tree-sitter (lone surrogates from surrogateescape survive)."""
    return text.encode("utf-8", "surrogatepass")
