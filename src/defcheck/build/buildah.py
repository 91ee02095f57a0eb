"""Execute a build plan with buildah, producing an OCI image with Apptainer's layout.

Each stage becomes a buildah working container (`buildah from`), mounted so host-side
steps (`%files`, `%setup`, layout files) work on its root filesystem directly; container
steps (`%post`, `%test`) run with `buildah run --isolation chroot`. Only the last stage
is committed, and only after its `%test` passed, so a failed build never leaves an image
tagged. Every working container is removed, whatever happens.

Storage: by default a private vfs store under the user's cache directory (archives) or
the system store (a local image name); `BuildOptions.storage_root` overrides it, which
is what the tests do. Run as root, or rootless inside `buildah unshare`.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from defcheck.build import layout
from defcheck.build.backend import (
    BuildOptions,
    BuildResult,
    CommandResult,
    Reporter,
    host_env,
    run_streaming,
)
from defcheck.build.plan import BuildPlan, FileCopy, Location, Script, StagePlan
from defcheck.errors import BuildError

#: Agents the buildah backend can bootstrap from (spec §8), by buildah transport.
SUPPORTED_AGENTS = frozenset(
    {
        "docker",
        "docker-daemon",
        "docker-archive",
        "oci",
        "oci-archive",
        "oras",
        "localimage",
        "scratch",
    }
)

_GLOB_CHARS = frozenset("*?[")

#: Pass-through flags that mean nothing to buildah: option name -> BuildOptions field.
APPTAINER_ONLY = {
    "--fakeroot": "fakeroot",
    "--remote": "remote",
    "--sandbox": "sandbox",
    "--section": "sections",
}


@dataclass(frozen=True, slots=True)
class OutputTarget:
    """Where the image goes: `oci-archive:PATH`, `docker-archive:PATH` or a local name."""

    transport: str
    target: str

    @property
    def is_archive(self) -> bool:
        """True for archive files (written atomically)."""
        return self.transport in {"oci-archive", "docker-archive"}

    @classmethod
    def parse(cls, spec: str) -> OutputTarget:
        """`oci-archive:out.tar` → (oci-archive, out.tar); anything else is an image name."""
        for transport in ("oci-archive", "docker-archive"):
            if spec.startswith(transport + ":"):
                path = spec[len(transport) + 1 :]
                if not path:
                    raise BuildError(f"-o {spec}: the archive path is missing")
                return cls(transport, path)
        if not spec or any(c.isspace() for c in spec):
            raise BuildError(
                f"-o {spec!r}: not an image name, oci-archive:PATH or docker-archive:PATH"
            )
        return cls("containers-storage", spec)


class Buildah:
    """A thin runner for buildah commands with a fixed storage configuration."""

    def __init__(self, options: BuildOptions, reporter: Reporter, *, exe: str = "buildah") -> None:
        self.exe = exe
        self.reporter = reporter
        self.global_args: list[str] = []
        if options.storage_root:
            runroot = options.storage_runroot or os.path.join(options.storage_root, "run")
            driver = options.storage_driver or "vfs"
            self.global_args = ["--root", options.storage_root, "--runroot", runroot]
            self.global_args += ["--storage-driver", driver]
        elif options.storage_driver:
            self.global_args = ["--storage-driver", options.storage_driver]

    def command(self, *args: str) -> list[str]:
        """The full command line for `buildah ARGS`."""
        return [self.exe, *self.global_args, *args]

    def stream(self, *args: str) -> CommandResult:
        """Run with live output to the reporter."""
        return run_streaming(self.command(*args), on_line=self.reporter.output)

    def capture(self, *args: str) -> str:
        """Run quietly and return stdout; raise `CommandFailed` on failure."""
        proc = subprocess.run(
            self.command(*args), capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        if proc.returncode != 0:
            tail = tuple((proc.stderr or proc.stdout).strip().splitlines()[-5:])
            raise CommandFailed(CommandResult(proc.returncode, tail))
        return proc.stdout


class CommandFailed(Exception):
    """A buildah or script command exited non-zero."""

    def __init__(self, result: CommandResult) -> None:
        super().__init__(result.last_line)
        self.result = result


@dataclass
class _StageState:
    """A stage's working container while the build runs."""

    stage: StagePlan
    container: str
    rootfs: str
    config: dict[str, object] = field(default_factory=dict)
    base_digest: str | None = None
    post_labels: dict[str, str] = field(default_factory=dict)


