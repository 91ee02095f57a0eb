"""The apptainer/singularity backend: command construction, version checks, output
handling (live lines → stage and section), signing; plus one real integration test."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from defcheck.build import apptainer
from defcheck.build.backend import BuildOptions, CommandResult, select_backend
from defcheck.build.plan import BuildPlan, make_plan
from defcheck.errors import BuildError

TWO_STAGES = """Bootstrap: docker
From: alpine:3.20
Stage: build

%post
    echo build

Bootstrap: docker
From: alpine:3.20

%files from build
    /a /a
%post
    echo final
%test
    true
"""


def plan(text: str = TWO_STAGES, path: str = "app.def") -> BuildPlan:
    return make_plan(text, path=path)


class Recorder:
    """Collects what a backend reports."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, str]] = []
        self.lines: list[str] = []
        self.warnings: list[str] = []

    def step(self, stage: str, step: str, detail: str = "") -> None:
        self.steps.append((stage, step))

    def output(self, line: str) -> None:
        self.lines.append(line)

    def warning(self, message: str) -> None:
        self.warnings.append(message)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("apptainer version 1.3.4-1.el8", apptainer.Version("apptainer", 1, 3, 4)),
        ("apptainer version 1.2.0-rc.1\n", apptainer.Version("apptainer", 1, 2, 0)),
        ("singularity-ce version 4.1.0-jammy", apptainer.Version("singularity-ce", 4, 1, 0)),
        ("singularity version 3.8.7-1.el7", apptainer.Version("singularity", 3, 8, 7)),
        ("singularity version 4.0.2", apptainer.Version("singularity-ce", 4, 0, 2)),
        ("garbage", None),
    ],
)
def test_parse_version(text: str, expected: apptainer.Version | None) -> None:
    assert apptainer.parse_version(text) == expected


def test_build_command_passes_flags_through() -> None:
    options = BuildOptions(
        output="out.sif",
        fakeroot=True,
        remote=True,
        sandbox=False,
        force=True,
        notest=True,
        sections="setup,files",
        build_args=(("A", "1"), ("B", "x y")),
        build_arg_file="args.txt",
        warn_unused_build_args=True,
    )
    version = apptainer.Version("apptainer", 1, 3, 0)
    assert apptainer.build_command("apptainer", plan(), options, version) == [
        "apptainer",
        "build",
        "--fakeroot",
        "--remote",
        "--force",
        "--notest",
        "--section",
        "setup,files",
        "--build-arg",
        "A=1",
        "--build-arg",
        "B=x y",
        "--build-arg-file",
        "args.txt",
        "--warn-unused-build-args",
        "out.sif",
        "app.def",
    ]


def test_build_command_defaults_and_sandbox() -> None:
    assert apptainer.build_command("singularity", plan(), BuildOptions()) == [
        "singularity",
        "build",
        "app.sif",
        "app.def",
    ]
    assert apptainer.build_command("apptainer", plan(), BuildOptions(sandbox=True))[-3:] == [
        "--sandbox",
        "app",
        "app.def",
    ]
    sce = apptainer.Version("singularity-ce", 4, 1, 0)
    cmd = apptainer.build_command(
        "singularity", plan(), BuildOptions(warn_unused_build_args=True), sce
    )
    assert "--warn-unused-build-args" not in cmd


def test_oci_outputs_are_refused() -> None:
    with pytest.raises(BuildError, match="use --backend buildah"):
        apptainer.build_command("apptainer", plan(), BuildOptions(output="oci-archive:x.tar"))


def test_feature_warnings() -> None:
    old = apptainer.Version("apptainer", 1, 1, 0)
    text = "Bootstrap: scratch\n%arguments\n    A=1\n%post\n    echo {{ A }}\n"
    p = make_plan(text, path="a.def", substituted=[text.replace("{{ A }}", "1")])
    warnings = apptainer.feature_warnings(old, BuildOptions(remote=True), p)
    assert any("does not support build arguments" in w for w in warnings)
    assert any("no remote build service" in w for w in warnings)
    new = apptainer.Version("apptainer", 1, 3, 0)
    assert apptainer.feature_warnings(new, BuildOptions(), p) == []
    sce3 = apptainer.Version("singularity", 3, 8, 0)
    assert apptainer.feature_warnings(sce3, BuildOptions(build_args=(("A", "1"),)), plan())
    assert apptainer.feature_warnings(None, BuildOptions(), plan()) == [
        "could not determine the builder version; feature checks skipped"
    ]


