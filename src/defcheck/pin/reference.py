"""defpin's view of image references: endpoints, pin state and rendering. Pure, no network.

Parsing and normalisation build on `defcheck.refs` (spec §8, §9): the name/tag/digest split,
the registry-host rule, Docker's defaults (registry `docker.io`, `library/` for one-component
Hub names, tag `latest`), the tag and digest grammars, `[Registry/][Namespace/]From` and the
library grammar all come from there. What is defpin's own:

* `DockerRef`: a reference defpin resolves, with the host serving the distribution API
  (`registry-1.docker.io` for Docker Hub, every Hub alias read as Docker Hub) and its
  canonical form for deduplication. A tag next to a digest is accepted (the `tag-digest`
  pin style writes it); error messages name the offending part.
* `LibraryRef`: a library reference as written, and the value pinning it to an image hash.
* loopback and `host:port` helpers for the registry client, and the `# defpin: REF` comment.

>>> ref = parse_docker_reference("ubuntu:24.04")
>>> ref.registry, ref.repository, ref.tag
('docker.io', 'library/ubuntu', '24.04')
"""

from __future__ import annotations

from enum import Enum

from defcheck.errors import ImageRefError
from defcheck.refs import (
    DOCKER_HUB,
    DOCKER_HUB_ALIASES,
    NameParts,
    RefKind,
    combine_registry_namespace,
    is_docker_path_component,
    is_docker_tag,
    is_library_image_hash,
    is_registry_hostname,
    is_sha256_digest,
    library_path_parts,
    normalise_docker_name,
    parse_image_ref,
    ref_kind,
    split_docker_domain,
    split_name_tag_digest,
)
from defcheck.syntax.lazy import lazy_compile
from defcheck.syntax.record import record

__all__ = [
    "COMMENT_MARK",
    "DOCKER_HUB",
    "DOCKER_HUB_API",
    "PREFIXING_AGENTS",
    "Agent",
    "DockerRef",
    "LibraryRef",
    "NameParts",
    "classify_agent",
    "combine_prefix",
    "is_digest",
    "is_loopback",
    "parse_docker_reference",
    "parse_library_reference",
    "parse_pin_comment",
    "render_pin_comment",
    "split_host_port",
    "split_reference",
]

#: The host Docker Hub's distribution API lives on (`docker.io` is how references name it).
DOCKER_HUB_API = "registry-1.docker.io"

_PORT = lazy_compile(r"[0-9]+\Z")
_IPV6_HOST = lazy_compile(r"\[[0-9A-Fa-f:.]+\]")

#: `split_name_tag_digest` under the name defpin's modules use.
split_reference = split_name_tag_digest
#: `sha256:` + 64 lower-case hex digits.
is_digest = is_sha256_digest


class Agent(Enum):
    """How defpin treats a `Bootstrap:` agent."""

    DOCKER = "docker"
    ORAS = "oras"
    LIBRARY = "library"
    NOT_APPLICABLE = "n/a"


#: Agents that combine `Registry:`/`Namespace:` with `From:` (spec §8 notes).
PREFIXING_AGENTS = frozenset(k.value for k in RefKind if k.takes_registry_namespace)

_PINNABLE = {RefKind.DOCKER: Agent.DOCKER, RefKind.ORAS: Agent.ORAS, RefKind.LIBRARY: Agent.LIBRARY}


def classify_agent(bootstrap: str | None) -> Agent:
    """Map a `Bootstrap:` value to what defpin does with it.

    Dispatch is exact and case-sensitive in Apptainer (spec §8, `ref_kind`), so `Docker` is
    not `docker`. Local sources (`localimage`, `docker-daemon`, `oci` ...), package-manager
    agents and `scratch` have nothing to pin; `shub` is defunct.
    """
    kind = ref_kind(bootstrap)
    return _PINNABLE.get(kind, Agent.NOT_APPLICABLE) if kind else Agent.NOT_APPLICABLE