def default_storage(options: BuildOptions, target: OutputTarget) -> BuildOptions:
    """Fill in the storage location: private vfs cache for archives, system store for names."""
    if options.storage_root or not target.is_archive:
        return options
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    root = os.path.join(cache, "defcheck", "buildah")
    from dataclasses import replace

    return replace(
        options,
        storage_root=os.path.join(root, "storage"),
        storage_runroot=os.path.join(root, "run"),
        storage_driver=options.storage_driver or "vfs",
    )


def check_plan(plan: BuildPlan, options: BuildOptions) -> None:
    """Refuse, before anything runs, what the buildah backend cannot or will not do."""
    for stage in plan.stages:
        base = stage.base
        if base.agent not in SUPPORTED_AGENTS:
            raise BuildError(
                f"{stage.label}, header: Bootstrap: {base.agent} is not supported by the "
                "buildah backend, use apptainer (--backend apptainer)",
                path=plan.path,
                line=base.location.line,
                column=base.location.column,
            )
        if base.agent != "scratch" and not base.reference:
            raise BuildError(
                f"{stage.label}, header: Bootstrap: {base.agent} needs a From: reference",
                path=plan.path,
                line=base.location.line,
                column=base.location.column,
            )
        for script in (stage.pre, stage.setup):
            if script is not None and not script.empty and not options.allow_setup:
                raise _error(
                    plan,
                    stage,
                    script.location,
                    f"%{script.section} runs on the host as root in Apptainer; "
                    "pass --allow-setup to run it",
                )
        for block in stage.files_host:
            for copy in block.copies:
                _host_sources(plan, stage, copy, options.context_dir, section="%files")
        for app in stage.apps:
            for copy in app.files:
                _host_sources(plan, stage, copy, options.context_dir, section="%appfiles")


def build(plan: BuildPlan, options: BuildOptions, reporter: Reporter) -> BuildResult:
    """Build `plan` with buildah; see the module docstring for the steps."""
    target = OutputTarget.parse(options.output or _default_name(plan))
    options = default_storage(options, target)
    check_plan(plan, options)
    for flag, used in APPTAINER_ONLY.items():
        if getattr(options, used):
            reporter.warning(f"{flag} is an apptainer option; the buildah backend ignores it")
    if shutil.which("buildah") is None:
        raise BuildError("buildah is not on PATH; install it (apt-get install buildah)")
    runner = Buildah(options, reporter)
    states: dict[int, _StageState] = {}
    try:
        for stage in plan.stages:
            states[stage.index] = _build_stage(plan, stage, states, runner, options)
        final = states[plan.final.index]
        reporter.step(final.stage.label, "commit", str(options.output or target.target))
        image_id = _commit(plan, final, runner, target)
    finally:
        _cleanup(runner, states)
    return BuildResult(
        backend="buildah",
        output=target.target
        if target.transport == "containers-storage"
        else f"{target.transport}:{target.target}",
        image_id=image_id or None,
        warnings=tuple(w.message for w in plan.warnings),
    )


def _default_name(plan: BuildPlan) -> str:
    stem = Path(plan.path).stem.lower() or "image"
    safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in stem).strip("-._") or "image"
    return f"localhost/{safe}:latest"


def _cleanup(runner: Buildah, states: dict[int, _StageState]) -> None:
    for state in states.values():
        with contextlib.suppress(CommandFailed, OSError):
            runner.capture("rm", state.container)


def _error(plan: BuildPlan, stage: StagePlan, where: Location, message: str) -> BuildError:
    return BuildError(
        f"{stage.label}, {message}", path=plan.path, line=where.line, column=where.column
    )


@contextlib.contextmanager
def _step(
    plan: BuildPlan, stage: StagePlan, section: str, where: Location, what: str
) -> Iterator[None]:
    """Turn a failing command inside a step into a `BuildError` naming stage and section."""
    try:
        yield
    except CommandFailed as exc:
        detail = _detail(exc.result)
        status = exc.result.returncode
        message = f"{section}: {what} failed with exit status {status}"
        if detail:
            message += f": {detail}"
        raise _error(plan, stage, where, message) from None
    except OSError as exc:
        raise _error(plan, stage, where, f"{section}: {exc.strerror or exc}") from None


#: buildah's own trailer lines after a failing command: not the reason.
_NOISE = re.compile(
    r"^(Error: exit status \d+|subprocess exited with status \d+|error running container:.*"
    r"exit status \d+|time=\".*\" level=(warning|info).*|\+ .*)$"
)


