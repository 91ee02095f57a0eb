"""Image references of `From:` lines as the language server explains and links them.

Parsing and normalisation come from `defcheck.refs` (pure, no network, Apptainer's own
grammar per agent, `Registry:`/`Namespace:` prefixed for the OCI transports); this module
fills in `%arguments` defaults and renders the result for people.
"""

from __future__ import annotations

from dataclasses import dataclass

from defcheck.lsp.names import arg_defaults
from defcheck.syntax import Document, HeaderField, Stage
from defcheck.syntax.document import PLACEHOLDER_RE


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What a `From:` value resolves to, for hover and links."""

    agent: str
    written: str
    effective: str  # after Registry/Namespace and build-arg defaults
    lines: tuple[str, ...]  # human-readable facts
    url: str | None = None  # web page of the image
    pinnable: bool = False
    error: str | None = None


def substitute_defaults(value: str, stage: Stage) -> str:
    """`value` with `{{ NAME }}` replaced by the stage's `%arguments` defaults (if any)."""
    if "{{" not in value:
        return value
    defaults = arg_defaults(stage)
    return PLACEHOLDER_RE.sub(lambda m: defaults.get(m.group(1), m.group(0)), value)


def _hub_url(repository: str) -> str:
    if repository.startswith("library/"):
        return f"https://hub.docker.com/_/{repository[len('library/') :]}"
    return f"https://hub.docker.com/r/{repository}"


def registry_url(registry: str, repository: str) -> str | None:
    """The web page of a repository on well-known registries (else the registry URL)."""
    if registry == "docker.io":
        return _hub_url(repository)
    if registry == "quay.io":
        return f"https://quay.io/repository/{repository}"
    if registry in ("mcr.microsoft.com",):
        return f"https://mcr.microsoft.com/artifact/mar/{repository}"
    host = registry.split(":")[0]
    if host in ("localhost", "127.0.0.1", "::1") or host.startswith("["):
        return None
    return f"https://{registry}/{repository}"


def image_info(doc: Document, stage: Stage, field: HeaderField) -> ImageInfo | None:
    """Explain the `From:` value of a stage."""
    del doc
    from defcheck.errors import ImageRefError
    from defcheck.refs import RefKind, parse_image_ref, ref_kind

    agent = stage.bootstrap or ""
    written = field.value or ""
    if not written:
        return None
    value = substitute_defaults(written, stage)
    kind = ref_kind(agent)
    facts: list[str] = []
    if value != written:
        facts.append(f"With `%arguments` defaults: `{value}`")
    if kind is None:
        if agent:
            facts.append(f"`Bootstrap: {agent}` does not read `From:`")
        return ImageInfo(agent, written, value, tuple(facts))
    try:
        ref = parse_image_ref(
            kind, value, registry=stage.value("registry"), namespace=stage.value("namespace")
        )
    except ImageRefError as exc:
        return ImageInfo(agent, written, value, tuple(facts), error=str(exc))
    effective = ref.display()
    if kind.is_path:
        facts.append(f"Path on the build host: `{ref.repository}`")
        if ref.digest:
            facts.append(f"Digest: `{ref.digest}`")
        return ImageInfo(agent, written, effective, tuple(facts))
    facts.append(f"Full reference: `{effective}`")
    if kind is RefKind.LIBRARY:
        entity, collection, container = ref.library_parts
        facts.append(f"Library: `{ref.registry}`" if ref.registry else "Library: the default")
        facts.append(
            f"Entity / collection / container: `{entity}` / `{collection}` / `{container}`"
        )
    else:
        facts.append(f"Registry: `{ref.registry}`")
        if ref.namespace:
            facts.append(f"Namespace: `{ref.namespace}`")
        facts.append(f"Repository: `{ref.repository}`")
    if ref.tag:
        facts.append(f"Tag: `{ref.tag}`")
    elif ref.implicit_latest:
        facts.append("Tag: implicit `latest` (none written)")
    else:
        facts.append("Tag: none (pinned by digest only)")
    if ref.digest:
        facts.append(f"Digest: `{ref.digest}` (pinned)")
    else:
        facts.append("Digest: none (not pinned; the tag can move)")
    url: str | None = None
    if kind is RefKind.LIBRARY:
        if not ref.registry:
            url = "https://cloud.sylabs.io/library/" + "/".join(ref.library_parts)
    elif kind in (RefKind.DOCKER, RefKind.ORAS) and ref.registry:
        url = registry_url(ref.registry, ref.repository)
    pinnable = kind in (RefKind.DOCKER, RefKind.ORAS, RefKind.LIBRARY) and not ref.digest
    return ImageInfo(agent, written, effective, tuple(facts), url, pinnable)


def markdown(info: ImageInfo) -> str:
    """Hover text for an image reference."""
    head = f"**Image** `{info.written}`"
    body = "\n".join(f"- {line}" for line in info.lines)
    if info.error:
        body += ("\n" if body else "") + f"- **Invalid reference:** {info.error}"
    if info.url:
        body += f"\n\n[Open in the registry]({info.url})"
    return f"{head}\n\n{body}" if body else head