def test_sign_and_verify_commands() -> None:
    opts = BuildOptions(sign=True, sign_keyidx=2)
    assert apptainer.sign_command("apptainer", "x.sif", opts) == [
        "apptainer",
        "sign",
        "--keyidx",
        "2",
        "x.sif",
    ]
    assert apptainer.verify_command("apptainer", "x.sif", opts) == "apptainer verify x.sif"
    pem = BuildOptions(sign=True, sign_key="k.pem")
    assert apptainer.sign_command("apptainer", "x.sif", pem)[2:4] == ["--key", "k.pem"]
    assert "--key" in apptainer.verify_command("apptainer", "x.sif", pem)


ALICE = "8883491F4268F173C6E5DC49EDECE4F3F38D871E"
KEY_LIST = """Public key listing (/root/.apptainer/keys/pgp-secret):

0) User:              Alice (test) <alice@example.org>
   Creation time:     2024-01-02 10:00:00 +0000 UTC
   Fingerprint:       8883491F4268F173C6E5DC49EDECE4F3F38D871E
   Length (in bits):  4096

1) User:              Bob <bob@example.org>
   Creation time:     2024-01-03 10:00:00 +0000 UTC
   Fingerprint:       12345678ABCDEF0012345678ABCDEF0012345678
   Length (in bits):  4096
"""


def test_keyidx_for_fingerprint() -> None:
    assert (
        apptainer.keyidx_for_fingerprint(KEY_LIST, "12345678abcdef0012345678abcdef0012345678") == 1
    )
    assert (
        apptainer.keyidx_for_fingerprint(KEY_LIST, "8883491F4268F173C6E5DC49EDECE4F3F38D871E") == 0
    )
    assert apptainer.keyidx_for_fingerprint(KEY_LIST, "00") is None


APPTAINER_LOG_FAILING_POST = """INFO:    Starting build...
Getting image source signatures
Copying blob 1234 done
INFO:    Running post scriptlet
+ echo build
build
INFO:    Adding runscript
Getting image source signatures
INFO:    Copying /a to /tmp/build-temp-1/rootfs/a
INFO:    Running post scriptlet
+ echo final
+ exit 3
FATAL:   While performing build: while running engine: exit status 3
"""


def test_tracker_maps_failure_to_stage_and_section() -> None:
    p = plan()
    tracker = apptainer.OutputTracker(p)
    seen = []
    for line in APPTAINER_LOG_FAILING_POST.splitlines():
        step = tracker.feed(line)
        if step is not None:
            seen.append((step.stage.label, step.section))
    assert seen == [
        ("stage build", "%post"),
        ("stage build", "metadata"),
        ("stage 2", "header"),
        ("stage 2", "%files from build"),
        ("stage 2", "%post"),
    ]
    error = tracker.error(p, CommandResult(255, ("+ exit 3",)), "apptainer")
    assert str(error) == (
        "app.def:13:1: error: stage 2, %post: apptainer build failed: "
        "While performing build: while running engine: exit status 3"
    )


def test_tracker_tells_stage_copies_from_host_copies() -> None:
    text = (
        "Bootstrap: scratch\nStage: one\n%post\n    true\n\n"
        "Bootstrap: scratch\n%files from one\n    /a\n    /b\n%files\n    c /c\n%post\n    x\n"
    )
    tracker = apptainer.OutputTracker(make_plan(text, path="t.def"))
    log = [
        "INFO:    Running post scriptlet",
        "INFO:    Starting build...",
        "INFO:    Copying /a to /r/a",
        "INFO:    Copying /b to /r/b",
        "INFO:    Copying c to /r/c",
        "INFO:    Running post scriptlet",
    ]
    seen = [(s.stage.label, s.section) for s in map(tracker.feed, log) if s is not None]
    assert seen == [
        ("stage one", "%post"),
        ("stage 2", "header"),
        ("stage 2", "%files from one"),
        ("stage 2", "%files"),
        ("stage 2", "%post"),
    ]


def test_tracker_test_failure() -> None:
    p = plan()
    tracker = apptainer.OutputTracker(p)
    for line in (
        "INFO:    Running post scriptlet",
        "INFO:    Adding testscript",
        "INFO:    Starting build...",
        "INFO:    Running post scriptlet",
        "INFO:    Running testscript",
        "FATAL:   failed to execute %test: exit 1",
    ):
        tracker.feed(line)
    err = tracker.error(p, CommandResult(255, ()), "/usr/bin/singularity")
    assert (
        "app.def:15:1: error: stage 2, %test: singularity build failed: failed to execute"
        in str(err)
    )


