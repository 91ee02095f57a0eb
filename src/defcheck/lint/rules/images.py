"""Image references (DEF1xx): what `From:` pulls, and whether it is the same thing tomorrow.

Every rule reads the reference the way Apptainer does (`defcheck.refs`, spec §8-§9):
`Registry:`/`Namespace:` prefixed for the OCI transports, Docker Hub defaults applied, the
library service's default entity and collection filled in. A `From:` holding a
`{{ NAME }}` placeholder is skipped: its value is only known after substitution.

`Bootstrap: library` without `Fingerprints:` is reported once, by the trust family
(DEF207), whose explanation spells out the signing trust model.
"""

from __future__ import annotations

from collections.abc import Iterator

from defcheck.lint.context import RuleContext
from defcheck.lint.model import Applicability, Finding, Fix, Severity
from defcheck.lint.registry import rule
from defcheck.lint.rules._helpers import lazy_compile
from defcheck.refs import (
    ImageRef,
    ImageRefError,
    RefKind,
    parse_docker_tag_and_digest,
    parse_image_ref,
    ref_kind,
    scheme_prefix,
)
from defcheck.syntax import HeaderField, Span, Stage
from defcheck.syntax.record import record

FAMILY = "images"
_REGISTRY_KINDS = frozenset({RefKind.DOCKER, RefKind.ORAS, RefKind.LIBRARY, RefKind.SHUB})
_DIGEST_KINDS = frozenset({RefKind.DOCKER, RefKind.ORAS, RefKind.LIBRARY})


@record  # not @dataclass: each dataclass costs ~1 ms of start-up
class StageRef:
    """The `From:` of one stage, parsed for its agent.

    `ref` is None when Apptainer cannot read it; `error` then says why. `exact` is true when
    the written value on the first line is exactly Apptainer's value, so offsets into it
    are offsets into the file (no continuation, no comment trimming surprises).
    """

    stage: Stage
    kind: RefKind
    field: HeaderField
    value: str
    ref: ImageRef | None
    error: str | None
    exact: bool

    def value_offset(self, index: int) -> int:
        """File offset of character `index` of the `From:` value (only when `exact`)."""
        return self.field.value_span.start + index


def stage_refs(ctx: RuleContext) -> Iterator[StageRef]:
    """Each stage whose agent takes an image reference, with its `From:` parsed."""
    for stage in ctx.doc.stages:
        kind = ref_kind(stage.bootstrap)
        fld = stage.field("from")
        if kind is None or fld is None or not fld.value or "{{" in fld.value:
            continue
        registry = namespace = None
        if kind.takes_registry_namespace:
            registry, namespace = stage.value("registry"), stage.value("namespace")
            if "{{" in (registry or "") + (namespace or ""):
                continue
        value = fld.value
        written = ctx.doc.text[fld.value_span.start : fld.value_span.end]
        exact = not fld.continued and written == value
        try:
            ref: ImageRef | None = parse_image_ref(
                kind, value, registry=registry, namespace=namespace
            )
            error = None
        except ImageRefError as exc:
            ref, error = None, str(exc)
        yield StageRef(stage, kind, fld, value, ref, error, exact)


def _from_span(sr: StageRef) -> Span:
    span = sr.field.value_span
    return span if span.end > span.start else sr.field.span


