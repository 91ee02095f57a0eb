"""`parse(text) -> Document`: the lossless tree, its typed views and its diagnostics.

`parse` never raises. Every character of the input belongs to exactly one terminal, so
`doc.tree` reproduces `text` exactly; `doc.stages` are split the way Apptainer splits them;
`doc.diagnostics` holds Apptainer's verdict (the reason it would reject the file, with a
position) so the language server has a tree for a half-typed file.
"""

from __future__ import annotations

from defcheck.syntax.lalr import Node, parse_tokens
from defcheck.syntax.lazy import lazy_compile
from defcheck.syntax.lexer import (
    BLANK_LINE,
    BODY,
    COMMENT_LINE,
    SECTION_LINE,
    Tok,
    tokenize,
)
from defcheck.syntax.record import cached, record
from defcheck.syntax.span import LineIndex, Span
from defcheck.syntax.views import HeaderField, Placeholder, Section, Stage, make_field

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from typing import ClassVar


class Severity(str):
    """How bad a diagnostic is: `Severity.ERROR`, `.WARNING`, `.INFO`.

    A `str` subclass with `.value`, used like a `str` Enum (`enum` is not imported on
    the parse path, see docs/architecture.md).
    """

    __slots__ = ()

    ERROR: ClassVar[Severity]
    WARNING: ClassVar[Severity]
    INFO: ClassVar[Severity]

    @property
    def value(self) -> str:
        """The severity's name."""
        return str(self)


Severity.ERROR = Severity("error")
Severity.WARNING = Severity("warning")
Severity.INFO = Severity("info")


@record
class Diagnostic:
    """A problem found while parsing: Apptainer would reject the file (`DEF001`)."""

    code: str
    message: str
    severity: Severity
    span: Span


@record
class Comment:
    """A `#` comment Apptainer discards: a header comment line or a header inline comment."""

    text: str
    span: Span


# reader.go buildArgsRegexp `{{\s*(\w+)\s*}}` with Go's ASCII \s and \w; compiled on first
# use (`lazy_compile`), as `re` is not needed to parse a file without placeholders.
_PLACEHOLDER_PATTERN = r"\{\{[\t\n\f\r ]*([0-9A-Za-z_]+)[\t\n\f\r ]*\}\}"
PLACEHOLDER_RE = lazy_compile(_PLACEHOLDER_PATTERN)


def placeholder_re() -> re.Pattern[str]:
    """The compiled placeholder pattern."""
    return PLACEHOLDER_RE


class Document:
    """A parsed definition file."""

    def __init__(self, text: str, tree: Node, *, split_stages: bool) -> None:
        self.text = text
        self.tree = tree
        self.split_stages = split_stages
        self.lines = LineIndex(text)
        self.prelude, stages = _build_stages(text, tree)
        self.all_stages = stages  # including an empty prelude
        self.stages = [s for s in stages if not s.is_prelude or s.header or s.sections]

    def source(self) -> str:
        """The text rebuilt from the tree's terminals (always equal to `text`)."""
        return "".join(self.text[t.start : t.end] for t in self.tree.tokens())

    @cached
    def diagnostics(self) -> list[Diagnostic]:
        """Apptainer's verdict on the file as diagnostics (empty when it accepts it)."""
        from defcheck.syntax.apptainer import ApptainerError, parse_all, parse_single

        result = parse_all(self) if self.split_stages else parse_single(self)
        if not isinstance(result, ApptainerError):
            return []
        return [Diagnostic("DEF001", result.message, Severity.ERROR, result.span)]

    @property
    def errors(self) -> list[Diagnostic]:
        """Diagnostics of severity error."""
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @cached
    def sections(self) -> list[Section]:
        """All sections of all stages, in file order."""
        return [sec for stage in self.all_stages for sec in stage.sections]

    @cached
    def comments(self) -> list[Comment]:
        """Header comments (whole lines and inline), which Apptainer discards."""
        out: list[Comment] = []
        for stage in self.all_stages:
            for kind, span in stage.header_items:
                if kind == COMMENT_LINE:
                    raw = span.slice(self.text)
                    lead = len(raw) - len(raw.lstrip())
                    out.append(Comment(raw[lead:].rstrip(), Span(span.start + lead, span.end)))
            for f in stage.header:
                if f.comment is not None and f.comment_span is not None:
                    out.append(Comment(f.comment, f.comment_span))
        out.sort(key=lambda c: c.span.start)
        return out

    @cached
    def placeholders(self) -> list[Placeholder]:
        """Every `{{ NAME }}` placeholder, marking those Apptainer skips after a `#`."""
        out: list[Placeholder] = []
        text = self.text
        if "{{" not in text:
            return out
        for stage in self.all_stages:
            last = stage.span.start  # end of the previous substituted placeholder
            for m in placeholder_re().finditer(text, stage.span.start, stage.span.end):
                nl = text.rfind("\n", last, m.start())
                region = text[(last if nl < 0 else nl) : m.start()]
                skipped = _comment_before(region)
                out.append(
                    Placeholder(
                        name=m.group(1),
                        span=Span(m.start(), m.end()),
                        name_span=Span(m.start(1), m.end(1)),
                        skipped=skipped,
                    )
                )
                if not skipped:
                    last = m.end()
        return out

    def stage_at(self, offset: int) -> Stage | None:
        """The stage containing `offset`."""
        for stage in self.all_stages:
            if stage.span.start <= offset < stage.span.end or (
                offset == stage.span.end == len(self.text)
            ):
                return stage
        return None

    def section_at(self, offset: int) -> Section | None:
        """The section containing `offset` (its line or body)."""
        for sec in self.sections:
            if sec.span.start <= offset < sec.span.end or (
                offset == sec.span.end and sec.span.end == len(self.text)
            ):
                return sec
        return None

    def field_at(self, offset: int) -> HeaderField | None:
        """The header field whose lines contain `offset`."""
        stage = self.stage_at(offset)
        if stage is None:
            return None
        for f in stage.header:
            if f.span.start <= offset <= f.span.end:
                return f
        return None


