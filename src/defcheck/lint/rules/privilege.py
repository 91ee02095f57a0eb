"""Root and privilege (DEF3xx): what runs as root where, and what fails without real root.

Apptainer runs `%pre` and `%setup` on the build host, and `%post` inside the image being
built as root: real root under `sudo`, or root in a user namespace under `--fakeroot`,
which unprivileged builds imply (spec §4.2, §4.7). These rules report host-side scripts,
bootstrap agents that need root or `--fakeroot`, and `%post` commands that need a real
kernel privilege (mounts, modules, `/proc` and `/sys` writes, capabilities, foreign ids)
and so fail, or do something to the build host, depending on how the build is run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from defcheck.lint.context import RuleContext
from defcheck.lint.incremental import chunk_local, shell_sections
from defcheck.lint.model import Applicability, Finding, Severity
from defcheck.lint.registry import rule
from defcheck.lint.rules._helpers import lazy_compile
from defcheck.lint.rules.trust import command_name
from defcheck.syntax import Span

FAMILY = "privilege"
_POST = frozenset({"post", "appinstall"})


def _has_code(body: str) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in body.splitlines())


@rule(
    code="DEF301",
    name="host-script-section",
    summary="`%setup`/`%pre` runs on the build host, as root under `sudo`",
    family=FAMILY,
    severity=Severity.WARNING,
)
def host_script_section(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `%setup` (and the undocumented `%pre`) run on the build host, not in the container:
    as root when the build runs under `sudo`. A typo such as a missing
    `$APPTAINER_ROOTFS` prefix writes to the host's own `/etc` or `/usr`. Under
    `--fakeroot` the same script runs with your own rights, so it behaves differently
    depending on how the image is built. Most `%setup` sections only copy files, which
    `%files` does without a host shell.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %setup
        cp app.conf ${APPTAINER_ROOTFS}/etc/app.conf
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %files
        app.conf /etc/app.conf
    ```

    ## Fix safety
    No fix.
    """
    for section in ctx.doc.sections:
        if section.kind not in ("setup", "pre") or not _has_code(section.body):
            continue
        when = "before the bootstrap" if section.kind == "pre" else "after the bootstrap"
        yield ctx.finding(
            section.head_span,
            f"`%{section.kind}` runs on the build host {when}, as root under sudo; copy files "
            "with `%files` and do the rest in `%post`",
        )


_ROOT_AGENTS = {
    "debootstrap": "debootstrap",
    "yum": "yum",
    "dnf": "dnf",
    "zypper": "zypper",
    "arch": "pacstrap",
}


