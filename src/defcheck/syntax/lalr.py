"""Run the grammar's LALR(1) table over the line terminals.

The grammar (`grammar/deffile.lark`) is compiled by Lark's LALR analyser. Importing Lark
costs ~85 ms, more than the whole cold-start budget of `defcheck parse` (pre-commit and the
language server start defcheck constantly), so the compiled table is cached as plain Python
literals in `_tables.py` together with the grammar text it was built from. At run time the
shipped grammar is compared with that text and, if it matches, the cached table drives the
small shift/reduce loop below; if the grammar was edited, Lark rebuilds the table in memory (and
`python -m defcheck.dev gen-tables` rewrites the cache). The tree shape follows Lark's rules:
rules named `_x` are inlined into their parent.
"""

from __future__ import annotations

import os

from defcheck.syntax.lexer import Tok

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SHIFT = 0
REDUCE = 1
END = "$END"


class Node:
    """An inner node of the lossless tree: a rule name and its children in source order."""

    __slots__ = ("children", "end", "kind", "parent", "start")

    def __init__(self, kind: str, children: list[Node | Tok], start: int, end: int) -> None:
        self.kind = kind
        self.children = children
        self.start = start
        self.end = end
        self.parent: Node | None = None

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.start}, {self.end}, {len(self.children)} children)"

    def tokens(self) -> list[Tok]:
        """All terminals below this node, in order."""
        out: list[Tok] = []
        for child in self.children:
            if isinstance(child, Tok):
                out.append(child)
            else:
                out.extend(child.tokens())
        return out

    def nodes(self, kind: str) -> list[Node]:
        """Direct child nodes of the given kind."""
        return [c for c in self.children if isinstance(c, Node) and c.kind == kind]


class Tables:
    """A compiled LALR(1) table: per state, terminal or rule name -> (action, argument).

    `rules` holds (origin, length of expansion, expand1) per rule index.
    """

    __slots__ = ("end_state", "rules", "start_state", "states")

    def __init__(
        self,
        states: dict[int, dict[str, tuple[int, int]]],
        rules: list[tuple[str, int, bool]],
        start_state: int,
        end_state: int,
    ) -> None:
        self.states = states
        self.rules = rules
        self.start_state = start_state
        self.end_state = end_state


class TableError(RuntimeError):
    """The token stream does not fit the grammar (a tokenizer bug, never user input)."""


def grammar_path() -> str:
    """The grammar shipped inside the package, or the repository copy in a source tree."""
    here = os.path.dirname(os.path.abspath(__file__))
    shipped = os.path.join(os.path.dirname(here), "grammar", "deffile.lark")
    if os.path.isfile(shipped):
        return shipped
    return os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(here))), "grammar", "deffile.lark"
    )


def grammar_key(text: str) -> str:
    """Cache key of a grammar text: the text itself (a 2 KB string compare is cheaper than
    importing hashlib, which loads OpenSSL)."""
    return text


_TABLES: Tables | None = None


def tables() -> Tables:
    """The table for the shipped grammar, from the cache when it is current."""
    global _TABLES
    if _TABLES is None:
        with open(grammar_path(), encoding="utf-8") as fh:
            text = fh.read()
        key = grammar_key(text)
        from defcheck.syntax import _tables

        if key == _tables.GRAMMAR:
            _TABLES = Tables(_tables.STATES, _tables.RULES, _tables.START, _tables.END_STATE)
        else:  # pragma: no cover - only while the grammar is being edited
            _TABLES = compile_grammar(text)
    return _TABLES


def compile_grammar(text: str) -> Tables:
    """Compile a grammar with Lark's LALR analyser and extract its parse table."""
    from lark import Lark
    from lark.lexer import Lexer
    from lark.parsers.lalr_analysis import Shift

    class _NoLexer(Lexer):  # the line tokenizer is ours; Lark only needs the table
        def __init__(self, lexer_conf: Any) -> None:
            pass

        def lex(self, lexer_state: Any, parser_state: Any) -> Any:  # pragma: no cover
            raise RuntimeError("defcheck tokenizes with syntax.lexer; Lark only builds the table")

    lark = Lark(text, parser="lalr", lexer=_NoLexer, start="start")
    table = lark.parser.parser.parser.parse_table
    rule_index: dict[Any, int] = {}
    rules: list[tuple[str, int, bool]] = []
    states: dict[int, dict[str, tuple[int, int]]] = {}
    for state, actions in table.states.items():
        row: dict[str, tuple[int, int]] = {}
        for symbol, (action, arg) in actions.items():
            if action is Shift:
                row[str(symbol)] = (SHIFT, arg)
            else:
                if arg not in rule_index:
                    rule_index[arg] = len(rules)
                    rules.append(
                        (str(arg.origin.name), len(arg.expansion), bool(arg.options.expand1))
                    )
                row[str(symbol)] = (REDUCE, rule_index[arg])
        states[state] = row
    return Tables(states, rules, table.start_states["start"], table.end_states["start"])


def render_tables(text: str) -> str:
    """Python source of `_tables.py` for a grammar text."""
    t = compile_grammar(text)
    lines = [
        '"""Generated by `python -m defcheck.dev gen-tables` from grammar/deffile.lark.',
        "",
        "Do not edit: a test checks that this file matches the grammar.",
        '"""',
        "",
        "# fmt: off",
        f"GRAMMAR = {grammar_key(text)!r}",
        f"START = {t.start_state!r}",
        f"END_STATE = {t.end_state!r}",
        f"RULES: list[tuple[str, int, bool]] = {t.rules!r}",
        "STATES: dict[int, dict[str, tuple[int, int]]] = {",
    ]
    for state in sorted(t.states):
        row = ", ".join(f"{k!r}: {v!r}" for k, v in sorted(t.states[state].items()))
        lines.append(f"    {state}: {{{row}}},")
    lines.append("}")
    lines.append("")
    return "\n".join(lines)


def parse_tokens(toks: list[Tok], length: int) -> Node:
    """Shift/reduce `toks` into a tree rooted at `start` (spans cover `[0, length)`)."""
    t = tables()
    states = t.states
    rules = t.rules
    state_stack = [t.start_state]
    values: list[Any] = []
    end_tok = Tok(END, length, length)
    for tok in [*toks, end_tok]:
        while True:
            row = states[state_stack[-1]]
            try:
                action, arg = row[tok.type]
            except KeyError:
                raise TableError(f"unexpected {tok.type} at offset {tok.start}") from None
            if action == SHIFT:
                state_stack.append(arg)
                values.append(tok)
                break
            name, size, expand1 = rules[arg]
            if size:
                popped = values[-size:]
                del values[-size:]
                del state_stack[-size:]
            else:
                popped = []
            children: list[Node | Tok] = []
            for v in popped:
                if isinstance(v, list):
                    children.extend(v)
                else:
                    children.append(v)
            value: Any
            if name.startswith("_"):
                value = children
            elif expand1 and len(children) == 1:
                value = children[0]
            else:
                start = children[0].start if children else tok.start
                end = children[-1].end if children else tok.start
                node = Node(name, children, start, end)
                for c in children:
                    if isinstance(c, Node):
                        c.parent = node
                value = node
            goto = states[state_stack[-1]][name]
            state_stack.append(goto[1])
            values.append(value)
            if tok is end_tok and state_stack[-1] == t.end_state:
                root: Node = values[-1]
                root.start, root.end = 0, length
                return root
    raise TableError("input ended inside a rule")  # pragma: no cover
