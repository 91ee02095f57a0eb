"""Parse definition files into a lossless tree with typed views.

>>> from defcheck.syntax import parse
>>> doc = parse("Bootstrap: docker\\nFrom: ubuntu:24.04\\n")
>>> doc.stages[0].bootstrap
'docker'
"""

from __future__ import annotations

from defcheck.syntax.document import Comment, Diagnostic, Document, Severity, parse
from defcheck.syntax.edits import Edit, apply_edits
from defcheck.syntax.span import LineIndex, Position, Span
from defcheck.syntax.views import (
    APP_SECTIONS,
    SCRIPT_SECTIONS,
    STANDARD_SECTIONS,
    VALID_HEADER_KEYS,
    Argument,
    FilesEntry,
    HeaderField,
    Label,
    Placeholder,
    Section,
    Stage,
    is_valid_header_key,
)

__all__ = [
    "APP_SECTIONS",
    "SCRIPT_SECTIONS",
    "STANDARD_SECTIONS",
    "VALID_HEADER_KEYS",
    "Argument",
    "Comment",
    "Diagnostic",
    "Document",
    "Edit",
    "FilesEntry",
    "HeaderField",
    "Label",
    "LineIndex",
    "Placeholder",
    "Position",
    "Section",
    "Severity",
    "Span",
    "Stage",
    "apply_edits",
    "is_valid_header_key",
    "parse",
]
