"""textDocument/semanticTokens/full: header keys and values, section names and arguments,
app names, placeholders, `%arguments`/`%labels` names and header comments.

Script bodies are left to the editor's shell highlighting.
"""

from __future__ import annotations

from lsprotocol import types

from defcheck.lsp.convert import Codec
from defcheck.syntax import Document, Span

TOKEN_TYPES = [
    "keyword",  # section names (%post)
    "property",  # header keys, label keys
    "string",  # header values
    "parameter",  # section arguments
    "variable",  # placeholders, %arguments names
    "comment",  # header comments
    "namespace",  # app names, stage names in `%files from`
    "type",  # the bootstrap agent
]
TOKEN_MODIFIERS = ["declaration", "readonly"]

LEGEND = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)

_T = {name: i for i, name in enumerate(TOKEN_TYPES)}
_DECL = 1


def _collect(doc: Document) -> list[tuple[Span, int, int]]:
    """(span, type, modifiers) without overlaps, placeholders cut out of what holds them."""
    base: list[tuple[Span, int, int]] = []
    for stage in doc.stages:
        for f in stage.header:
            base.append((f.key_span, _T["property"], 0))
            if f.value is not None:
                kind = _T["type"] if f.norm == "bootstrap" else _T["string"]
                base.append((f.value_span, kind, 0))
                for line in f.lines[1:]:
                    base.append((line, _T["string"], 0))
        for sec in stage.sections:
            base.append((sec.name_span, _T["keyword"], 0))
            if sec.is_app and sec.app_span is not None:
                base.append((sec.app_span, _T["namespace"], 0))
            elif sec.has_args and sec.args.strip():
                base.append((sec.args_span, _T["parameter"], 0))
            if sec.kind == "arguments":
                for arg in sec.arguments():
                    if arg.name is not None:
                        base.append((arg.name_span, _T["variable"], _DECL))
            elif sec.kind in ("labels", "applabels"):
                for label in sec.labels():
                    base.append((label.key_span, _T["property"], 0))
    for comment in doc.comments:
        base.append((comment.span, _T["comment"], 0))
    holes = [(p.span, _T["variable"], 0) for p in doc.placeholders if not p.skipped]
    if not holes:
        return base
    out: list[tuple[Span, int, int]] = list(holes)
    hole_spans = sorted((h[0] for h in holes), key=lambda sp: (sp.start, sp.end))
    for span, kind, mods in base:
        start = span.start
        for hole in hole_spans:
            if hole.end <= start or hole.start >= span.end:
                continue
            if hole.start > start:
                out.append((Span(start, hole.start), kind, mods))
            start = max(start, hole.end)
        if start < span.end:
            out.append((Span(start, span.end), kind, mods))
    return out


def semantic_tokens(doc: Document, codec: Codec) -> types.SemanticTokens:
    """All tokens, encoded relative to each other as LSP requires."""
    tokens = [t for t in _collect(doc) if t[0].end > t[0].start]
    tokens.sort(key=lambda t: (t[0].start, t[0].end))
    data: list[int] = []
    prev_line = 0
    prev_char = 0
    last_end = -1
    lines = doc.lines
    for span, kind, mods in tokens:
        if span.start < last_end:
            continue  # never emit overlapping tokens
        # Tokens are single-line: clip at the end of the first line.
        line = lines.line_of(span.start)
        end = min(span.end, lines.line_end(line))
        if end <= span.start:
            continue
        start_pos = codec.position(span.start)
        end_pos = codec.position(end)
        length = end_pos.character - start_pos.character
        if length <= 0:
            continue
        delta_line = start_pos.line - prev_line
        delta_char = start_pos.character - prev_char if delta_line == 0 else start_pos.character
        data.extend((delta_line, delta_char, length, kind, mods))
        prev_line, prev_char = start_pos.line, start_pos.character
        last_end = end
    return types.SemanticTokens(data=data)
