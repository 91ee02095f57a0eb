"""textDocument/onTypeFormatting: after Enter on a section line, indent the new body line
with the formatter's indent unit (the Dockerfile server indents continuation lines)."""

from __future__ import annotations

from lsprotocol import types

from defcheck.lsp.convert import Codec
from defcheck.syntax import Document, Span

TRIGGER = "\n"


def on_type(
    doc: Document, codec: Codec, pos: types.Position, ch: str, indent: str
) -> list[types.TextEdit]:
    """Edits after typing `ch` at `pos` (the position after the typed character)."""
    if ch != TRIGGER or pos.line == 0:
        return []
    lines = doc.lines
    if pos.line >= lines.line_count:
        return []
    start = lines.line_start(pos.line)
    current = doc.text[start : lines.line_end(pos.line)]
    if current.startswith((" ", "\t", "%")):
        return []  # already indented (the editor kept the indent), or a section line
    sec = doc.section_at(lines.line_start(pos.line - 1))
    if sec is None or lines.line_of(sec.head_span.start) != pos.line - 1:
        return []
    return [types.TextEdit(range=codec.range(Span(start, start)), new_text=indent)]
