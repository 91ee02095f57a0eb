"""`defcheck build`: lint, plan, then build with apptainer, singularity or buildah.

Exit codes: 0 built (or plan printed), 1 the build failed or lint errors stopped it
(the message names file, line, stage and section), 2 usage or environment errors
(unreadable file, no builder, bad option).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import sys
from collections import deque
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text
from rich.tree import Tree

from defcheck.build import apptainer, buildah
from defcheck.build.backend import BACKENDS, BuildOptions, BuildResult, select_backend
from defcheck.build.plan import (
    BuildPlan,
    Script,
    StagePlan,
    make_plan,
)
from defcheck.errors import BuildError, DefcheckError, SourceError, SourceReadError
from defcheck.fileio import read_source
from defcheck.syntax.span import LineIndex

PROG = "defcheck build"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Lint a definition file, then build it with apptainer, singularity or "
        "buildah (the first found, or --backend).",
    )
    p.add_argument("file", metavar="FILE", help="definition file")
    p.add_argument("--plan", action="store_true", help="print the build plan; build nothing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--backend",
        choices=("auto", *BACKENDS),
        default="auto",
        help="builder to use (default: the first of apptainer, singularity, buildah found)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="buildah: oci-archive:PATH, docker-archive:PATH or an image name; "
        "apptainer: the SIF file or sandbox directory",
    )
    p.add_argument(
        "--build-arg", action="append", default=[], metavar="K=V", help="a build argument"
    )
    p.add_argument("--build-arg-file", metavar="FILE", help="NAME=value lines")
    p.add_argument("--no-lint", action="store_true", help="build even with lint errors")
    p.add_argument("--allow-setup", action="store_true", help="run %%pre/%%setup on the host")
    p.add_argument("--notest", action="store_true", help="do not run %%test after the build")
    p.add_argument("-q", "--quiet", action="store_true", help="no live display (CI logs)")
    p.add_argument(
        "--context",
        metavar="DIR",
        default=".",
        help="directory relative %%files sources are read from (default: .)",
    )
    a = p.add_argument_group("apptainer/singularity pass-through")
    for flag in ("--fakeroot", "--remote", "--sandbox", "--force", "--warn-unused-build-args"):
        a.add_argument(flag, action="store_true")
    a.add_argument("--section", metavar="LIST", help="only run these sections (apptainer)")
    a.add_argument("--sign", action="store_true", help="sign the image with `apptainer sign`")
    a.add_argument("--sign-keyidx", type=int, metavar="N", help="PGP secret key index")
    a.add_argument("--sign-fingerprint", metavar="FPR", help="PGP secret key fingerprint")
    a.add_argument("--sign-key", metavar="PATH", help="PEM private key")
    b = p.add_argument_group("buildah")
    b.add_argument(
        "--tls-verify",
        choices=("true", "false"),
        help="verify registry TLS (default: true except for loopback registries)",
    )
    b.add_argument("--storage-root", metavar="DIR", help="containers storage root")
    b.add_argument("--storage-runroot", metavar="DIR", help="containers storage run root")
    b.add_argument("--storage-driver", metavar="NAME", help="storage driver (default vfs)")
    return p


def _build_args(values: Sequence[str]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key.strip():
            raise _Usage(f"--build-arg {value!r}: expected NAME=value")
        out.append((key.strip(), val.strip()))
    return tuple(out)


class _Usage(Exception):
    """A usage error: exit status 2."""


def lint_errors(text: str, path: str) -> list[str]:
    """Lint findings of severity error, rendered `file:line:col: error: CODE message`.

    The linter is imported lazily and only here; when it is not available this returns no
    findings, so a build never depends on it being installed.
    """
    try:
        lint = importlib.import_module("defcheck.lint")
    except ImportError:
        return []
    lint_text = getattr(lint, "lint_text", None)
    if not callable(lint_text):
        return []
    load_config = getattr(lint, "load_config", None)
    config = load_config(start=path) if callable(load_config) else None
    findings = lint_text(text, path=path, config=config) or []
    lines = LineIndex(text)
    out: list[str] = []
    for finding in findings:
        severity = getattr(getattr(finding, "severity", ""), "value", finding.severity)
        if str(severity) != "error":
            continue
        line, col = lines.line_col(finding.span.start)
        out.append(f"{path}:{line}:{col}: error: {finding.code} {finding.message}")
    return out


# ---------------------------------------------------------------------------- progress
class ConsoleReporter:
    """Renders build progress: a live stage/step line with output streaming below it."""

    def __init__(self, console: Console, *, quiet: bool) -> None:
        self.console = console
        self.quiet = quiet
        self.tail: deque[str] = deque(maxlen=30)
        self.status = Text("starting")
        self.live: Live | None = None
        if not quiet and console.is_terminal:
            self.live = Live(
                Spinner("dots", text=self.status),
                console=console,
                transient=True,
                refresh_per_second=8,
            )

    def __enter__(self) -> ConsoleReporter:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.live is not None:
            self.live.stop()

    def step(self, stage: str, step: str, detail: str = "") -> None:
        """Show the running stage and step."""
        label = f"{stage} › {step}" + (f"  {detail}" if detail else "")
        self.status.plain = label
        if self.quiet:
            return
        self.console.print(Text(f"==> {label}", style="bold cyan"), highlight=False, soft_wrap=True)

    def output(self, line: str) -> None:
        """Stream one line of builder output (kept for the error report when quiet)."""
        self.tail.append(line)
        if not self.quiet:
            self.console.print(Text(f"    {line}", style="dim"), highlight=False, soft_wrap=True)

    def warning(self, message: str) -> None:
        """Warnings are printed even with --quiet."""
        self.console.print(Text(f"warning: {message}", style="yellow"), highlight=False)


# ---------------------------------------------------------------------------- plan output
def _script_summary(script: Script | None) -> str:
    if script is None:
        return ""
    lines = [ln for ln in script.body.splitlines() if ln.strip()]
    args = f" [{script.args.strip()}]" if script.args.strip() else ""
    return f"{len(lines)} line{'s' if len(lines) != 1 else ''}{args}"


def _stage_tree(stage: StagePlan) -> Tree:
    base = stage.base
    tree = Tree(
        Text.assemble(
            (stage.label, "bold"),
            f"  (line {stage.location.line})  ",
            (f"{base.agent} {base.reference}".strip(), "cyan"),
        )
    )
    if stage.pre is not None:
        tree.add(f"%pre (host): {_script_summary(stage.pre)}")
    tree.add(f"bootstrap: {base.agent} {base.reference}".rstrip())
    for app in stage.apps:
        parts = [
            k
            for k in ("install", "env", "run", "start", "test", "help")
            if getattr(app, k) is not None
        ]
        if app.files:
            parts.append(f"{len(app.files)} files")
        tree.add(f"app {app.name}: {', '.join(parts) or 'empty'}")
    for block in stage.files:
        head = f"%files from {block.source_stage}" if block.source_stage else "%files (host)"
        if block.skipped:
            head = f"%files {block.args.strip()} (skipped by Apptainer)"
        node = tree.add(head)
        for c in block.copies:
            node.add(f"{c.src} → {c.dst or c.src}")
    for name in ("setup", "post", "test"):
        script = getattr(stage, name)
        if script is not None:
            where = " (host)" if name == "setup" else ""
            tree.add(f"%{name}{where}: {_script_summary(script)}")
    for name in ("environment", "runscript", "startscript", "help"):
        script = getattr(stage, name)
        if script is not None:
            tree.add(f"%{name}: {_script_summary(script)}")
    if stage.labels:
        node = tree.add("%labels")
        for label in stage.labels:
            node.add(f"{label.key} = {label.value}")
    return tree


def _plan_json(plan: BuildPlan) -> dict[str, object]:
    data = dataclasses.asdict(plan)
    for stage, raw in zip(plan.stages, data["stages"], strict=True):
        raw["label"] = stage.label
        raw.pop("text", None)
    data.pop("definition", None)
    return data


def _print_plan(plan: BuildPlan, console: Console, *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(_plan_json(plan), indent=2) + "\n")
        return
    console.print(Text(f"build plan for {plan.path}", style="bold"))
    for stage in plan.stages:
        console.print(_stage_tree(stage))
    for warning in plan.warnings:
        console.print(
            Text(f"warning: {plan.path}:{warning.location.line}: {warning.message}", style="yellow")
        )
    if plan.unused_args:
        console.print(
            Text(f"warning: unused build args: {', '.join(plan.unused_args)}", style="yellow")
        )


# ---------------------------------------------------------------------------- command
def _options(ns: argparse.Namespace, build_args: tuple[tuple[str, str], ...]) -> BuildOptions:
    return BuildOptions(
        output=ns.output,
        notest=ns.notest,
        allow_setup=ns.allow_setup,
        context_dir=ns.context,
        build_args=build_args,
        build_arg_file=ns.build_arg_file,
        tls_verify=None if ns.tls_verify is None else ns.tls_verify == "true",
        storage_root=ns.storage_root,
        storage_runroot=ns.storage_runroot,
        storage_driver=ns.storage_driver,
        fakeroot=ns.fakeroot,
        remote=ns.remote,
        sandbox=ns.sandbox,
        force=ns.force,
        sections=ns.section,
        warn_unused_build_args=ns.warn_unused_build_args,
        sign=ns.sign,
        sign_keyidx=ns.sign_keyidx,
        sign_key=ns.sign_key,
    )


def _run_backend(
    name: str, plan: BuildPlan, options: BuildOptions, reporter: ConsoleReporter
) -> BuildResult:
    if name == "buildah":
        return buildah.build(plan, options, reporter)
    return apptainer.build(plan, options, reporter, exe=name)


def _make_plan(
    text: str, path: str, build_args: tuple[tuple[str, str], ...], ns: argparse.Namespace
) -> BuildPlan:
    """The build plan, with build arguments substituted as Apptainer does (spec §7)."""
    return make_plan(text, path=path, build_args=dict(build_args), arg_file=ns.build_arg_file)


def build_command(argv: list[str]) -> int:
    """`defcheck build [options] FILE`; returns the exit status."""
    err = Console(stderr=True, highlight=False)
    out = Console(highlight=False)
    try:
        ns = _parser().parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    try:
        build_args = _build_args(ns.build_arg)
        path = ns.file
        text = read_source(path)
        if ns.build_arg_file is not None and not os.path.isfile(ns.build_arg_file):
            raise _Usage(f"--build-arg-file {ns.build_arg_file}: no such file")
        plan = _make_plan(text, path, build_args, ns)
        if ns.plan:
            _print_plan(plan, out, as_json=ns.json)
            return 0
        if not ns.no_lint:
            errors = lint_errors(text, path)
            if errors:
                for line in errors:
                    err.print(Text(line), highlight=False, soft_wrap=True)
                err.print(
                    Text(f"{PROG}: lint errors stop the build (use --no-lint to build anyway)")
                )
                return 1
        backend = select_backend(ns.backend)
        options = _options(ns, build_args)
        if ns.sign_fingerprint:
            if backend == "buildah":
                raise _Usage("--sign needs the apptainer or singularity backend")
            idx = apptainer.resolve_fingerprint(backend, ns.sign_fingerprint)
            options = dataclasses.replace(options, sign=True, sign_keyidx=idx)
        if options.sign and backend == "buildah":
            raise _Usage("--sign needs the apptainer or singularity backend")
        if plan.unused_args and backend == "buildah":
            names = ", ".join(plan.unused_args)
            if not options.warn_unused_build_args:
                # NOTE: Apptainer makes this fatal too (spec §7.4)
                raise _Usage(
                    f"unused build args: {names}; use --warn-unused-build-args to build anyway"
                )
            err.print(Text(f"warning: unused build args: {names}", style="yellow"), soft_wrap=True)
        for warning in plan.warnings:
            err.print(
                Text(f"warning: {path}:{warning.location.line}: {warning.message}", style="yellow")
            )
        reporter = ConsoleReporter(err, quiet=ns.quiet or ns.json)
        try:
            with reporter:
                result = _run_backend(backend, plan, options, reporter)
        except BuildError:
            if reporter.quiet and reporter.tail:
                err.print(
                    Text("last output:\n" + "\n".join(f"    {ln}" for ln in reporter.tail)),
                    soft_wrap=True,
                )
            raise
    except _Usage as exc:
        err.print(Text(f"{PROG}: error: {exc}"), soft_wrap=True)
        return 2
    except SourceReadError as exc:
        err.print(Text(str(exc)), soft_wrap=True)
        return 2
    except SourceError as exc:
        if exc.path is None:
            err.print(Text(f"{PROG}: error: {exc.message}"), soft_wrap=True)
            return 2
        err.print(Text(str(exc)), soft_wrap=True)
        return 1
    except DefcheckError as exc:
        err.print(Text(f"{PROG}: error: {exc}"), soft_wrap=True)
        return 2
    _report(result, out, as_json=ns.json)
    return 0


def _report(result: BuildResult, console: Console, *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(dataclasses.asdict(result), indent=2) + "\n")
        return
    console.print(Text(f"built {result.output} with {result.backend}", style="green"))
    if result.verify_command:
        console.print(Text(f"verify the signature with: {result.verify_command}"))


#: The CLI dispatcher calls `run(argv)` for every command.
run = build_command
