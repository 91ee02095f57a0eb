"""`defcheck parse --json`: the tree and its views as JSON (format in docs/cli.md).

Every span is written as `{"start", "end", "line", "column", "end_line", "end_column"}`:
string offsets plus 1-based lines and columns (code points).
"""

from __future__ import annotations

import json

from defcheck.syntax.document import Document
from defcheck.syntax.lalr import Node
from defcheck.syntax.lexer import Tok
from defcheck.syntax.span import Span
from defcheck.syntax.views import HeaderField, Section, Stage

FORMAT_VERSION = 1


def _span(doc: Document, span: Span | None) -> dict[str, int] | None:
    if span is None:
        return None
    line, col = doc.lines.line_col(span.start)
    end_line, end_col = doc.lines.line_col(span.end)
    return {
        "start": span.start,
        "end": span.end,
        "line": line,
        "column": col,
        "end_line": end_line,
        "end_column": end_col,
    }


def _field(doc: Document, f: HeaderField) -> dict[str, object]:
    return {
        "key": f.key,
        "norm": f.norm,
        "value": f.value,
        "valid_key": f.is_valid_key,
        "comment": f.comment,
        "continued": f.continued,
        "span": _span(doc, f.span),
        "key_span": _span(doc, f.key_span),
        "value_span": _span(doc, f.value_span),
        "comment_span": _span(doc, f.comment_span),
        "lines": [_span(doc, s) for s in f.lines],
    }


def _section(doc: Document, s: Section) -> dict[str, object]:
    out: dict[str, object] = {
        "kind": s.kind,
        "written": s.written,
        "app": s.app,
        "args": s.args if s.has_args else None,
        "standard": s.is_standard or s.is_app,
        "span": _span(doc, s.span),
        "head_span": _span(doc, s.head_span),
        "name_span": _span(doc, s.name_span),
        "args_span": _span(doc, s.args_span) if s.has_args else None,
        "body_span": _span(doc, s.body_span),
    }
    if s.kind in ("files", "appfiles"):
        out["files"] = [
            {
                "src": e.src,
                "dst": e.dst,
                "span": _span(doc, e.span),
                "src_span": _span(doc, e.src_span),
                "dst_span": _span(doc, e.dst_span),
            }
            for e in s.files_entries()
        ]
    if s.kind in ("labels", "applabels"):
        out["labels"] = [
            {"key": lb.key, "value": lb.value, "span": _span(doc, lb.span)} for lb in s.labels()
        ]
    if s.kind == "arguments":
        out["arguments"] = [
            {"name": a.name, "value": a.value, "span": _span(doc, a.span)} for a in s.arguments()
        ]
    return out


def _stage(doc: Document, st: Stage) -> dict[str, object]:
    return {
        "index": st.index,
        "prelude": st.is_prelude,
        "name": st.name,
        "bootstrap": st.bootstrap,
        "span": _span(doc, st.span),
        "header_span": _span(doc, st.header_span),
        "header": [_field(doc, f) for f in st.header],
        "sections": [_section(doc, s) for s in st.sections],
    }


def _tree(node: Node | Tok) -> dict[str, object]:
    if isinstance(node, Tok):
        return {"type": node.type, "start": node.start, "end": node.end}
    return {
        "rule": node.kind,
        "start": node.start,
        "end": node.end,
        "children": [_tree(c) for c in node.children],
    }


def document_dict(doc: Document, *, path: str | None = None) -> dict[str, object]:
    """The document as plain data."""
    return {
        "format": FORMAT_VERSION,
        "path": path,
        "stages": [_stage(doc, s) for s in doc.stages],
        "diagnostics": [
            {
                "code": d.code,
                "severity": d.severity.value,
                "message": d.message,
                "span": _span(doc, d.span),
            }
            for d in doc.diagnostics
        ],
        "comments": [{"text": c.text, "span": _span(doc, c.span)} for c in doc.comments],
        "placeholders": [
            {"name": p.name, "skipped": p.skipped, "span": _span(doc, p.span)}
            for p in doc.placeholders
        ],
        "tree": _tree(doc.tree),
    }


def document_json(doc: Document, *, path: str | None = None) -> str:
    """`document_dict` as indented JSON."""
    return json.dumps(document_dict(doc, path=path), indent=2, ensure_ascii=False)