def is_loopback(host: str) -> bool:
    """True if `host` (without port) names the loopback interface."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    if ":" not in name and not name[:1].isdigit():
        return False  # not an IP literal (IPv4 starts with a digit, IPv6 has colons)
    import ipaddress  # only for IP literals: most hosts are names

    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def split_host_port(netloc: str) -> tuple[str, str | None]:
    """`host:port` -> (host, port); IPv6 literals keep their brackets."""
    if netloc.startswith("["):
        end = netloc.find("]")
        rest = netloc[end + 1 :]
        return netloc[: end + 1], rest[1:] if rest.startswith(":") else None
    host, sep, port = netloc.rpartition(":")
    if sep and _PORT.match(port):
        return host, port
    return netloc, None


@record
class DockerRef:
    """A parsed docker/oras reference.

    `domain` and `path` are as written (domain None when absent); `registry` and
    `repository` are normalised the way Docker and Apptainer do it.
    """

    domain: str | None
    path: str
    tag: str | None
    digest: str | None

    @property
    def is_docker_hub(self) -> bool:
        """True for Docker Hub: no domain, or any spelling of a Hub alias (any case)."""
        return self.domain is None or self.domain.lower() in DOCKER_HUB_ALIASES

    @property
    def registry(self) -> str:
        """Normalised registry: `docker.io` for Docker Hub, else the domain as written."""
        return self._normalised()[0]

    @property
    def repository(self) -> str:
        """Repository path on the registry (`library/` added for one-part Hub names)."""
        return self._normalised()[1]

    def _normalised(self) -> tuple[str, str]:
        return normalise_docker_name(None if self.is_docker_hub else self.domain, self.path)

    @property
    def api_host(self) -> str:
        """`host[:port]` that serves the distribution API for this registry."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def effective_tag(self) -> str:
        """The tag a registry would be asked for (`latest` when none is written)."""
        return self.tag or "latest"

    @property
    def name(self) -> str:
        """The name as written (domain and path, no tag or digest)."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    def canonical(self) -> str:
        """Fully normalised `registry/repository[:tag][@digest]` (for dedup and output)."""
        out = f"{self.registry}/{self.repository}"
        if self.tag or not self.digest:
            out += f":{self.effective_tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out


def parse_docker_reference(text: str) -> DockerRef:
    """Parse a docker/oras reference (no scheme), raising `ImageRefError` if invalid.

    >>> parse_docker_reference("localhost:5000/test/busy@sha256:" + "a" * 64).domain
    'localhost:5000'
    """
    if not text:
        raise ImageRefError("empty image reference")
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise ImageRefError(
            f"`{scheme}://` must not be written in From: (Apptainer adds the scheme itself)"
        )
    parts = split_name_tag_digest(text)
    domain, path = split_docker_domain(parts.name)
    if domain is not None:
        host, port = split_host_port(domain)
        valid_host = is_registry_hostname(host) or _IPV6_HOST.fullmatch(host)
        if not valid_host or (port is not None and not _PORT.match(port)):
            raise ImageRefError(f"invalid registry host `{domain}` in `{text}`")
        if ":" in domain and port is None and not host.startswith("["):
            raise ImageRefError(f"invalid registry port in `{text}`")
    if not path:
        raise ImageRefError(f"missing repository name in `{text}`")
    for component in path.split("/"):
        if not is_docker_path_component(component):
            raise ImageRefError(
                f"invalid repository name component `{component}` in `{text}` "
                "(lower-case letters, digits and separators . _ __ - only)"
            )
    if parts.tag is not None and not is_docker_tag(parts.tag):
        raise ImageRefError(f"invalid tag `{parts.tag}` in `{text}`")
    if parts.digest is not None and not is_sha256_digest(parts.digest):
        raise ImageRefError(
            f"invalid digest `{parts.digest}` in `{text}` (want sha256: and 64 lower-case hex)"
        )
    return DockerRef(domain, path, parts.tag, parts.digest)


def combine_prefix(from_value: str, *, registry: str | None, namespace: str | None) -> str:
    """Apptainer's `[Registry/][Namespace/]From`, ignoring slashes around the header values.

    >>> combine_prefix("app:1", registry="r.io/", namespace="team")
    'r.io/team/app:1'
    """
    return combine_registry_namespace(
        from_value,
        registry=registry.strip("/") if registry else None,
        namespace=namespace.strip("/") if namespace else None,
    )


@record
class LibraryRef:
    """A parsed library reference.

    `prefix` is `library://` when written, `host` the library host embedded in the
    reference (overrides the library URL), `path` the 1-3 component image path as
    written, `tags` the comma-separated tag list as written (empty: `latest`).
    """

    prefix: str
    host: str | None
    path: str
    tags: tuple[str, ...]

    @property
    def tag(self) -> str:
        """The tag Apptainer fetches: the first of the list, default `latest`."""
        return self.tags[0] if self.tags else "latest"

    @property
    def pinned(self) -> bool:
        """True when the tag is an image hash (`sha256.<hex>` or `sif.<uuid>`)."""
        return is_library_image_hash(self.tag)

    @property
    def full_path(self) -> str:
        """`entity/collection/container` with the service defaults `library`/`default`."""
        return "/".join(library_path_parts(self.path))

    @property
    def written_name(self) -> str:
        """Prefix, host and path as written, without tags."""
        host = f"{self.host}/" if self.host else ""
        return f"{self.prefix}{host}{self.path}"

    def pinned_value(self, image_hash: str) -> str:
        """The `From:` value pinning this reference to `image_hash` (`sha256.<hex>`)."""
        host = f"{self.host}/" if self.host else ""
        return f"{self.prefix}{host}{self.full_path}:{image_hash}"


def parse_library_reference(text: str) -> LibraryRef:
    """Parse a library reference with `defcheck.refs`, raising `ImageRefError` if invalid.

    >>> parse_library_reference("library://alpine:3.19").full_path
    'library/default/alpine'
    """
    ref = parse_image_ref(RefKind.LIBRARY, text)
    prefix = "library://" if text.strip().startswith("library://") else ""
    return LibraryRef(prefix, ref.registry, ref.repository, ref.tags)


# --- the `# defpin: name:tag` comment -------------------------------------------------

COMMENT_MARK = "defpin:"
_PIN_COMMENT = lazy_compile(r"#\s*defpin:\s*(\S+)")


def parse_pin_comment(comment: str | None) -> str | None:
    """The tag reference recorded in a `# defpin: name:tag` comment, or None.

    >>> parse_pin_comment("# defpin: ubuntu:24.04  # LTS")
    'ubuntu:24.04'
    """
    if not comment:
        return None
    match = _PIN_COMMENT.match(comment)
    return match.group(1) if match else None


def render_pin_comment(tag_ref: str, old_comment: str | None) -> str:
    """A `# defpin: REF` comment, keeping any other comment text after it.

    >>> render_pin_comment("ubuntu:24.04", "# LTS")
    '# defpin: ubuntu:24.04  # LTS'
    """
    text = f"# {COMMENT_MARK} {tag_ref}"
    if old_comment:
        match = _PIN_COMMENT.match(old_comment)
        extra = old_comment[match.end() :].strip() if match else old_comment.strip()
        if extra:
            text += f"  {extra}" if extra.startswith("#") else f"  # {extra}"
    return text
