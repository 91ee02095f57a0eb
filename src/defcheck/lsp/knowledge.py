"""What the language server says about sections, header keys and bootstrap agents.

Texts follow the definition-file spec (header keys §3.4, sections §4.2, agents §8): what a
part does, when and where it runs, and whether it runs as root. Pure data; hover and
completion read it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SectionDoc:
    """Documentation of one `%section`."""

    kind: str
    summary: str
    when: str
    args: str
    body: str
    snippet: str


@dataclass(frozen=True, slots=True)
class KeyDoc:
    """Documentation of one header key."""

    key: str  # canonical spelling, e.g. `MirrorURL`
    agents: tuple[str, ...]  # agents that read it; empty = all
    meaning: str
    placeholder: str = ""


@dataclass(frozen=True, slots=True)
class AgentDoc:
    """Documentation of one `Bootstrap:` agent."""

    name: str
    summary: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    from_format: str


_ROOT = "Runs as root (real root under `sudo`, namespace root under `--fakeroot`)."

SECTIONS: dict[str, SectionDoc] = {
    d.kind: d
    for d in (
        SectionDoc(
            "arguments",
            "Default values for `{{ NAME }}` build arguments of this stage.",
            "Read before the build; `--build-arg`/`--build-arg-file` values win.",
            "Ignored.",
            "`NAME=value` lines; quotes are kept; later duplicates win.",
            "%arguments\n    ${1:NAME}=${2:value}\n",
        ),
        SectionDoc(
            "pre",
            "Shell script run on the build **host** before the bootstrap agent runs.",
            "Host, first step of each stage (undocumented by Apptainer). Runs as the user "
            "running the build (root with `sudo`).",
            "Shell arguments, e.g. `-c /bin/bash`.",
            "Shell script, run with `/bin/sh -ex`.",
            "%pre\n    ${0}\n",
        ),
        SectionDoc(
            "setup",
            "Shell script run on the build **host** after the bootstrap.",
            "Host, after the bootstrap and `%files from` copies, before host `%files` copies. "
            "`$APPTAINER_ROOTFS` is the container's root filesystem. " + _ROOT,
            "Shell arguments, e.g. `-c /bin/bash`.",
            "Shell script, run with `/bin/sh -ex`.",
            "%setup\n    ${0}\n",
        ),
        SectionDoc(
            "files",
            "Files copied into the container: from the host, or `from <stage>`.",
            "Host copies run after `%setup`; `%files from <stage>` copies run before `%setup`.",
            "Empty (copy from the host) or `from <stage>`.",
            "`src [dst]` lines; `dst` defaults to `src`; globs allowed.",
            "%files\n    ${1:src} ${2:dst}\n",
        ),
        SectionDoc(
            "post",
            "Shell script run **inside the container** to install software.",
            "Container, after the files are copied; cwd `/`, clean environment (host "
            "variables do not reach it; use build arguments). " + _ROOT,
            "Shell arguments, e.g. `-c /bin/bash`.",
            "Shell script, run with `/bin/sh -ex`; `%appinstall` bodies are appended.",
            "%post\n    ${0}\n",
        ),
        SectionDoc(
            "test",
            "Test script: run at the end of the build (unless `--notest`) and by `apptainer test`.",
            "Container, at the end of each stage's build, as root; at run time as the user.",
            "Appended to the interpreter line.",
            "Script; a leading `#!` line chooses the interpreter (default `/bin/sh`).",
            "%test\n    ${0}\n",
        ),
        SectionDoc(
            "environment",
            "Environment variables set at **run time** (sourced before run, exec, shell).",
            "Not executed at build time; written to `/.singularity.d/env/90-environment.sh`.",
            "Ignored.",
            "Shell fragment, usually `export NAME=value` lines.",
            "%environment\n    export ${1:NAME}=${2:value}\n",
        ),
        SectionDoc(
            "runscript",
            "Script run by `apptainer run` or by executing the image.",
            "Written to `/.singularity.d/runscript`; runs at run time as the calling user.",
            "Appended to the interpreter line.",
            "Script; a leading `#!` line chooses the interpreter (default `/bin/sh`).",
            '%runscript\n    exec ${1:command} "\\$@"\n',
        ),
        SectionDoc(
            "startscript",
            "Script run by `apptainer instance start`.",
            "Written to `/.singularity.d/startscript`; runs at run time as the calling user.",
            "Appended to the interpreter line.",
            "Script; a leading `#!` line chooses the interpreter (default `/bin/sh`).",
            "%startscript\n    ${0}\n",
        ),
        SectionDoc(
            "labels",
            "Image labels, merged into `/.singularity.d/labels.json`.",
            "Written at the end of the build; existing labels are kept unless `--force`.",
            "Ignored.",
            "`KEY value` lines, split at the first space; no unquoting.",
            "%labels\n    ${1:Author} ${2:name}\n",
        ),
        SectionDoc(
            "help",
            "Help text shown by `apptainer run-help`.",
            "Written to `/.singularity.d/runscript.help`.",
            "Ignored.",
            "Free text.",
            "%help\n    ${0}\n",
        ),
        SectionDoc(
            "appinstall",
            "SCIF app install script, appended to `%post`.",
            "Container, with `%post`, in `/scif/apps/<app>`. " + _ROOT,
            "The app name.",
            "Shell script.",
            "%appinstall ${1:app}\n    ${0}\n",
        ),
        SectionDoc(
            "appfiles",
            "Files copied from the host into `/scif/apps/<app>/`.",
            "Host copy before `%setup`.",
            "The app name.",
            "`src [dst]` lines; `dst` relative to the app directory.",
            "%appfiles ${1:app}\n    ${2:src} ${3:dst}\n",
        ),
        SectionDoc(
            "appenv",
            "Run-time environment of a SCIF app.",
            "Written to `/scif/apps/<app>/scif/env/90-environment.sh`.",
            "The app name.",
            "Shell fragment.",
            "%appenv ${1:app}\n    export ${2:NAME}=${3:value}\n",
        ),
        SectionDoc(
            "apprun",
            "Runscript of a SCIF app (`apptainer run --app <app>`).",
            "Written to `/scif/apps/<app>/scif/runscript`; run time, as the calling user.",
            "The app name.",
            "Script, always run with `/bin/sh`.",
            '%apprun ${1:app}\n    exec ${2:command} "\\$@"\n',
        ),
        SectionDoc(
            "appstart",
            "Startscript of a SCIF app (`apptainer instance start --app <app>`).",
            "Written to `/scif/apps/<app>/scif/startscript`; run time.",
            "The app name.",
            "Script.",
            "%appstart ${1:app}\n    ${0}\n",
        ),
        SectionDoc(
            "apptest",
            "Test script of a SCIF app (`apptainer test --app <app>`).",
            "Written to `/scif/apps/<app>/scif/test`; run time.",
            "The app name.",
            "Script.",
            "%apptest ${1:app}\n    ${0}\n",
        ),
        SectionDoc(
            "apphelp",
            "Help text of a SCIF app (`apptainer run-help --app <app>`).",
            "Written to `/scif/apps/<app>/scif/runscript.help`.",
            "The app name.",
            "Free text.",
            "%apphelp ${1:app}\n    ${0}\n",
        ),
        SectionDoc(
            "applabels",
            "Labels of a SCIF app.",
            "Written to `/scif/apps/<app>/scif/labels.json` (plus `SCIF_APP_NAME`).",
            "The app name.",
            "`KEY value` lines.",
            "%applabels ${1:app}\n    ${2:KEY} ${3:value}\n",
        ),
    )
}

_OCI5 = ("docker", "docker-archive", "docker-daemon", "oci", "oci-archive")
_FROM_AGENTS = (
    "library",
    *_OCI5,
    "oras",
    "shub",
    "localimage",
    "buildkit",
    "dockerfile",
)
_SIF_AGENTS = ("library", "oras", "shub", "localimage")
_YUM = ("yum", "dnf")
_ZYPPER = ("zypper",)
_BUILDKIT = ("buildkit", "dockerfile")

KEYS: dict[str, KeyDoc] = {
    d.key.lower(): d
    for d in (
        KeyDoc(
            "Bootstrap",
            (),
            "The bootstrap agent that creates the base root filesystem "
            "(matched case-sensitively: `docker`, not `Docker`). Starts a new stage.",
            "docker",
        ),
        KeyDoc(
            "From",
            _FROM_AGENTS,
            "The source of the base image; its grammar depends on "
            "the agent (no `docker://` scheme for `Bootstrap: docker`).",
            "ubuntu:24.04",
        ),
        KeyDoc(
            "Stage",
            (),
            "Name of this stage, used by `%files from <name>` in later stages.",
            "build",
        ),
        KeyDoc("Registry", _OCI5, "Registry host prepended as `<registry>/` to `From`.", "quay.io"),
        KeyDoc(
            "Namespace",
            _OCI5,
            "Namespace prepended as `<namespace>/` to `From` (before `Registry`).",
            "library",
        ),
        KeyDoc(
            "Library",
            ("library",),
            "Library service base URL for this stage.",
            "https://library.sylabs.io",
        ),
        KeyDoc(
            "Fingerprints",
            _SIF_AGENTS,
            "Comma-separated PGP fingerprints that must all "
            "have signed the fetched SIF image, else the build fails.",
            "",
        ),
        KeyDoc(
            "MirrorURL",
            ("busybox", "debootstrap", *_YUM, *_ZYPPER),
            "Download or repository URL; `%{OSVERSION}` is replaced by `OSVersion` (yum, zypper).",
            "http://archive.ubuntu.com/ubuntu/",
        ),
        KeyDoc(
            "UpdateURL",
            (*_YUM, *_ZYPPER),
            "Optional second repository URL; `%{OSVERSION}` is replaced.",
            "",
        ),
        KeyDoc(
            "OSVersion",
            ("debootstrap", *_YUM, *_ZYPPER),
            "Release identifier (the suite name for debootstrap, required there).",
            "noble",
        ),
        KeyDoc(
            "Include",
            ("debootstrap", *_YUM, *_ZYPPER, "arch"),
            "Extra packages to install during the bootstrap.",
            "",
        ),
        KeyDoc("SetOpt", _YUM, "Passed to yum/dnf as one `--setopt <value>`.", ""),
        KeyDoc("ConfURL", ("arch",), "URL of the pacman.conf to use.", ""),
        KeyDoc(
            "Product",
            _ZYPPER,
            "SLE product `name[/version][/arch]` for SUSEConnect (with `User` and `Regcode`).",
            "",
        ),
        KeyDoc("User", _ZYPPER, "SUSEConnect registration user (with `Product`, `Regcode`).", ""),
        KeyDoc("Regcode", _ZYPPER, "SUSEConnect registration code (with `Product`, `User`).", ""),
        KeyDoc(
            "ProductPGP",
            _ZYPPER,
            "PGP public key text imported into the rpm database "
            "(write it with `\\n\\` continuations).",
            "",
        ),
        KeyDoc("RegisterURL", _ZYPPER, "`SUSEConnect --url`.", ""),
        KeyDoc("Modules", _ZYPPER, "Comma-separated extra SLE modules to activate.", ""),
        KeyDoc(
            "OtherURL0",
            _ZYPPER,
            "Extra repositories, read as a consecutive run "
            "`OtherURL0`, `OtherURL1`, ... (at most 20).",
            "",
        ),
        KeyDoc("Target", _BUILDKIT, "Build target in the Dockerfile (`--opt target=`).", ""),
        KeyDoc("Frontend", _BUILDKIT, "BuildKit frontend, default `dockerfile.v0`.", ""),
        KeyDoc(
            "Filename",
            _BUILDKIT,
            "Dockerfile name in the context directory, default `Dockerfile`.",
            "Dockerfile",
        ),
        KeyDoc("BuildArgs", _BUILDKIT, "Space-separated `K=V` build arguments for BuildKit.", ""),
        KeyDoc("IncludeCmd", ("(none)",), "Legacy Singularity 2 key; accepted and ignored.", ""),
    )
}

AGENTS: dict[str, AgentDoc] = {
    d.name: d
    for d in (
        AgentDoc(
            "docker",
            "Pull an OCI/Docker image from a registry.",
            ("From",),
            ("Registry", "Namespace"),
            "registry reference without a scheme, e.g. "
            "`ubuntu:24.04` or `quay.io/org/img@sha256:...`",
        ),
        AgentDoc(
            "library",
            "Pull a SIF image from a library service.",
            ("From",),
            ("Library", "Fingerprints"),
            "`[library://][host/]path[:tag]`",
        ),
        AgentDoc(
            "docker-daemon",
            "Use an image from the local Docker daemon.",
            ("From",),
            ("Registry", "Namespace"),
            "`name:tag`, `name@sha256:...` or `sha256:<id>`",
        ),
        AgentDoc(
            "docker-archive",
            "Use a `docker save` tar archive.",
            ("From",),
            ("Registry", "Namespace"),
            "path to the archive",
        ),
        AgentDoc(
            "oci",
            "Use an OCI layout directory.",
            ("From",),
            ("Registry", "Namespace"),
            "`dir[@sha256:<digest>]`",
        ),
        AgentDoc(
            "oci-archive",
            "Use a tar of an OCI layout.",
            ("From",),
            ("Registry", "Namespace"),
            "path to the archive",
        ),
        AgentDoc(
            "oras",
            "Pull a SIF image from an OCI registry with ORAS.",
            ("From",),
            ("Fingerprints",),
            "`host/path/name[:tag]` without `oras://`",
        ),
        AgentDoc(
            "shub",
            "Pull from Singularity Hub.",
            ("From",),
            ("Fingerprints",),
            "`user/container[:tag]` without `shub://`",
        ),
        AgentDoc(
            "localimage",
            "Use an image on the host (SIF, squashfs, ext3, sandbox).",
            ("From",),
            ("Fingerprints",),
            "host path",
        ),
        AgentDoc(
            "yum",
            "Bootstrap an RPM distribution with yum.",
            ("MirrorURL",),
            ("OSVersion", "UpdateURL", "Include", "SetOpt"),
            "(not used)",
        ),
        AgentDoc(
            "dnf",
            "Bootstrap an RPM distribution with dnf (alias of yum).",
            ("MirrorURL",),
            ("OSVersion", "UpdateURL", "Include", "SetOpt"),
            "(not used)",
        ),
        AgentDoc(
            "debootstrap",
            "Bootstrap Debian or Ubuntu with debootstrap.",
            ("MirrorURL", "OSVersion"),
            ("Include",),
            "(not used)",
        ),
        AgentDoc(
            "arch",
            "Bootstrap Arch Linux with pacstrap (amd64 hosts only).",
            (),
            ("ConfURL", "Include"),
            "(not used)",
        ),
        AgentDoc(
            "busybox",
            "A minimal root filesystem from a static busybox binary.",
            ("MirrorURL",),
            (),
            "(not used)",
        ),
        AgentDoc(
            "zypper",
            "Bootstrap openSUSE or SLE with zypper.",
            ("MirrorURL",),
            (
                "OSVersion",
                "UpdateURL",
                "Include",
                "Product",
                "User",
                "Regcode",
                "ProductPGP",
                "RegisterURL",
                "Modules",
                "OtherURL0",
            ),
            "(not used)",
        ),
        AgentDoc("scratch", "An empty root filesystem.", (), (), "(not used)"),
        AgentDoc(
            "buildkit",
            "Build a Dockerfile with BuildKit (Apptainer only).",
            ("From",),
            ("Target", "Frontend", "Filename", "BuildArgs"),
            "build-context directory",
        ),
        AgentDoc(
            "dockerfile",
            "Alias of `buildkit` (Apptainer only).",
            ("From",),
            ("Target", "Frontend", "Filename", "BuildArgs"),
            "build-context directory",
        ),
    )
}


def key_doc(norm: str) -> KeyDoc | None:
    """Docs for a normalised header key (`otherurl7` maps to `OtherURL<N>`)."""
    if norm in KEYS:
        return KEYS[norm]
    stripped = norm.rstrip("0123456789")
    if stripped == "otherurl" and stripped != norm:
        return KEYS["otherurl0"]
    return None


def keys_for_agent(agent: str | None) -> list[KeyDoc]:
    """Header keys that make sense for `agent` (all keys when the agent is unknown)."""
    known = AGENTS.get(agent or "")
    out: list[KeyDoc] = []
    for doc in KEYS.values():
        if doc.agents == ("(none)",):
            continue
        if known is None or not doc.agents or agent in doc.agents:
            out.append(doc)
    return out


def section_markdown(doc: SectionDoc) -> str:
    """Hover text for a section."""
    return (
        f"**%{doc.kind}**: {doc.summary}\n\n"
        f"- **When / where:** {doc.when}\n"
        f"- **Arguments:** {doc.args}\n"
        f"- **Body:** {doc.body}"
    )


def key_markdown(doc: KeyDoc, agent: str | None = None) -> str:
    """Hover text for a header key."""
    used = ", ".join(f"`{a}`" for a in doc.agents) if doc.agents else "all agents"
    text = f"**{doc.key}**: {doc.meaning}\n\n- **Used by:** {used}"
    if agent and doc.agents and agent not in doc.agents and agent in AGENTS:
        text += f"\n- **Note:** `Bootstrap: {agent}` does not read this key."
    return text


def agent_markdown(doc: AgentDoc) -> str:
    """Hover text for a bootstrap agent."""
    req = ", ".join(f"`{k}`" for k in doc.required) or "none"
    opt = ", ".join(f"`{k}`" for k in doc.optional) or "none"
    return (
        f"**Bootstrap: {doc.name}**: {doc.summary}\n\n"
        f"- **Required keys:** {req}\n- **Optional keys:** {opt}\n"
        f"- **From:** {doc.from_format}"
    )
