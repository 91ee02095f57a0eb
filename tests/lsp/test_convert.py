"""Offsets <-> LSP positions in the three position encodings, and minimal edits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types

from defcheck.lsp.convert import UTF8, UTF16, UTF32, Codec, whole_document_edit
from defcheck.syntax import Span

TEXT = "a😀b\r\né中\nlast"


@pytest.mark.parametrize(
    ("encoding", "col_after_emoji"),
    [(UTF16, 3), (UTF8, 5), (UTF32, 2)],
)
def test_columns_per_encoding(encoding: str, col_after_emoji: int) -> None:
    codec = Codec(TEXT, encoding=encoding)
    pos = codec.position(2)  # just after the emoji
    assert (pos.line, pos.character) == (0, col_after_emoji)
    assert codec.offset(pos) == 2
    # Past the end of a line clamps to its end (before \r\n); past the last line to the end.
    assert codec.offset(types.Position(line=0, character=99)) == 3
    assert codec.offset(types.Position(line=9, character=0)) == len(TEXT)


def test_range_and_line_range() -> None:
    codec = Codec(TEXT)
    assert codec.span(codec.range(Span(5, 7))) == Span(5, 7)
    rng = codec.line_range(1)
    assert (rng.start.line, rng.start.character, rng.end.character) == (1, 0, 2)


@given(st.text(alphabet="ab\n\r😀é", max_size=30), st.text(alphabet="ab\n😀", max_size=30))
def test_whole_document_edit_turns_old_into_new(old: str, new: str) -> None:
    codec = Codec(old)
    edits = whole_document_edit(codec, new)
    if old == new:
        assert edits == []
        return
    (edit,) = edits
    span = codec.span(edit.range)
    assert old[: span.start] + edit.new_text + old[span.end :] == new
