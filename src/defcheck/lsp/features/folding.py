"""textDocument/foldingRange: stages, sections and multi-line header fields."""

from __future__ import annotations

from lsprotocol import types

from defcheck.syntax import Document, LineIndex, Span


def _last_line(text: str, lines: LineIndex, span: Span) -> int:
    end = span.end
    while end > span.start and text[end - 1] in " \t\r\n":
        end -= 1
    return lines.line_of(max(span.start, end - 1) if end > span.start else span.start)


def _fold(
    text: str, lines: LineIndex, span: Span, kind: types.FoldingRangeKind | None = None
) -> types.FoldingRange | None:
    start = lines.line_of(span.start)
    end = _last_line(text, lines, span)
    if end <= start:
        return None
    return types.FoldingRange(start_line=start, end_line=end, kind=kind)


def folding_ranges(doc: Document) -> list[types.FoldingRange]:
    """Fold every stage, section and continued header field."""
    out: list[types.FoldingRange] = []
    text, lines = doc.text, doc.lines
    for stage in doc.stages:
        spans: list[tuple[Span, types.FoldingRangeKind | None]] = [(stage.span, None)]
        spans.extend((f.span, None) for f in stage.header if f.continued)
        spans.extend((s.span, None) for s in stage.sections)
        for span, kind in spans:
            fold = _fold(text, lines, span, kind)
            if fold is not None:
                out.append(fold)
    for comment_run in _comment_runs(doc):
        out.append(comment_run)
    return out


def _comment_runs(doc: Document) -> list[types.FoldingRange]:
    """Runs of two or more whole-line header comments."""
    out: list[types.FoldingRange] = []
    run: list[int] = []
    lines = doc.lines
    for comment in doc.comments:
        line = lines.line_of(comment.span.start)
        if doc.text[lines.line_start(line) : comment.span.start].strip():
            continue  # an inline comment
        if run and line == run[-1] + 1:
            run.append(line)
        else:
            if len(run) > 1:
                out.append(_comment_fold(run))
            run = [line]
    if len(run) > 1:
        out.append(_comment_fold(run))
    return out


def _comment_fold(run: list[int]) -> types.FoldingRange:
    return types.FoldingRange(
        start_line=run[0], end_line=run[-1], kind=types.FoldingRangeKind.Comment
    )
