"""Spans and positions.

Every node of the tree and every view knows its `Span`: half-open `[start, end)` string
offsets into `Document.text`. Lines and columns are derived on demand from a `LineIndex`
built once per document: 0-based internally (as LSP wants), 1-based when printed. LSP
columns count UTF-16 code units; `LineIndex.utf16_column` converts.
"""

from __future__ import annotations

from bisect import bisect_right


class Span:
    """A half-open range `[start, end)` of string offsets into the document text.

    An immutable value (plain class rather than a dataclass: importing `dataclasses` costs
    more than the whole parse of a typical file, see docs/architecture.md).
    """

    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Span) and self.start == other.start and self.end == other.end

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __repr__(self) -> str:
        return f"Span({self.start}, {self.end})"

    def __len__(self) -> int:
        return self.end - self.start

    def contains(self, offset: int) -> bool:
        """True if `offset` lies inside the span (the end counts, for cursors)."""
        return self.start <= offset <= self.end

    def slice(self, text: str) -> str:
        """The text the span covers."""
        return text[self.start : self.end]


class Position:
    """A 0-based line and column (in code points) plus the UTF-16 column for LSP."""

    __slots__ = ("column", "line", "utf16_column")

    def __init__(self, line: int, column: int, utf16_column: int) -> None:
        self.line = line
        self.column = column
        self.utf16_column = utf16_column

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Position) and (self.line, self.column, self.utf16_column) == (
            other.line,
            other.column,
            other.utf16_column,
        )

    def __hash__(self) -> int:
        return hash((self.line, self.column, self.utf16_column))

    def __repr__(self) -> str:
        return f"Position(line={self.line}, column={self.column}, utf16={self.utf16_column})"


class LineIndex:
    """Offset <-> (line, column) conversion for one text, built once.

    Lines end at `\\n` (a preceding `\\r` belongs to the line ending, as for Apptainer).
    """

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._starts = starts

    @property
    def starts(self) -> list[int]:
        """Offset of the first character of each line (do not modify)."""
        return self._starts

    @property
    def line_count(self) -> int:
        """Number of lines (a final line without a newline counts; an empty text has 1)."""
        return len(self._starts)

    def line_start(self, line: int) -> int:
        """Offset of the first character of 0-based `line` (clamped)."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self._text)
        return self._starts[line]

    def line_end(self, line: int, *, keep_newline: bool = False) -> int:
        """Offset just past the content of `line` (before `\\r\\n`/`\\n` unless kept)."""
        if line + 1 < len(self._starts):
            end = self._starts[line + 1]
            if keep_newline:
                return end
            end -= 1
            if end > self._starts[line] and self._text[end - 1] == "\r":
                end -= 1
            return end
        return len(self._text)

    def line_of(self, offset: int) -> int:
        """0-based line containing `offset`."""
        return bisect_right(self._starts, offset) - 1

    def position(self, offset: int) -> Position:
        """Line, column and UTF-16 column of `offset`."""
        offset = max(0, min(offset, len(self._text)))
        line = self.line_of(offset)
        start = self._starts[line]
        col = offset - start
        return Position(line, col, self._utf16_len(start, offset))

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) for messages such as `file:3:7`."""
        pos = self.position(offset)
        return pos.line + 1, pos.column + 1

    def offset(self, line: int, utf16_column: int) -> int:
        """Offset of an LSP position (0-based line, UTF-16 column), clamped to the line."""
        if line >= len(self._starts):
            return len(self._text)
        start = self.line_start(line)
        end = self.line_end(line, keep_newline=False)
        units = 0
        i = start
        while i < end and units < utf16_column:
            units += 2 if ord(self._text[i]) > 0xFFFF else 1
            i += 1
        return i

    def _utf16_len(self, start: int, end: int) -> int:
        segment = self._text[start:end]
        if segment.isascii():
            return len(segment)
        return len(segment) + sum(1 for ch in segment if ord(ch) > 0xFFFF)
