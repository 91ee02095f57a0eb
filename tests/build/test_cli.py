"""`defcheck build` command line: plan output, exit codes, lint gate, error format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from defcheck.cli.build import build_command, lint_errors

DEF = """Bootstrap: docker
From: alpine:3.20
Stage: build

%post
    echo build

Bootstrap: docker
Registry: ghcr.io
From: org/app:1

%files from build
    /a /opt/a
%labels
    Owner team
%runscript
    exec app "$@"
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = build_command(argv)
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def test_plan_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "app.def"
    path.write_text(DEF)
    rc, out, err = run(["--plan", str(path)], capsys)
    assert rc == 0, err
    assert "stage build" in out and "stage 2" in out
    assert "docker ghcr.io/org/app:1" in out
    assert "/a → /opt/a" in out
    assert "Owner = team" in out


def test_plan_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "app.def"
    path.write_text(DEF)
    rc, out, _ = run(["--plan", "--json", str(path)], capsys)
    assert rc == 0
    data = json.loads(out)
    assert [s["label"] for s in data["stages"]] == ["stage build", "stage 2"]
    final = data["stages"][1]
    assert final["base"]["reference"] == "ghcr.io/org/app:1"
    assert final["files"][0]["source_stage"] == "build"
    assert final["labels"] == [{"key": "Owner", "value": "team"}]
    assert final["runscript"]["location"] == {"line": 16, "column": 1}


def test_errors_are_one_line_with_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.def"
    path.write_text("Bootstrap: docker\nFrom: x\n%files from nowhere\n    /a\n")
    rc, _, err = run(["--plan", str(path)], capsys)
    assert rc == 1
    assert err == f"{path}:3:1: error: stage 1, %files from nowhere: stage nowhere was not found\n"


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run([str(tmp_path / "missing.def")], capsys)
    assert rc == 2 and "missing.def: error: no such file" in err
    path = tmp_path / "a.def"
    path.write_text("Bootstrap: scratch\n")
    rc, _, err = run(["--build-arg", "NOVALUE", str(path)], capsys)
    assert rc == 2 and "expected NAME=value" in err
    rc, _, err = run(["--bogus-flag", str(path)], capsys)
    assert rc == 2
    assert "Traceback" not in err


def test_no_builder_on_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.def"
    path.write_text("Bootstrap: scratch\n")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    rc, _, err = run(["--no-lint", str(path)], capsys)
    assert rc == 2
    assert "defcheck build: error: no builder found" in err


DUPLICATE_STAGES = """Bootstrap: scratch
Stage: a
%files
    f.txt /f.txt

Bootstrap: scratch
Stage: a
%files
    f.txt /g.txt
"""


def test_lint_errors_stop_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dup.def"
    path.write_text(DUPLICATE_STAGES)
    errors = lint_errors(DUPLICATE_STAGES, str(path))
    assert any(" DEF406 " in e and e.startswith(f"{path}:7:8:") for e in errors), errors
    rc, _, err = run(["--backend", "buildah", str(path)], capsys)
    assert rc == 1
    assert "DEF406" in err and "lint errors stop the build" in err


def test_no_lint_builds_anyway(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers import require_tool

    require_tool("buildah", "the buildah backend builds OCI images with it")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dup.def").write_text(DUPLICATE_STAGES)
    (tmp_path / "f.txt").write_text("f\n")
    store = tmp_path / "store"
    argv = ["--backend", "buildah", "--no-lint", "--quiet", "--storage-root", str(store)]
    rc, out, err = run([*argv, "-o", "oci-archive:dup.tar", "dup.def"], capsys)
    assert rc == 0, err
    assert "built oci-archive:dup.tar with buildah" in out
    assert (tmp_path / "dup.tar").is_file()
