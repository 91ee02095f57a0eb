"""Find the `From:` references of a parsed file and decide what defpin does with each.

Pure: a `Document` in, `Target`s out. One target per stage that has a `Bootstrap:` or
`From:` line, so agents with nothing to pin are listed too (as not applicable).
"""

from __future__ import annotations

from enum import Enum

from defcheck.errors import ImageRefError
from defcheck.pin.reference import (
    Agent,
    DockerRef,
    LibraryRef,
    classify_agent,
    combine_prefix,
    parse_docker_reference,
    parse_library_reference,
    parse_pin_comment,
)
from defcheck.refs import NameParts, is_sha256_digest, split_name_tag_digest
from defcheck.syntax import Document, HeaderField, Span
from defcheck.syntax.record import fields_of, record


class Status(Enum):
    """Where a reference stands."""

    UNPINNED = "unpinned"  # a tag (or nothing): defpin pins it
    PINNED = "pinned"  # a digest; `tag_ref` says which tag it came from, if known
    NOT_APPLICABLE = "not-applicable"  # agent with nothing to pin
    SKIPPED = "skipped"  # a reference defpin cannot rewrite safely (reason given)
    INVALID = "invalid"  # the reference does not parse (error)


@record
class Target:
    """One stage's `From:` and what defpin makes of it.

    `written` is the From value's name part as written (what a pin keeps), `tag_ref`
    the `name:tag` to resolve (from the value, or from a `# defpin:` comment when the
    value is pinned), `digest` the pinned digest (`sha256:` or library `sha256.`).
    """

    path: str
    stage: int
    agent: str | None
    transport: Agent
    status: Status
    line: int
    column: int
    value: str | None = None
    value_span: Span | None = None
    comment: str | None = None
    comment_span: Span | None = None
    reason: str = ""
    written: str = ""
    tag_ref: str | None = None
    digest: str | None = None
    docker: DockerRef | None = None  # effective reference of `tag_ref` (docker/oras)
    library: LibraryRef | None = None  # parsed `tag_ref` (library)
    library_url: str | None = None  # from the `Library:` header

    @property
    def where(self) -> str:
        """`path:line:col`."""
        return f"{self.path}:{self.line}:{self.column}"


def find_targets(doc: Document, path: str) -> list[Target]:
    """Targets for every stage of `doc` that names an agent or a `From:`."""
    out: list[Target] = []
    for stage in doc.stages:
        field = stage.field("from")
        agent = stage.bootstrap
        if field is None and agent is None:
            continue
        anchor = field.value_span.start if field is not None else stage.span.start
        if field is None and stage.field("bootstrap") is not None:
            bootstrap_field = stage.field("bootstrap")
            assert bootstrap_field is not None
            anchor = bootstrap_field.value_span.start
        line, col = doc.lines.line_col(anchor)
        base = Target(
            path, stage.index, agent, classify_agent(agent), Status.NOT_APPLICABLE, line, col
        )
        out.append(
            _classify(
                base,
                field,
                stage.value("registry"),
                stage.value("namespace"),
                stage.value("library"),
                doc,
            )
        )
    return out


def _replace(t: Target, **changes: object) -> Target:
    """A copy of `t` with some fields changed (what `dataclasses.replace` does)."""
    values = {name: getattr(t, name) for name in fields_of(t)}
    values.update(changes)
    return Target(**values)


def _classify(
    base: Target,
    field: HeaderField | None,
    registry: str | None,
    namespace: str | None,
    library_url: str | None,
    doc: Document,
) -> Target:
    if base.transport is Agent.NOT_APPLICABLE:
        agent = base.agent or "(none)"
        return _replace(base, reason=f"Bootstrap: {agent} has nothing to pin")
    if field is None or not field.value:
        return _replace(base, status=Status.SKIPPED, reason="no From: value")
    t = _replace(
        base,
        value=field.value,
        value_span=field.value_span,
        comment=field.comment,
        comment_span=field.comment_span,
        library_url=library_url or None,
    )
    if field.continued:
        return _replace(
            t, status=Status.SKIPPED, reason="From: continues over several lines; pin it by hand"
        )
    if any(
        p.span.start < field.span.end and p.span.end > field.span.start for p in doc.placeholders
    ):
        return _replace(
            t,
            status=Status.SKIPPED,
            reason="From: holds a {{ build-argument }}; pin the value you pass",
        )
    try:
        if t.transport is Agent.LIBRARY:
            return _classify_library(t, field.value, field.comment)
        prefix_reg = registry if t.transport is Agent.DOCKER else None
        prefix_ns = namespace if t.transport is Agent.DOCKER else None
        return _classify_docker(t, field.value, field.comment, prefix_reg, prefix_ns)
    except ImageRefError as exc:
        return _replace(t, status=Status.INVALID, reason=str(exc))


def _classify_docker(
    t: Target, value: str, comment: str | None, registry: str | None, namespace: str | None
) -> Target:
    # Validate the effective reference exactly as Apptainer builds it (spec §8).
    effective = combine_prefix(value, registry=registry, namespace=namespace)
    checked = parse_docker_reference(effective)
    parts: NameParts = split_name_tag_digest(value)
    if parts.digest is None:
        tag_ref = f"{parts.name}:{parts.tag or 'latest'}"
        tagged = combine_prefix(tag_ref, registry=registry, namespace=namespace)
        # Parsing is pure: a value that names its tag is already parsed.
        ref = checked if tagged == effective else parse_docker_reference(tagged)
        return _replace(t, status=Status.UNPINNED, written=parts.name, tag_ref=tag_ref, docker=ref)
    recorded = parse_pin_comment(comment)
    if parts.tag is not None:
        recorded = f"{parts.name}:{parts.tag}"  # tag-digest style carries its own tag
    eff: DockerRef | None = None
    if recorded is not None:
        rparts = split_name_tag_digest(recorded)
        if rparts.digest is not None or is_sha256_digest(recorded):
            raise ImageRefError(f"`# defpin: {recorded}` must name a tag, not a digest")
        tag_ref = f"{rparts.name}:{rparts.tag or 'latest'}"
        eff = parse_docker_reference(
            combine_prefix(tag_ref, registry=registry, namespace=namespace)
        )
        recorded = tag_ref
    return _replace(
        t,
        status=Status.PINNED,
        written=parts.name,
        tag_ref=recorded,
        digest=parts.digest,
        docker=eff,
    )


def _classify_library(t: Target, value: str, comment: str | None) -> Target:
    ref = parse_library_reference(value)
    if not ref.pinned:
        tags = ",".join(ref.tags) if ref.tags else "latest"
        tag_ref = f"{ref.written_name}:{tags}"
        return _replace(
            t, status=Status.UNPINNED, written=ref.written_name, tag_ref=tag_ref, library=ref
        )
    recorded = parse_pin_comment(comment)
    lib = parse_library_reference(recorded) if recorded else None
    if lib is not None and lib.pinned:
        raise ImageRefError(f"`# defpin: {recorded}` must name a tag, not an image hash")
    return _replace(
        t,
        status=Status.PINNED,
        written=ref.written_name,
        tag_ref=recorded,
        digest=ref.tag,
        library=lib,
    )
