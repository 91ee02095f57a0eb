"""A real shell parse of a section body (tree-sitter-bash) plus its lexical layout.

`parse_shell(body, base=...)` returns a `ShellBody`: the simple commands with their words,
pipelines (for `curl ... | sh`), here-documents, multi-line strings, backslash
continuations, parse errors, and the lines whose whitespace is content
(`protected_lines`, `verbatim_end_lines`) for the formatter. Every span is absolute: an
offset into the definition file, i.e. the offset in the body plus `base`.

>>> body = parse_shell("apt-get install -y curl | tee log\\n", base=100)
>>> [w.text for w in body.commands[0].argv]
['apt-get', 'install', '-y', 'curl']
>>> body.commands[0].span.start, body.commands[0].span.end
(100, 123)
>>> [c.name.text for c in body.pipelines[0].stages if c and c.name]
['apt-get', 'tee']

Positions: tree-sitter reports UTF-8 byte columns; they are converted to string offsets.
CRLF bodies are parsed with LF line ends and mapped back; `{{ NAME }}` placeholders are
parsed as one literal word (see `text.py`).
"""

from __future__ import annotations

import _thread  # not `threading` (start-up time): a lock and the thread id are enough
import re
from bisect import bisect_right
from collections.abc import Callable
from functools import cached_property, lru_cache

from defcheck.shell.layout import RawLayout, scan_layout
from defcheck.shell.text import ByteColumns, PreparedBody, encode, tree_sitter_text
from defcheck.syntax.lazy import lazy_compile
from defcheck.syntax.record import record
from defcheck.syntax.span import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from tree_sitter import Language, Node, Parser, Query

_STRING_NODES = "[(string) (raw_string) (ansi_c_string) (translated_string)] @s"
_QUERY = "(command) @command (pipeline) @pipeline"
#: The node types of the two queries, for `_find_nodes`.
_STRING_TYPES = frozenset({"string", "raw_string", "ansi_c_string", "translated_string"})
_STRUCTURE_TYPES = frozenset({"command", "pipeline"})
_WALK_LIMIT = 20_000  # characters of a body walked in Python rather than queried
_EXPANSIONS = frozenset(
    {"simple_expansion", "expansion", "command_substitution", "arithmetic_expansion"}
)
_SKIP_ARGUMENT = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect", "comment"})
_PLACEHOLDER = lazy_compile(r"\{\{\s*[A-Za-z0-9_]+\s*\}\}")
_ESCAPE = lazy_compile(r"\\(\n|.)", re.DOTALL)
_DQ_ESCAPE = lazy_compile(r"\\([\\\"$`\n])")
_parsers: dict[int, Parser] = {}  # one tree-sitter parser per thread (they are not shared)


@record
class Word:
    """One word of a command, as written.

    `value` is the literal value after quote removal (`"-y"` -> `-y`), or `None` when the
    word has expansions or build-argument placeholders and so is only known at run time.
    """

    text: str
    span: Span
    value: str | None


@record
class Command:
    """A simple command: `VAR=x name arg...` (redirections are not arguments)."""

    name: Word | None
    arguments: tuple[Word, ...]
    assignments: tuple[Word, ...]
    span: Span
    line: int
    # `effective_argv()` and `run_name` are memoised in the instance `__dict__` (not
    # fields: no effect on `==`, hash or repr); rules ask for them many times.

    @property
    def argv(self) -> tuple[Word, ...]:
        """The name followed by the arguments."""
        return (self.name, *self.arguments) if self.name else self.arguments

    def effective_argv(self) -> tuple[Word, ...]:
        """`argv` without leading wrappers: `sudo -E`, `env X=1`, `exec`, `command`, `nohup`,
        `nice -n 5`, `time`.

        >>> [w.text for w in parse_shell("sudo -E env A=1 apt-get -y x").commands[0]
        ...  .effective_argv()]
        ['apt-get', '-y', 'x']
        """
        memo = self.__dict__
        found: tuple[Word, ...] | None = memo.get("_effective")
        if found is None:
            found = memo["_effective"] = strip_wrappers(self.argv)
        return found

    @property
    def run_name(self) -> str:
        """The base name of the command actually run (`sudo /usr/bin/curl` -> `curl`)."""
        memo = self.__dict__
        name: str | None = memo.get("_run_name")
        if name is None:
            argv = self.effective_argv()
            name = (argv[0].value or argv[0].text).rsplit("/", 1)[-1] if argv else ""
            memo["_run_name"] = name
        return name


