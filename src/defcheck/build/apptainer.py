"""Drive the real `apptainer` (or `singularity`) CLI.

Apptainer parses the definition file and substitutes build arguments itself, so this
backend passes the original file and the flags through. What it adds: version detection
with warnings for features the installed version lacks, live output, failures mapped to
the stage and section that failed (by following Apptainer's log lines against the plan),
and `--sign` with `apptainer sign` plus the `verify` command to print.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from defcheck.build.backend import BuildOptions, BuildResult, CommandResult, Reporter, run_streaming
from defcheck.build.plan import BuildPlan, Location, StagePlan
from defcheck.errors import BuildError

_VERSION_RE = re.compile(
    r"^\s*(apptainer|singularity-ce|singularityce|singularity)\s+version\s+v?(\d+)\.(\d+)(?:\.(\d+))?",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True, slots=True, order=True)
class Version:
    """An installed builder's flavour and version (`apptainer 1.3.4`)."""

    flavor: str
    major: int
    minor: int
    patch: int = 0

    def at_least(self, major: int, minor: int = 0) -> bool:
        """True if this version is `major.minor` or newer."""
        return (self.major, self.minor) >= (major, minor)

    @property
    def is_apptainer(self) -> bool:
        """Apptainer (not SingularityCE or legacy Singularity)."""
        return self.flavor == "apptainer"

    @property
    def is_sce(self) -> bool:
        """SingularityCE (`singularity-ce version 4.1.0`)."""
        return self.flavor == "singularity-ce"

    def __str__(self) -> str:
        return f"{self.flavor} {self.major}.{self.minor}.{self.patch}"


def parse_version(text: str) -> Version | None:
    """Parse `apptainer --version` output.

    >>> parse_version("apptainer version 1.3.4-1.el8")
    Version(flavor='apptainer', major=1, minor=3, patch=4)
    """
    m = _VERSION_RE.search(text)
    if m is None:
        return None
    flavor = m.group(1).lower()
    if flavor == "singularityce":
        flavor = "singularity-ce"
    elif flavor == "singularity" and int(m.group(2)) >= 4:
        flavor = "singularity-ce"  # NOTE: only SingularityCE has 4.x releases
    return Version(flavor, int(m.group(2)), int(m.group(3)), int(m.group(4) or 0))


def detect_version(exe: str) -> Version | None:
    """Run `EXE --version`; None when it cannot be run or parsed."""
    try:
        proc = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_version(proc.stdout + proc.stderr)


def feature_warnings(version: Version | None, options: BuildOptions, plan: BuildPlan) -> list[str]:
    """Warnings for features the installed builder is too old (or the wrong kind) for."""
    if version is None:
        return ["could not determine the builder version; feature checks skipped"]
    out: list[str] = []
    templated = bool(options.build_args or options.build_arg_file) or "{{" in plan.definition
    uses_args = templated or any("%arguments" in s.text for s in plan.stages)
    if uses_args and not _has_build_args(version):
        out.append(
            f"{version} does not support build arguments (`{{{{ NAME }}}}`, %arguments, "
            "--build-arg): they need Apptainer 1.2 or SingularityCE 4.0"
        )
    if options.warn_unused_build_args and not (version.is_apptainer and version.at_least(1, 2)):
        out.append(f"{version} has no --warn-unused-build-args; the flag is dropped")
    if options.remote and version.is_apptainer:
        out.append(
            "Apptainer has no remote build service (removed in 1.0); --remote needs SingularityCE"
        )
    if any(s.base.agent in {"buildkit", "dockerfile"} for s in plan.stages) and not (
        version.is_apptainer and version.at_least(1, 4)
    ):
        out.append(f"Bootstrap: dockerfile/buildkit needs Apptainer 1.4 or newer ({version})")
    if options.fakeroot and version.flavor == "singularity" and not version.at_least(3, 3):
        out.append(f"--fakeroot needs Singularity 3.3 or newer ({version})")
    if options.sign_key and not (version.at_least(1, 1) or version.is_sce):
        out.append(f"signing with a PEM key (--sign-key) needs Apptainer 1.1 or newer ({version})")
    return out


