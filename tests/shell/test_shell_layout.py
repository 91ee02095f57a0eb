"""Heredocs, multi-line strings, continuations and the lines the formatter must not touch."""

from __future__ import annotations

import subprocess
import sys

import pytest

from defcheck.shell.tree import parse_shell, protected_lines


def _lines(text: str, *numbers: int) -> list[str]:
    lines = text.split("\n")
    return [lines[n] for n in numbers]


def test_dash_heredoc_with_tabs() -> None:
    body = "cat <<-EOF > /etc/motd\n\tHello\n\t\tindented\n\tEOF\n    echo done\n"
    shell = parse_shell(body)
    assert protected_lines(body) == {1, 2, 3}
    (doc,) = shell.heredocs
    assert doc.strip_tabs and not doc.quoted and doc.delimiter == "EOF"
    assert doc.body.slice(body) == "\tHello\n\t\tindented\n"
    assert doc.terminator is not None and doc.terminator.slice(body) == "\tEOF"
    assert (doc.first_line, doc.last_line) == (1, 3)
    assert doc.operator.slice(body) == "<<-"


def test_quoted_delimiters() -> None:
    body = (
        "cat <<'EOF'\n  $literal\nEOF\n"
        'cat <<"END" | sh\n  x\nEND\n'
        "cat <<\\STOP\n  y\nSTOP\n"
        'cat <<E"O"F\n  z\nEOF\n'
        "  echo after\n"
    )
    shell = parse_shell(body)
    assert [(h.delimiter, h.quoted) for h in shell.heredocs] == [
        ("EOF", True),
        ("END", True),
        ("STOP", True),
        ("EOF", True),
    ]
    protected = protected_lines(body)
    assert {1, 2, 4, 5, 7, 8, 10, 11} <= protected
    assert not {0, 3, 6, 9, 12} & protected


def test_indented_terminator_does_not_end_plain_heredoc() -> None:
    # For `<<` the terminator must be alone at column 0: `  EOF` is body text. (tree-sitter
    # gets this wrong; bash does not.)
    body = "cat << 'EOF' > x\n  line\n  EOF\nEOF\n  echo next\n"
    shell = parse_shell(body)
    (doc,) = shell.heredocs
    assert doc.body.slice(body) == "  line\n  EOF\n"
    assert doc.terminator is not None and doc.terminator.slice(body) == "EOF"
    assert protected_lines(body) == {1, 2, 3}
    # the `EOF` line is not reported as a command
    assert [c.name.text for c in shell.commands if c.name] == ["cat", "echo"]


def test_dash_heredoc_with_space_indented_terminator_runs_on() -> None:
    # `<<-` strips tabs only: a space-indented terminator does not end the heredoc.
    body = "cat <<-EOF\n\tx\n    EOF\n\tEOF\necho y\n"
    (doc,) = parse_shell(body).heredocs
    assert doc.terminator is not None and doc.terminator.slice(body) == "\tEOF"
    assert protected_lines(body) == {1, 2, 3}


def test_unterminated_heredoc_protects_to_the_end() -> None:
    body = "cat <<EOF\n  a\n  b\n"
    (doc,) = parse_shell(body).heredocs
    assert doc.terminator is None
    assert {1, 2} <= protected_lines(body)


def test_two_heredocs_on_one_line() -> None:
    body = "cat <<A <<-B\n  a\nA\n\t b\n\tB\n  echo ok\n"
    shell = parse_shell(body)
    assert [(h.delimiter, h.first_line, h.last_line) for h in shell.heredocs] == [
        ("A", 1, 2),
        ("B", 3, 4),
    ]
    # tree-sitter-bash misreads `<<A <<-B` (an error on line 0): protecting it is fine
    protected = protected_lines(body)
    assert {1, 2, 3, 4} <= protected
    assert 5 not in protected


def test_heredoc_inside_command_substitution_and_function() -> None:
    body = 'x="$(cat <<EOF\n  in\nEOF\n)"\nf() {\n  cat <<-X\n\t\tq\n\tX\n}\n'
    shell = parse_shell(body)
    assert [h.delimiter for h in shell.heredocs] == ["EOF", "X"]
    assert {1, 2, 6, 7} <= protected_lines(body)
    assert 5 not in protected_lines(body)


def test_heredoc_body_with_quotes_and_hashes() -> None:
    body = "cat <<EOF\nit's \"odd\n# not a comment\nEOF\n  echo 'fine'\n"
    assert protected_lines(body) == {1, 2, 3}


def test_herestring_and_shift_are_not_heredocs() -> None:
    body = 'grep x <<< "$v"\necho $((1 << 2))\n  echo done\n'
    shell = parse_shell(body)
    assert shell.heredocs == ()
    assert protected_lines(body) == set()


def test_heredoc_in_comment_is_ignored() -> None:
    body = "# cat <<EOF\n  echo a\n"
    assert parse_shell(body).heredocs == ()
    assert protected_lines(body) == set()


def test_multiline_strings() -> None:
    body = (
        'echo "first\n'
        "  second\n"
        '  third"\n'
        "echo 'a\n"
        "   b'\n"
        "printf $'x\\n\n"
        "  y'\n"
        '  echo "one line"\n'
    )
    shell = parse_shell(body)
    assert [(s.kind, s.first_line, s.last_line) for s in shell.strings] == [
        ('"', 0, 2),
        ("'", 3, 4),
        ("$'", 5, 6),
    ]
    assert protected_lines(body) == {1, 2, 4, 6}
    # the newline of lines 0, 1, 3, 5 is inside a string: trailing blanks there are content
    assert {0, 1, 3, 5} <= shell.verbatim_end_lines
    assert 7 not in shell.verbatim_end_lines