@record
class Pipeline:
    """`a | b | c`; a stage that is not a simple command (a subshell, a loop) is `None`."""

    span: Span
    stages: tuple[Command | None, ...]
    line: int


@record
class Heredoc:
    """A here-document. `body` covers the body lines with their line ends; `terminator` is
    the delimiter line (without its line end), `None` if the heredoc runs to the end of the
    body. `first_line`/`last_line` are 0-based body lines (terminator included)."""

    operator: Span
    delimiter: str
    quoted: bool
    strip_tabs: bool
    body: Span
    terminator: Span | None
    first_line: int
    last_line: int


@record
class MultilineString:
    """A quoted string (`"`, `'` or `$'`) spanning lines."""

    span: Span
    kind: str
    first_line: int
    last_line: int


@record
class Continuation:
    """A backslash-newline: `line` (0-based) continues the previous line.

    `joins` is true when no blank precedes the backslash, so the continued line's leading
    whitespace decides whether words are joined; `in_string` when it is inside quotes.
    """

    backslash: Span
    line: int
    joins: bool
    in_string: bool


@record
class ShellSyntaxError:
    """Where tree-sitter-bash could not parse (`missing` for an expected token)."""

    span: Span
    first_line: int
    last_line: int
    missing: bool


class ShellBody:
    """The analysis of one body. Spans are absolute; lines are 0-based body lines.

    The layout (heredocs, strings, continuations, protected lines) is computed at once;
    `commands` and `pipelines` on first use, so the formatter does not pay for them.
    Compared by identity. (A plain class: importing `dataclasses` costs more start-up
    time than linting a small file.)
    """

    def __init__(
        self,
        text: str,
        base: int,
        heredocs: tuple[Heredoc, ...],
        strings: tuple[MultilineString, ...],
        continuations: tuple[Continuation, ...],
        errors: tuple[ShellSyntaxError, ...],
        protected_lines: frozenset[int],
        verbatim_end_lines: frozenset[int],
        _builder: _Builder,
    ) -> None:
        self.text = text
        self.base = base
        self.heredocs = heredocs
        self.strings = strings
        self.continuations = continuations
        self.errors = errors
        self.protected_lines = protected_lines
        self.verbatim_end_lines = verbatim_end_lines
        self._builder = _builder

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _BODY_FIELDS)
        return f"ShellBody({fields})"

    @property
    def has_errors(self) -> bool:
        """True if tree-sitter-bash reported a syntax error."""
        return bool(self.errors)

    @property
    def commands(self) -> tuple[Command, ...]:
        """Every simple command, in source order (also inside functions, `$( )`, loops)."""
        return self._structure[0]

    @property
    def pipelines(self) -> tuple[Pipeline, ...]:
        """Every pipeline, in source order."""
        return self._structure[1]

    @cached_property
    def _structure(self) -> tuple[tuple[Command, ...], tuple[Pipeline, ...]]:
        return self._builder.structure()


_BODY_FIELDS = (
    "text",
    "base",
    "heredocs",
    "strings",
    "continuations",
    "errors",
    "protected_lines",
    "verbatim_end_lines",
)


def parse_shell(body: str, *, base: int = 0, placeholders: bool = True) -> ShellBody:
    """Parse a section body; never raises on any text.

    `base` is the absolute offset of the body in the definition file. With `placeholders`
    (the default) `{{ NAME }}` is read as one literal word, as after substitution.
    Results are cached per (body, base): the language server re-parses only what changed.
    """
    return _parse_cached(body, base, placeholders)


def protected_lines(body: str) -> set[int]:
    """0-based body lines whose leading whitespace is content and must not change.

    Heredoc bodies and terminators, lines starting inside a multi-line string, lines
    continuing a word through a backslash-newline, and lines in or around a region
    tree-sitter-bash could not parse.

    >>> sorted(protected_lines("cat <<-EOF\\n\\tkeep\\n\\tEOF\\n  echo fine\\n"))
    [1, 2]
    """
    return set(parse_shell(body).protected_lines)


