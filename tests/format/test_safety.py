"""The safety checks catch what they must and accept the documented changes."""

from __future__ import annotations

import pytest

import defcheck.format.sections as sections_mod
from defcheck.errors import FormatterSafetyError, ParseError
from defcheck.format import check_safety, format_text
from defcheck.format.safety import (
    SafetyFailure,
    check_equivalent,
    compare_shell,
    compare_text,
    compare_trimmed,
)

HEREDOC = "cat <<EOF\n  keep\nEOF\necho x\n"


def test_shell_reindent_is_neutral() -> None:
    assert compare_shell("  echo a\n    echo b\n", "    echo a\n        echo b\n") is None
    assert compare_shell("echo a   \n\n\n\necho b\n", "echo a\n\necho b\n") is None


def test_shell_heredoc_body_is_protected() -> None:
    assert compare_shell(HEREDOC, "    cat <<EOF\n  keep\nEOF\n    echo x\n") is None
    assert compare_shell(HEREDOC, "cat <<EOF\n    keep\nEOF\necho x\n") is not None
    assert compare_shell(HEREDOC, "cat <<EOF\n  keep\n  EOF\necho x\n") is not None
    assert compare_shell(HEREDOC, "cat <<EOF\n\n  keep\nEOF\necho x\n") is not None


def test_shell_continuation_blank_line_is_kept() -> None:
    a = "echo a \\\n\necho b\n"
    assert compare_shell(a, "echo a \\\necho b\n") is not None
    assert compare_shell("echo a \\\necho b\n", "echo a \\\n\necho b\n") is not None


def test_shell_joined_continuation_keeps_indent() -> None:
    a = "echo foo\\\nbar\n"
    assert compare_shell(a, "echo foo\\\n    bar\n") is not None


def test_shell_escaped_trailing_blank_is_kept() -> None:
    a = "echo a\\ \necho b\n"
    assert compare_shell(a, "echo a\\\necho b\n") is not None


def test_multiline_string_is_protected() -> None:
    a = 'echo "a\n   b   \nc"\n'
    assert compare_shell(a, 'echo "a\nb\nc"\n') is not None
    assert compare_shell(a, '    echo "a\n   b   \nc"\n') is None


def test_text_and_trimmed() -> None:
    assert compare_text("  a\n\n b  \n", "  a\n b  \n\n") is None
    assert compare_text("  a\n", "a\n") is not None
    assert compare_trimmed(" A=1\n", "    A=1\n\n") is None
    assert compare_trimmed("A=1\n", "A=2\n") is not None


def test_equivalence_detects_header_and_label_changes() -> None:
    base = "Bootstrap: docker\nFrom: a\n%labels\n  K v\n"
    check_equivalent(base, "Bootstrap: docker\nFrom:   a\n%labels\n      K     v\n")
    with pytest.raises(SafetyFailure, match="header"):
        check_equivalent(base, "Bootstrap: docker\nFrom: b\n%labels\n  K v\n")
    with pytest.raises(SafetyFailure, match="labels"):
        check_equivalent(base, "Bootstrap: docker\nFrom: a\n%labels\n  K  v w\n")
    with pytest.raises(SafetyFailure, match="stages"):
        check_equivalent(base, base + "Bootstrap: docker\nFrom: c\n")


def test_equivalence_detects_files_args() -> None:
    base = "Bootstrap: docker\nFrom: a\n%files from  s\n  a b\n"
    with pytest.raises(SafetyFailure, match="files"):
        check_equivalent(base, "Bootstrap: docker\nFrom: a\n%files from s\n  a b\n")


def test_post_args_compare_as_words() -> None:
    check_equivalent(
        "Bootstrap: docker\nFrom: a\n%post  -c   sh\n  true\n",
        "Bootstrap: docker\nFrom: a\n%post -c sh\n  true\n",
    )
    with pytest.raises(SafetyFailure, match="arguments"):
        check_equivalent(
            "Bootstrap: docker\nFrom: a\n%runscript  -x\n  true\n",
            "Bootstrap: docker\nFrom: a\n%runscript -x\n  true\n",
        )


def test_output_rejected_by_apptainer_is_caught() -> None:
    with pytest.raises(SafetyFailure, match="rejects"):
        check_equivalent("Bootstrap: docker\nFrom: a\n", "Bootstrap: docker\nFrom a\n")


def test_broken_formatter_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A formatter that re-indents here-document bodies fails its own safety check."""
    real = sections_mod.format_script_body

    def careless(lines, prot, offset, options, *, keep_leading_blanks=False):  # type: ignore[no-untyped-def]
        empty = type(prot)(frozenset(), frozenset(), frozenset())
        return real(lines, empty, offset, options, keep_leading_blanks=keep_leading_blanks)

    monkeypatch.setattr("defcheck.format.core.format_script_body", careless)
    source = "Bootstrap: docker\nFrom: a\n%post\n  cat <<EOF\n  keep\nEOF\n"
    with pytest.raises(FormatterSafetyError, match="equivalence"):
        format_text(source)
    assert format_text(source, safe=False) != source


def test_unstable_output_is_caught() -> None:
    source = "Bootstrap: docker\nFrom: a\n"
    with pytest.raises(FormatterSafetyError, match="stability"):
        check_safety(source, "bootstrap: docker\nFrom: a\n")


def test_syntax_error_is_not_formatted() -> None:
    with pytest.raises(ParseError) as info:
        format_text("Bootstrap: docker\nFrom alpine\n")
    assert info.value.line == 2
    assert "had no val" in str(info.value)


def test_bootstrap_duplicate_is_not_turned_into_a_stage() -> None:
    source = "Bootstrap: docker\nFrom: a\n  bootstrap :library\n%post\n  true\n"
    out = format_text(source)
    assert "\n  bootstrap :library\n" in out


def test_first_token_trim_and_bom_kept() -> None:
    source = "\ufeffBootstrap: docker\nFrom: a\n"
    with pytest.raises(ParseError):
        format_text(source)
    out = format_text(source, force_partial=True)
    assert out.startswith("\ufeff")
