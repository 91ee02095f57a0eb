"""Trust (DEF2xx): where the base image and downloaded code come from, and who vouches.

Covers deprecated or unverifiable sources (`shub`, the local Docker daemon, image files at
relative or world-writable paths), plain-HTTP mirrors, registries and Docker Hub
namespaces outside the configured trusted lists, `library` bases whose signatures are not
tied to a maintainer (`Fingerprints:`), and shell code that runs what it downloads without
checking it. The trust model behind these rules is written out in `docs/trust.md`.

Rules never touch the file system or the network: paths are judged by their text only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from defcheck.lint.context import RuleContext
from defcheck.lint.incremental import chunk_local, section_facts, shell_sections
from defcheck.lint.model import Applicability, Finding, Severity
from defcheck.lint.registry import rule
from defcheck.lint.rules._helpers import lazy_compile
from defcheck.lint.rules.images import stage_refs
from defcheck.refs import RefKind
from defcheck.syntax import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from defcheck.shell.tree import Command, ShellBody, Word

FAMILY = "trust"

#: Sections whose body is run as shell at build or run time.
_RUN_SECTIONS = frozenset(
    {"pre", "setup", "post", "appinstall", "test", "runscript", "startscript"}
    | {"apprun", "appstart", "apptest"}
)


def command_name(cmd: Command) -> str:
    """The base name of the command actually run (`sudo /usr/bin/curl` -> `curl`)."""
    return cmd.run_name


def _args(cmd: Command) -> tuple[Word, ...]:
    return cmd.effective_argv()[1:]


# -- agents and sources -------------------------------------------------------------------


@rule(
    code="DEF201",
    name="shub-bootstrap",
    summary="`Bootstrap: shub`: Singularity Hub is defunct",
    family=FAMILY,
    severity=Severity.WARNING,
)
def shub_bootstrap(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Singularity Hub stopped building in 2019 and is now a read-only archive at best; the
    `shub` agent's registry defaults and hashes date from then. Anything it serves can
    no longer be rebuilt or re-verified, and the build breaks as soon as the archive goes.

    ## Example
    ```singularity
    Bootstrap: shub
    From: vsoch/hello-world
    ```

    ## Use instead
    ```singularity
    Bootstrap: oras
    From: ghcr.io/vsoch/hello-world:1.0
    ```

    ## Fix safety
    No fix: the image has to be republished somewhere maintained.
    """
    for stage in ctx.doc.stages:
        if stage.bootstrap == "shub":
            fld = stage.field("bootstrap")
            assert fld is not None
            yield ctx.finding(
                fld.value_span,
                "Singularity Hub is defunct; republish the image to an OCI registry "
                "(`Bootstrap: oras`/`docker`) or a library",
                tags=frozenset({"deprecated"}),
            )


_PATH_KINDS = frozenset(
    {RefKind.LOCALIMAGE, RefKind.DOCKER_ARCHIVE, RefKind.OCI, RefKind.OCI_ARCHIVE}
)
_WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")


