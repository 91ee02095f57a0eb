"""Property tests: the shell layer never raises and its spans always point into the body."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from defcheck.shell.tree import parse_shell

_PIECES = st.sampled_from(
    [
        "echo ",
        "$x",
        '"',
        "'",
        "$(",
        ")",
        "`",
        "\\",
        "\n",
        "\r\n",
        "\t",
        "  ",
        "<<",
        "<<-",
        "EOF",
        "'EOF'",
        "|",
        "&&",
        ";",
        "#",
        "{{ V }}",
        "${",
        "}",
        "é",
        "😀",
        "apt-get install -y ",
        "cat ",
        "if ",
        "then ",
        "fi",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join), st.integers(min_value=0, max_value=50))
def test_spans_point_into_the_body(body: str, base: int) -> None:
    shell = parse_shell(body, base=base)
    text = " " * base + body
    end = len(text)
    line_count = body.count("\n") + 1
    for command in shell.commands:
        assert base <= command.span.start <= command.span.end <= end
        for word in (*command.argv, *command.assignments):
            assert word.span.slice(text) == word.text
    for pipeline in shell.pipelines:
        assert base <= pipeline.span.start <= pipeline.span.end <= end
    for heredoc in shell.heredocs:
        assert base <= heredoc.body.start <= heredoc.body.end <= end
        assert heredoc.operator.slice(text).startswith("<<")
    for string in shell.strings:
        assert string.span.slice(text)[0] in "\"'$"
    for line in shell.protected_lines | shell.verbatim_end_lines:
        assert 0 <= line <= line_count


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text(body: str) -> None:
    shell = parse_shell(body)
    assert shell.text == body