def _has_build_args(version: Version) -> bool:
    if version.is_apptainer:
        return version.at_least(1, 2)
    return version.is_sce and version.at_least(4, 0)


def output_path(plan: BuildPlan, options: BuildOptions) -> str:
    """The SIF file (or sandbox directory) to build; OCI archives are buildah's business."""
    output = options.output
    if output is None:
        stem = Path(plan.path).stem or "image"
        return stem if options.sandbox else f"{stem}.sif"
    if output.startswith(("oci-archive:", "docker-archive:")):
        raise BuildError(
            f"-o {output}: apptainer builds SIF files or sandboxes; use --backend buildah "
            "for OCI archives (or convert later: apptainer build x.sif oci-archive:...)"
        )
    return output


def build_command(
    exe: str, plan: BuildPlan, options: BuildOptions, version: Version | None = None
) -> list[str]:
    """The `apptainer build` command line for `plan` (its file is passed as written).

    >>> from defcheck.build.plan import make_plan
    >>> plan = make_plan("Bootstrap: scratch\\n", path="a.def")
    >>> build_command("apptainer", plan, BuildOptions(fakeroot=True, notest=True))
    ['apptainer', 'build', '--fakeroot', '--notest', 'a.sif', 'a.def']
    """
    cmd = [exe, "build"]
    flags = (
        ("--fakeroot", options.fakeroot),
        ("--remote", options.remote),
        ("--sandbox", options.sandbox),
        ("--force", options.force),
        ("--notest", options.notest),
    )
    cmd += [flag for flag, on in flags if on]
    if options.sections:
        cmd += ["--section", options.sections]
    for key, value in options.build_args:
        cmd += ["--build-arg", f"{key}={value}"]
    if options.build_arg_file:
        cmd += ["--build-arg-file", options.build_arg_file]
    if options.warn_unused_build_args and (
        version is None or (version.is_apptainer and version.at_least(1, 2))
    ):
        cmd.append("--warn-unused-build-args")
    cmd += list(options.extra_args)
    cmd += [output_path(plan, options), plan.path]
    return cmd


def sign_command(exe: str, image: str, options: BuildOptions) -> list[str]:
    """`apptainer sign` for the built image, with the chosen key passed through."""
    cmd = [exe, "sign"]
    if options.sign_keyidx is not None:
        cmd += ["--keyidx", str(options.sign_keyidx)]
    if options.sign_key:
        cmd += ["--key", options.sign_key]
    return [*cmd, image]


def verify_command(exe: str, image: str, options: BuildOptions) -> str:
    """The command users should run to check the signature."""
    if options.sign_key:
        return f"{exe} verify --key <public key matching {options.sign_key}> {image}"
    return f"{exe} verify {image}"


def keyidx_for_fingerprint(key_list: str, fingerprint: str) -> int | None:
    """The index `apptainer key list --secret` shows for a fingerprint (case and spaces ignored)."""
    want = re.sub(r"\s", "", fingerprint).upper()
    index: int | None = None
    for line in key_list.splitlines():
        m = re.match(r"^\s*(\d+)\)", line)
        if m:
            index = int(m.group(1))
        f = re.match(r"^\s*F(?:ingerprint|PR):\s*([0-9A-Fa-f ]+)$", line.strip())
        if f and index is not None and re.sub(r"\s", "", f.group(1)).upper() == want:
            return index
    return None


# ---------------------------------------------------------------------------- output