def _comment_before(region: str) -> bool:
    """reader.go commentLineRegexp: a `#` followed by any character other than `!`."""
    i = region.find("#")
    while i != -1:
        if i + 1 < len(region) and region[i + 1] != "!":
            return True
        i = region.find("#", i + 1)
    return False


def _build_stages(text: str, tree: Node) -> tuple[Stage, list[Stage]]:
    stages: list[Stage] = []
    children = [c for c in tree.children if isinstance(c, Node)]
    for i, node in enumerate(children):
        end = children[i + 1].start if i + 1 < len(children) else len(text)
        start = 0 if node.kind == "prelude" else node.start
        stages.append(_stage(text, node, len(stages), Span(start, end)))
    return stages[0], stages


def _stage(text: str, node: Node, index: int, span: Span) -> Stage:
    fields: list[HeaderField] = []
    items: list[tuple[str, Span]] = []
    sections: list[Section] = []
    header_start = span.start
    header_end = span.start
    for child in node.children:
        if isinstance(child, Tok):  # pragma: no cover - the grammar nests all terminals
            continue
        if child.kind in ("stage_field", "field"):
            lines = [(t.start, t.end) for t in child.tokens()]
            f = make_field(text, lines)
            fields.append(f)
            items.append(("field", f.span))
            header_end = child.end
        elif child.kind == "header":
            for item in child.children:
                if isinstance(item, Tok):
                    items.append((item.type, Span(item.start, item.end)))
                else:
                    f = make_field(text, [(t.start, t.end) for t in item.tokens()])
                    fields.append(f)
                    items.append(("field", f.span))
                header_end = item.end
        elif child.kind == "section":
            toks = child.tokens()
            head = toks[0]
            body_end = toks[1].end if len(toks) > 1 and toks[1].type == BODY else head.end
            sections.append(Section(text, head.start, head.end, body_end, index))
    return Stage(
        index=index,
        span=span,
        header=fields,
        header_span=Span(header_start, header_end),
        sections=sections,
        is_prelude=node.kind == "prelude",
        header_items=items,
    )


def parse(text: str, *, split_stages: bool = True) -> Document:
    """Parse definition-file text. Never raises; `Document.diagnostics` says what is wrong.

    With `split_stages=False` the file is one definition, as Apptainer's
    `ParseDefinitionFile` reads it; by default stages are split as `parser.All` does.

    >>> doc = parse("Bootstrap: docker\\nFrom: alpine:3.20\\n%post\\n  echo hi\\n")
    >>> doc.stages[0].value("from"), doc.stages[0].sections[0].kind
    ('alpine:3.20', 'post')
    """
    toks = tokenize(text, split_stages=split_stages)
    tree = parse_tokens(toks, len(text))
    return Document(text, tree, split_stages=split_stages)


__all__ = [
    "BLANK_LINE",
    "COMMENT_LINE",
    "SECTION_LINE",
    "Comment",
    "Diagnostic",
    "Document",
    "Severity",
    "parse",
    "placeholder_re",
]
