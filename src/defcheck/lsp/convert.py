"""Conversions between defcheck values (string offsets, spans, findings, edits) and LSP types.

LSP positions are (line, character) where `character` counts code units of the negotiated
position encoding (UTF-16 unless the client offered UTF-8/UTF-32). A `Codec` binds one text
to its `LineIndex` and encoding; every other function here is a small mapping on top of it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from lsprotocol import types

from defcheck.syntax import Edit, LineIndex, Span

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"

SOURCE = "defcheck"


def _units(segment: str, encoding: str) -> int:
    if segment.isascii():
        return len(segment)
    if encoding == UTF32:
        return len(segment)
    if encoding == UTF8:
        return len(segment.encode("utf-8", "surrogatepass"))
    return len(segment) + sum(1 for ch in segment if ord(ch) > 0xFFFF)


def _char_units(ch: str, encoding: str) -> int:
    code = ord(ch)
    if encoding == UTF32 or code < 0x80:
        return 1
    if encoding == UTF8:
        return 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 2 if code > 0xFFFF else 1


class Codec:
    """Offset <-> LSP position conversion for one text in one position encoding."""

    __slots__ = ("encoding", "lines", "text")

    def __init__(self, text: str, lines: LineIndex | None = None, encoding: str = UTF16):
        self.text = text
        self.lines = lines if lines is not None else LineIndex(text)
        self.encoding = str(encoding)

    def offset(self, pos: types.Position) -> int:
        """String offset of an LSP position, clamped to the text and to its line."""
        line = pos.line
        if line >= self.lines.line_count:
            return len(self.text)
        if self.encoding == UTF16:
            return self.lines.offset(line, pos.character)
        start = self.lines.line_start(line)
        end = self.lines.line_end(line)
        if self.encoding == UTF32:
            return min(start + pos.character, end)
        units = 0
        i = start
        text = self.text
        while i < end and units < pos.character:
            units += _char_units(text[i], self.encoding)
            i += 1
        return i

    def span(self, rng: types.Range) -> Span:
        """String span of an LSP range (start and end ordered)."""
        a = self.offset(rng.start)
        b = self.offset(rng.end)
        return Span(min(a, b), max(a, b))

    def position(self, offset: int) -> types.Position:
        """LSP position of a string offset."""
        offset = max(0, min(offset, len(self.text)))
        line = self.lines.line_of(offset)
        start = self.lines.line_start(line)
        return types.Position(line=line, character=_units(self.text[start:offset], self.encoding))

    def range(self, span: Span) -> types.Range:
        """LSP range of a span."""
        return types.Range(start=self.position(span.start), end=self.position(span.end))

    def line_range(self, line: int) -> types.Range:
        """The whole of one line, without its line ending."""
        start = self.lines.line_start(line)
        return self.range(Span(start, self.lines.line_end(line)))


def location(uri: str, codec: Codec, span: Span) -> types.Location:
    """An LSP location."""
    return types.Location(uri=uri, range=codec.range(span))


def text_edit(codec: Codec, edit: Edit) -> types.TextEdit:
    """An LSP text edit from a defcheck edit."""
    return types.TextEdit(range=codec.range(edit.span), new_text=edit.text)


def text_edits(codec: Codec, edits: Iterable[Edit]) -> list[types.TextEdit]:
    """LSP text edits, in document order."""
    return [text_edit(codec, e) for e in sorted(edits, key=lambda e: (e.span.start, e.span.end))]


def whole_document_edit(codec: Codec, new_text: str) -> list[types.TextEdit]:
    """The smallest single edit turning `codec.text` into `new_text` (empty if equal)."""
    old = codec.text
    if old == new_text:
        return []
    start = 0
    limit = min(len(old), len(new_text))
    while start < limit and old[start] == new_text[start]:
        start += 1
    end_old, end_new = len(old), len(new_text)
    while end_old > start and end_new > start and old[end_old - 1] == new_text[end_new - 1]:
        end_old -= 1
        end_new -= 1
    # Keep surrogate pairs and CRLF whole: widen to line boundaries.
    start = codec.lines.line_start(codec.lines.line_of(start))
    line_end = codec.lines.line_of(end_old)
    if end_old > codec.lines.line_start(line_end):
        end_old_w = codec.lines.line_end(line_end, keep_newline=True)
        end_new += end_old_w - end_old
        end_old = end_old_w
    start_new = start
    return [
        types.TextEdit(
            range=codec.range(Span(start, end_old)), new_text=new_text[start_new:end_new]
        )
    ]


_LINT_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "style": types.DiagnosticSeverity.Hint,
}

_TAGS = {
    "deprecated": types.DiagnosticTag.Deprecated,
    "unnecessary": types.DiagnosticTag.Unnecessary,
}


def severity(value: object) -> types.DiagnosticSeverity:
    """LSP severity of a defcheck severity (an enum whose value is a string, or a string)."""
    found = _severities.get(value)
    if found is None:
        key = str(getattr(value, "value", value)).lower()
        found = _severities[value] = _LINT_SEVERITY.get(key, types.DiagnosticSeverity.Warning)
    return found


_severities: dict[object, types.DiagnosticSeverity] = {}


#: An LSP `Diagnostic` as the JSON object sent to the client. Diagnostics are built as
#: plain JSON values: a 5,000-line file can have thousands, and building then serialising
#: the lsprotocol classes costs tens of microseconds each.
JsonDiagnostic = dict[str, Any]


def point(codec: Codec, offset: int) -> dict[str, int]:
    """The JSON LSP position of a string offset."""
    text = codec.text
    offset = max(0, min(offset, len(text)))
    starts = codec.lines.starts
    line = bisect_right(starts, offset) - 1
    start = starts[line]
    segment = text[start:offset]
    units = len(segment) if segment.isascii() else _units(segment, codec.encoding)
    return {"line": line, "character": units}


def json_range(codec: Codec, span: Span) -> dict[str, dict[str, int]]:
    """The JSON LSP range of a span."""
    return {"start": point(codec, span.start), "end": point(codec, span.end)}


def parse_diagnostic(
    codec: Codec, code: str, message: str, level: object, span: Span
) -> JsonDiagnostic:
    """An LSP diagnostic for a parser diagnostic (Apptainer rejects the file)."""
    return {
        "range": json_range(codec, span),
        "message": message,
        "severity": int(severity(level)),
        "code": code,
        "source": SOURCE,
    }


def finding_diagnostic(
    codec: Codec,
    uri: str,
    *,
    code: str,
    message: str,
    level: object,
    span: Span,
    url: str | None = None,
    related: Sequence[tuple[Span, str]] = (),
    tags: Collection[str] = (),
) -> JsonDiagnostic:
    """An LSP diagnostic for a lint finding."""
    out: JsonDiagnostic = {
        "range": json_range(codec, span),
        "message": message,
        "severity": int(severity(level)),
        "code": code,
    }
    if url:
        out["codeDescription"] = {"href": url}
    out["source"] = "shellcheck" if code.startswith("SC") else SOURCE
    if tags:
        lsp_tags = [int(_TAGS[t]) for t in sorted(set(tags)) if t in _TAGS]
        if lsp_tags:
            out["tags"] = lsp_tags
    if related:
        out["relatedInformation"] = [
            {"location": {"uri": uri, "range": json_range(codec, s)}, "message": m}
            for s, m in related
        ]
    return out


def ranges_overlap(a: types.Range, b: types.Range) -> bool:
    """True if two ranges share a position (touching counts)."""

    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