#: Apptainer log messages → build step (spec §5), first match wins.
_EVENTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), step)
    for p, step in (
        (r"Running pre scriptlet", "pre"),
        (r"Running setup scriptlet", "setup"),
        (r"Running post scriptlet", "post"),
        (r"Running testscript|Running test scriptlet", "test"),
        # NOTE: host and stage copies both log "Copying SRC to DST": see OutputTracker
        (r"^Copying (?!blob |config ).* to ", "copy"),
        (r"Adding (help|labels|environment|runscript|startscript|testscript)", "metadata"),
        (r"Creating SIF file|Build complete|Creating sandbox", "output"),
        (
            r"Starting build|Fetching OCI image|Downloading (library|shub|oras)|"
            r"Verifying bootstrap image|Getting image source signatures|Extracting OCI image|"
            r"Copying blob|Downloading .*image|Installing .* bootstrap|Running debootstrap|"
            r"Building from (local|scratch)",
            "bootstrap",
        ),
    )
)

_LOG_PREFIX = re.compile(r"^(INFO|WARNING|VERBOSE|DEBUG|ERROR|FATAL):\s+")
_SECTION_OF_STEP = {
    "pre": "%pre",
    "bootstrap": "header",
    "files-from": "%files from",
    "setup": "%setup",
    "files": "%files",
    "post": "%post",
    "metadata": "metadata",
    "test": "%test",
    "output": "image output",
}


@dataclass(frozen=True, slots=True)
class Step:
    """One expected step of the build: stage and step name."""

    stage: StagePlan
    step: str

    @property
    def section(self) -> str:
        """How the user calls this step (`%post`, `%files from build`, `header`)."""
        if self.step == "files-from" and self.stage.files_from:
            return f"%files from {self.stage.files_from[0].source_stage}"
        return _SECTION_OF_STEP.get(self.step, self.step)

    @property
    def location(self) -> Location:
        """Where in the file this step is written."""
        section = {"files-from": "files", "metadata": "", "output": "", "bootstrap": ""}.get(
            self.step, self.step
        )
        if self.step == "files-from" and self.stage.files_from:
            return self.stage.files_from[0].location
        if self.step == "files" and self.stage.files_host:
            return self.stage.files_host[0].location
        if section:
            return self.stage.section_location(section)
        return self.stage.base.location if self.step == "bootstrap" else self.stage.location


def _count(stage: StagePlan, from_stage: bool) -> int:
    blocks = stage.files_from if from_stage else stage.files_host
    return sum(len(b.copies) for b in blocks)


def expected_steps(plan: BuildPlan, *, notest: bool = False) -> list[Step]:
    """The steps Apptainer will log for `plan`, in order (spec §5)."""
    steps: list[Step] = []
    for stage in plan.stages:
        if stage.pre is not None and not stage.pre.empty:
            steps.append(Step(stage, "pre"))
        steps.append(Step(stage, "bootstrap"))
        if stage.files_from:
            steps.append(Step(stage, "files-from"))
        if stage.setup is not None and not stage.setup.empty:
            steps.append(Step(stage, "setup"))
        if stage.files_host:
            steps.append(Step(stage, "files"))
        if (stage.post is not None and not stage.post.empty) or any(a.install for a in stage.apps):
            steps.append(Step(stage, "post"))
        steps.append(Step(stage, "metadata"))
        if stage.test is not None and not stage.test.empty and not notest:
            steps.append(Step(stage, "test"))
    steps.append(Step(plan.final, "output"))
    return steps