def _detail(result: CommandResult) -> str:
    """The last output line that explains a failure (skipping buildah's trailer lines)."""
    for line in reversed(result.tail):
        text = line.strip()
        if text and not _NOISE.match(text):
            return text.removeprefix("Error: ")
    return ""


def _check(result: CommandResult) -> None:
    if result.returncode != 0:
        raise CommandFailed(result)


def _build_stage(
    plan: BuildPlan,
    stage: StagePlan,
    states: dict[int, _StageState],
    runner: Buildah,
    options: BuildOptions,
) -> _StageState:
    report = runner.reporter
    if stage.pre is not None and not stage.pre.empty:
        report.step(stage.label, "%pre", "host")
        _run_host_script(plan, stage, stage.pre, None, options, runner)
    report.step(stage.label, "bootstrap", f"{stage.base.agent} {stage.base.reference}".strip())
    state = _bootstrap(plan, stage, runner, options)
    states[stage.index] = state
    root = state.rootfs
    with _step(plan, stage, "layout", stage.location, "writing /.singularity.d"):
        _write_files(root, layout.base_files(), overwrite=False)
        _write_docker_metadata(state)
    for app in stage.apps:
        report.step(stage.label, f"app {app.name}", "SCIF metadata")
        with _step(plan, stage, f"app {app.name}", app.location, "writing SCIF files"):
            _write_files(root, layout.app_files(app), overwrite=True)
        for copy in app.files:
            dst = f"/scif/apps/{app.name}/" + (copy.dst or copy.src).lstrip("/")
            _copy_host(
                plan,
                stage,
                FileCopy(copy.src, dst, copy.location),
                root,
                options,
                section="%appfiles",
            )
    for block in stage.files_from:
        report.step(stage.label, f"%files from {block.source_stage}")
        source = plan.stage_named(block.source_stage or "")
        assert source is not None
        for copy in block.copies:
            _copy_stage(
                plan, stage, copy, states[source.index].rootfs, root, source_name=source.name or ""
            )
    if stage.setup is not None and not stage.setup.empty:
        report.step(stage.label, "%setup", "host")
        _run_host_script(plan, stage, stage.setup, root, options, runner)
    for block in stage.files_host:
        report.step(stage.label, "%files")
        for copy in block.copies:
            _copy_host(plan, stage, copy, root, options, section="%files")
    _run_post(plan, state, runner)
    report.step(stage.label, "metadata", "/.singularity.d")
    _write_metadata(plan, state)
    if stage.test is not None and not stage.test.empty and not options.notest:
        report.step(stage.label, "%test")
        with _step(plan, stage, "%test", stage.test.location, "test script"):
            _check(
                runner.stream(
                    "run",
                    "--isolation",
                    "chroot",
                    "--workingdir",
                    "/",
                    state.container,
                    "--",
                    layout.TEST_ACTION,
                )
            )
    return state


def _transport(plan: BuildPlan, stage: StagePlan, options: BuildOptions) -> str:
    base = stage.base
    ref = base.reference
    agent = base.agent
    if agent in {"docker", "oras"}:
        return f"docker://{ref}"
    if agent == "docker-daemon":
        return f"docker-daemon:{ref}"
    path = os.path.join(options.context_dir, ref)
    if agent == "docker-archive":
        return f"docker-archive:{path}"
    if agent == "oci-archive":
        return f"oci-archive:{path}"
    if agent == "oci":
        if "@" in os.path.basename(ref):
            raise _error(
                plan,
                stage,
                base.location,
                "header: oci layouts with @digest are not supported by buildah here",
            )
        return f"oci:{path}"
    return _local_transport(plan, stage, path)


def _local_transport(plan: BuildPlan, stage: StagePlan, path: str) -> str:
    """`Bootstrap: localimage`: OCI layouts and archives, docker archives, sandboxes."""
    where = stage.base.location
    if os.path.isdir(path):
        if os.path.exists(os.path.join(path, "oci-layout")):
            return f"oci:{path}"
        return f"dir-rootfs:{path}"
    if not os.path.isfile(path):
        raise _error(plan, stage, where, f"header: localimage {path} does not exist")
    if tarfile.is_tarfile(path):
        with tarfile.open(path) as tar:
            names = {n.lstrip("./") for n in tar.getnames()}
        if "oci-layout" in names:
            return f"oci-archive:{path}"
        if "manifest.json" in names:
            return f"docker-archive:{path}"
    raise _error(
        plan,
        stage,
        where,
        f"header: localimage {path} is not an OCI layout, OCI/docker archive or sandbox "
        "directory; SIF and other image files need the apptainer backend",
    )