def strip_wrappers(argv: tuple[Word, ...]) -> tuple[Word, ...]:
    """Drop wrappers that run the rest of the words as a command (see `effective_argv`)."""
    i = 0
    while i < len(argv):
        name = (argv[i].value or "").rsplit("/", 1)[-1]
        if name not in _WRAPPERS:
            break
        if name == "command" and i + 1 < len(argv) and argv[i + 1].value in ("-v", "-V"):
            break  # `command -v git` asks about git, it does not run it
        i += 1
        takes_value = _WRAPPERS[name]
        while i < len(argv):
            value = argv[i].value or ""
            if name == "env" and "=" in value and not value.startswith(("-", "=")):
                i += 1
            elif value.startswith("-") and value != "-":
                i += 2 if value in takes_value else 1
                if value == "--":
                    break
            else:
                break
    return argv[i:]


#: Wrapper commands and their options that take a separate value.
_WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}),
    "env": frozenset({"-u", "-C", "--unset", "--chdir"}),
    "exec": frozenset({"-a"}),
    "command": frozenset(),
    "nohup": frozenset(),
    "nice": frozenset({"-n"}),
    "time": frozenset({"-f", "-o"}),
}


# -- implementation ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _language() -> Language:
    language: Language = _ts().Language(_extension("tree_sitter_bash").language())
    return language


def _ts() -> Any:
    """tree-sitter's classes (`Language`, `Parser`, `Query`, `QueryCursor`)."""
    return _extension("tree_sitter")


def _extension(package: str) -> Any:
    """The compiled `<package>._binding` module, loaded without running the package's
    `__init__`: `tree_sitter_bash`'s imports `importlib.resources` (and with it pathlib,
    tempfile, shutil, zipfile...) for a query file we never read, `tree_sitter`'s imports
    `typing` for one Protocol; together ~20 ms of every `defcheck lint`. The module is
    registered under its own name, so a later `import <package>` uses this same copy.
    Falls back to importing the package if its layout ever changes."""
    import sys

    name = f"{package}._binding"
    module = sys.modules.get(name)
    if module is not None:
        return module
    import os

    # `importlib.machinery` re-exports these classes from the import system's own modules,
    # which are always loaded; taking them from there spares importing `importlib` (and
    # `warnings` with it).
    machinery: Any = sys.modules.get("_frozen_importlib_external")
    module_spec: Any = getattr(sys.modules.get("_frozen_importlib"), "ModuleSpec", None)
    if machinery is None or module_spec is None:  # pragma: no cover - not CPython
        import importlib.machinery as machinery

        module_spec = machinery.ModuleSpec
    spec = machinery.PathFinder.find_spec(package)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for suffix in machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "_binding" + suffix)
            if os.path.isfile(path):
                loader = machinery.ExtensionFileLoader(name, path)
                module = loader.create_module(module_spec(name, loader, origin=path))
                loader.exec_module(module)
                sys.modules[name] = module
                return module
    import importlib

    return importlib.import_module(package)


@lru_cache(maxsize=1)
def _query() -> Query:
    query: Query = _ts().Query(_language(), _QUERY)
    return query


@lru_cache(maxsize=1)
def _strings_query() -> Query:
    query: Query = _ts().Query(_language(), _STRING_NODES)
    return query


def _parser() -> Parser:
    ident = _thread.get_ident()
    parser = _parsers.get(ident)
    if parser is None:
        parser = _parsers[ident] = _ts().Parser(_language())
    return parser


def _parse_cached(body: str, base: int, placeholders: bool) -> ShellBody:
    # Big bodies get a small cache of their own: the language server makes a new one per
    # keystroke, and 512 parsed 5,000-line bodies would hold (and make the garbage
    # collector walk) hundreds of megabytes.
    if len(body) > _BIG_BODY:
        return _parse_big(body, base, placeholders)
    return _parse_small(body, base, placeholders)


_BIG_BODY = 50_000  # characters


@lru_cache(maxsize=512)
def _parse_small(body: str, base: int, placeholders: bool) -> ShellBody:
    return _build(body, base, placeholders)


@lru_cache(maxsize=4)
def _parse_big(body: str, base: int, placeholders: bool) -> ShellBody:
    return _build(body, base, placeholders)


def _build(body: str, base: int, placeholders: bool) -> ShellBody:
    return _Builder(PreparedBody.prepare(body, base=base, placeholders=placeholders)).build()


_parse_cached.__wrapped__ = _build  # type: ignore[attr-defined]  # uncached, as before


def clear_cache() -> None:
    """Forget every cached parse (benchmarks measure cold analysis with it)."""
    _parse_small.cache_clear()
    _parse_big.cache_clear()


