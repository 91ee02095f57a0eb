"""Shell (DEF7xx): our own checks of the shell code in script sections.

These rules read each body with the real shell parse (`defcheck.shell.tree`, tree-sitter-bash)
and never run anything. They cover package installs in `%post` (`apt-get` prompts, recommended
packages, package-manager caches, `pip` caches, unpinned versions), `%runscript`-like sections
that do not hand over to the program (`exec`, `"$@"`), `%environment` assignments that the
container's programs never see, and `SINGULARITY_*` variables that Apptainer renamed.

Here-document text and comments never trigger these rules: only commands count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from defcheck.lint.context import RuleContext
from defcheck.lint.incremental import (
    ShellSection,
    body_gate,
    chunk_local,
    ci_search,
    section_facts,
    shell_sections,
)
from defcheck.lint.model import Applicability, Finding, Severity
from defcheck.lint.registry import rule
from defcheck.lint.rules._helpers import lazy_compile
from defcheck.lint.rules.trust import command_name
from defcheck.syntax import Edit, Section, Span
from defcheck.syntax.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from defcheck.shell.tree import Command, ShellBody, Word

FAMILY = "shell"

#: Sections run at build time in the container (where packages are installed).
_BUILD = frozenset({"post", "appinstall"})
#: Every section whose body is a script that runs commands.
_RUN = frozenset(
    {"pre", "setup", "post", "appinstall", "test", "runscript", "startscript"}
    | {"apprun", "appstart", "apptest"}
)
#: Sections that receive the arguments of `apptainer run` / `instance start`.
_ENTRY = frozenset({"runscript", "apprun", "startscript", "appstart"})
_ENV = frozenset({"environment", "appenv"})
_ALL = _RUN | _ENV


# -- helpers --------------------------------------------------------------------------------


def _value(word: Word) -> str:
    return word.value if word.value is not None else ""


def _dynamic(word: Word) -> bool:
    """A word only known at run time that may expand to options (`$OPTS`).

    `{{ NAME }}` build arguments are taken as values (package names, versions), not options.
    """
    return word.value is None and word.text.lstrip("\"'").startswith("$")


@lru_cache(maxsize=64)
def _code_text(body: ShellBody) -> str:
    """The body text with comments and here-document text blanked (same offsets).

    Cached per parsed body (several rules ask); `ShellBody` hashes by identity.
    """
    text = body.text
    skip: dict[int, int] = {}
    for h in body.heredocs:
        end = h.terminator.end if h.terminator else h.body.end
        skip[h.body.start - body.base] = end - body.base
    out = list(text)
    i, n, quote = 0, len(text), ""
    while i < n:
        if not quote and i in skip:
            end = skip[i]
            for k in range(i, end):
                if out[k] not in "\r\n":
                    out[k] = " "
            i = max(end, i + 1)
            continue
        c = text[i]
        if quote == "'":
            if c == "'":
                quote = ""
        elif c == "\\":
            i += 2
            continue
        elif quote == '"':
            if c == '"':
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] in " \t\r\n;&|()"):
            end = text.find("\n", i)
            end = n if end < 0 else end
            for k in range(i, end):
                if out[k] != "\r":
                    out[k] = " "
            i = end
            continue
        i += 1
    return "".join(out)


def _piped_into(body: ShellBody) -> set[Span]:
    """Commands whose standard input comes from an earlier pipeline stage."""
    out: set[Span] = set()
    for pipe in body.pipelines:
        for stage in pipe.stages[1:]:
            if stage is not None:
                out.add(stage.span)
    return out


def _subcommand(argv: tuple[Word, ...], takes_value: frozenset[str]) -> int | None:
    """Index of the first word after argv[0] that is not an option (or an option's value)."""
    i = 1
    while i < len(argv):
        v = _value(argv[i])
        if v.startswith("-") and v != "-":
            i += 2 if v in takes_value else 1
            continue
        return i
    return None


def _in_final_stage(ctx: RuleContext, section: Section) -> bool:
    """True for a section of the stage that becomes the image (spec §5: only the last)."""
    stages = ctx.doc.stages
    return not stages or section.stage_index == stages[-1].index


def _insert_after(word: Word, text: str) -> Edit:
    return Edit(Span(word.span.end, word.span.end), text)


# -- package managers ---------------------------------------------------------------------

_APT = frozenset({"apt-get", "apt"})
_APT_VALUE_OPTS = frozenset({"-o", "--option", "-t", "--target-release", "-c", "--config-file"})
_APT_VALUE_OPTS |= frozenset({"-a", "--host-architecture"})
_APT_INSTALLS = frozenset({"install", "upgrade", "dist-upgrade", "full-upgrade"})


@record  # not @dataclass: importing dataclasses costs start-up time
class _Install:
    """A package-manager command that installs: its words and which manager runs it."""

    command: Command
    argv: tuple[Word, ...]
    manager: str  # apt, rpm, apk, zypper, pip
    verb: Word  # the subcommand word (`install`, `add`)

    @property
    def span(self) -> Span:
        """From the program name to the subcommand (`apt-get install`)."""
        return Span(self.argv[0].span.start, self.verb.span.end)

    def has(self, *flags: str) -> bool:
        """True if any word is one of `flags` (or `flag=value`)."""
        for w in self.argv[1:]:
            v = _value(w)
            if v in flags or any(v.startswith(f + "=") for f in flags if f.startswith("--")):
                return True
        return False


_RPM = frozenset({"dnf", "yum", "microdnf", "tdnf", "dnf5"})
_RPM_INSTALLS = frozenset({"install", "upgrade", "update", "groupinstall", "reinstall", "in"})
_RPM_VALUE_OPTS = frozenset(
    {"-c", "--config", "--releasever", "--installroot", "-x", "--exclude", "--repo"}
    | {"--enablerepo", "--disablerepo", "--forcearch", "-d", "-e", "--setopt"}
)
_APK_VALUE_OPTS = frozenset(
    {"-X", "--repository", "-p", "--root", "-t", "--virtual", "--arch", "--keys-dir"}
    | {"--repositories-file", "--cache-dir"}
)
_ZYPPER_VALUE_OPTS = frozenset({"-r", "--repo", "-R", "--root", "-c", "--config"})
_PIP_VALUE_OPTS = frozenset(
    {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url"}
    | {"--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root"}
    | {"--python-version", "--platform", "--implementation", "--abi", "--src"}
    | {"--upgrade-strategy", "--progress-bar", "--trusted-host", "--cache-dir", "--log"}
    | {"--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert"}
    | {"--only-binary", "--no-binary", "--config-settings", "-C", "--global-option"}
    | {"--report", "--python"}
)


def _program_argv(cmd: Command) -> tuple[Word, ...]:
    """`effective_argv()`, also past `NAME=value` words after a wrapper (`sudo X=1 cmd`)."""
    from defcheck.shell.tree import strip_wrappers

    argv = cmd.effective_argv()
    while argv and _is_env_word(argv[0].value or ""):
        argv = strip_wrappers(argv[1:])
    return argv


def _is_env_word(value: str) -> bool:
    """`NAME=anything`, NAME an ASCII shell name (`[A-Za-z_][A-Za-z0-9_]*`)."""
    name, eq, _ = value.partition("=")
    return bool(eq) and _is_name(name)


def _is_name(text: str) -> bool:
    """A shell variable name: `[A-Za-z_][A-Za-z0-9_]*`."""
    return text.isascii() and text.isidentifier()


def _versioned(name: str, program: str) -> bool:
    """`name` is `program` with an optional version suffix (`pip3`, `python3.12`)."""
    return name.startswith(program) and not name[len(program) :].strip("0123456789.")


def _name(argv: tuple[Word, ...]) -> str:
    return _value(argv[0]).rsplit("/", 1)[-1] if argv else ""


def _install_of(cmd: Command) -> _Install | None:
    argv = _program_argv(cmd)
    if not argv or argv[0].value is None:
        return None
    name = _name(argv)
    if name in _APT:
        at = _subcommand(argv, _APT_VALUE_OPTS)
        if at is not None and _value(argv[at]) in _APT_INSTALLS:
            return _Install(cmd, argv, "apt", argv[at])
    elif name in _RPM:
        at = _subcommand(argv, _RPM_VALUE_OPTS)
        if at is not None and _value(argv[at]) in _RPM_INSTALLS:
            return _Install(cmd, argv, "rpm", argv[at])
        group = at is not None and _value(argv[at]) == "group" and at + 1 < len(argv)
        if at is not None and group and _value(argv[at + 1]) in ("install", "upgrade"):
            return _Install(cmd, argv, "rpm", argv[at])
    elif name == "apk":
        at = _subcommand(argv, _APK_VALUE_OPTS)
        if at is not None and _value(argv[at]) == "add":
            return _Install(cmd, argv, "apk", argv[at])
    elif name == "zypper":
        at = _subcommand(argv, _ZYPPER_VALUE_OPTS)
        if at is not None and _value(argv[at]) in ("install", "in", "update", "up", "dup"):
            return _Install(cmd, argv, "zypper", argv[at])
    elif _versioned(name, "pip") or _versioned(name, "python"):
        if _versioned(name, "python"):
            values = [_value(w) for w in argv]
            if "-m" not in values:
                return None
            m = values.index("-m")
            if m + 1 >= len(argv) or values[m + 1] != "pip":
                return None
            argv = argv[m + 1 :]
        at = _subcommand(argv, _PIP_VALUE_OPTS)
        if at is not None and _value(argv[at]) == "install":
            return _Install(cmd, argv, "pip", argv[at])
    return None


@lru_cache(maxsize=64)
def _installs(body: ShellBody) -> tuple[_Install, ...]:
    """The installing package-manager commands of a body (cached: five rules ask)."""
    found = (_install_of(cmd) for cmd in body.commands)
    return tuple(inst for inst in found if inst is not None)


def _packages(inst: _Install, takes_value: frozenset[str]) -> Iterator[Word]:
    """The package words after the subcommand (options and their values skipped)."""
    words = inst.argv
    i = words.index(inst.verb) + 1
    if inst.manager == "rpm" and _value(inst.verb) == "group":
        i += 1
    while i < len(words):
        v = _value(words[i])
        if v.startswith("-") and v != "-":
            i += 2 if v in takes_value else 1
            continue
        yield words[i]
        i += 1


# -- DEF701 -----------------------------------------------------------------------------------

_YES_FLAGS = ("-y", "--yes", "--assume-yes", "-qq", "--quiet=2", "-q=2")
_ASSUME_YES = lazy_compile(r"APT::Get::Assume-?Yes", re.IGNORECASE)
_ASSUME_YES_LOWER = lazy_compile(r"apt::get::assume-?yes")


@body_gate
def _assume_yes(body: str) -> bool:
    """The whole-body gate of DEF701 (see `chunk_local`)."""
    return ci_search(body, _ASSUME_YES, _ASSUME_YES_LOWER, "apt::get::assume")


def _apt_says_yes(inst: _Install) -> bool:
    if inst.has(*_YES_FLAGS):
        return True
    values = [_value(w) for w in inst.argv[1:]]
    for v in values:
        if re.fullmatch(r"-[a-zA-Z]+", v) and ("y" in v[1:] or v[1:].count("q") >= 2):
            return True
        if _ASSUME_YES.search(v):
            return True
    return values.count("-q") >= 2


@rule(
    code="DEF701",
    name="apt-install-without-yes",
    summary="`apt-get install` without `-y` asks for confirmation and aborts the build",
    family=FAMILY,
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
)
@chunk_local(_assume_yes)
def apt_install_without_yes(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `apt-get install` asks "Do you want to continue? [Y/n]" whenever it installs more than
    the packages named (dependencies, almost always). A build has no terminal to answer, so
    apt reads end-of-file, prints `Abort.` and `%post` fails. `-y` (`--yes`,
    `--assume-yes`, or `-qq`, which implies it) answers yes. The same holds for `apt
    install`. A command fed by a pipe (`yes | apt-get install ...`) and sections that set
    `APT::Get::Assume-Yes` are not reported.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        apt-get update
        apt-get install curl
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        apt-get update
        apt-get install -y curl
    ```

    ## Fix safety
    Safe: the fix inserts ` -y` after `install`, which is what an unattended build needs.
    """
    for ss in shell_sections(ctx, _RUN, mentions=_APT):
        if _assume_yes(ss.section.body):
            continue
        piped = _piped_into(ss.body)
        for inst in _installs(ss.body):
            if inst.manager != "apt" or _value(inst.verb) != "install":
                continue
            if inst.command.span in piped or _apt_says_yes(inst):
                continue
            if any(_dynamic(w) for w in inst.argv[1:]):
                continue  # `$APT_OPTS` may hold `-y`
            yield ctx.finding(
                inst.span,
                f"`{_name(inst.argv)} install` without `-y` asks for "
                "confirmation, which aborts a non-interactive build",
                fix=ctx.edits([_insert_after(inst.verb, " -y")], "add `-y`"),
            )


# -- DEF702 -----------------------------------------------------------------------------------

_RECOMMENDS = lazy_compile(r"APT::Install-Recommends", re.IGNORECASE)
_RECOMMENDS_LOWER = lazy_compile(r"apt::install-recommends")


@body_gate
def _recommends(body: str) -> bool:
    """The whole-body gate of DEF702 (see `chunk_local`)."""
    return ci_search(body, _RECOMMENDS, _RECOMMENDS_LOWER, "apt::install-recommends")


@rule(
    code="DEF702",
    name="apt-install-recommends",
    summary="`apt-get install` without `--no-install-recommends` pulls in optional packages",
    family=FAMILY,
    severity=Severity.INFO,
    fix=Applicability.UNSAFE,
)
@chunk_local(_recommends)
def apt_install_recommends(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    By default apt also installs every package the named ones merely *recommend*: often
    documentation, desktop integration or whole toolchains nobody asked for. Images grow by
    tens or hundreds of megabytes and have more to patch. `--no-install-recommends` installs
    what the packages need and nothing else. Sections that set `APT::Install-Recommends`
    (with `-o` or in an apt configuration file they write) are not reported.

    ## Example
    ```singularity
    Bootstrap: docker
    From: debian:12

    %post
        apt-get update
        apt-get install -y python3
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: debian:12

    %post
        apt-get update
        apt-get install -y --no-install-recommends python3
    ```

    ## Fix safety
    Unsafe: the fix inserts `--no-install-recommends`; a program that relied on a
    recommended package (a default font, `ca-certificates`...) may then be missing it.
    """
    for ss in shell_sections(ctx, _RUN, mentions=_APT):
        if _recommends(ss.section.body):
            continue
        for inst in _installs(ss.body):
            if inst.manager != "apt" or _value(inst.verb) != "install":
                continue
            if inst.has("--no-install-recommends") or any(_dynamic(w) for w in inst.argv[1:]):
                continue
            yield ctx.finding(
                inst.span,
                "recommended packages are installed too; add `--no-install-recommends`",
                fix=ctx.edits(
                    [_insert_after(inst.verb, " --no-install-recommends")],
                    "add `--no-install-recommends`",
                    Applicability.UNSAFE,
                ),
            )


# -- DEF703 -----------------------------------------------------------------------------------

_CACHE_DIRS: dict[str, tuple[str, ...]] = {
    "apt": ("/var/lib/apt/lists", "/var/cache/apt"),
    "rpm": ("/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"),
    "apk": ("/var/cache/apk",),
    "zypper": ("/var/cache/zypp",),
}
_CLEAN_VERBS: dict[str, frozenset[str]] = {
    "apt": frozenset({"clean", "distclean", "autoclean"}),
    "rpm": frozenset({"clean"}),
    "apk": frozenset({"cache"}),
    "zypper": frozenset({"clean", "cc"}),
}
#: Words whose absence lets a section skip the parse (`shell_sections(mentions=...)`).
_MANAGER_WORDS = ("apt", "dnf", "yum", "apk", "zypper")
_MANAGER_NAMES: dict[str, frozenset[str]] = {
    "apt": _APT,
    "rpm": _RPM,
    "apk": frozenset({"apk"}),
    "zypper": frozenset({"zypper"}),
}
_CLEANUP_HINT = {
    "apt": "`rm -rf /var/lib/apt/lists/*`",
    "rpm": "`dnf clean all` (or `yum clean all`)",
    "apk": "`apk add --no-cache`",
    "zypper": "`zypper clean --all`",
}


def _cleans(cmd: Command, manager: str) -> bool:
    argv = cmd.effective_argv()
    if not argv:
        return False
    name = command_name(cmd)
    if name == "rm":
        return any(_value(w).startswith(d) for w in argv[1:] for d in _CACHE_DIRS[manager])
    if name in _MANAGER_NAMES[manager]:
        return any(_value(w) in _CLEAN_VERBS[manager] for w in argv[1:])
    return False


@rule(
    code="DEF703",
    name="package-cache-not-cleaned",
    summary="Packages are installed but the package manager's cache is left in the image",
    family=FAMILY,
    severity=Severity.INFO,
)
def package_cache_not_cleaned(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `apt-get update` downloads package lists (tens of megabytes) and `dnf`, `yum`, `zypper`
    and `apk` keep metadata and downloaded packages in `/var/cache`. Unless the same section
    removes them after the last install, they are written into the image, which every user
    then downloads and stores. Cleanups that count: `rm -rf /var/lib/apt/lists/*` or
    `apt-get clean`, `dnf clean all`/`yum clean all`, `zypper clean`, `rm -rf
    /var/cache/<manager>`, and `apk add --no-cache` (which keeps no cache at all).

    Only the last stage of a multi-stage file is checked: earlier stages are thrown away.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        apt-get update
        apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        apt-get update
        apt-get install -y --no-install-recommends curl
        rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    No fix.
    """
    for section, parts in section_facts(ctx, _BUILD, _MANAGER_WORDS, _cache_facts):
        if not _in_final_stage(ctx, section):
            continue
        last: dict[str, tuple[Span, bool, int]] = {}  # span, cleaned after in its part
        for index, (installs, _) in enumerate(parts):
            for manager, span, cleaned_after in installs:
                last[manager] = (span, cleaned_after, index)
        for manager, (span, cleaned_after, index) in last.items():
            if cleaned_after or any(manager in cleaned for _, cleaned in parts[index + 1 :]):
                continue
            before = any(manager in cleaned for _, cleaned in parts)
            where = "after the last install" if before else "in this section"
            yield ctx.finding(
                span,
                f"the package cache stays in the image: nothing cleans it {where}; "
                f"use {_CLEANUP_HINT[manager]}",
            )


#: DEF703's summary of a body (or chunk): for each manager, its last install that keeps a
#: cache and whether a later command of the body cleans it; the managers cleaned anywhere.
_CacheFacts = tuple[tuple[tuple[str, Span, bool], ...], frozenset[str]]


def _cache_facts(body: ShellBody) -> list[_CacheFacts]:
    """DEF703's summary of a body, as a one-element list (see `section_facts`)."""
    last: dict[str, _Install] = {}
    for inst in _installs(body):
        if inst.manager == "pip" or (inst.manager == "apk" and inst.has("--no-cache")):
            continue
        last[inst.manager] = inst
    installs = tuple(
        (
            manager,
            inst.span,
            any(
                _cleans(c, manager) for c in body.commands if c.span.start >= inst.command.span.end
            ),
        )
        for manager, inst in last.items()
    )
    cleaned = frozenset(
        m
        for c in body.commands
        if command_name(c) in _CLEANERS
        for m in _CACHE_DIRS
        if _cleans(c, m)
    )
    return [(installs, cleaned)]


#: Commands that can clean a package cache (`_cleans`): `rm` and the package managers.
_CLEANERS = frozenset({"rm"}).union(*_MANAGER_NAMES.values())


# -- DEF704 -----------------------------------------------------------------------------------

_PIP_NO_CACHE = lazy_compile(r"PIP_NO_CACHE_DIR|no-cache-dir\s*=|global\.no-cache-dir", re.I)
_PIP_NO_CACHE_LOWER = lazy_compile(r"pip_no_cache_dir|no-cache-dir\s*=|global\.no-cache-dir")


@body_gate
def _pip_no_cache(body: str) -> bool:
    """The whole-body gate of DEF704 (see `chunk_local`)."""
    return ci_search(body, _PIP_NO_CACHE, _PIP_NO_CACHE_LOWER, "no_cache_dir", "no-cache-dir")


@rule(
    code="DEF704",
    name="pip-install-with-cache",
    summary="`pip install` without `--no-cache-dir` leaves pip's download cache in the image",
    family=FAMILY,
    severity=Severity.INFO,
    fix=Applicability.UNSAFE,
)
@chunk_local(_pip_no_cache)
def pip_install_with_cache(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    pip keeps every wheel it downloads or builds in `~/.cache/pip` (`/root/.cache/pip` in
    `%post`). In an image that cache is dead weight, often hundreds of megabytes for
    scientific packages. `--no-cache-dir` turns it off. This applies to `pip install
    --upgrade pip` too. Not reported: sections that set `PIP_NO_CACHE_DIR` (`export
    PIP_NO_CACHE_DIR=1`, or before the command) or write a pip configuration with
    `no-cache-dir`, and stages other than the last, which are thrown away.

    `%environment` does not count: Apptainer writes it into the image after `%post` has run,
    so its variables are not set while `%post` installs.

    ## Example
    ```singularity
    Bootstrap: docker
    From: python:3.12

    %post
        pip install numpy==2.1.0
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: python:3.12

    %post
        pip install --no-cache-dir numpy==2.1.0
    ```

    ## Fix safety
    Unsafe: the fix inserts `--no-cache-dir` after `install`. A later step that relied on
    the cache (an offline reinstall in the same section) would then download again, and
    very old pip versions (before 6.0) do not know the option.
    """
    for ss in shell_sections(ctx, _BUILD, mentions=("pip",)):
        if not _in_final_stage(ctx, ss.section):
            continue
        if _pip_no_cache(ss.section.body):
            continue
        for inst in _installs(ss.body):
            if inst.manager != "pip" or inst.has("--no-cache-dir"):
                continue
            if any(_dynamic(w) for w in inst.argv[1:]):
                continue
            yield ctx.finding(
                inst.span,
                "pip's download cache stays in the image; add `--no-cache-dir`",
                fix=ctx.edits(
                    [_insert_after(inst.verb, " --no-cache-dir")],
                    "add `--no-cache-dir`",
                    Applicability.UNSAFE,
                ),
            )


# -- DEF705 -----------------------------------------------------------------------------------


def _unpinned(inst: _Install, word: Word) -> bool:
    v = word.value
    if v is None:
        return False  # `$PKG`, `{{ VERSION }}`: decided at build time
    if "/" in v or v.startswith(".") or v.endswith((".deb", ".rpm", ".apk", ".whl", ".zip")):
        return False  # a file, a path or a URL: its version is fixed by its name
    if inst.manager == "apt":
        return "=" not in v
    if inst.manager == "pip":
        return not re.search(r"===?|@", v)
    if inst.manager == "apk":
        return not re.search(r"[=~<>]", v)
    # rpm and zypper: `name-1.2.3`, `name-1.2-3.el9`, `name = 1.2`, `name>=1.2`
    return not re.search(r"-[0-9]|[=<>]", v)


_VALUE_OPTS: dict[str, frozenset[str]] = {
    "apt": _APT_VALUE_OPTS,
    "rpm": _RPM_VALUE_OPTS,
    "apk": _APK_VALUE_OPTS,
    "zypper": _ZYPPER_VALUE_OPTS,
    "pip": _PIP_VALUE_OPTS,
}


@rule(
    code="DEF705",
    name="unpinned-package-version",
    summary="Package installed without a version: each build may get a different one",
    family=FAMILY,
    severity=Severity.WARNING,
    default_enabled=False,
)
@chunk_local()
def unpinned_package_version(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `apt-get install curl` or `pip install numpy` installs whatever version is newest on
    the day of the build. Two builds of the same file then differ, and a new release can
    break the image without any change to the file. Pinning (`curl=8.5.0-2ubuntu10`,
    `numpy==2.1.0`, `curl=8.9.1-r1` for apk, `curl-8.5.0` for dnf/yum) makes the build
    repeatable; packages named by a file, a path or a URL, through `-r requirements.txt`
    or with pip constraints (`-c`) are taken as pinned, and so are words only known at
    build time (`$PKGS`, `{{ VERSION }}`).

    Off by default: distribution package versions disappear from mirrors, so pinning them
    is a policy choice (enable it with `extend-select = ["DEF705"]`).

    ## Example
    ```singularity
    Bootstrap: docker
    From: python:3.12

    %post
        pip install --no-cache-dir numpy
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: python:3.12

    %post
        pip install --no-cache-dir numpy==2.1.0
    ```

    ## Fix safety
    No fix: only you know which version you tested.
    """
    for ss in shell_sections(ctx, _RUN, mentions=(*_MANAGER_WORDS, "pip")):
        for inst in _installs(ss.body):
            if _value(inst.verb) not in ("install", "add", "in", "groupinstall"):
                continue
            if inst.manager == "pip" and inst.has("-c", "--constraint"):
                continue
            for word in _packages(inst, _VALUE_OPTS[inst.manager]):
                if _unpinned(inst, word):
                    yield ctx.finding(
                        word.span,
                        f"`{word.value}` is installed without a version; pin it",
                    )


# -- DEF706 / DEF707 -------------------------------------------------------------------------

#: Builtins and printing commands: a runscript ending with these is not running a program.
_NOT_PROGRAMS = frozenset(
    {"echo", "printf", "cat", "true", "false", "exit", "return", ":", "cd", "export", "set"}
    | {"unset", "shift", "test", "[", "wait", "trap", "read", "source", ".", "eval", "exec"}
    | {"ulimit", "umask", "alias", "sleep", "local", "readonly", "less", "more", "man"}
    # file and housekeeping utilities: a script ending with these has run its program
    | {"rm", "rmdir", "mkdir", "cp", "mv", "ln", "chmod", "chown", "touch", "date", "ls"}
    | {"sync", "clear", "tee", "hostname", "whoami", "id", "uname", "pwd", "env"}
)
_POSITIONAL = lazy_compile(r"\$(?:[@*#1-9]|\{[#@*1-9])|\bshift\b|\bgetopts\b")
_FUNCTION = lazy_compile(
    r"(?m)^[ \t]*(?:function[ \t]+)?([A-Za-z_][\w.-]*)[ \t]*\(\)|function[ \t]+([A-Za-z_][\w.-]*)"
)


@record
class _Entry:
    """The last command of an entry-point section, when it runs a program."""

    command: Command
    program: Word
    execs: bool
    code: str  # the body with comments and heredocs blanked


def _entry_command(ss: ShellSection) -> _Entry | None:
    """The body's final top-level simple command, if it runs a program."""
    body = ss.body
    commands = body.commands
    if not commands or body.has_errors:
        return None
    ordered = sorted(commands, key=lambda c: c.span.start, reverse=True)
    last = next(c for c in ordered if not any(_inside(c.span, o.span) for o in commands))
    code = _code_text(body)
    start, end = last.span.start - body.base, last.span.end - body.base
    if code[end:].strip(" \t\r\n;"):
        return None  # followed by `fi`, `done`, `}`, `&`, a redirection...
    before = code[:start].rstrip(" \t")
    if before and not (
        before.endswith(";") or (before.endswith("\n") and not before.endswith("\\\n"))
    ):
        return None  # after `&&`, `||`, `then`, a continuation...
    if any(_inside(last.span, p.span) for p in body.pipelines):
        return None
    argv = last.effective_argv()
    if not argv:
        return None
    program = argv[0]
    name = command_name(last)
    if name in _NOT_PROGRAMS:
        return None
    if program.value is not None and name in _functions(code):
        return None
    execs = any(_value(w) == "exec" for w in last.argv[: len(last.argv) - len(argv)])
    return _Entry(last, program, execs, code)


def _inside(inner: Span, outer: Span) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end and inner != outer


def _functions(code: str) -> set[str]:
    if "()" not in code and "function" not in code:
        return set()  # `_FUNCTION` needs one of them
    return {a or b for a, b in _FUNCTION.findall(code)}


@rule(
    code="DEF706",
    name="runscript-without-exec",
    summary="`%runscript` runs its program without `exec`",
    family=FAMILY,
    severity=Severity.INFO,
    fix=Applicability.UNSAFE,
)
def runscript_without_exec(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Without `exec`, the shell that runs `%runscript` stays alive as the container's main
    process and waits for the program. Signals such as `SIGTERM` from a batch scheduler or
    `Ctrl-C` reach the shell, not the program, which may then be killed without a chance to
    clean up. `exec program "$@"` replaces the shell with the program. Checked for the last
    command of `%runscript`, `%apprun`, `%startscript` and `%appstart` when it runs a program
    (not `echo`, `cat` or another builtin, nor a function of the script); scripts that set
    a `trap` are left alone, since they need the shell to stay.

    ## Example
    ```singularity
    Bootstrap: docker
    From: python:3.12

    %runscript
        python /opt/app/main.py "$@"
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: python:3.12

    %runscript
        exec python /opt/app/main.py "$@"
    ```

    ## Fix safety
    Unsafe: the fix inserts `exec `. The program then replaces the shell, so nothing the
    shell would do afterwards (an `EXIT` trap set elsewhere, `-e` handling) runs.
    """
    for ss in shell_sections(ctx, _ENTRY):
        entry = _entry_command(ss)
        if entry is None or entry.execs or re.search(r"\btrap\b", entry.code):
            continue
        cmd = entry.command
        fix = None
        if not cmd.assignments and cmd.argv and cmd.argv[0] == entry.program:
            fix = ctx.edits(
                [Edit(Span(entry.program.span.start, entry.program.span.start), "exec ")],
                "run the program with `exec`",
                Applicability.UNSAFE,
            )
        yield ctx.finding(
            entry.program.span,
            f"the shell stays in front of `{entry.program.text}`; use `exec` so the "
            "program receives signals directly",
            fix=fix,
        )


@rule(
    code="DEF707",
    name="runscript-drops-arguments",
    summary='`%runscript` runs a program but never passes on its arguments (`"$@"`)',
    family=FAMILY,
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
)
def runscript_drops_arguments(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `apptainer run image.sif --input data.csv` passes `--input data.csv` to `%runscript`
    (and `apptainer instance start` passes its extra arguments to `%startscript`). A
    script whose final program never sees `"$@"` silently ignores them, so users get the
    default behaviour with no error. Reported when the last command runs a program and the
    script uses no positional parameter at all (`"$@"`, `$*`, `$1`..., `shift`, `getopts`);
    scripts ending with `echo`, `cat` or another builtin (help text) are not reported.

    ## Example
    ```singularity
    Bootstrap: docker
    From: python:3.12

    %runscript
        exec python /opt/app/main.py
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: python:3.12

    %runscript
        exec python /opt/app/main.py "$@"
    ```

    ## Fix safety
    Unsafe: the fix appends `"$@"` to the command; the program then receives arguments it
    may not expect.
    """
    for ss in shell_sections(ctx, _ENTRY):
        entry = _entry_command(ss)
        if entry is None or _POSITIONAL.search(entry.code):
            continue
        cmd = entry.command
        last_word = cmd.argv[-1]
        yield ctx.finding(
            Span(entry.program.span.start, last_word.span.end),
            f"`{entry.program.text}` never receives the container's arguments; pass "
            'them with `"$@"`',
            fix=ctx.edits(
                [_insert_after(last_word, ' "$@"')],
                'pass the arguments with `"$@"`',
                Applicability.UNSAFE,
            ),
        )


# -- DEF708 -----------------------------------------------------------------------------------

_EXPORT = lazy_compile(
    r"(?:^|[\s;&|(])(?:export|declare[ \t]+-[a-zA-Z]*x[a-zA-Z]*|typeset[ \t]+-[a-zA-Z]*x[a-zA-Z]*)"
    r"[ \t]+([^;&|\n]*)"
)
_ALLEXPORT = lazy_compile(r"\bset[ \t]+(?:-[a-zA-Z]*a|-o[ \t]+allexport)")
#: Variables that are in the environment of every container process already, so a
#: plain assignment keeps them exported.
_ALREADY_EXPORTED = frozenset(
    {"PATH", "LD_LIBRARY_PATH", "HOME", "PS1", "PWD", "USER", "LOGNAME", "SHELL", "TERM"}
)


def _exported_names(codes: list[str]) -> set[str] | None:
    """Names exported anywhere in these bodies; `None` if `set -a` exports everything."""
    names: set[str] = set()
    for code in codes:
        if "set" in code and _ALLEXPORT.search(code):
            return None
        if "export" not in code and "declare" not in code and "typeset" not in code:
            continue  # `_EXPORT` needs one of them
        for m in _EXPORT.finditer(code):
            names.update(_export_names(m.group(1)))
    return names


_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _export_names(arguments: str) -> list[str]:
    """The names in `export`'s arguments: each word that starts the text or follows white
    space and is a shell name followed by `=`, white space or the end."""
    names: list[str] = []
    i, n = 0, len(arguments)
    while i < n:
        if i == 0 or arguments[i - 1].isspace():
            j = i
            while j < n and arguments[j] in _NAME_CHARS:
                j += 1
            follows = arguments[j] if j < n else " "
            if j > i and not arguments[i].isdigit() and (follows == "=" or follows.isspace()):
                names.append(arguments[i:j])
                i = j
                continue
        i += 1
    return names


def _assignment(line: str) -> tuple[str, int] | None:
    """(name, column) when `line` starts with `NAME=` after blanks and tabs."""
    stripped = line.lstrip(" \t")
    name, eq, _ = stripped.partition("=")
    if not eq or not _is_name(name):
        return None
    return name, len(line) - len(stripped)


def _line_starts(text: str) -> Iterator[tuple[int, int, str]]:
    """(0-based line, offset, line text without its line end)."""
    offset = 0
    for i, line in enumerate(text.split("\n")):
        yield i, offset, line.rstrip("\r")
        offset += len(line) + 1


def _export_is_safe(value: str) -> bool:
    """`export X=value` means `X=value` in every shell only without unquoted expansions.

    (dash before 0.5.11 splits `export X=$y` into words.)"""
    value = value.strip()
    if value.startswith("'"):
        return True
    if value.startswith('"'):
        end = value.find('"', 1)
        return end > 0 and not value[end + 1 :].strip(" \t;").split("#")[0]
    return not re.search(r"[$`~*?\[]", value)


@rule(
    code="DEF708",
    name="environment-not-exported",
    summary="`%environment` assignment without `export` is invisible to the container's programs",
    family=FAMILY,
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
)
def environment_not_exported(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `%environment` is sourced by `/bin/sh` before the container's program starts. `FOO=bar`
    there sets a shell variable only: the program started afterwards does not see it, so
    the setting silently has no effect. `export FOO=bar` (or a later `export FOO`) puts it
    in the environment. Not reported: variables exported anywhere in the stage's
    `%environment`/`%appenv`, sections with `set -a`, variables used later in the same
    section (helpers such as `BASE=/opt/x` for `export PATH=$BASE/bin:$PATH`), and
    variables that are in every container's environment already (`PATH`,
    `LD_LIBRARY_PATH`, `HOME`...).

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %environment
        LC_ALL=C.UTF-8
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %environment
        export LC_ALL=C.UTF-8
    ```

    ## Fix safety
    Safe when the value has no unquoted expansion: the fix inserts `export `. With one
    (`FOO=$BAR`), the fix is unsafe, because dash before 0.5.11 (Debian 10, Ubuntu 20.04)
    splits the words of `export FOO=$BAR` when `$BAR` holds blanks.
    """
    sections = list(shell_sections(ctx, _ENV))
    by_stage: dict[int, list[str]] = {}
    codes: dict[int, str] = {}
    for ss in sections:
        code = _code_text(ss.body)
        codes[id(ss)] = code
        by_stage.setdefault(ss.section.stage_index, []).append(code)
    for ss in sections:
        exported = _exported_names(by_stage[ss.section.stage_index])
        if exported is None:
            continue
        body = ss.body
        code = codes[id(ss)]
        prefixes = {
            a.span.start: c for c in body.commands for a in c.assignments if c.name is not None
        }
        for line_no, offset, line in _line_starts(code):
            if line_no in body.protected_lines:
                continue
            assignment = _assignment(line)
            if assignment is None:
                continue
            name, column = assignment
            end = column + len(name) + 1  # after the `=`
            start = offset + column
            absolute = body.base + start
            cmd = prefixes.get(absolute)
            if cmd is not None and cmd.name is not None:
                gap = body.text[start : cmd.name.span.start - body.base]
                if not re.search(r"(?<!\\)\n", gap):
                    continue  # `FOO=1 program`: set for that program only
            if name in exported or name in _ALREADY_EXPORTED:
                continue
            if name.startswith(("APPTAINER_", "SINGULARITY_")):
                continue
            if re.search(r"\$\{?" + name + r"\b", code[offset + end :]):
                continue  # a helper for later lines
            value = body.text[offset + end : offset + len(line)]
            safe = _export_is_safe(value)
            yield ctx.finding(
                Span(absolute, absolute + len(name)),
                f"`{name}` is set but not exported: programs in the container do not see "
                f"it; write `export {name}=...`",
                fix=ctx.edits(
                    [Edit(Span(absolute, absolute), "export ")],
                    f"export `{name}`",
                    Applicability.SAFE if safe else Applicability.UNSAFE,
                ),
            )


# -- DEF709 -----------------------------------------------------------------------------------

_SINGULARITY_VAR = lazy_compile(r"\b(SINGULARITY)(ENV_|_)([A-Za-z0-9_]*)")
#: `SINGULARITY_<NAME>` variables Singularity set or read that Apptainer renamed
#: `APPTAINER_<NAME>` (other `SINGULARITY_*` names are the author's own variables).
_RENAMED = frozenset(
    {"ROOTFS", "ENVIRONMENT", "LABELS", "NAME", "CONTAINER", "COMMAND", "APPNAME"}
    | {"BIND", "BINDPATH", "CACHEDIR", "TMPDIR", "PULLFOLDER", "DOCKER_USERNAME"}
    | {"DOCKER_PASSWORD", "DOCKER_LOGIN", "NOHTTPS", "LIBRARY", "SHELL", "HOME", "WORKDIR"}
    | {"CLEANENV", "CONTAIN", "CONTAINALL", "NV", "ROCM", "NO_HOME", "WRITABLE", "OVERLAY"}
    | {"SCRATCH", "PWD", "HOSTNAME", "NETWORK", "NETWORK_ARGS", "SECURITY", "KEYSDIR"}
    | {"USERNS", "FAKEROOT", "CONFIGDIR", "INSTANCE", "WRITABLE_TMPFS", "NVCCLI"}
)
#: Set under both names by Apptainer for `%pre`, `%setup` and `%post` (spec §4.7, §13).
_BOTH_SET = frozenset({"ROOTFS", "ENVIRONMENT", "LABELS"})


def _is_renamed(m: re.Match[str]) -> bool:
    return bool(m.group(3)) if m.group(2) == "ENV_" else m.group(3) in _RENAMED


@rule(
    code="DEF709",
    name="singularity-variable",
    summary="`SINGULARITY_*` variable that Apptainer renamed to `APPTAINER_*`",
    family=FAMILY,
    severity=Severity.INFO,
    fix=Applicability.SAFE,
)
@chunk_local()
def singularity_variable(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Apptainer renamed Singularity's variables: `SINGULARITY_ROOTFS`,
    `SINGULARITY_ENVIRONMENT`, `SINGULARITY_LABELS` are `APPTAINER_ROOTFS`... and
    `SINGULARITYENV_X` (set on the host to pass `X` into the container) is
    `APPTAINERENV_X`. The old names still work but are deprecated, and Apptainer warns
    about them at run time. Keep the old names if the file must also build with
    SingularityCE, which only knows `SINGULARITY_*`.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        echo 'export LC_ALL=C.UTF-8' >> "$SINGULARITY_ENVIRONMENT"
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        echo 'export LC_ALL=C.UTF-8' >> "$APPTAINER_ENVIRONMENT"
    ```

    ## Fix safety
    Safe for `SINGULARITY_ROOTFS`, `SINGULARITY_ENVIRONMENT` and `SINGULARITY_LABELS`,
    which Apptainer sets under both names for `%pre`, `%setup` and `%post`; the file then
    needs Apptainer (SingularityCE sets only the old names). Unsafe for every other
    variable, whose new name only Apptainer (and only recent versions) understands.
    """
    for ss in shell_sections(ctx, _ALL, mentions=("SINGULARITY",)):
        if not any(_is_renamed(m) for m in _SINGULARITY_VAR.finditer(ss.body.text)):
            continue
        code = _code_text(ss.body)
        for m in _SINGULARITY_VAR.finditer(code):
            old = m.group(0)
            if not _is_renamed(m):
                continue
            env = m.group(2) == "ENV_"
            new = ("APPTAINERENV_" if env else "APPTAINER_") + m.group(3)
            start = ss.body.base + m.start()
            safe = not env and m.group(3) in _BOTH_SET
            yield ctx.finding(
                Span(start, start + len(old)),
                f"`{old}` is Singularity's name; Apptainer calls it `{new}`",
                fix=ctx.replace(
                    Span(start, start + len("SINGULARITY")),
                    "APPTAINER",
                    f"rename to `{new}`",
                    Applicability.SAFE if safe else Applicability.UNSAFE,
                ),
                tags=frozenset({"deprecated"}),
            )
