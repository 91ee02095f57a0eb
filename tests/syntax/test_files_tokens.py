"""The `%files` tokeniser's fast path splits exactly like Apptainer's regular expression."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from defcheck.syntax.views import FILE_SPLITTER, file_tokens

CHARS = st.sampled_from([*"ab/._-\t\f\r \v\xa0\"'{}$*x1", "{{ N }}", "{{X}}", "é"])


@settings(max_examples=500, deadline=None)
@given(st.lists(CHARS, max_size=30).map("".join))
def test_file_tokens_match_go_regexp(line: str) -> None:
    assert file_tokens(line) == [(m.start(), m.end()) for m in FILE_SPLITTER.finditer(line)]


def test_examples() -> None:
    line = '"a b" c\td'
    assert [line[a:b] for a, b in file_tokens(line)] == ['"a b"', "c", "d"]
    assert file_tokens("src dst # c") == [(0, 3), (4, 7), (8, 9), (10, 11)]
