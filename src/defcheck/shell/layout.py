"""Lexical layout of a shell body: heredocs, multi-line strings, line continuations.

The formatter may re-indent a body line only when its leading whitespace is not content.
That needs the lexical structure of the shell text, which this module scans with a small
state machine that follows POSIX/bash quoting, `$( )`, `${ }`, backticks, comments and
here-documents (`<<`, `<<-`, quoted delimiters, several heredocs on one line).

NOTE: tree-sitter-bash (0.25) gets some here-documents wrong: it ends a `<<` heredoc at an
*indented* terminator, it does not accept partly quoted delimiters (`E"O"F`), and it
misreads `cat <<A <<-B`. Bash does none of that, so the heredoc and string layout comes
from this scanner; `tree.py` adds tree-sitter's error regions and string nodes on top,
always in the direction of protecting more lines.

Everything here works on the prepared text (LF line ends); offsets are relative to it.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from defcheck.syntax.lazy import lazy_compile
from defcheck.syntax.record import record

# Context kinds of the scanner stack.
_TOP, _DQ, _SQ, _ANSI, _BQ, _SUB, _ARITH, _PARAM = range(8)
_QUOTES = frozenset({_DQ, _SQ, _ANSI})
_CODE = frozenset({_TOP, _SUB, _BQ})

# Characters that can change the scanner state, per context (compiled when first needed).
_CODE_SPECIAL = lazy_compile(r"[\\'\"`$#<()\n]")
_SPECIAL = {
    _TOP: _CODE_SPECIAL,
    _SUB: _CODE_SPECIAL,
    _BQ: lazy_compile(r"[\\'\"`$#<\n]"),
    _ARITH: lazy_compile(r"[\\'\"`$()\n]"),
    _DQ: lazy_compile(r"[\\\"`$\n]"),
    _PARAM: lazy_compile(r"[\\'\"`${}\n]"),
    _ANSI: lazy_compile(r"[\\'\n]"),
}
_COMMENT_AFTER = frozenset(" \t\n;&|()<>")
_WORD_END = frozenset(" \t\n;&|()<>")
_TRAILING_BACKSLASH = lazy_compile(r"\\[ \t]+$", re.MULTILINE)


@record
class HeredocRange:
    """One here-document, in offsets of the scanned text.

    `body` is `[start, end)` of the body lines (with their newlines), `terminator` the
    delimiter line without its newline, or `None` when the heredoc runs to the end of the
    text. Lines are 0-based.
    """

    operator: tuple[int, int]
    delimiter: str
    quoted: bool
    strip_tabs: bool
    body: tuple[int, int]
    terminator: tuple[int, int] | None
    first_line: int
    last_line: int


@record
class StringRange:
    """A quoted string that spans lines: `kind` is `"`, `'` or `$'`."""

    start: int
    end: int
    kind: str
    first_line: int
    last_line: int


@record
class ContinuationMark:
    """A backslash-newline outside single quotes.

    `line` is the 0-based line that continues the previous one; `joins` is true when the
    character before the backslash is not blank, so the continued line's leading
    whitespace decides whether two words are joined.
    """

    backslash: int
    line: int
    joins: bool
    in_string: bool


class RawLayout:
    """Scanner output (mutable while scanning; `tree.py` wraps it into frozen values).

    A plain class with slots rather than a dataclass: importing `dataclasses` costs more
    start-up time than linting a small file.
    """

    __slots__ = ("continuations", "heredocs", "leading", "strings", "trailing")

    def __init__(self) -> None:
        self.heredocs: list[HeredocRange] = []
        self.strings: list[StringRange] = []
        self.continuations: list[ContinuationMark] = []
        self.leading: set[int] = set()
        self.trailing: set[int] = set()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _RAW_FIELDS)
        return f"RawLayout({fields})"


_RAW_FIELDS = ("heredocs", "strings", "continuations", "leading", "trailing")


class _Pending:
    __slots__ = ("delimiter", "operator", "quoted", "strip_tabs")

    def __init__(
        self, operator: tuple[int, int], delimiter: str, quoted: bool, strip_tabs: bool
    ) -> None:
        self.operator = operator
        self.delimiter = delimiter
        self.quoted = quoted
        self.strip_tabs = strip_tabs


class _Scanner:
    """One pass over the text; see `scan_layout`."""

    def __init__(self, text: str) -> None:
        self.t = text
        self.n = len(text)
        starts = [0]
        i = text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        self.starts = starts
        # Each entry: [kind, start offset, paren depth].
        self.stack: list[list[int]] = [[_TOP, 0, 0]]
        self.pending: list[_Pending] = []
        self.out = RawLayout()

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def run(self) -> RawLayout:
        t, n = self.t, self.n
        i = 0
        while i < n:
            kind = self.stack[-1][0]
            if kind == _SQ:
                i = self._single_quote(i)
                continue
            match = _SPECIAL[kind].search(t, i)
            if match is None:
                break
            i = self._special(match.start())
        self._finish()
        if "\\" in t:
            for m in _TRAILING_BACKSLASH.finditer(t):
                self.out.trailing.add(self.line_of(m.start()))
        return self.out

    # -- contexts ------------------------------------------------------------------

    def _push(self, kind: int, start: int, depth: int = 0) -> None:
        self.stack.append([kind, start, depth])

    def _pop(self, end: int) -> None:
        kind, start, _ = self.stack.pop()
        if kind in _QUOTES:
            self._string(kind, start, end)

    def _string(self, kind: int, start: int, end: int) -> None:
        first, last = self.line_of(start), self.line_of(max(start, end - 1))
        if first != last:
            label = {_DQ: '"', _SQ: "'", _ANSI: "$'"}[kind]
            self.out.strings.append(StringRange(start, end, label, first, last))

    def _in_quote(self) -> bool:
        return any(entry[0] in _QUOTES for entry in self.stack)

    def _single_quote(self, i: int) -> int:
        j = self.t.find("'", i)
        end = self.n if j == -1 else j
        k = self.t.find("\n", i, end)
        while k != -1:
            self._quoted_newline(k)
            k = self.t.find("\n", k + 1, end)
        if j == -1:
            return self.n
        self._pop(j + 1)
        return j + 1

    def _quoted_newline(self, k: int) -> None:
        line = self.line_of(k)
        self.out.trailing.add(line)
        self.out.leading.add(line + 1)

    # -- special characters --------------------------------------------------------

    def _special(self, i: int) -> int:
        t = self.t
        c = t[i]
        entry = self.stack[-1]
        kind = entry[0]
        if c == "\n":
            return self._newline(i)
        if c == "\\":
            return self._backslash(i, kind)
        if kind == _ANSI:  # only `'` is left
            self._pop(i + 1)
            return i + 1
        if c == "'":
            if kind == _DQ:
                return i + 1
            self._push(_SQ, i)
            return i + 1
        if c == '"':
            if kind == _DQ:
                self._pop(i + 1)
            else:
                self._push(_DQ, i)
            return i + 1
        if c == "`":
            if kind == _BQ:
                self._pop(i + 1)
            else:
                self._push(_BQ, i)
            return i + 1
        if c == "$":
            return self._dollar(i, kind)
        if c == "#":
            if i == 0 or t[i - 1] in _COMMENT_AFTER:
                j = t.find("\n", i)
                return self.n if j == -1 else j
            return i + 1
        if c == "(":
            if kind in (_SUB, _ARITH):
                entry[2] += 1
            return i + 1
        if c == ")":
            if kind in (_SUB, _ARITH):
                entry[2] -= 1
                if entry[2] <= 0:
                    self._pop(i + 1)
            return i + 1
        if c == "{":
            entry[2] += 1
            return i + 1
        if c == "}":
            if entry[2] > 0:
                entry[2] -= 1
            else:
                self._pop(i + 1)
            return i + 1
        if c == "<":
            return self._heredoc_operator(i)
        return i + 1

    def _dollar(self, i: int, kind: int) -> int:
        t = self.t
        nxt = t[i + 1] if i + 1 < self.n else ""
        if nxt == "(":
            if t.startswith("((", i + 1):
                self._push(_ARITH, i, 2)
                return i + 3
            self._push(_SUB, i, 1)
            return i + 2
        if nxt == "{":
            self._push(_PARAM, i, 0)
            return i + 2
        if nxt == "'" and kind != _DQ:
            self._push(_ANSI, i)
            return i + 2
        if nxt == '"' and kind != _DQ:
            self._push(_DQ, i)
            return i + 2
        if nxt == "#":
            return i + 2
        return i + 1

    def _backslash(self, i: int, kind: int) -> int:
        t = self.t
        if i + 1 < self.n and t[i + 1] == "\n":
            prev = t[i - 1] if i > 0 else "\n"
            joins = prev not in " \t\n"
            in_string = self._in_quote()
            line = self.line_of(i) + 1
            self.out.continuations.append(ContinuationMark(i, line, joins, in_string))
            if in_string:
                self._quoted_newline(i + 1)
            elif joins:
                self.out.leading.add(line)
            return i + 2
        return i + 2

    def _newline(self, i: int) -> int:
        in_quote = self._in_quote()
        if in_quote:
            # Conservative: inside `"$( ... )"` every line counts as inside the string.
            self._quoted_newline(i)
        if not self.pending or self.stack[-1][0] not in _CODE:
            return i + 1
        pos = self._read_bodies(i)
        if in_quote and pos < self.n:
            self._quoted_newline(pos - 1)
        return pos

    # -- here-documents -----------------------------------------------------------

    def _heredoc_operator(self, i: int) -> int:
        t, n = self.t, self.n
        if t.startswith("<<<", i):
            return i + 3
        if not t.startswith("<<", i):
            return i + 1
        j = i + 2
        strip_tabs = j < n and t[j] == "-"
        if strip_tabs:
            j += 1
        op_end = j
        while j < n and t[j] in " \t":
            j += 1
        word_start = j
        parts: list[str] = []
        quoted = False
        while j < n and t[j] not in _WORD_END:
            c = t[j]
            if c in "'\"":
                quoted = True
                close = t.find(c, j + 1)
                if close == -1 or "\n" in t[j + 1 : close]:
                    break
                parts.append(t[j + 1 : close])
                j = close + 1
            elif c == "\\" and j + 1 < n:
                quoted = True
                parts.append(t[j + 1])
                j += 2
            else:
                parts.append(c)
                j += 1
        if j == word_start:
            return op_end
        self.pending.append(_Pending((i, op_end), "".join(parts), quoted, strip_tabs))
        return j

    def _read_bodies(self, newline: int) -> int:
        t, n = self.t, self.n
        pos = newline + 1
        for doc in self.pending:
            body_start = pos
            terminator: tuple[int, int] | None = None
            while pos < n:
                nl = t.find("\n", pos)
                line_end = n if nl == -1 else nl
                line = t[pos:line_end]
                if (line.lstrip("\t") if doc.strip_tabs else line) == doc.delimiter:
                    terminator = (pos, line_end)
                    pos = min(line_end + 1, n)
                    break
                pos = line_end + 1
            pos = min(pos, n)
            body_end = terminator[0] if terminator else n
            self._heredoc(doc, body_start, body_end, terminator)
        self.pending.clear()
        return pos

    def _heredoc(
        self,
        doc: _Pending,
        start: int,
        end: int,
        terminator: tuple[int, int] | None,
    ) -> None:
        first = self.line_of(start)
        if terminator is not None:
            last = self.line_of(terminator[0])
        else:
            last = self.line_of(max(start, end - 1))
        self.out.heredocs.append(
            HeredocRange(
                doc.operator,
                doc.delimiter,
                doc.quoted,
                doc.strip_tabs,
                (start, end),
                terminator,
                first,
                max(first, last),
            )
        )
        if start == end and terminator is None:
            return  # no body at all (operator on the last line): nothing to protect
        for line in range(first, last + 1):
            self.out.leading.add(line)
            self.out.trailing.add(line)

    def _finish(self) -> None:
        """Close what is still open at the end of the text."""
        if self.pending:
            self._read_bodies(self.n - 1 if self.n else 0)
        while len(self.stack) > 1:
            self._pop(self.n)


def scan_layout(text: str) -> RawLayout:
    """Scan `text` (LF line ends) for heredocs, multi-line strings and continuations.

    >>> raw = scan_layout("cat <<-EOF\\n\\tx\\n\\tEOF\\necho done\\n")
    >>> sorted(raw.leading), raw.heredocs[0].delimiter
    ([1, 2], 'EOF')
    """
    return _Scanner(text).run()