@rule(
    code="DEF202",
    name="relative-image-path",
    summary="Local image `From:` path is relative to wherever the build is started",
    family=FAMILY,
    severity=Severity.WARNING,
)
def relative_image_path(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    For `localimage`, `docker-archive`, `oci` and `oci-archive`, a relative `From:` is
    resolved against the current directory of `apptainer build`, not the definition file.
    The same file builds from a different image (or fails) depending on where it is run
    from, and any file that happens to have that name there is used as the base.

    ## Example
    ```singularity
    Bootstrap: localimage
    From: base.sif
    ```

    ## Use instead
    ```singularity
    Bootstrap: localimage
    From: /opt/images/base.sif
    ```

    ## Fix safety
    No fix: the absolute location is only known on the build host.
    """
    for sr in stage_refs(ctx):
        if sr.kind in _PATH_KINDS and sr.ref is not None and not sr.ref.repository.startswith("/"):
            yield ctx.finding(
                sr.field.value_span,
                f"`{sr.ref.repository}` is resolved against the directory the build runs "
                "in; use an absolute path",
            )


@rule(
    code="DEF203",
    name="world-writable-image-path",
    summary="Local image `From:` lies in a world-writable directory such as /tmp",
    family=FAMILY,
    severity=Severity.WARNING,
)
def world_writable_image_path(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Any local user can create or replace files under `/tmp`, `/var/tmp` or `/dev/shm`. A
    base image read from there may not be the one you put there, and the build (often run
    with root privileges) uses it without question. The check looks at the path text only.

    ## Example
    ```singularity
    Bootstrap: docker-archive
    From: /tmp/base.tar
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker-archive
    From: /srv/images/base.tar
    ```

    ## Fix safety
    No fix.
    """
    for sr in stage_refs(ctx):
        if sr.kind not in _PATH_KINDS or sr.ref is None:
            continue
        path = sr.ref.repository
        for top in _WORLD_WRITABLE:
            if path == top or path.startswith(top + "/"):
                yield ctx.finding(
                    sr.field.value_span,
                    f"`{path}` is under `{top}`, which every local user can write to",
                )
                break


@rule(
    code="DEF204",
    name="insecure-url-header",
    summary="Mirror or configuration URL uses plain `http://`",
    family=FAMILY,
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
)
def insecure_url_header(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `MirrorURL`, `UpdateURL`, `ConfURL` (and `OtherURL*`, `RegisterURL`, `Library`) tell the
    agent where to fetch the whole base system. Over plain HTTP anyone on the path can
    change what is downloaded; package signatures protect the packages only when the
    agent checks them, and `busybox`/`arch` configuration files not at all.

    ## Example
    ```singularity
    Bootstrap: debootstrap
    OSVersion: bookworm
    MirrorURL: http://deb.debian.org/debian
    ```

    ## Use instead
    ```singularity
    Bootstrap: debootstrap
    OSVersion: bookworm
    MirrorURL: https://deb.debian.org/debian
    ```

    ## Fix safety
    Unsafe: the fix switches to `https://`, which only works if the server offers HTTPS
    at the same path (and, for debootstrap, if the host has CA certificates).
    """
    for stage in ctx.doc.stages:
        for fld in stage.header:
            if not _is_url_key(fld.norm) or not fld.value:
                continue
            if not fld.value.lower().startswith("http://"):
                continue
            written = ctx.doc.text[fld.value_span.start : fld.value_span.end]
            fix = None
            if written.lower().startswith("http://"):
                fix = ctx.replace(
                    Span(fld.value_span.start, fld.value_span.start + len("http")),
                    "https",
                    "use https://",
                    Applicability.UNSAFE,
                )
            yield ctx.finding(
                fld.value_span,
                f"`{fld.key}` is fetched over plain HTTP; anyone on the network path can "
                "change what is installed",
                fix=fix,
            )


_URL_KEYS = frozenset({"mirrorurl", "updateurl", "confurl", "registerurl", "library"})


def _is_url_key(norm: str) -> bool:
    """A header key whose value is a URL: the named ones and `OtherURL<n>` (zypper)."""
    if norm in _URL_KEYS:
        return True
    number = norm.removeprefix("otherurl")
    return number != norm and number.isascii() and number.isdigit()


def _registry_trusted(registry: str, trusted: tuple[str, ...]) -> bool:
    hub = {"docker.io", "index.docker.io", "registry-1.docker.io"}
    wanted = {t.lower().rstrip("/") for t in trusted}
    reg = registry.lower()
    return reg in wanted or (reg in hub and bool(wanted & hub))


@rule(
    code="DEF205",
    name="untrusted-registry",
    summary="Base image comes from a registry outside the configured trusted list",
    family=FAMILY,
    severity=Severity.WARNING,
    default_enabled=False,
)
def untrusted_registry(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Whoever runs a registry decides what a tag (and, for an unpinned build, your image)
    contains. Projects that build only from vetted registries list them in
    `trusted-registries` (`[tool.defcheck]`); this rule reports bases from anywhere else.
    It is off by default because the list is a policy only the project can set. Docker
    Hub's names (`docker.io`, `index.docker.io`, `registry-1.docker.io`) count as one.

    ## Example
    ```singularity
    Bootstrap: docker
    From: registry.example.net/tools/base:1.0
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04
    ```
    or add the registry to `trusted-registries` if the project trusts it.

    ## Fix safety
    No fix.

    ## Options
    Reads `trusted-registries` from the project settings.
    """
    trusted = ctx.settings.trusted_registries
    for sr in stage_refs(ctx):
        ref = sr.ref
        if ref is None or ref.registry is None:
            continue
        if sr.kind not in (RefKind.DOCKER, RefKind.ORAS, RefKind.LIBRARY):
            continue
        if not _registry_trusted(ref.registry, trusted):
            yield ctx.finding(
                sr.field.value_span,
                f"registry `{ref.registry}` is not in the trusted registries "
                f"({', '.join(trusted) or 'none configured'})",
            )


@rule(
    code="DEF206",
    name="docker-hub-user-namespace",
    summary="Docker Hub base from a user namespace rather than an Official Image",
    family=FAMILY,
    severity=Severity.INFO,
)
def docker_hub_user_namespace(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Docker Hub Official Images (`library/...`, written `ubuntu`, `python`...) are
    reviewed, rebuilt for security fixes and published by Docker. Anyone can create a
    user namespace, and an image there is only as trustworthy as that account. Namespaces
    your project does trust (your own organisation, a vendor) go in `trusted-namespaces`.

    ## Example
    ```singularity
    Bootstrap: docker
    From: someuser/python:3.12
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: python:3.12
    ```

    ## Fix safety
    No fix.

    ## Options
    Reads `trusted-namespaces` from the project settings (default: `library`).
    """
    trusted = {"library", *ctx.settings.trusted_namespaces}
    for sr in stage_refs(ctx):
        ref = sr.ref
        if ref is None or sr.kind is not RefKind.DOCKER or not ref.is_docker_hub:
            continue
        ns = ref.namespace
        if ns is not None and ns not in trusted:
            yield ctx.finding(
                sr.field.value_span,
                f"`{ref.repository}` is from the Docker Hub user namespace `{ns}`, not an "
                "Official Image; trust it explicitly with `trusted-namespaces` if you mean to",
            )


@rule(
    code="DEF207",
    name="library-without-fingerprints",
    summary="`Bootstrap: library` without `Fingerprints:`: any signature is accepted",
    family=FAMILY,
    severity=Severity.WARNING,
)
def library_without_fingerprints(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Anyone can create a key pair and sign a SIF image. A valid signature therefore only
    says "someone signed this"; without `Fingerprints:` Apptainer does not check whose key
    it was (a failed or missing signature only produces a warning). Only a pinned
    fingerprint of the maintainer's key makes the signature mean "the maintainer published
    exactly this": with `Fingerprints:`, Apptainer stops the build unless every listed key
    has signed the image. See `docs/trust.md`.

    ## Example
    ```singularity
    Bootstrap: library
    From: library/default/alpine:3.19
    ```

    ## Use instead
    ```singularity
    Bootstrap: library
    From: library/default/alpine:3.19
    Fingerprints: 8883491F4268F173C6E5DC49EDECE4F3F38D871E
    ```

    ## Fix safety
    No fix: the fingerprint must come from the maintainer, not from the image you are
    about to verify.
    """
    for stage in ctx.doc.stages:
        if stage.bootstrap != "library":
            continue
        fps = stage.field("fingerprints")
        if fps is not None and fps.value:
            continue
        anchor = stage.field("from") or stage.field("bootstrap")
        assert anchor is not None
        span = anchor.value_span if anchor.value_span.end > anchor.value_span.start else anchor.span
        yield ctx.finding(
            span,
            "no `Fingerprints:`: any signature (or none) is accepted; pin the maintainer's "
            "key fingerprint",
        )


@rule(
    code="DEF208",
    name="docker-daemon-source",
    summary="`Bootstrap: docker-daemon` builds from whatever the local daemon holds",
    family=FAMILY,
    severity=Severity.INFO,
)
def docker_daemon_source(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `docker-daemon` saves the image the local Docker daemon has under that name at build
    time. That image may have been built locally, pulled long ago or retagged; nobody
    else can reproduce the build, and nothing records where the image came from.

    ## Example
    ```singularity
    Bootstrap: docker-daemon
    From: myapp:dev
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ghcr.io/myorg/myapp:1.4.2
    ```

    ## Fix safety
    No fix.
    """
    for sr in stage_refs(ctx):
        if sr.kind is RefKind.DOCKER_DAEMON:
            yield ctx.finding(
                sr.field.value_span,
                "the base is whatever the local Docker daemon holds under this name; push "
                "it to a registry and use `Bootstrap: docker` to make the build reproducible",
            )


# -- shell: downloads -------------------------------------------------------------------

_FETCHERS = frozenset({"curl", "wget"})
_SHELLS = frozenset(
    {"sh", "bash", "zsh", "dash", "ksh", "ash", "busybox", "python", "python3", "perl", "ruby"}
)
_RUNNERS = _SHELLS | {"eval", "source", "."}
_SUBST_FETCH = lazy_compile(r"(?:\$\(|<\(|`)\s*(?:\S*/)?(?:curl|wget)\b")


def _pipe_to_shell(body: ShellBody) -> Iterator[Span]:
    for pipe in body.pipelines:
        fetched = False
        for stage in pipe.stages:
            if stage is None:
                continue
            name = command_name(stage)
            if name in _FETCHERS:
                fetched = True
            elif fetched and name in _SHELLS:
                yield pipe.span
                break
    for cmd in body.commands:
        if command_name(cmd) in _RUNNERS and any(_SUBST_FETCH.search(w.text) for w in _args(cmd)):
            yield cmd.span


@rule(
    code="DEF209",
    name="pipe-to-shell",
    summary="Downloaded script is piped straight into a shell",
    family=FAMILY,
    severity=Severity.WARNING,
)
@chunk_local()
def pipe_to_shell(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `curl ... | sh` runs whatever the server returns at that moment, as root in `%post`,
    with no way to review or verify it: a compromised or hijacked server, or a truncated
    download, goes straight into the image. The same holds for `sh -c "$(curl ...)"` and
    `bash <(curl ...)`.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        curl -fsSL https://example.com/install.sh | sh
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        curl -fsSLo /tmp/install.sh https://example.com/install.sh
        sum=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        echo "$sum  /tmp/install.sh" | sha256sum -c -
        sh /tmp/install.sh
    ```

    ## Fix safety
    No fix: the checksum has to come from the publisher.
    """
    for ss in shell_sections(ctx, _RUN_SECTIONS, mentions=_FETCHERS):
        for span in _pipe_to_shell(ss.body):
            yield ctx.finding(
                span,
                "downloaded code is run without being checked; save it, verify its checksum "
                "or signature, then run it",
            )


_VERIFIERS = frozenset(
    {"sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "md5sum", "shasum"}
    | {"b2sum", "gpgv", "gpgv2", "cosign", "minisign", "signify", "rpmkeys"}
)
_CONSUMERS = frozenset(
    {"tar", "bsdtar", "unzip", "gunzip", "bunzip2", "unxz", "xz", "zstd", "7z", "7za"}
    | {"dpkg", "rpm", "apt", "apt-get", "yum", "dnf", "zypper", "pip", "pip3", "conda"}
    | {"chmod", "install", "source", "."}
    | _SHELLS
)
_EXTRACTORS = frozenset({"tar", "bsdtar", "unzip", "gunzip", "bunzip2", "unxz", "xz", "zstd"})


def _verifies(cmd: Command) -> bool:
    name = command_name(cmd)
    if name in _VERIFIERS:
        return True
    values = {w.value for w in _args(cmd)}
    return name in ("gpg", "gpg2") and bool(values & {"--verify", "--verify-files"})


def _url_basename(words: tuple[Word, ...]) -> str | None:
    for w in reversed(words):
        v = w.value or ""
        if "://" in v:
            name = v.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            return name or None
    return None


def _curl_output(words: tuple[Word, ...]) -> str | None:
    """The file curl writes (`-o F`, `-O`), `-` for stdout."""
    i = 0
    while i < len(words):
        v = words[i].value or ""
        nxt = words[i + 1].value if i + 1 < len(words) else None
        if v in ("-o", "--output"):
            return nxt or None
        if v.startswith("--output="):
            return v.split("=", 1)[1]
        if v in ("-O", "--remote-name"):
            return _url_basename(words)
        if v.startswith("-") and not v.startswith("--") and len(v) > 2:
            flags = v[1:]
            if "o" in flags:
                at = flags.index("o")
                rest = flags[at + 1 :]
                return rest or nxt or None
            if "O" in flags:
                return _url_basename(words)
        i += 1
    return "-"


def _wget_output(words: tuple[Word, ...]) -> str | None:
    """The file wget writes (`-O F`, default the URL's last component), `-` for stdout."""
    i = 0
    while i < len(words):
        v = words[i].value or ""
        nxt = words[i + 1].value if i + 1 < len(words) else None
        if v in ("-O", "--output-document"):
            return nxt or None
        if v.startswith("--output-document="):
            return v.split("=", 1)[1]
        if v.startswith("-") and not v.startswith("--") and "O" in v[1:]:
            at = v.index("O", 1)
            return v[at + 1 :] or nxt or None
        i += 1
    return _url_basename(words)


#: DEF210's summary of a body (or chunk): does it check a checksum; fetches piped into an
#: unpacker; downloads (span, target file, consumed by a later command of the body); the
#: base names its commands consume (`_consumed_names`).
_Downloads = tuple[bool, tuple[Span, ...], tuple[tuple[Span, str, bool], ...], frozenset[str]]


def _download_facts(body: ShellBody) -> list[_Downloads]:
    """DEF210's summary of a body, as a one-element list (see `section_facts`)."""
    verifies = any(_verifies(c) for c in body.commands)
    piped: list[Span] = []
    for pipe in body.pipelines:
        stages = [s for s in pipe.stages if s is not None]
        for first, second in itertools.pairwise(stages):
            if command_name(first) in _FETCHERS and command_name(second) in _EXTRACTORS:
                piped.append(first.span)
    consumed = [_consumed_names(c) for c in body.commands]
    downloads: list[tuple[Span, str, bool]] = []
    for i, cmd in enumerate(body.commands):
        name = command_name(cmd)
        if name not in _FETCHERS or cmd.span in piped:
            continue
        words = _args(cmd)
        out = _curl_output(words) if name == "curl" else _wget_output(words)
        if not out or out == "-":
            continue
        base = out.rsplit("/", 1)[-1]
        later = bool(base) and base != "-" and any(base in names for names in consumed[i + 1 :])
        downloads.append((cmd.span, out, later))
    return [(verifies, tuple(piped), tuple(downloads), frozenset().union(*consumed))]


def _consumed_names(cmd: Command) -> frozenset[str]:
    """Base names `cmd` runs (its program) or, for a consumer, unpacks, installs or runs:
    `cmd` consumes a file when the file's base name is one of them."""
    argv = cmd.effective_argv()
    if not argv:
        return frozenset()
    names = [w.value or w.text for w in argv]
    found = {names[0].rsplit("/", 1)[-1]}
    if command_name(cmd) in _CONSUMERS:
        found.update(n.rsplit("/", 1)[-1] for n in names[1:])
    return frozenset(found)


def _unverified_downloads(parts: list[_Downloads]) -> Iterator[tuple[Span, str]]:
    if any(verifies for verifies, _, _, _ in parts):
        return
    for _, piped, _, _ in parts:
        for span in piped:
            yield span, "the download is unpacked straight from the network"
    later: set[str] = set()  # names consumed by the parts after the current one
    found: list[tuple[Span, str]] = []
    for _, _, downloads, consumed in reversed(parts):
        for span, out, consumed_in_part in reversed(downloads):
            base = out.rsplit("/", 1)[-1]
            if consumed_in_part or (base and base != "-" and base in later):
                found.append((span, f"`{out}` is used without checking its checksum or signature"))
        later |= consumed
    yield from reversed(found)


@rule(
    code="DEF210",
    name="unverified-download",
    summary="File is downloaded and then run or unpacked without a checksum check",
    family=FAMILY,
    severity=Severity.WARNING,
)
def unverified_download(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    A file fetched with `curl`/`wget` and then unpacked, installed or executed brings in
    whatever the server sent. Checking a published checksum (`sha256sum -c`) or signature
    (`gpg --verify`) in the same section makes a changed or truncated download fail the
    build instead of ending up in the image. Any `sha*sum`/`md5sum`/`gpg --verify` in the
    section counts as a check.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        curl -fsSLo /tmp/tool.tar.gz https://example.com/tool-1.0.tar.gz
        tar -xzf /tmp/tool.tar.gz -C /opt
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04

    %post
        curl -fsSLo /tmp/tool.tar.gz https://example.com/tool-1.0.tar.gz
        sum=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        echo "$sum  /tmp/tool.tar.gz" | sha256sum -c -
        tar -xzf /tmp/tool.tar.gz -C /opt
    ```

    ## Fix safety
    No fix: the checksum has to come from the publisher.
    """
    for _, parts in section_facts(ctx, _RUN_SECTIONS, _FETCHERS, _download_facts):
        for span, why in _unverified_downloads(parts):
            yield ctx.finding(span, f"{why}; verify it with `sha256sum -c` or `gpg --verify`")