class _Builder:
    """Turns one tree-sitter parse plus the layout scan into a `ShellBody`."""

    def __init__(self, prepared: PreparedBody) -> None:
        self.p = prepared
        # The parser reads a sanitised copy (same length in characters, see text.py).
        self.ts_text = tree_sitter_text(prepared.text)
        self.cols = ByteColumns(self.ts_text)
        self.layout: RawLayout = scan_layout(prepared.text)
        # Heredoc text (body and terminator), sorted and non-overlapping, for bisection.
        self.heredoc_text = sorted(
            (h.body[0], h.terminator[1] if h.terminator else h.body[1], h.quoted)
            for h in self.layout.heredocs
        )
        self.heredoc_starts = [start for start, _, _ in self.heredoc_text]
        self.last_piece: dict[tuple[int, int], Command] = {}
        self.lock = _thread.allocate_lock()
        self.result: tuple[tuple[Command, ...], tuple[Pipeline, ...]] | None = None

    def build(self) -> ShellBody:
        self.tree = _parser().parse(encode(self.ts_text))
        root = self.tree.root_node
        errors = self._errors(root)
        leading = set(self.layout.leading)
        trailing = set(self.layout.trailing)
        strings: list[Node]
        if self._use_queries():
            strings = _ts().QueryCursor(_strings_query()).captures(root).get("s", [])
        else:
            found = _find_nodes(root, _STRING_TYPES)
            strings = [node for kind in _STRING_TYPES for node in found.get(kind, [])]
        for node in strings:
            first, last = node.start_point.row, node.end_point.row
            if last > first:
                leading.update(range(first + 1, last + 1))
                trailing.update(range(first, last))
        for error in errors:
            lines = range(error.first_line, error.last_line + 1)
            leading.update(lines)
            trailing.update(lines)
        return ShellBody(
            text=self.p.original,
            base=self.p.base,
            heredocs=self._heredocs(),
            strings=tuple(
                MultilineString(self._span(s.start, s.end), s.kind, s.first_line, s.last_line)
                for s in self.layout.strings
            ),
            continuations=tuple(
                Continuation(self._span(c.backslash, c.backslash + 1), c.line, c.joins, c.in_string)
                for c in self.layout.continuations
            ),
            errors=errors,
            protected_lines=frozenset(leading),
            verbatim_end_lines=frozenset(trailing),
            _builder=self,
        )

    def structure(self) -> tuple[tuple[Command, ...], tuple[Pipeline, ...]]:
        """Commands and pipelines (computed once, on demand, by `ShellBody`)."""
        with self.lock:  # the language server may ask from several threads
            if self.result is None:
                # Tens of thousands of small objects and no garbage: keep the cyclic
                # collector from walking the heap again and again meanwhile.
                import gc

                was_enabled = gc.isenabled()
                gc.disable()
                try:
                    self.result = self._structure()
                finally:
                    if was_enabled:
                        gc.enable()
            return self.result

    def _structure(self) -> tuple[tuple[Command, ...], tuple[Pipeline, ...]]:
        captures: dict[str, list[Node]]
        if self._use_queries():
            captures = _ts().QueryCursor(_query()).captures(self.tree.root_node)
        else:
            captures = _find_nodes(self.tree.root_node, _STRUCTURE_TYPES)
        commands: dict[tuple[int, int], Command] = {}
        all_commands: list[Command] = []
        for node in sorted(captures.get("command", []), key=_start):
            if self._inside_heredoc_text(node):
                continue
            pieces = self._commands(node)
            commands[(node.start_byte, node.end_byte)] = pieces[0]
            self.last_piece[(node.start_byte, node.end_byte)] = pieces[-1]
            all_commands.extend(pieces)
        pipelines = tuple(
            self._pipeline(node, commands)
            for node in sorted(captures.get("pipeline", []), key=_start)
            if not self._inside_heredoc_text(node) and not _nested_pipeline(node)
        )
        return tuple(all_commands), pipelines

    def _use_queries(self) -> bool:
        """Tree-sitter queries for big bodies or once compiled; a Python walk otherwise.

        Both find the same nodes. Compiling the two queries costs ~20 ms, more than
        walking the few hundred nodes of a typical body: the walk keeps `defcheck lint`
        on one file quick, the queries keep a 5,000-line body in the language server quick.
        """
        return len(self.ts_text) > _WALK_LIMIT or _query.cache_info().currsize > 0

    # -- positions -----------------------------------------------------------------

    def _span(self, start: int, end: int) -> Span:
        p = self.p
        if not p._removed:
            return Span(p.base + start, p.base + end)
        return Span(p.absolute(start), p.absolute(end))

    def _node_span(self, node: Node) -> tuple[int, int]:
        # The parser reads ASCII-only text (see `tree_sitter_text`): bytes are characters.
        return node.start_byte, node.end_byte

    def _original(self, start: int, end: int) -> str:
        p = self.p
        if not p._removed:
            return p.original[start:end]
        return p.original[p.to_original(start) : p.to_original(end)]

    # -- nodes ---------------------------------------------------------------------

    def _inside_heredoc_text(self, node: Node) -> bool:
        """True for a node the scanner places inside heredoc text (tree-sitter misread
        the heredoc), unless it is a command substitution of an unquoted heredoc."""
        start = node.start_byte
        i = bisect_right(self.heredoc_starts, start) - 1
        if i < 0 or start >= self.heredoc_text[i][1]:
            return False
        if self.heredoc_text[i][2]:
            return True
        parent = node.parent
        while parent is not None:
            if parent.type == "command_substitution":
                return False
            parent = parent.parent
        return True

    def _word(self, node: Node) -> Word:
        start, end = self._node_span(node)
        return self._word_at(node, start, end)

    def _word_at(self, node: Node, start: int, end: int) -> Word:
        text = self._original(start, end)
        value = (
            None
            if "{{" in text and _PLACEHOLDER.search(text)
            else _literal(node, text, self._node_text)
        )
        return Word(text, self._span(start, end), value)

    def _node_text(self, node: Node) -> str:
        start, end = self._node_span(node)
        return self._original(start, end)

    def _commands(self, node: Node) -> list[Command]:
        """The command of `node`, split where tree-sitter ran it across a line end.

        NOTE: tree-sitter-bash 0.25 merges `a | b | c` with the next line when that line
        starts a heredoc (`c cat <<EOF`). Bash ends a command at an unescaped newline, so a
        newline between two words (outside any word) splits the command again.
        """
        name_node = node.child_by_field_name("name")
        name_start = 0 if name_node is None else name_node.start_byte
        assignments: list[Word] = []
        words: list[tuple[Word, int, int]] = []  # word, start, end (prepared offsets)
        word_at = self._word_at
        for child in node.named_children:
            # Each Node property is a call into tree-sitter: read them once.
            kind = child.type
            child_start = child.start_byte
            before_name = name_node is None or child_start < name_start
            if kind == "variable_assignment" and before_name:
                assignments.append(word_at(child, child_start, child.end_byte))
                continue
            if before_name:
                continue
            if kind not in _SKIP_ARGUMENT:
                child_end = child.end_byte
                words.append((word_at(child, child_start, child_end), child_start, child_end))
        start, end = self._node_span(node)
        pieces: list[list[tuple[Word, int, int]]] = [[]]
        for item in words:
            previous = pieces[-1][-1] if pieces[-1] else None
            if previous is not None and self._line_break(previous[2], item[1]):
                pieces.append([])
            pieces[-1].append(item)
        out: list[Command] = []
        for k, piece in enumerate(pieces):
            piece_start = start if k == 0 else piece[0][1]
            piece_end = end if len(pieces) == 1 else (piece[-1][2] if piece else end)
            argv = [w for w, _, _ in piece]
            name = argv[0] if argv and (k > 0 or name_node is not None) else None
            out.append(
                Command(
                    name,
                    tuple(argv[1:] if name is not None else argv),
                    tuple(assignments) if k == 0 else (),
                    self._span(piece_start, piece_end),
                    self.cols.line_of(piece_start),
                )
            )
        return out

    def _line_break(self, start: int, end: int) -> bool:
        """True if the gap between two words holds a newline that ends the command."""
        gap = self.p.text[start:end]
        if "\n" not in gap:
            return False
        return bool(re.search(r"(?<!\\)\n", gap))

    def _pipeline(self, node: Node, commands: dict[tuple[int, int], Command]) -> Pipeline:
        stages: list[Command | None] = []
        start_node = node
        parent = node.parent
        if parent is not None and parent.type == "heredoc_redirect":
            # tree-sitter-bash reads `cat <<EOF | sh` as cat's heredoc redirect holding
            # `| sh`; the command owning the heredoc is the first stage.
            statement = parent.parent
            body = statement.child_by_field_name("body") if statement is not None else None
            while body is not None and body.type == "pipeline" and body.named_child_count:
                body = body.named_children[-1]  # merged lines: the last piece owns it
            if statement is not None and body is not None:
                stages.append(self.last_piece.get((body.start_byte, body.end_byte)))
                start_node = statement
        self._stages(node, commands, stages)
        start = start_node.start_byte
        end = node.end_byte
        last = stages[-1] if stages else None
        if last is not None:
            last_end = self._prepared(last.span.end)
            if last_end < end and self._line_break(last_end, end):
                end = last_end  # the merged-lines misparse (see `_commands`)
        line = start_node.start_point.row
        if start_node is not node:
            owner = stages[0]
            if owner is not None:
                start, line = self._prepared(owner.span.start), owner.line
            end = max(end, start)
        return Pipeline(self._span(start, end), tuple(stages), line)

    def _stages(
        self, node: Node, commands: dict[tuple[int, int], Command], out: list[Command | None]
    ) -> None:
        for child in node.named_children:
            if child.type == "comment":
                continue
            target = child
            if child.type == "redirected_statement":
                body = child.child_by_field_name("body")
                target = body if body is not None else child
            if target.type == "pipeline":  # `a | b | c` misread as `a | (b | c ...)`
                self._stages(target, commands, out)
                continue
            out.append(commands.get((target.start_byte, target.end_byte)))

    def _prepared(self, absolute: int) -> int:
        """Prepared-text offset of an absolute offset (inverse of `PreparedBody.absolute`)."""
        return self.p.to_prepared(absolute - self.p.base)

    def _errors(self, root: Node) -> tuple[ShellSyntaxError, ...]:
        if not root.has_error:
            return ()
        found: list[ShellSyntaxError] = []
        stack = [root]
        while stack:
            node = stack.pop()
            if node.type == "ERROR" or node.is_missing:
                start, end = self._node_span(node)
                found.append(
                    ShellSyntaxError(
                        self._span(start, end),
                        node.start_point.row,
                        node.end_point.row,
                        node.is_missing,
                    )
                )
                continue
            stack.extend(child for child in node.children if child.has_error or child.is_missing)
        return tuple(sorted(found, key=lambda e: (e.span.start, e.span.end)))

    def _heredocs(self) -> tuple[Heredoc, ...]:
        return tuple(
            Heredoc(
                self._span(*h.operator),
                h.delimiter,
                h.quoted,
                h.strip_tabs,
                self._span(*h.body),
                self._span(*h.terminator) if h.terminator else None,
                h.first_line,
                h.last_line,
            )
            for h in self.layout.heredocs
        )