@rule(
    code="DEF302",
    name="root-bootstrap-agent",
    summary="Bootstrap agent needs root or `--fakeroot` and host tools",
    family=FAMILY,
    severity=Severity.INFO,
)
def root_bootstrap_agent(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `debootstrap`, `yum`/`dnf`, `zypper` and `arch` build the root file system with the
    build host's own package tools (`debootstrap`, `yum`/`dnf`, `zypper`, `pacstrap`),
    which must be installed there and need root: the build only works under `sudo` or
    with a working `--fakeroot` setup, and its result depends on the host's tool versions.
    A registry base image builds anywhere, unprivileged.

    ## Example
    ```singularity
    Bootstrap: debootstrap
    OSVersion: bookworm
    MirrorURL: https://deb.debian.org/debian
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: debian:bookworm
    ```

    ## Fix safety
    No fix.
    """
    for stage in ctx.doc.stages:
        agent = stage.bootstrap
        tool = _ROOT_AGENTS.get(agent or "")
        if tool is None:
            continue
        fld = stage.field("bootstrap")
        assert fld is not None
        yield ctx.finding(
            fld.value_span,
            f"`Bootstrap: {agent}` needs root (sudo) or `--fakeroot` and `{tool}` on the "
            "build host; a registry base image builds anywhere",
        )


_KERNEL = frozenset(
    {"mount", "umount", "modprobe", "insmod", "rmmod", "swapon", "swapoff", "losetup"}
    | {"mknod", "sysctl"}
)


@rule(
    code="DEF303",
    name="kernel-command-in-post",
    summary="`%post` runs a command that needs real kernel privileges (mount, modprobe...)",
    family=FAMILY,
    severity=Severity.WARNING,
)
@chunk_local()
def kernel_command_in_post(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `mount`, `modprobe`, `insmod`, `sysctl -w`, `mknod` and friends act on the kernel,
    which the container shares with the host. In an unprivileged or `--fakeroot` build
    they fail and stop the build; in a `sudo` build they change the build host itself
    (a module loaded, a kernel setting changed) and leave nothing in the image.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        modprobe fuse
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        apt-get install -y fuse3
    ```
    and load kernel modules on the host, outside the build.

    ## Fix safety
    No fix.
    """
    for ss in shell_sections(ctx, _POST, mentions=_KERNEL):
        for cmd in ss.body.commands:
            name = command_name(cmd)
            if name not in _KERNEL:
                continue
            args = [w.value or w.text for w in cmd.effective_argv()[1:]]
            if name == "mount" and not args:
                continue  # lists mounts
            if name == "sysctl" and not any(a == "-w" or "=" in a for a in args):
                continue  # reads a setting
            yield ctx.finding(
                cmd.span,
                f"`{name}` acts on the host kernel: it fails in unprivileged and fakeroot "
                "builds and changes the build host under sudo",
            )


@rule(
    code="DEF304",
    name="sudo-in-post",
    summary="`sudo` in `%post`, which already runs as root",
    family=FAMILY,
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
)
@chunk_local()
def sudo_in_post(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `%post` already runs as root (real or fakeroot). `sudo` is usually not installed in
    base images, so the build fails; where it is, it resets the environment and may ask
    for a password or refuse in a user namespace.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        sudo apt-get update
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        apt-get update
    ```

    ## Fix safety
    Unsafe: the fix removes a plain `sudo ` prefix (not `sudo -u user ...`). `sudo` resets
    the environment, so a command that relied on that may behave differently.
    """
    for ss in shell_sections(ctx, _POST, mentions=("sudo",)):
        for cmd in ss.body.commands:
            argv = cmd.argv
            if not argv or (argv[0].value or "") != "sudo":
                continue
            fix = None
            if len(argv) > 1 and not (argv[1].value or "-").startswith("-"):
                fix = ctx.replace(
                    Span(argv[0].span.start, argv[1].span.start),
                    "",
                    "remove `sudo`",
                    Applicability.UNSAFE,
                )
            yield ctx.finding(
                argv[0].span,
                "`%post` already runs as root; `sudo` is usually missing from the image",
                fix=fix,
            )


_NUMERIC = lazy_compile(r"[0-9]+")


def _foreign_ids(spec: str, *, group_only: bool) -> list[str]:
    """Numeric ids other than 0 in a chown `USER[:GROUP]` (or chgrp `GROUP`) spec."""
    parts = [spec] if group_only else re.split(r"[:.]", spec, maxsplit=1)
    return list(dict.fromkeys(p for p in parts if _NUMERIC.fullmatch(p) and int(p) != 0))


@rule(
    code="DEF305",
    name="foreign-id-chown-in-post",
    summary="`chown`/`chgrp` to a numeric id in `%post`",
    family=FAMILY,
    severity=Severity.WARNING,
)
@chunk_local()
def foreign_id_chown_in_post(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Under `--fakeroot` only the ids mapped into the user namespace exist: with no
    `/etc/subuid` entry that is root alone, and `chown 1000` fails. In the finished image
    a numeric owner means whichever user has that id on the host where the image runs,
    which is rarely who the author had in mind. Prefer owners by name, created in the
    image (`useradd`), or leave files owned by root.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        chown -R 1000:1000 /opt/app
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        useradd --system app
        chown -R app:app /opt/app
    ```

    ## Fix safety
    No fix.
    """
    for ss in shell_sections(ctx, _POST, mentions=("chown", "chgrp")):
        for cmd in ss.body.commands:
            name = command_name(cmd)
            if name not in ("chown", "chgrp"):
                continue
            operands = [w.value for w in cmd.effective_argv()[1:]]
            spec = next((v for v in operands if v and not v.startswith("-")), None)
            if spec is None:
                continue
            ids = _foreign_ids(spec, group_only=name == "chgrp")
            if ids:
                yield ctx.finding(
                    cmd.span,
                    f"`{name}` to numeric id {', '.join(ids)}: fails under --fakeroot without "
                    "a subuid mapping, and names an arbitrary host user at run time",
                )


@rule(
    code="DEF306",
    name="setcap-in-post",
    summary="`setcap` in `%post`: file capabilities need privileges the build may lack",
    family=FAMILY,
    severity=Severity.WARNING,
)
@chunk_local()
def setcap_in_post(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Setting file capabilities needs `CAP_SETFCAP` towards the file system, which an
    unprivileged or `--fakeroot` build usually lacks, so the build fails. Where it works,
    Apptainer runs containers with `no_new_privs` by default, so the capability does not
    take effect; it only matters if the image is later run by other runtimes, where it
    grants privileges to a binary nobody reviewed.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        setcap cap_net_raw+ep /usr/bin/ping
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        apt-get install -y iputils-ping
    ```

    ## Fix safety
    No fix.
    """
    for ss in shell_sections(ctx, _POST, mentions=("setcap",)):
        for cmd in ss.body.commands:
            if command_name(cmd) == "setcap":
                yield ctx.finding(
                    cmd.span,
                    "`setcap` fails in unprivileged and fakeroot builds and has no effect "
                    "under Apptainer's no_new_privs",
                )


_PROC_SYS_WRITE = lazy_compile(
    r"""(?:>>?\|?\s*|\btee\s+(?:-\S+\s+)*|\bof=)["']?(/(?:proc|sys)/[^\s;&|"')]*)"""
)
_HARMLESS = lazy_compile(r"/proc/(?:self|\$\$|\$\{?BASHPID\}?)/fd/")


@rule(
    code="DEF307",
    name="proc-sys-write-in-post",
    summary="`%post` writes under `/proc` or `/sys`",
    family=FAMILY,
    severity=Severity.WARNING,
)
@chunk_local()
def proc_sys_write_in_post(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `/proc` and `/sys` in the build container are the host's kernel interfaces, not files
    of the image. Writing to them changes the running build host when the build runs as
    real root, fails in unprivileged and `--fakeroot` builds, and never ends up in the
    image. Kernel settings belong on the host where the container runs.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        echo 1 > /proc/sys/net/ipv4/ip_forward
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        echo "net.ipv4.ip_forward = 1" > /etc/sysctl.d/99-forward.conf
    ```

    ## Fix safety
    No fix.
    """
    for ss in shell_sections(ctx, _POST, mentions=("/proc/", "/sys/")):
        skipped: set[int] = set()
        for doc in ss.body.heredocs:
            skipped.update(range(doc.first_line, doc.last_line + 1))
        base = ss.body.base
        for index, line in enumerate(ss.body.text.split("\n")):
            start = base
            base += len(line) + 1
            if index in skipped:
                continue
            text = line[:-1] if line.endswith("\r") else line
            if text.lstrip().startswith("#"):
                continue
            for m in _PROC_SYS_WRITE.finditer(text):
                if _HARMLESS.match(m.group(1)):
                    continue
                yield ctx.finding(
                    Span(start + m.start(1), start + m.end(1)),
                    f"writing `{m.group(1)}` changes the build host's kernel under sudo and "
                    "fails in unprivileged builds; configure the host instead",
                )


_NEEDS_RUNNING = frozenset(
    {"start", "stop", "restart", "reload", "try-restart", "reload-or-restart", "status"}
    | {"daemon-reload", "daemon-reexec", "is-active", "kill", "isolate", "show"}
)


@rule(
    code="DEF308",
    name="systemctl-in-post",
    summary="`systemctl start`/`restart`... in `%post`, where no systemd is running",
    family=FAMILY,
    severity=Severity.WARNING,
)
@chunk_local()
def systemctl_in_post(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    There is no init system during an Apptainer build (nor, usually, when the image runs):
    `systemctl start`, `restart`, `status` or `daemon-reload` fail with "System has not
    been booted with systemd" and stop the build. Offline operations such as `enable` or
    `mask` only create symlinks and are not reported.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        systemctl start nginx
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %startscript
        exec nginx -g "daemon off;"
    ```

    ## Fix safety
    No fix.
    """
    for ss in shell_sections(ctx, _POST, mentions=("systemctl",)):
        for cmd in ss.body.commands:
            if command_name(cmd) != "systemctl":
                continue
            words = [w.value or "" for w in cmd.effective_argv()[1:]]
            verb = next((w for w in words if w and not w.startswith("-")), "")
            if verb in _NEEDS_RUNNING:
                yield ctx.finding(
                    cmd.span,
                    f"`systemctl {verb}` needs a running systemd, which a build does not "
                    "have; start services from `%startscript`",
                )
