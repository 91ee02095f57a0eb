"""Image references: parse, normalise, classify, render. Pure, no network.

Grammars follow the Apptainer spec (shared spec §8, §9):

* docker/oras: `[HOST[:PORT]/][PATH/]NAME[:TAG][@sha256:<64 hex>]`, normalised like
  Docker (default registry `docker.io`, `library/` for one-component Hub names, tag
  `latest`). For `Bootstrap: docker` the effective reference is
  `[Registry/][Namespace/]From` (spec §8 notes).
* library: `[library://][HOST/][ENTITY/][COLLECTION/]CONTAINER[:TAG[,TAG...]]`; a pin is
  the tag `sha256.<64 hex>` (or a `sif.<uuid>` image id).

>>> ref = parse_docker_reference("ubuntu:24.04")
>>> ref.registry, ref.repository, ref.tag
('docker.io', 'library/ubuntu', '24.04')
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import Enum

from defcheck.errors import ImageRefError

#: Docker Hub as written in normalised references, and the host its API lives on.
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})

_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\Z")
_DOMAIN = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)"
    r"(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*"
    r"|\[[0-9A-Fa-f:.]+\]"
)
_PORT = re.compile(r"[0-9]+\Z")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}\Z")
_LIB_HASH = re.compile(r"(?:sha256\.[0-9a-f]{64}|sif\.[0-9a-fA-F-]{36})\Z")
_LIB_NAME = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*\Z")


class Agent(Enum):
    """How defpin treats a `Bootstrap:` agent."""

    DOCKER = "docker"
    ORAS = "oras"
    LIBRARY = "library"
    NOT_APPLICABLE = "n/a"


#: Agents that combine `Registry:`/`Namespace:` with `From:` (spec §8 notes).
PREFIXING_AGENTS = frozenset({"docker", "docker-daemon", "docker-archive", "oci", "oci-archive"})


def classify_agent(bootstrap: str | None) -> Agent:
    """Map a `Bootstrap:` value to what defpin does with it.

    Dispatch is exact and case-sensitive in Apptainer (spec §8), so `Docker` is not
    `docker`. Local sources (`localimage`, `docker-daemon`, `oci` ...), package-manager
    agents and `scratch` have nothing to pin; `shub` is defunct.
    """
    if bootstrap == "docker":
        return Agent.DOCKER
    if bootstrap == "oras":
        return Agent.ORAS
    if bootstrap == "library":
        return Agent.LIBRARY
    return Agent.NOT_APPLICABLE


def is_digest(text: str) -> bool:
    """True for `sha256:` + 64 lower-case hex digits."""
    return _DIGEST.match(text) is not None


def is_loopback(host: str) -> bool:
    """True if `host` (without port) names the loopback interface."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
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


@dataclass(frozen=True, slots=True)
class NameParts:
    """A reference split where the text allows, before any validation or defaults."""

    name: str
    tag: str | None
    digest: str | None


def split_reference(text: str) -> NameParts:
    """Split `name[:tag][@digest]` without validating anything.

    >>> split_reference("localhost:5000/a/b:1.0@sha256:ab")
    NameParts(name='localhost:5000/a/b', tag='1.0', digest='sha256:ab')
    """
    name, at, digest = text.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag: str | None = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return NameParts(name, tag, digest if at else None)


@dataclass(frozen=True, slots=True)
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
    def registry(self) -> str:
        """Normalised registry: `docker.io` for Docker Hub, else the domain as written."""
        if self.domain is None or self.domain.lower() in _HUB_ALIASES:
            return DOCKER_HUB
        return self.domain

    @property
    def repository(self) -> str:
        """Repository path on the registry (`library/` added for one-part Hub names)."""
        if self.registry == DOCKER_HUB and "/" not in self.path:
            return f"library/{self.path}"
        return self.path

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
    parts = split_reference(text)
    first, slash, rest = parts.name.partition("/")
    domain: str | None = None
    path = parts.name
    if slash and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        domain, path = first, rest
        host, port = split_host_port(domain)
        if not _DOMAIN.fullmatch(host) or (port is not None and not _PORT.match(port)):
            raise ImageRefError(f"invalid registry host `{domain}` in `{text}`")
        if ":" in domain and port is None and not host.startswith("["):
            raise ImageRefError(f"invalid registry port in `{text}`")
    if not path:
        raise ImageRefError(f"missing repository name in `{text}`")
    for component in path.split("/"):
        if not _COMPONENT.match(component):
            raise ImageRefError(
                f"invalid repository name component `{component}` in `{text}` "
                "(lower-case letters, digits and separators . _ __ - only)"
            )
    if parts.tag is not None and not _TAG.match(parts.tag):
        raise ImageRefError(f"invalid tag `{parts.tag}` in `{text}`")
    if parts.digest is not None and not _DIGEST.match(parts.digest):
        raise ImageRefError(
            f"invalid digest `{parts.digest}` in `{text}` (want sha256: and 64 lower-case hex)"
        )
    return DockerRef(domain, path, parts.tag, parts.digest)


def combine_prefix(from_value: str, *, registry: str | None, namespace: str | None) -> str:
    """Apptainer's `[Registry/][Namespace/]From` (namespace first, then registry)."""
    out = from_value
    if namespace:
        out = f"{namespace.strip('/')}/{out}"
    if registry:
        out = f"{registry.strip('/')}/{out}"
    return out


@dataclass(frozen=True, slots=True)
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
        return _LIB_HASH.match(self.tag) is not None

    @property
    def full_path(self) -> str:
        """`entity/collection/container` with the service defaults `library`/`default`."""
        parts = self.path.split("/")
        if len(parts) == 1:
            parts = ["library", "default", *parts]
        elif len(parts) == 2:
            parts = ["library", *parts]
        return "/".join(parts)

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
    """Parse a library reference, raising `ImageRefError` if invalid.

    >>> parse_library_reference("library://alpine:3.19").full_path
    'library/default/alpine'
    """
    prefix = ""
    rest = text
    if rest.startswith("library://"):
        prefix, rest = "library://", rest[len("library://") :]
    elif "://" in rest:
        raise ImageRefError(f"unexpected scheme in library reference `{text}`")
    path, colon, tagtext = rest.partition(":")
    host: str | None = None
    if path.count("/") > 2:
        host, path = path.split("/", 1)
    if not path:
        raise ImageRefError(f"missing image name in `{text}`")
    components = path.split("/")
    if len(components) > 3:
        raise ImageRefError(f"too many path components in `{text}`")
    for component in components:
        if not _LIB_NAME.match(component):
            raise ImageRefError(f"invalid library name component `{component}` in `{text}`")
    tags = tuple(t for t in tagtext.split(",") if t) if colon else ()
    if colon and not tags:
        raise ImageRefError(f"empty tag in `{text}`")
    return LibraryRef(prefix, host, path, tags)


# --- the `# defpin: name:tag` comment -------------------------------------------------

COMMENT_MARK = "defpin:"
_PIN_COMMENT = re.compile(r"#\s*defpin:\s*(\S+)")


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