class OutputTracker:
    """Follows Apptainer's log lines to know which stage and section is running."""

    def __init__(self, plan: BuildPlan, *, notest: bool = False) -> None:
        self.steps = expected_steps(plan, notest=notest)
        self.position = 0
        self.copies = 0
        self.fatal: str | None = None

    @property
    def current(self) -> Step:
        """The step running now (the first one before any log line)."""
        return self.steps[self.position]

    def feed(self, line: str) -> Step | None:
        """Read one output line; return the new step when it changed."""
        text = line.strip()
        if text.startswith("FATAL:"):
            self.fatal = _LOG_PREFIX.sub("", text)
            return None
        if not _LOG_PREFIX.match(text) and not text.startswith(("Getting image", "Copying blob")):
            return None
        message = _LOG_PREFIX.sub("", text)
        for pattern, step in _EVENTS:
            if pattern.search(message):
                return self._advance(step)
        return None

    def _advance(self, step: str) -> Step | None:
        before = self.current
        if step == "copy":
            # The first N copies of a stage are its `%files from` entries (spec §5).
            if before.step == "files-from" and self.copies < _count(before.stage, True):
                self.copies += 1
                return None
            if before.step == "files":
                return None
            names = {"files-from", "files"}
        else:
            names = {step}
            if before.step == step:
                return None
        for i in range(self.position + 1, len(self.steps)):
            if self.steps[i].step in names:
                self.position = i
                if self.steps[i].stage is not before.stage:
                    self.copies = 0
                if step == "copy":
                    self.copies += 1
                return self.steps[i]
        return None

    def error(self, plan: BuildPlan, result: CommandResult, exe: str) -> BuildError:
        """The failure as a `BuildError` at the failing stage's section."""
        step = self.current
        reason = self.fatal or result.last_line or f"exit status {result.returncode}"
        where = step.location
        return BuildError(
            f"{step.stage.label}, {step.section}: {Path(exe).name} build failed: {reason}",
            path=plan.path,
            line=where.line,
            column=where.column,
        )


def build(
    plan: BuildPlan,
    options: BuildOptions,
    reporter: Reporter,
    *,
    exe: str = "apptainer",
    runner: Callable[..., CommandResult] = run_streaming,
) -> BuildResult:
    """Run `apptainer build` for `plan`, streaming output; sign when asked."""
    version = detect_version(exe)
    warnings = [w.message for w in plan.warnings]
    for message in feature_warnings(version, options, plan):
        reporter.warning(message)
        warnings.append(message)
    cmd = build_command(exe, plan, options, version)
    tracker = OutputTracker(plan, notest=options.notest)
    reporter.step(tracker.current.stage.label, tracker.current.section, " ".join(cmd[:2]))

    def on_line(line: str) -> None:
        changed = tracker.feed(line)
        if changed is not None:
            reporter.step(changed.stage.label, changed.section)
        reporter.output(line)

    result = runner(cmd, on_line=on_line, cwd=options.context_dir)
    if result.returncode != 0:
        raise tracker.error(plan, result, exe)
    image = cmd[-2]
    verify: str | None = None
    if options.sign:
        verify = _sign(exe, image, options, reporter, runner, plan)
    return BuildResult(
        backend=Path(exe).name,
        output=image,
        verify_command=verify,
        warnings=tuple(warnings),
    )


def _sign(
    exe: str,
    image: str,
    options: BuildOptions,
    reporter: Reporter,
    runner: Callable[..., CommandResult],
    plan: BuildPlan,
) -> str:
    reporter.step(plan.final.label, "sign", image)
    result = runner(
        sign_command(exe, image, options), on_line=reporter.output, cwd=options.context_dir
    )
    if result.returncode != 0:
        raise BuildError(
            f"signing {image} failed: {result.last_line or f'exit status {result.returncode}'}",
            path=plan.path,
        )
    return verify_command(exe, image, options)


def resolve_fingerprint(exe: str, fingerprint: str) -> int:
    """Key index for a fingerprint, from `apptainer key list --secret`."""
    try:
        proc = subprocess.run(
            [exe, "key", "list", "--secret"], capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BuildError(f"cannot run {exe} key list: {exc.strerror or exc}") from None
    index = keyidx_for_fingerprint(proc.stdout, fingerprint)
    if index is None:
        raise BuildError(
            f"no secret key with fingerprint {fingerprint} in `{exe} key list --secret`"
        )
    return index


__all__: Sequence[str] = (
    "OutputTracker",
    "Version",
    "build",
    "build_command",
    "detect_version",
    "expected_steps",
    "feature_warnings",
    "keyidx_for_fingerprint",
    "parse_version",
    "resolve_fingerprint",
    "sign_command",
    "verify_command",
)