def test_nested_quotes() -> None:
    body = (
        'echo "outer $(echo "inner\n'
        "   still inner\") and 'not single\n"
        '   end"\n'
        "  echo 'a \"b' \"c 'd\"\n"
        "  echo done\n"
    )
    protected = protected_lines(body)
    assert {1, 2} <= protected
    assert not {3, 4} & protected


def test_command_substitution_spanning_lines_is_code() -> None:
    body = "x=$(\n  apt-get update &&\n  echo done\n)\nY=`\n  ls\n`\n"
    shell = parse_shell(body)
    assert protected_lines(body) == set()
    names = [c.name.text for c in shell.commands if c.name]
    assert names == ["apt-get", "echo", "ls"]


def test_quoted_command_substitution_spanning_lines_is_protected() -> None:
    body = 'x="$(\n  echo a\n)"\n  echo b\n'
    assert protected_lines(body) == {1, 2}


def test_line_continuations() -> None:
    body = (
        "apt-get install -y \\\n"
        "    curl \\\n"
        "    git\n"
        "echo foo\\\n"
        "bar\n"
        "echo x\\\n"
        "   y\n"
        "# comment \\\n"
        "  echo z\n"
    )
    shell = parse_shell(body)
    assert [(c.line, c.joins) for c in shell.continuations] == [
        (1, False),
        (2, False),
        (4, True),
        (6, True),
    ]
    assert shell.continuations[0].backslash.slice(body) == "\\"
    # `foo\<newline>bar` is one word: indenting `bar` would split it
    assert protected_lines(body) == {4, 6}


def test_continuation_inside_double_quotes() -> None:
    body = 'echo "abc\\\n  def"\n  echo x\n'
    shell = parse_shell(body)
    assert shell.continuations[0].in_string
    assert protected_lines(body) == {1}


def test_backslash_before_trailing_blank_protects_the_end() -> None:
    # removing the trailing blank would turn `\ ` into a line continuation
    body = "echo a\\ \necho b   \n"
    shell = parse_shell(body)
    assert 0 in shell.verbatim_end_lines
    assert 1 not in shell.verbatim_end_lines


def test_crlf_body() -> None:
    body = 'cat <<EOF\r\n  x\r\nEOF\r\necho "a\r\n  b"\r\n  echo c\r\n'
    shell = parse_shell(body, base=10)
    (doc,) = shell.heredocs
    assert doc.body.start == 10 + body.index("  x")
    assert doc.terminator is not None
    assert doc.terminator.start - 10 == body.index("EOF\r\necho")
    assert doc.terminator.end - 10 == body.index("\r\necho")
    assert protected_lines(body) == {1, 2, 4}
    assert [c.name.text for c in shell.commands if c.name] == ["cat", "echo", "echo"]


def test_unicode_offsets() -> None:
    body = "echo 'héllo 😀\n  wörld'\ncat <<EOF\n  ü\nEOF\n  echo ✓ done\n"
    shell = parse_shell(body)
    assert shell.strings[0].span.slice(body) == "'héllo 😀\n  wörld'"
    last = shell.commands[-1]
    assert [w.text for w in last.argv] == ["echo", "✓", "done"]
    assert last.argv[2].span.slice(body) == "done"
    assert protected_lines(body) == {1, 3, 4}


def test_syntax_errors_protect_their_region() -> None:
    body = "echo ok\nif then fi\n  echo x\n"
    shell = parse_shell(body)
    assert shell.has_errors
    assert {1, 2} <= protected_lines(body)
    unterminated = 'echo ok\necho "abc\n  def\n  ghi\n'
    assert {2, 3} <= protected_lines(unterminated)
    assert 0 not in protected_lines(unterminated)


def test_placeholders_are_words() -> None:
    body = "echo {{ VERSION }} && {{ CMD }} --flag\n  echo x\n"
    shell = parse_shell(body)
    assert not shell.has_errors
    assert [w.text for w in shell.commands[0].argv] == ["echo", "{{ VERSION }}"]
    second = shell.commands[1]
    assert second.name is not None and second.name.text == "{{ CMD }}"
    assert second.name.value is None
    assert protected_lines(body) == set()


@pytest.mark.parametrize(
    "body",
    [
        "",
        "\n\n",
        "<<",
        "cat <<",
        "cat <<EOF",
        "'",
        '"',
        "$(",
        "${",
        "`",
        "$'",
        "\\",
        "echo \\",
        "\x00\x01",
        "case x in a) echo;; esac\n",
        "\udcff\udcfe echo\n",
        "((a<<2))\n",
        "}}}{{{ ))) (((",
        # tree-sitter-bash itself segfaults on these (intermittently) unless sanitised
        "{\U000e0001",
        "echo {\U000f7dc0}",
        "C{\U00034abf x",
    ],
)
def test_never_raises(body: str) -> None:
    shell = parse_shell(body)
    assert all(0 <= n <= body.count("\n") + 1 for n in shell.protected_lines)


def test_parser_crash_inputs_in_fresh_processes() -> None:
    """tree-sitter-bash crashes on `{` + some non-ASCII code points, depending on memory
    layout; each fresh process gets another layout, so try a few."""
    code = (
        "from defcheck.shell.tree import _parse_cached as p\n"
        "for s in ['{\\U000e0001', 'echo {\\U000f7dc0}', 'C{\\U00034abf x', '{\\U00080000']:\n"
        "    p.__wrapped__(s, 0, True)\n"
    )
    for _ in range(6):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
        assert result.returncode == 0, result.stderr.decode(errors="replace")[-500:]
