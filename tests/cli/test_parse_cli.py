"""`defcheck parse` as a user runs it: exit codes, messages, output formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from defcheck.cli import main
from helpers import EXAMPLES


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "defcheck", *args],
        input=stdin.decode("utf-8", "surrogateescape") if stdin is not None else None,
        capture_output=True,
        text=True,
        check=False,
    )


def test_outline_of_an_example() -> None:
    r = run("parse", str(EXAMPLES / "multistage.def"))
    assert r.returncode == 0, r.stderr
    assert "stage build" in r.stdout and "stage final" in r.stdout
    assert "%files from build" in r.stdout


def test_apptainer_json_is_go_shaped() -> None:
    r = run("parse", "--apptainer-json", str(EXAMPLES / "multistage.def"))
    assert r.returncode == 0, r.stderr
    defs = json.loads(r.stdout)
    assert [d["header"]["stage"] for d in defs] == ["build", "final"]
    assert defs[1]["buildData"]["files"] == [
        {
            "args": "from build",
            "files": [{"source": "/src/hello", "destination": "/usr/local/bin/hello"}],
        }
    ]
    assert r.stdout.startswith('[\n\t{\n\t\t"header"')


def test_rejected_file_exits_1_with_location(tmp_path: Path) -> None:
    f = tmp_path / "bad.def"
    f.write_text("Bootstrap: docker\nFrom: alpine\n%enviroment\n  export A=1\n")
    r = run("parse", "--apptainer-json", str(f))
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr == f"{f}:3:1: error: invalid section(s) specified: enviroment\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"Bootstrap: docker\x00\n", "binary file"),
        (b"Bootstrap: docker\nFrom: \xff\n", "2:7: error: not valid UTF-8"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, content: bytes | None, message: str) -> None:
    f = tmp_path / "x.def"
    if content is not None:
        f.write_bytes(content)
    r = run("parse", str(f))
    assert r.returncode == 2
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_directory_is_refused(tmp_path: Path) -> None:
    r = run("parse", str(tmp_path))
    assert r.returncode == 2 and "is a directory" in r.stderr


def test_json_tree(tmp_path: Path) -> None:
    r = run("parse", "--json", str(EXAMPLES / "scif-apps.def"))
    assert r.returncode == 0
    data = json.loads(r.stdout)
    kinds = [s["kind"] for s in data["stages"][0]["sections"]]
    assert kinds[:3] == ["environment", "appinstall", "apprun"]
    assert data["stages"][0]["header"][0]["key"] == "Bootstrap"


def test_stdin() -> None:
    r = run("parse", "--apptainer-json", "-", stdin=b"Bootstrap: docker\nFrom: alpine\n")
    assert r.returncode == 0
    assert json.loads(r.stdout)[0]["header"] == {"bootstrap": "docker", "from": "alpine"}


def test_substitution(tmp_path: Path) -> None:
    r = run("parse", "--build-arg", "PY_VERSION=3.11", str(EXAMPLES / "build-args.def"))
    assert r.returncode == 0, r.stderr
    assert "From: python:3.11-slim" in r.stdout
    assert "pip install --no-cache-dir numpy==1.26.4" in r.stdout


def test_substitution_unused_and_undefined(tmp_path: Path) -> None:
    r = run("parse", "--build-arg", "NOPE=1", str(EXAMPLES / "build-args.def"))
    assert r.returncode == 1 and "unused build args: NOPE" in r.stderr
    r = run(
        "parse",
        "--build-arg",
        "NOPE=1",
        "--warn-unused-build-args",
        str(EXAMPLES / "build-args.def"),
    )
    assert r.returncode == 0
    f = tmp_path / "u.def"
    f.write_text("Bootstrap: docker\nFrom: {{ BASE }}\n")
    r = run("parse", "--substituted", str(f))
    assert r.returncode == 1
    assert r.stderr.startswith(f"{f}:2:7: error: build var BASE is not defined")


def test_substituted_apptainer_json(tmp_path: Path) -> None:
    r = run(
        "parse",
        "--apptainer-json",
        "--build-arg",
        "PY_VERSION=3.10",
        str(EXAMPLES / "build-args.def"),
    )
    assert r.returncode == 0, r.stderr
    (d,) = json.loads(r.stdout)
    assert d["header"]["from"] == "python:3.10-slim"


def test_main_usage_and_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["--version"]) == 0
    assert main(["nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'nope'" in err
