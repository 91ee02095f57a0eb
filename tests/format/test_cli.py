"""`defcheck fmt`: in-place rewrite, --check, --diff, stdin, errors, configuration."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from defcheck.cli.fmt import render_diff, run

UGLY = "bootstrap:docker\nfrom :alpine\n%POST\n  echo hi   \n"
PRETTY = "Bootstrap: docker\nFrom: alpine\n\n%post\n    echo hi\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_rewrites_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "a.def", UGLY)
    tidy = _write(tmp_path, "b.def", PRETTY)
    before = tidy.stat().st_mtime_ns
    assert run([str(path), str(tidy)]) == 0
    assert path.read_text() == PRETTY
    assert tidy.stat().st_mtime_ns == before  # unchanged files are not rewritten
    assert "1 file reformatted, 1 file left unchanged" in capsys.readouterr().err


def test_check_lists_files_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "a.def", UGLY)
    assert run(["--check", str(path)]) == 1
    assert path.read_text() == UGLY
    assert f"would reformat {path}" in capsys.readouterr().err
    assert run(["--check", str(_write(tmp_path, "b.def", PRETTY))]) == 0


def test_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "a.def", UGLY)
    assert run(["--diff", "--color", "never", str(path)]) == 1
    out = capsys.readouterr().out
    assert "-from :alpine\n" in out and "+From: alpine\n" in out
    assert path.read_text() == UGLY


def test_colored_diff() -> None:
    diff = render_diff("a\n", "b\n", "f", color=True)
    assert "\x1b[31m-a\x1b[0m" in diff and "\x1b[32m+b\x1b[0m" in diff


def test_stdin_to_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(UGLY.encode())))
    assert run(["-q", "-"]) == 0
    assert capsys.readouterr().out == PRETTY


def test_syntax_error_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "Bootstrap: docker\nFrom: a\n%enviroment\n  X=1\n"
    path = _write(tmp_path, "bad.def", text)
    assert run([str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3:1: error: invalid section(s) specified: enviroment" in err
    assert path.read_text() == text


def test_force_partial(tmp_path: Path) -> None:
    text = (
        "Bootstrap: docker\nfrom: a\n%post\n  true\n"
        "Bootstrap: docker\nFrom: b\n%enviroment\n  X=1\n"
    )
    path = _write(tmp_path, "bad.def", text)
    assert run(["--force-partial", str(path)]) == 0
    assert path.read_text().startswith("Bootstrap: docker\nFrom: a\n\n%post\n    true\n\n")
    assert path.read_text().endswith("%enviroment\n  X=1\n")


def test_options_and_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.defcheck.format]\nindent = 2\nline-ending = "crlf"\n'
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    path = _write(sub, "a.def", UGLY)
    assert run(["-q", str(sub)]) == 0  # a directory: its *.def files
    assert path.read_bytes() == PRETTY.replace("    ", "  ").replace("\n", "\r\n").encode()
    assert run(["-q", "--indent", "tab", "--line-ending", "lf", str(path)]) == 0
    assert path.read_text() == PRETTY.replace("    ", "\t")


def test_defcheck_toml_and_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".defcheck.toml").write_text("[format]\nindent = 3\n")
    path = _write(tmp_path, "a.def", UGLY)
    assert run(["-q", str(path)]) == 0
    assert "\n   echo hi\n" in path.read_text()
    (tmp_path / ".defcheck.toml").write_text("[format]\nindnet = 3\n")
    assert run([str(path)]) == 2
    assert "unknown key `format.indnet`" in capsys.readouterr().err


def test_crlf_preserved(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.def", UGLY.replace("\n", "\r\n"))
    assert run(["-q", str(path)]) == 0
    assert path.read_bytes() == PRETTY.replace("\n", "\r\n").encode()


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([str(tmp_path / "nope.def")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_safety_failure_reports_and_keeps_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from defcheck.format.safety import SafetyFailure

    def boom(*args: object, **kwargs: object) -> str:
        raise SafetyFailure("equivalence", "stage 1: header changed", output="x\n")

    monkeypatch.setattr("defcheck.format.format_text", boom)
    path = _write(tmp_path, "a.def", UGLY)
    assert run([str(path)]) == 2
    err = capsys.readouterr().err
    assert "equivalence check failed" in err and "diff saved to" in err
    assert path.read_text() == UGLY
