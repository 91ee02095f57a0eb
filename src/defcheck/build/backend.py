"""Backend selection, build options and the one place that runs builder processes.

`select_backend("auto")` picks the first of apptainer, singularity, buildah found on
PATH. Backends report progress through a `Reporter` (the CLI renders it; the library
never prints) and run commands with `run_streaming`, which passes every output line on
as it arrives and keeps the last lines for error messages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from defcheck.errors import BuildError

BACKENDS = ("apptainer", "singularity", "buildah")

#: How many trailing output lines a failure keeps for its message.
TAIL_LINES = 20


class Reporter(Protocol):
    """Receives progress: which stage and step runs, command output, warnings."""

    def step(self, stage: str, step: str, detail: str = "") -> None:
        """A build step starts (`stage 1`, `%post`)."""

    def output(self, line: str) -> None:
        """One line of builder output (no trailing newline)."""

    def warning(self, message: str) -> None:
        """Something the user should know; the build goes on."""


class NullReporter:
    """A reporter that drops everything (library use, tests)."""

    def step(self, stage: str, step: str, detail: str = "") -> None:
        """Ignore the step."""

    def output(self, line: str) -> None:
        """Ignore the line."""

    def warning(self, message: str) -> None:
        """Ignore the warning."""


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """Everything `defcheck build` passes to a backend."""

    output: str | None = None
    notest: bool = False
    allow_setup: bool = False
    context_dir: str = "."
    build_args: tuple[tuple[str, str], ...] = ()
    build_arg_file: str | None = None
    # buildah
    tls_verify: bool | None = None
    storage_root: str | None = None
    storage_runroot: str | None = None
    storage_driver: str | None = None
    # apptainer / singularity pass-through
    fakeroot: bool = False
    remote: bool = False
    sandbox: bool = False
    force: bool = False
    sections: str | None = None
    warn_unused_build_args: bool = False
    sign: bool = False
    sign_keyidx: int | None = None
    sign_key: str | None = None
    extra_args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a successful build produced."""

    backend: str
    output: str
    image_id: str | None = None
    verify_command: str | None = None
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class CommandResult:
    """Exit status and the last lines of a finished command."""

    returncode: int
    tail: tuple[str, ...]

    @property
    def last_line(self) -> str:
        """The last non-blank output line, or ''."""
        for line in reversed(self.tail):
            if line.strip():
                return line.strip()
        return ""


def which(name: str) -> str | None:
    """`shutil.which`, in one place so selection is easy to follow."""
    return shutil.which(name)


def select_backend(name: str = "auto") -> str:
    """Resolve `auto` to the first backend on PATH; check an explicit one exists.

    Raises `BuildError` naming what to install when nothing usable is found.
    """
    if name != "auto":
        if name not in BACKENDS:
            raise BuildError(f"unknown backend {name!r}; choose auto, {', '.join(BACKENDS)}")
        if which(name) is None:
            raise BuildError(f"backend {name!r} selected but `{name}` is not on PATH")
        return name
    for candidate in BACKENDS:
        if which(candidate) is not None:
            return candidate
    raise BuildError(
        "no builder found: install apptainer (or singularity), or buildah for OCI images"
    )


def run_streaming(
    cmd: Sequence[str],
    *,
    on_line: Callable[[str], None],
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> CommandResult:
    """Run `cmd`, feeding each line of its merged stdout/stderr to `on_line`.

    Never raises for a non-zero exit (the caller maps it to a stage and section); a
    missing executable becomes exit status 127 with a one-line explanation.
    """
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    try:
        proc = subprocess.Popen(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
    except OSError as exc:
        message = f"cannot run {cmd[0]}: {exc.strerror or exc}"
        on_line(message)
        return CommandResult(127, (message,))
    assert proc.stdout is not None
    try:
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            tail.append(line)
            on_line(line)
    finally:
        proc.stdout.close()
        returncode = proc.wait()
    return CommandResult(returncode, tuple(tail))


def host_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment plus `extra`."""
    env = dict(os.environ)
    env.update(extra or {})
    return env