def _bootstrap(
    plan: BuildPlan, stage: StagePlan, runner: Buildah, options: BuildOptions
) -> _StageState:
    name = f"defcheck-{os.getpid()}-{stage.index}-{uuid.uuid4().hex[:8]}"
    where = stage.base.location
    source = "scratch" if stage.base.agent == "scratch" else _transport(plan, stage, options)
    rootfs_dir: str | None = None
    if source.startswith("dir-rootfs:"):
        rootfs_dir, source = source.split(":", 1)[1], "scratch"
    args = ["from", "--name", name]
    if _insecure(stage, options):
        args.append("--tls-verify=false")
    with _step(plan, stage, "bootstrap", where, f"pulling {source}"):
        _check(runner.stream(*args, source))
    state = _StageState(stage, name, "")
    try:
        with _step(plan, stage, "bootstrap", where, "mounting the container"):
            try:
                state.rootfs = runner.capture("mount", name).strip()
            except CommandFailed as exc:
                if os.geteuid() != 0:
                    hint = "rootless builds must run inside `buildah unshare`"
                    raise CommandFailed(CommandResult(exc.result.returncode, (hint,))) from None
                raise
            info = json.loads(runner.capture("inspect", "--type", "container", name))
        oci = info.get("OCIv1") or {}
        state.config = dict(oci.get("config") or {})
        state.base_digest = info.get("FromImageDigest") or None
        if rootfs_dir is not None:
            with _step(plan, stage, "bootstrap", where, "copying the sandbox"):
                _check(
                    run_streaming(
                        ["cp", "-a", f"{rootfs_dir.rstrip('/')}/.", state.rootfs],
                        on_line=runner.reporter.output,
                    )
                )
    except BaseException:
        with contextlib.suppress(CommandFailed, OSError):
            runner.capture("rm", name)
        raise
    return state


def _insecure(stage: StagePlan, options: BuildOptions) -> bool:
    """Skip TLS verification when asked, or for loopback registries (test registries)."""
    if options.tls_verify is not None:
        return not options.tls_verify
    if stage.base.agent not in {"docker", "oras"}:
        return False
    host = stage.base.reference.split("/", 1)[0]
    if "/" not in stage.base.reference:
        return False
    bare = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return bare in {"localhost", "[::1]", "::1"} or bare.startswith("127.")


def _write_docker_metadata(state: _StageState) -> None:
    """What Apptainer derives from an OCI base: 10-docker2singularity.sh."""
    env = state.config.get("Env") or []
    if isinstance(env, list) and env:
        files = {
            f"{layout.SINGULARITY_D}/env/10-docker2singularity.sh": layout.LayoutFile(
                layout.docker_env([str(e) for e in env]), 0o755
            )
        }
        _write_files(state.rootfs, files, overwrite=False)


def _write_files(root: str, files: dict[str, layout.LayoutFile], *, overwrite: bool) -> None:
    for path, spec in files.items():
        target = resolve_in_root(root, path)
        if path.endswith("/.keep"):  # NOTE: a directory to create, not a file
            os.makedirs(os.path.dirname(target), exist_ok=True)
            continue
        if not overwrite and os.path.lexists(target):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            if os.path.islink(target):
                os.unlink(target)
        with open(target, "w", encoding="utf-8", newline="") as fh:
            fh.write(spec.content)
        os.chmod(target, spec.mode)


def resolve_in_root(root: str, path: str) -> str:
    """Resolve `path` inside `root`, following symlinks without leaving `root`.

    Like Apptainer's securejoin of `%files` destinations (spec §4.4): `..` and absolute
    symlink targets are taken relative to the root filesystem.
    """
    parts = [p for p in path.split("/") if p not in ("", ".")]
    resolved: list[str] = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(root, *resolved, part)
        if os.path.islink(candidate) and hops < 40:
            hops += 1
            link = os.readlink(candidate)
            if link.startswith("/"):
                resolved = []
            parts = [p for p in link.split("/") if p not in ("", ".")] + parts
            continue
        resolved.append(part)
    return os.path.join(root, *resolved)


