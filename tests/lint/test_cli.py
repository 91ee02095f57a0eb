"""`defcheck lint`, `defcheck rule`, `defcheck rules`: exit codes, inputs, fixes, output."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from defcheck.cli.lint import run, run_rule, run_rules

BAD = "Bootstrap: Docker\nFrom: alpine:3.20\n\n%enviroment\n    export A=1\n\n%help\n"
CLEAN = (
    "Bootstrap: docker\n"
    "From: alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "\n%post\n    echo hello\n"
)
NO_SC = ["--no-shellcheck"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    (tmp_path / "bad.def").write_text(BAD)
    (tmp_path / "clean.def").write_text(CLEAN)
    return tmp_path


def test_clean_file_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["clean.def", *NO_SC]) == 0
    assert "All checks passed" in capsys.readouterr().out


def test_findings_exit_1_with_caret(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["bad.def", *NO_SC]) == 1
    out = capsys.readouterr().out
    assert "bad.def:4:1: DEF401 [error] unknown section `%enviroment`" in out
    assert "  4 | %enviroment\n    | ^^^^^^^^^^^\n" in out
    assert "\x1b[" not in out  # not a tty: no colour
    assert out.rstrip().splitlines()[-1].startswith("Found ")


def test_fail_on_threshold(project: Path) -> None:
    style_only = "Bootstrap: docker\nFrom: alpine:3.20\n\n%help\n"
    (project / "s.def").write_text(style_only)
    args = ["s.def", *NO_SC, "--select", "DEF411"]
    assert run(args) == 0  # style is below the default threshold (info)
    assert run([*args, "--fail-on", "style"]) == 1
    (project / "pyproject.toml").write_text('[tool.defcheck]\nfail-on = "style"\n')
    assert run(args) == 1


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (None, "missing.def:1:1: error: no such file"),
        ("dir", "adir.def:1:1: error: is a directory"),
        ("binary", "bin.def:1:2: error: binary file"),
        ("latin1", "latin.def:2:7: error: not valid UTF-8 (byte 0xe9)"),
    ],
)
def test_bad_inputs_exit_2_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], setup: str | None, needle: str
) -> None:
    name = "missing.def"
    if setup == "dir":
        (project / "adir.def").mkdir()
        (project / "adir.def" / "inner.txt").write_text("x")
        name = "adir.def/"
        # a directory is walked, not read: an explicit "file" that is a directory
        # path given through --stdin-filename-like usage is the error case below
        assert run([name, *NO_SC]) == 0
        from defcheck.errors import SourceReadError
        from defcheck.fileio import read_source

        with pytest.raises(SourceReadError, match="is a directory"):
            read_source(project / "adir.def")
        return
    if setup == "binary":
        (project / "bin.def").write_bytes(b"B\x00ootstrap")
        name = "bin.def"
    if setup == "latin1":
        (project / "latin.def").write_bytes(b"Bootstrap: docker\nFrom: \xe9\n")
        name = "latin.def"
    assert run([name, "clean.def", *NO_SC]) == 2
    captured = capsys.readouterr()
    lines = [ln for ln in captured.err.splitlines() if ln]
    assert lines == [needle] or (len(lines) == 1 and lines[0].startswith(needle))
    assert "Traceback" not in captured.err


def test_directory_discovery(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "Apptainer").write_text(BAD)
    (project / ".venv").mkdir()
    (project / ".venv" / "x.def").write_text(BAD)
    assert run([".", *NO_SC, "--format", "json"]) == 1
    files = {Path(f["filename"]).name for f in json.loads(capsys.readouterr().out)}
    assert files == {"bad.def", "Apptainer"}


def test_fix_writes_in_place(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["bad.def", "--fix", *NO_SC, "--select", "DEF4,DEF5"]) == 0
    text = (project / "bad.def").read_text()
    assert text.startswith("Bootstrap: docker\n") and "%environment" in text
    assert "Fixed 3 findings" in capsys.readouterr().out


def test_diff_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["bad.def", "--diff", *NO_SC]) == 1
    out = capsys.readouterr().out
    assert "-Bootstrap: Docker\n+Bootstrap: docker\n" in out
    assert (project / "bad.def").read_text() == BAD


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))


def test_stdin_with_filename(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "sub").mkdir()
    (project / "sub" / ".defcheck.toml").write_text('ignore = ["DEF513"]\n')
    _stdin(monkeypatch, BAD)
    assert run(["-", "--stdin-filename", "sub/x.def", *NO_SC, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {f["filename"] for f in data} == {"sub/x.def"}
    assert "DEF513" not in {f["code"] for f in data}  # config found from the stdin name


def test_stdin_fix_prints_fixed_text(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, BAD)
    run(["-", "--fix", *NO_SC])
    captured = capsys.readouterr()
    assert captured.out.startswith("Bootstrap: docker\n")
    assert "Found" in captured.err or "All checks passed" in captured.err


def test_invalid_config_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text('[tool.defcheck]\nfail-on = "loud"\n')
    assert run(["bad.def", *NO_SC]) == 2
    err = capsys.readouterr().err
    assert "invalid config:" in err and "fail-on" in err and "Traceback" not in err


@pytest.mark.shellcheck
def test_shellcheck_started_early_leaves_nothing_behind(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    shellcheck_bin: str,
) -> None:
    """`defcheck lint` starts ShellCheck before reading the configuration: an invalid
    configuration still exits 2 at once, and ShellCheck's files are removed either way."""
    tmp = project / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    (project / "sc.def").write_text(BAD + "\n%post\n    echo $1\n")
    assert run(["sc.def"]) == 1
    assert "SC2086" in capsys.readouterr().out
    (project / "pyproject.toml").write_text('[tool.defcheck]\nfail-on = "loud"\n')
    assert run(["sc.def"]) == 2
    assert "invalid config:" in capsys.readouterr().err
    (project / "pyproject.toml").write_text('[tool.defcheck]\nignore = ["SC"]\n')
    assert run(["sc.def", "--format", "json"]) == 1
    assert "SC2086" not in capsys.readouterr().out
    assert list(tmp.iterdir()) == []


def test_output_file(project: Path) -> None:
    assert run(["bad.def", *NO_SC, "--format", "sarif", "--output", "out.sarif"]) == 1
    assert json.loads((project / "out.sarif").read_text())["version"] == "2.1.0"


def test_rule_and_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_rule(["DEF401"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# DEF401: unknown-section") and "## Why is this bad?" in out
    assert run_rule(["unknown-section", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["code"] == "DEF401"
    assert run_rule(["SC2086"]) == 0
    assert "shellcheck.net/wiki/SC2086" in capsys.readouterr().out
    assert run_rule(["DEF000"]) == 2
    assert run_rules([]) == 0
    assert "DEF513" in capsys.readouterr().out


def test_color_on_forced_tty_and_no_color(project: Path) -> None:
    """Colours come from rich only when asked (FORCE_COLOR) and never with NO_COLOR."""
    env = {**os.environ, "FORCE_COLOR": "1"}
    env.pop("NO_COLOR", None)
    cmd = [sys.executable, "-m", "defcheck", "lint", "bad.def", *NO_SC]
    forced = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert "\x1b[" in forced.stdout
    env["NO_COLOR"] = "1"
    plain = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert "\x1b[" not in plain.stdout and plain.returncode == 1


def test_unreadable_file_is_not_reported_as_passing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["clean.def", "missing.def", *NO_SC]) == 2
    captured = capsys.readouterr()
    assert "missing.def:1:1: error: no such file" in captured.err
    assert "All checks passed" not in captured.out
    assert "1 file could not be read" in captured.out
