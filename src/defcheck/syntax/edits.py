"""Edits: the one way anything changes a definition file.

`--fix`, `fmt`, `defpin` and LSP code actions all produce `Edit`s (a span and its
replacement) and apply them here.
"""

from __future__ import annotations

from defcheck.syntax.span import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable


class Edit:
    """Replace `span` of the text with `text` (an insertion when the span is empty)."""

    __slots__ = ("span", "text")

    def __init__(self, span: Span, text: str) -> None:
        self.span = span
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Edit) and self.span == other.span and self.text == other.text

    def __hash__(self) -> int:
        return hash((self.span, self.text))

    def __repr__(self) -> str:
        return f"Edit({self.span!r}, {self.text!r})"


class OverlappingEditsError(ValueError):
    """Two edits touch the same text."""


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits to `text`.

    >>> apply_edits("From: a", [Edit(Span(6, 7), "b")])
    'From: b'
    """
    ordered = sorted(edits, key=lambda e: (e.span.start, e.span.end))
    out: list[str] = []
    pos = 0
    for edit in ordered:
        if edit.span.start < pos:
            raise OverlappingEditsError(f"edits overlap at offset {edit.span.start}")
        out.append(text[pos : edit.span.start])
        out.append(edit.text)
        pos = edit.span.end
    out.append(text[pos:])
    return "".join(out)


def edits_overlap(a: Edit, b: Edit) -> bool:
    """True if the two edits cannot be applied together."""
    if a.span.start == a.span.end == b.span.start == b.span.end:
        return True
    return a.span.start < b.span.end and b.span.start < a.span.end