# ---------------------------------------------------------------------------- a stub CLI
FAKE = """#!/bin/sh
# A stand-in for apptainer: records its arguments and replays a log.
echo "$@" >> "$FAKE_RECORD"
case "$1" in
  --version) echo "apptainer version 1.3.4"; exit 0 ;;
  key) cat "$FAKE_KEYS"; exit 0 ;;
  sign) echo "INFO:    Signature created and applied to $4"; exit "${FAKE_SIGN_EXIT:-0}" ;;
  build) cat "$FAKE_LOG"; exit "${FAKE_EXIT:-0}" ;;
esac
exit 2
"""


@pytest.fixture
def fake_apptainer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    exe = tmp_path / "bin" / "apptainer"
    exe.parent.mkdir()
    exe.write_text(FAKE)
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "keys").write_text(KEY_LIST)
    monkeypatch.setenv("FAKE_RECORD", str(tmp_path / "record"))
    monkeypatch.setenv("FAKE_KEYS", str(tmp_path / "keys"))
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log"))
    return exe


def test_build_streams_and_maps_failure(
    fake_apptainer: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "log").write_text(APPTAINER_LOG_FAILING_POST)
    monkeypatch.setenv("FAKE_EXIT", "255")
    rec = Recorder()
    with pytest.raises(BuildError) as exc:
        apptainer.build(
            plan(), BuildOptions(context_dir=str(tmp_path)), rec, exe=str(fake_apptainer)
        )
    assert "stage 2, %post: apptainer build failed" in str(exc.value)
    assert rec.lines == APPTAINER_LOG_FAILING_POST.splitlines()
    assert ("stage 2", "%files from build") in rec.steps


def test_build_success_and_sign(fake_apptainer: Path, tmp_path: Path) -> None:
    (tmp_path / "log").write_text(
        "INFO:    Creating SIF file...\nINFO:    Build complete: app.sif\n"
    )
    rec = Recorder()
    options = BuildOptions(context_dir=str(tmp_path), sign=True, sign_keyidx=1, fakeroot=True)
    result = apptainer.build(plan(), options, rec, exe=str(fake_apptainer))
    assert result.output == "app.sif"
    assert result.verify_command == f"{fake_apptainer} verify app.sif"
    record = (tmp_path / "record").read_text().splitlines()
    assert record == ["--version", "build --fakeroot app.sif app.def", "sign --keyidx 1 app.sif"]
    assert ("stage 2", "image output") in rec.steps
    assert apptainer.resolve_fingerprint(str(fake_apptainer), ALICE) == 0


def test_select_backend(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BuildError, match="no builder found"):
        select_backend("auto")
    with pytest.raises(BuildError, match="`apptainer` is not on PATH"):
        select_backend("apptainer")
    for name in ("buildah", "singularity"):
        exe = tmp_path / name
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    assert select_backend("auto") == "singularity"
    assert select_backend("buildah") == "buildah"


# ---------------------------------------------------------------------------- the real thing
@pytest.mark.skipif(shutil.which("apptainer") is None, reason="apptainer is not on PATH")
def test_real_apptainer_build(tmp_path: Path) -> None:
    """Runs only where Apptainer is installed: a scratch image with one file."""
    (tmp_path / "hello.txt").write_text("hello\n")
    deffile = tmp_path / "s.def"
    deffile.write_text("Bootstrap: scratch\n%files\n    hello.txt /hello.txt\n")
    rec = Recorder()
    options = BuildOptions(output=str(tmp_path / "s.sif"), context_dir=str(tmp_path))
    result = apptainer.build(make_plan(deffile.read_text(), path=str(deffile)), options, rec)
    assert os.path.isfile(result.output)
    inspect = subprocess.run(
        ["apptainer", "inspect", "--deffile", result.output],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "hello.txt" in inspect.stdout


def test_cli_with_apptainer_backend(
    fake_apptainer: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from defcheck.cli.build import build_command

    monkeypatch.setenv("PATH", f"{fake_apptainer.parent}:{os.environ['PATH']}")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "log").write_text(
        "INFO:    Running post scriptlet\n+ echo x\nINFO:    Build complete\n"
    )
    (tmp_path / "t.def").write_text(
        "Bootstrap: docker\nFrom: alpine:3.20\n%arguments\n    WHO=me\n%post\n    echo {{ WHO }}\n"
    )
    argv = ["--backend", "apptainer", "--no-lint", "--quiet", "--build-arg", "WHO=you"]
    rc = build_command([*argv, "--fakeroot", "-o", "t.sif", "t.def"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "built t.sif with apptainer" in captured.out
    record = (tmp_path / "record").read_text().splitlines()
    assert record[-1] == "build --fakeroot --build-arg WHO=you t.sif t.def"