def _find_nodes(root: Node, types: frozenset[str]) -> dict[str, list[Node]]:
    """Named nodes of `types` by type, in document order (what a query captures)."""
    found: dict[str, list[Node]] = {}
    cursor = root.walk()
    while True:
        node = cursor.node
        # A query skips nodes that end at byte 0 (a zero-width MISSING command there).
        if node is not None and node.type in types and node.is_named and node.end_byte > 0:
            found.setdefault(node.type, []).append(node)
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return found


def _nested_pipeline(node: Node) -> bool:
    """A pipeline tree-sitter nested in another (`a | (b | c <<EOF)`): part of the outer."""
    parent = node.parent
    return (
        parent is not None
        and parent.type == "redirected_statement"
        and parent.parent is not None
        and parent.parent.type == "pipeline"
    )


def _start(node: Node) -> tuple[int, int]:
    # Outer before inner for nodes that start together, whichever way they were found
    # (a query's order for such ties depends on its matching state).
    return int(node.start_byte), -int(node.end_byte)


def _literal(node: Node, text: str, text_of: Callable[[Node], str]) -> str | None:
    """The value of a word without expansions, after quote removal; else `None`."""
    kind = node.type
    if kind == "command_name" and node.named_child_count == 1:
        child = node.named_children[0]
        return _literal(child, text, text_of)
    if kind in ("word", "number"):
        if "\\" not in text:
            return text  # nothing to unescape (most words)
        return _ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), text)
    if kind == "raw_string":
        return text[1:-1]
    if kind == "string":
        if any(child.type in _EXPANSIONS for child in node.named_children):
            return None
        inner = text[1:-1]
        if "\\" not in inner:
            return inner
        return _DQ_ESCAPE.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), inner)
    if kind == "concatenation":
        parts: list[str] = []
        for child in node.children:
            value = _literal(child, text_of(child), text_of)
            if value is None:
                return None
            parts.append(value)
        return "".join(parts)
    if kind == "variable_assignment":
        return text if not any(c.type in _EXPANSIONS for c in node.named_children) else None
    return None