def _host_sources(
    plan: BuildPlan, stage: StagePlan, copy: FileCopy, context: str, *, section: str
) -> list[str]:
    """Expand a host source like a shell word (globs, `**`); it must match something."""
    src = copy.src
    if not src:
        return []
    full = src if os.path.isabs(src) else os.path.join(context, src)
    if _GLOB_CHARS & set(src):
        matches = sorted(glob.glob(full, recursive=True))
    else:
        matches = [full] if os.path.lexists(full) else []
    if not matches:
        raise _error(
            plan,
            stage,
            copy.location,
            f"{section}: source {src!r} does not exist on the host "
            f"(relative sources are read from {os.path.abspath(context)})",
        )
    return matches


def _destination(root: str, copy: FileCopy) -> str:
    dst = copy.dst or copy.src
    target = resolve_in_root(root, dst)
    if dst.endswith("/"):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target) or root, exist_ok=True)
    return target


def _copy_host(
    plan: BuildPlan,
    stage: StagePlan,
    copy: FileCopy,
    root: str,
    options: BuildOptions,
    *,
    section: str,
) -> None:
    """`cp -fLr` each match into the root filesystem (Apptainer's host copy)."""
    matches = _host_sources(plan, stage, copy, options.context_dir, section=section)
    with _step(plan, stage, section, copy.location, f"copying {copy.src}"):
        if copy.dst:
            target = _destination(root, copy)
            for match in matches:
                _check(_quiet(["cp", "-fLr", match, target]))
            return
        # NOTE: no destination: each match goes to its own path inside the root (spec §4.4)
        for match in matches:
            own = match if os.path.isabs(copy.src) else os.path.relpath(match, options.context_dir)
            target = _destination(root, FileCopy(own, own, copy.location))
            _check(_quiet(["cp", "-fLr", match, target]))


def _copy_stage(
    plan: BuildPlan,
    stage: StagePlan,
    copy: FileCopy,
    source_root: str,
    root: str,
    *,
    source_name: str,
) -> None:
    """Copy from another stage's rootfs; only the top-level symlink is followed."""
    section = f"%files from {source_name}"
    pattern = resolve_in_root(source_root, copy.src)
    matches = (
        sorted(glob.glob(pattern))
        if _GLOB_CHARS & set(copy.src)
        else ([pattern] if os.path.lexists(pattern) else [])
    )
    if not matches:
        raise _error(
            plan,
            stage,
            copy.location,
            f"{section}: source {copy.src!r} does not exist in the source stage",
        )
    with _step(plan, stage, section, copy.location, f"copying {copy.src}"):
        target = _destination(root, copy)
        for match in matches:
            _check(
                _quiet(["cp", "-fHR", "--preserve=mode,ownership,timestamps,links", match, target])
            )


def _quiet(cmd: Sequence[str]) -> CommandResult:
    proc = subprocess.run(list(cmd), capture_output=True, text=True, stdin=subprocess.DEVNULL)
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return CommandResult(proc.returncode, tuple(lines[-5:]))


def _run_host_script(
    plan: BuildPlan,
    stage: StagePlan,
    script: Script,
    root: str | None,
    options: BuildOptions,
    runner: Buildah,
) -> None:
    """`%pre`/`%setup` on the host, with Apptainer's variables (spec §4.7)."""
    with tempfile.TemporaryDirectory(prefix="defcheck-") as tmp:
        path = os.path.join(tmp, f"{script.section}.script")
        Path(path).write_text(script.body, encoding="utf-8")
        extra: dict[str, str] = {}
        if root is not None:
            env_file = os.path.join(root, layout.POST_ENV_FILE.lstrip("/"))
            for prefix in ("APPTAINER", "SINGULARITY"):
                extra[f"{prefix}_ROOTFS"] = root
                extra[f"{prefix}_ENVIRONMENT"] = env_file
        with _step(plan, stage, f"%{script.section}", script.location, "host script"):
            _check(
                run_streaming(
                    layout.shell_command(script, path),
                    env=host_env(extra),
                    cwd=options.context_dir,
                    on_line=runner.reporter.output,
                )
            )