@rule(
    code="DEF101",
    name="implicit-latest-tag",
    summary="`From:` has no tag, so it pulls whatever `latest` is at build time",
    family=FAMILY,
    severity=Severity.WARNING,
)
def implicit_latest_tag(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Without a tag or digest, Apptainer pulls `latest` (Docker Hub, oras, shub) or the
    library's `latest` tag. That moves whenever the publisher pushes, so two builds of the
    same file can produce different images, and a rebuild months later may not build at all.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04
    ```

    ## Fix safety
    No fix: only the author knows which version was meant. `defpin` can pin the current
    digest.
    """
    for sr in stage_refs(ctx):
        if sr.ref is not None and sr.kind in _REGISTRY_KINDS and sr.ref.implicit_latest:
            yield ctx.finding(
                _from_span(sr),
                f"`{sr.value}` has no tag: it pulls `{sr.ref.display()}`, which changes when "
                "the publisher pushes; name a version",
            )


@rule(
    code="DEF102",
    name="explicit-latest-tag",
    summary="`From:` uses the moving `latest` tag",
    family=FAMILY,
    severity=Severity.WARNING,
)
def explicit_latest_tag(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `latest` is just the tag a publisher moves on every push. Writing it explicitly does not
    make the build any more repeatable than leaving it out.

    ## Example
    ```singularity
    Bootstrap: docker
    From: python:latest
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: python:3.12-slim
    ```

    ## Fix safety
    No fix: the version to use is the author's choice.
    """
    for sr in stage_refs(ctx):
        if (
            sr.ref is not None
            and sr.kind in _REGISTRY_KINDS
            and sr.ref.tag == "latest"
            and sr.ref.digest is None
        ):
            yield ctx.finding(
                _from_span(sr),
                f"`{sr.value}` uses the moving `latest` tag; name a version",
            )


@rule(
    code="DEF103",
    name="unpinned-image-tag",
    summary="`From:` names a tag but no digest, so the content can change under the same name",
    family=FAMILY,
    severity=Severity.INFO,
    fix=Applicability.DISPLAY,
)
def unpinned_image_tag(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Tags are mutable: `ubuntu:24.04` is re-pushed with every security update, and a
    registry (or anyone who controls it) can point it at different content. A digest
    (`@sha256:...`, or a library `sha256.`/`sif.` image hash) names exactly one image, so the
    build reads the same bytes every time and a swapped image fails instead of being used.
    Moving tags (`latest`, no tag) are reported by DEF101/DEF102 instead.

    ## Example
    ```singularity
    Bootstrap: docker
    From: ubuntu:24.04
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: ubuntu@sha256:6015f66923d7afbc53558d7ccffd325d43b4e249f41a6e93eef074c9505d2233
    ```

    ## Fix safety
    Display-only: the digest has to be looked up in the registry. Run `defpin` to pin every
    `From:` to the digest its tag points at now (it keeps the tag in a comment).
    """
    for sr in stage_refs(ctx):
        ref = sr.ref
        if ref is None or sr.kind not in _DIGEST_KINDS or ref.digest is not None:
            continue
        if ref.tag is None or ref.tag == "latest":
            continue
        yield ctx.finding(
            _from_span(sr),
            f"`{sr.value}` is not pinned to a digest; the tag `{ref.tag}` can move",
            fix=Fix("pin with `defpin`", (), Applicability.DISPLAY),
        )


def _tag_and_digest(sr: StageRef) -> tuple[str, str] | None:
    """(tag, digest) when the reference carries both; None otherwise."""
    if sr.kind not in (RefKind.DOCKER, RefKind.DOCKER_DAEMON):
        return None  # oras (go-containerregistry) accepts the form and drops the tag
    at = sr.value.rfind("@")
    if at < 0:
        return None
    tag, digest = parse_docker_tag_and_digest(sr.value)
    if tag is None or digest is None:
        return None
    return tag, digest


@rule(
    code="DEF104",
    name="tag-and-digest-reference",
    summary="`name:tag@sha256:...`: Apptainer rejects a Docker reference with both",
    family=FAMILY,
    severity=Severity.ERROR,
    fix=Applicability.UNSAFE,
)
def tag_and_digest_reference(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Before pulling, Apptainer parses every OCI reference with containers/image, which
    refuses a reference that is both tagged and digested: the build stops with *Docker
    references with both a tag and digest are currently not supported* (spec §9.2). The
    Apptainer docs show the form, but it does not build (`docker` and `docker-daemon`;
    `Bootstrap: oras` accepts it and ignores the tag).

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.19@sha256:13b7e62e8df80264dbb747995705a986aa530415763a6c58f84a3ca8af9a5bcd
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine@sha256:13b7e62e8df80264dbb747995705a986aa530415763a6c58f84a3ca8af9a5bcd
    # or keep the tag in a comment: the digest is what is pulled
    ```

    ## Fix safety
    Unsafe: the fix drops the tag and keeps the digest. That preserves what a registry
    would pull only if the digest is the one the author wanted; if the tag was the intent
    and the digest is stale, the fix builds the older image. Check before applying.
    """
    for sr in stage_refs(ctx):
        pair = _tag_and_digest(sr)
        if pair is None:
            continue
        tag, _digest = pair
        span = _from_span(sr)
        fix = None
        at = sr.value.rfind("@")
        start = at - len(tag) - 1
        if sr.exact and start >= 0 and sr.value[start:at] == f":{tag}":
            fix = ctx.replace(
                Span(sr.value_offset(start), sr.value_offset(at)),
                "",
                f"drop the tag `{tag}` and keep the digest",
                Applicability.UNSAFE,
            )
        msg = (
            f"Apptainer rejects `{sr.value}`: Docker references with both a tag and "
            "digest are not supported; keep only the digest"
        )
        yield ctx.finding(span, msg, fix=fix)


_DOUBLED_SCHEME = {
    RefKind.DOCKER: "docker",
    RefKind.DOCKER_DAEMON: "docker-daemon",
    RefKind.ORAS: "oras",
    RefKind.SHUB: "shub",
}


@rule(
    code="DEF105",
    name="malformed-image-reference",
    summary="`From:` is not a reference the bootstrap agent can read",
    family=FAMILY,
    severity=Severity.ERROR,
    fix=Applicability.SAFE,
)
def malformed_image_reference(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    Each agent parses `From:` with its own grammar (spec §9), and a reference it cannot
    read stops the build after the bootstrap has started. Common causes: upper-case
    repository names, a bad digest, `docker-daemon` without a tag, and writing the scheme
    (`From: docker://alpine`) for agents that add it themselves, which produces
    `docker://docker://alpine`.

    ## Example
    ```singularity
    Bootstrap: docker
    From: docker://alpine:3.19
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.19
    ```

    ## Fix safety
    Safe, for the doubled scheme only: removing the agent's own `scheme://` prefix gives
    the reference the author meant (a doubled scheme never builds). Other errors have no
    fix.
    """
    for sr in stage_refs(ctx):
        if sr.error is None or _tag_and_digest(sr) is not None:
            continue
        fix = None
        scheme = scheme_prefix(sr.value)
        own = _DOUBLED_SCHEME.get(sr.kind)
        if scheme is not None and scheme == own and sr.exact:
            # The doubled scheme is never valid, so removing it is right even when the rest
            # has another problem (reported again, by this or another rule, after the fix).
            cut = len(scheme) + 3
            if sr.value[cut:]:
                fix = ctx.replace(
                    Span(sr.value_offset(0), sr.value_offset(cut)),
                    "",
                    f"remove `{scheme}://`: Apptainer adds it",
                )
        agent = sr.kind.value
        span = _from_span(sr)
        for key in ("registry", "namespace"):
            other = sr.stage.field(key)
            if other is not None and sr.error.startswith(f"{key.capitalize()}:"):
                span = other.value_span
        yield ctx.finding(
            span, f"`Bootstrap: {agent}` cannot read this reference: {sr.error}", fix=fix
        )


_FINGERPRINT = lazy_compile(r"[0-9A-Fa-f]{40}")


@rule(
    code="DEF106",
    name="malformed-fingerprint",
    summary="`Fingerprints:` entry is not a 40-hex-digit key fingerprint",
    family=FAMILY,
    severity=Severity.ERROR,
)
def malformed_fingerprint(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    `Fingerprints:` is a comma-separated list of signing-key fingerprints (40 hex digits,
    as `apptainer key list` prints them). Apptainer verifies the image's signatures
    against them and stops the build unless every listed key has signed the image, so a
    mistyped fingerprint (a short key ID, a user name) fails every build; it never relaxes
    the check.

    ## Example
    ```singularity
    Bootstrap: library
    From: alpine:3.19
    Fingerprints: 8883491F4268F173
    ```

    ## Use instead
    ```singularity
    Bootstrap: library
    From: alpine:3.19
    Fingerprints: 8883491F4268F173C6E5DC49EDECE4F3F38D871E
    ```

    ## Fix safety
    No fix: the full fingerprint has to come from the key's owner.
    """
    for stage in ctx.doc.stages:
        fld = stage.field("fingerprints")
        if fld is None or not fld.value or "{{" in fld.value:
            continue
        for item in fld.value.split(","):
            entry = item.strip()
            if entry and not _FINGERPRINT.fullmatch(entry):
                yield ctx.finding(
                    fld.value_span if fld.value_span.end > fld.value_span.start else fld.span,
                    f"`{entry}` is not a key fingerprint (40 hex digits); "
                    "the signature check will fail",
                )


@rule(
    code="DEF107",
    name="library-short-reference",
    summary="`library` reference relies on the service's default entity or collection",
    family=FAMILY,
    severity=Severity.INFO,
    fix=Applicability.SAFE,
    options={"container-only": False},
)
def library_short_reference(ctx: RuleContext) -> Iterator[Finding]:
    """## Why is this bad?
    A library path has three parts, `entity/collection/container`. When fewer are written
    the library service fills in the rest: `From: mytools/app` means collection `mytools`
    of the entity `library`, i.e. `library/mytools/app`, not the user `mytools`'s
    container `app`, which is what such a reference usually means. The file reads as if
    it named one image and pulls another (or nothing), and on another library service
    (`Library:`) the defaults point at whatever that service keeps there.

    A bare container name (`From: alpine`, i.e. `library/default/alpine`) is the usual way
    to name the library's own base images and is only reported with `container-only`.

    ## Example
    ```singularity
    Bootstrap: library
    From: mytools/app:1.0
    Fingerprints: 8883491F4268F173C6E5DC49EDECE4F3F38D871E
    ```

    ## Use instead
    ```singularity
    Bootstrap: library
    From: mytools/default/app:1.0
    Fingerprints: 8883491F4268F173C6E5DC49EDECE4F3F38D871E
    ```

    ## Fix safety
    Safe: the fix writes out the defaults the library service applies
    (`library/mytools/app:1.0`), so the same image is pulled and the file now says so.
    Not offered when the value spans continuation lines.

    ## Options
    `container-only` (default `false`): also report one-part names such as `alpine`.
    """
    container_only = bool(ctx.options.get("container-only", False))
    for sr in stage_refs(ctx):
        ref = sr.ref
        if ref is None or sr.kind is not RefKind.LIBRARY or not ref.library_defaulted:
            continue
        if len(ref.library_defaulted) == 2 and not container_only:
            continue
        entity, collection, _container = ref.library_parts
        prefix = f"{entity}/{collection}/" if len(ref.library_defaulted) == 2 else f"{entity}/"
        fix = None
        path_at = _library_path_offset(sr.value)
        if sr.exact and path_at is not None:
            fix = ctx.replace(
                Span(sr.value_offset(path_at), sr.value_offset(path_at)),
                prefix,
                f"write the full path `{prefix}{ref.repository}`",
            )
        yield ctx.finding(
            _from_span(sr),
            f"`{ref.repository}` resolves to `{'/'.join(ref.library_parts)}` on the library "
            "service; write the full entity/collection/container path",
            fix=fix,
        )


def _library_path_offset(value: str) -> int | None:
    """Where the library path starts in `value` (after `library://` and a host)."""
    at = len("library://") if value.startswith("library://") else 0
    rest = value[at:]
    if rest.count("/") > 2:
        return None  # a host is written; the path is already complete
    return at