def _run_post(plan: BuildPlan, state: _StageState, runner: Buildah) -> None:
    """`%post` plus `%appinstall` bodies, in the container as root (spec §4.7, §4.8)."""
    stage = state.stage
    body = stage.post.body if stage.post is not None else ""
    body += "".join(layout.install_script(app) for app in stage.apps if app.install is not None)
    if not body.strip():
        return
    script = Script(
        "post",
        stage.post.args if stage.post else "",
        body,
        stage.post.location if stage.post else stage.apps[0].location,
    )
    runner.reporter.step(stage.label, "%post")
    script_file = resolve_in_root(state.rootfs, "/.post.script")
    Path(script_file).write_text(body, encoding="utf-8")
    env = {
        "APPTAINER_ENVIRONMENT": layout.POST_ENV_FILE,
        "SINGULARITY_ENVIRONMENT": layout.POST_ENV_FILE,
        "APPTAINER_LABELS": layout.BUILD_LABELS,
        "SINGULARITY_LABELS": layout.BUILD_LABELS,
    }
    args = ["run", "--isolation", "chroot", "--workingdir", "/"]
    for key, value in env.items():
        args += ["--env", f"{key}={value}"]
    try:
        with _step(plan, stage, "%post", script.location, "script"):
            _check(
                runner.stream(
                    *args, state.container, "--", *layout.shell_command(script, "/.post.script")
                )
            )
    finally:
        with contextlib.suppress(OSError):
            os.unlink(script_file)
    labels_file = resolve_in_root(state.rootfs, layout.BUILD_LABELS)
    if os.path.isfile(labels_file):
        state.post_labels = layout.parse_labels(Path(labels_file).read_text("utf-8", "replace"))
        os.unlink(labels_file)


def _write_metadata(plan: BuildPlan, state: _StageState) -> None:
    stage = state.stage
    root = state.rootfs
    with _step(plan, stage, "metadata", stage.location, "writing /.singularity.d"):
        labels_path = resolve_in_root(root, f"{layout.SINGULARITY_D}/labels.json")
        raw_labels = state.config.get("Labels")
        base_labels = {
            str(k): str(v)
            for k, v in (raw_labels.items() if isinstance(raw_labels, dict) else ())
            if k != "io.buildah.version"
        }
        if os.path.isfile(labels_path):
            with contextlib.suppress(ValueError):
                loaded = json.loads(Path(labels_path).read_text("utf-8"))
                base_labels.update({str(k): str(v) for k, v in dict(loaded).items()})
        created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        labels = layout.merge_labels(
            base_labels,
            state.post_labels,
            layout.automatic_labels(stage, created=created, base_digest=state.base_digest),
            stage.labels,
        )
        deffile = resolve_in_root(root, f"{layout.SINGULARITY_D}/Singularity")
        if os.path.isfile(deffile):
            history = resolve_in_root(root, f"{layout.SINGULARITY_D}/bootstrap_history")
            os.makedirs(history, exist_ok=True)
            count = len(os.listdir(history))
            os.replace(deffile, os.path.join(history, f"Singularity{count}"))
        env_path = resolve_in_root(root, layout.ENV_FILE)
        existing_env = Path(env_path).read_text("utf-8") if os.path.isfile(env_path) else None
        default_run = None
        if not os.path.exists(resolve_in_root(root, f"{layout.SINGULARITY_D}/runscript")):
            default_run = layout.docker_runscript(
                _strings(state.config.get("Entrypoint")), _strings(state.config.get("Cmd"))
            )
        files = layout.metadata_files(
            stage,
            definition=plan.definition,
            labels=labels,
            existing_env=existing_env,
            default_runscript=default_run,
        )
        _write_files(root, files, overwrite=True)
        state.config["Labels"] = labels


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _commit(plan: BuildPlan, state: _StageState, runner: Buildah, target: OutputTarget) -> str:
    stage = state.stage
    raw_labels = state.config.get("Labels")
    labels = raw_labels if isinstance(raw_labels, dict) else {}
    config = layout.oci_config({str(k): str(v) for k, v in labels.items()}, stage)
    args = ["config", "--entrypoint", json.dumps(list(config.entrypoint)), "--cmd", ""]
    for key, value in config.labels:
        args += ["--label", f"{key}={value}"]
    with _step(plan, stage, "commit", stage.location, "buildah config"):
        runner.capture(*args, state.container)
    if not target.is_archive:
        with _step(plan, stage, "commit", stage.location, "buildah commit"):
            image_id = runner.capture("commit", "--quiet", state.container, target.target)
        return image_id.strip()
    final = os.path.abspath(target.target)
    os.makedirs(os.path.dirname(final), exist_ok=True)
    tmp = f"{final}.defcheck-{uuid.uuid4().hex[:8]}.tmp"
    fmt = "oci" if target.transport == "oci-archive" else "docker"
    try:
        with _step(plan, stage, "commit", stage.location, "buildah commit"):
            image_id = runner.capture(
                "commit", "--quiet", "--format", fmt, state.container, f"{target.transport}:{tmp}"
            )
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return image_id.strip()
