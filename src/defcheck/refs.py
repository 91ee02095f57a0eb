"""Image references per bootstrap agent: parse, normalise, classify. Pure, no network.

This is the shared lower layer the linter, the language server's hover and `defpin`
(`defcheck.pin.reference`, which adds registry endpoints and pin rendering) build on.
Grammars follow spec §8-§9:

* `docker`, `docker-daemon`: the distribution reference grammar as containers/image applies
  it (default registry `docker.io`, `library/` for one-component Docker Hub names, implicit
  `latest`; tag *and* digest together is rejected), after Apptainer prefixes the `Registry:`
  and `Namespace:` header values (`[Registry/][Namespace/]From`).
* `oras`: go-containerregistry's reading of the same grammar (a tag next to a digest is
  dropped, not rejected).
* `library`: `[library://][HOST/][ENTITY/][COLLECTION/]CONTAINER[:TAG[,TAG...]]`, where a tag
  may be an image hash (`sha256.<64 hex>` or `sif.<uuid>`); the library service fills in
  entity `library` and collection `default`.
* `shub`: `[REGISTRY/...]USER/CONTAINER[:TAG][@HASH]` (Singularity Hub is defunct).
* `localimage`, `docker-archive`, `oci`, `oci-archive`: host paths.

>>> ref = parse_image_ref("docker", "alpine")
>>> ref.display(), ref.implicit_latest, ref.is_official
('docker.io/library/alpine:latest', True, True)
>>> parse_image_ref("library", "alpine:3.18").display()
'library/default/alpine:3.18'
"""

from __future__ import annotations

from enum import Enum

from defcheck.errors import ImageRefError
from defcheck.syntax.lazy import lazy_compile
from defcheck.syntax.record import record

__all__ = [
    "DOCKER_HUB",
    "DOCKER_HUB_ALIASES",
    "LIBRARY_DEFAULT_COLLECTION",
    "LIBRARY_DEFAULT_ENTITY",
    "ImageRef",
    "ImageRefError",
    "NameParts",
    "RefKind",
    "combine_registry_namespace",
    "is_docker_path_component",
    "is_docker_tag",
    "is_library_image_hash",
    "is_registry_hostname",
    "is_sha256_digest",
    "library_path_parts",
    "normalise_docker_name",
    "parse_docker_tag_and_digest",
    "parse_image_ref",
    "ref_kind",
    "scheme_prefix",
    "split_docker_domain",
    "split_name_tag_digest",
]

DOCKER_HUB = "docker.io"
LIBRARY_DEFAULT_ENTITY = "library"
LIBRARY_DEFAULT_COLLECTION = "default"
SHUB_DEFAULT_REGISTRY = "singularity-hub.org"
#: The host names Docker Hub is written as (`docker.io` is the normalised one).
DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})


class RefKind(str, Enum):
    """The bootstrap agents whose `From:` is an image reference or an image path."""

    DOCKER = "docker"
    DOCKER_DAEMON = "docker-daemon"
    DOCKER_ARCHIVE = "docker-archive"
    OCI = "oci"
    OCI_ARCHIVE = "oci-archive"
    ORAS = "oras"
    LIBRARY = "library"
    SHUB = "shub"
    LOCALIMAGE = "localimage"

    @property
    def is_path(self) -> bool:
        """True for agents whose `From:` is a host path rather than a registry reference."""
        return self in _PATH_KINDS

    @property
    def takes_registry_namespace(self) -> bool:
        """True for the five OCI transports that prefix `Registry:`/`Namespace:` (spec §8)."""
        return self in _OCI_TRANSPORTS


_PATH_KINDS = frozenset(
    {RefKind.DOCKER_ARCHIVE, RefKind.OCI, RefKind.OCI_ARCHIVE, RefKind.LOCALIMAGE}
)
_OCI_TRANSPORTS = frozenset(
    {
        RefKind.DOCKER,
        RefKind.DOCKER_DAEMON,
        RefKind.DOCKER_ARCHIVE,
        RefKind.OCI,
        RefKind.OCI_ARCHIVE,
    }
)


def ref_kind(bootstrap: str | None) -> RefKind | None:
    """The reference kind of a `Bootstrap:` value (exact, case-sensitive like Apptainer).

    >>> ref_kind("docker"), ref_kind("yum"), ref_kind("Docker")
    (<RefKind.DOCKER: 'docker'>, None, None)
    """
    try:
        return RefKind(bootstrap) if bootstrap else None
    except ValueError:
        return None


@record  # not @dataclass: importing dataclasses costs start-up time
class ImageRef:
    """A parsed, normalised image reference.

    * `registry`: the registry host (`docker.io` for Docker Hub, whatever alias was written);
      the library host when one is written (else None); the shub registry; None for paths.
    * `repository`: the path inside the registry (`library/alpine` for `alpine` on Docker
      Hub); the library path as written (`alpine`, `entity/collection/container`); the host
      path for path kinds.
    * `tag`: the tag as written (library: the first of the comma-separated tags), or None.
    * `digest`: `sha256:<hex>` for OCI kinds; the image hash (`sha256.<hex>`, `sif.<uuid>`)
      for library; the `@` hash for shub.
    * `implicit_latest`: neither tag nor digest was written, so `latest` is pulled.
    """

    kind: RefKind
    raw: str
    registry: str | None
    repository: str
    tag: str | None = None
    digest: str | None = None
    implicit_latest: bool = False
    tags: tuple[str, ...] = ()

    @property
    def effective_tag(self) -> str | None:
        """The tag that is pulled: the written one, `latest` when implicit, None if by digest."""
        if self.tag is not None:
            return self.tag
        return "latest" if self.implicit_latest else None

    @property
    def is_docker_hub(self) -> bool:
        """True when the image comes from Docker Hub (docker/docker-daemon/oras kinds)."""
        return self.registry in DOCKER_HUB_ALIASES and not self.kind.is_path

    @property
    def namespace(self) -> str | None:
        """The first path component when the repository has several (`library`, a user)."""
        head, sep, _ = self.repository.partition("/")
        return head if sep else None

    @property
    def is_official(self) -> bool:
        """True for a Docker Hub Official Image (`library/...`)."""
        return self.is_docker_hub and self.namespace == "library"

    @property
    def is_digest_pinned(self) -> bool:
        """True when the content is fixed by a digest or image hash."""
        return self.digest is not None

    @property
    def library_parts(self) -> tuple[str, str, str]:
        """(entity, collection, container) of a library reference, with service defaults."""
        return library_path_parts(self.repository)

    @property
    def library_defaulted(self) -> tuple[str, ...]:
        """Which library path parts the service fills in: `entity`, `collection` or none."""
        n = len(self.repository.split("/"))
        return {1: ("entity", "collection"), 2: ("entity",)}.get(n, ())

    def display(self) -> str:
        """The normalised reference Apptainer pulls (no scheme).

        >>> parse_image_ref("docker", "quay.io/org/app@sha256:" + "a" * 64).display()
        'quay.io/org/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
        """
        if not self.repository:
            return self.digest or ""
        if self.kind.is_path:
            return self.repository + (f"@{self.digest}" if self.digest else "")
        if self.kind is RefKind.LIBRARY:
            path = "/".join(self.library_parts)
            host = f"{self.registry}/" if self.registry else ""
            ver = self.digest or self.effective_tag or "latest"
            return f"{host}{path}:{ver}"
        name = f"{self.registry}/{self.repository}" if self.registry else self.repository
        tag = self.effective_tag
        out = name + (f":{tag}" if tag else "")
        return out + (f"@{self.digest}" if self.digest else "")


# -- scheme handling ---------------------------------------------------------------------

_SCHEME = lazy_compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def scheme_prefix(text: str) -> str | None:
    """The `scheme://` a `From:` value starts with (`docker://alpine` -> `docker`), or None."""
    if "://" not in text:
        return None  # `_SCHEME` needs it
    m = _SCHEME.match(text)
    return m.group(1) if m else None


def combine_registry_namespace(
    from_value: str, *, registry: str | None = None, namespace: str | None = None
) -> str:
    """Apptainer's `[Registry/][Namespace/]From` for the OCI transports (spec §8 notes).

    >>> combine_registry_namespace("app:1", registry="quay.io", namespace="org")
    'quay.io/org/app:1'
    """
    parts = [p for p in (registry, namespace) if p]
    return "/".join([*parts, from_value])


# -- docker / distribution reference grammar ----------------------------------------------

# The grammar, as containers/image writes it (with `re.ASCII`):
#   reference  = name [":" tag] ["@" digest]
#   name       = [domain "/"] component ("/" component)*
#   domain     = label ("." label)* [":" [0-9]+]
#   label      = [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
#   component  = [a-z0-9]+ (([._] | "__" | "-"+) [a-z0-9]+)*
#   tag        = [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
#   digest     = algorithm ":" [0-9a-fA-F]{32,}     algorithm = [A-Za-z][A-Za-z0-9]* ([-_+.] ...)*
# checked with string operations: the one regular expression for it took longer to compile
# than linting a typical file does (tests/refs compare both on generated references).
_LOWER_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_ALNUM = _LOWER_ALNUM | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LABEL_CHARS = _ALNUM | {"-"}
_TAG_CHARS = _ALNUM | {"_", ".", "-"}
_HEX = frozenset("0123456789abcdefABCDEF")
_COMPONENT_SEPARATORS = frozenset({".", "_", "__"})
_NAME_TOTAL_MAX = 255


def is_docker_path_component(text: str) -> bool:
    """True for one repository path component (`[a-z0-9]` words joined by `.`, `_`, `__`, `-`)."""
    if not text or text[0] not in _LOWER_ALNUM or text[-1] not in _LOWER_ALNUM:
        return False
    separator = ""
    for char in text:
        if char in _LOWER_ALNUM:
            if separator and separator not in _COMPONENT_SEPARATORS and separator.strip("-"):
                return False
            separator = ""
        else:
            separator += char
    return True


def is_docker_tag(text: str) -> bool:
    """True for a valid tag (word character, then up to 127 of `[A-Za-z0-9_.-]`)."""
    return (
        0 < len(text) <= 128
        and (text[0] in _ALNUM or text[0] == "_")
        and all(c in _TAG_CHARS for c in text)
    )


def is_registry_hostname(host: str) -> bool:
    """True for a registry host name without port (`localhost`, `quay.io`, `127.0.0.1`)."""
    return all(
        label
        and label[0] in _ALNUM
        and label[-1] in _ALNUM
        and all(c in _LABEL_CHARS for c in label)
        for label in host.split(".")
    )


def _is_domain(text: str) -> bool:
    """`host[:port]` as the reference grammar's `domain`."""
    host, colon, port = text.partition(":")
    if colon and not (port.isascii() and port.isdigit()):
        return False
    return is_registry_hostname(host)


def _is_digest(text: str) -> bool:
    """`algorithm:hex` as the reference grammar's `digest` (any algorithm, >= 32 hex)."""
    algorithm, colon, hex_part = text.partition(":")
    if not colon or len(hex_part) < 32 or not all(c in _HEX for c in hex_part):
        return False
    for sep in "_+.":
        algorithm = algorithm.replace(sep, "-")
    return all(
        part and part[0].isascii() and part[0].isalpha() and all(c in _ALNUM for c in part)
        for part in algorithm.split("-")
    )


def match_reference(text: str) -> tuple[str, str | None, str | None] | None:
    """(name, tag, digest) if `text` is a distribution reference, else None.

    >>> match_reference("localhost:5000/a/b:1.0")
    ('localhost:5000/a/b', '1.0', None)
    >>> match_reference("Alpine") is None
    True
    """
    name, at, digest = text.partition("@")
    if at and not _is_digest(digest):
        return None
    tag: str | None = None
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        name, tag = name[:colon], name[colon + 1 :]
        if not is_docker_tag(tag):
            return None
    first, slash, rest = name.partition("/")
    if slash and not all(is_docker_path_component(c) for c in rest.split("/")):
        return None
    if not (is_docker_path_component(first) or (slash and _is_domain(first))):
        return None
    return name, tag, digest if at else None


def is_sha256_digest(text: str) -> bool:
    """True for `sha256:` + 64 lower-case hex digits (the only digest Apptainer accepts)."""
    return text.startswith("sha256:") and _is_hex64(text[7:])


def _is_hex64(text: str) -> bool:
    """64 characters, each of `0-9a-f` (`[a-f0-9]{64}` without a regular expression)."""
    return len(text) == 64 and not text.strip("0123456789abcdef")


@record  # not @dataclass: importing dataclasses costs start-up time
class NameParts:
    """A reference split where the text allows, before any validation or defaults."""

    name: str
    tag: str | None
    digest: str | None


def split_name_tag_digest(text: str) -> NameParts:
    """Split `name[:tag][@digest]` without validating anything.

    >>> split_name_tag_digest("localhost:5000/a/b:1.0@sha256:ab")
    NameParts(name='localhost:5000/a/b', tag='1.0', digest='sha256:ab')
    """
    name, at, digest = text.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag: str | None = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return NameParts(name, tag, digest if at else None)


def split_docker_domain(name: str) -> tuple[str | None, str]:
    """(domain as written or None, path): the first component is a registry host when it
    has a `.` or `:`, is `localhost` or has upper-case letters (containers/image rule).

    >>> split_docker_domain("localhost:5000/a/b"), split_docker_domain("user/app")
    (('localhost:5000', 'a/b'), (None, 'user/app'))
    """
    head, sep, rest = name.partition("/")
    if sep and ("." in head or ":" in head or head == "localhost" or head.lower() != head):
        return head, rest
    return None, name


def normalise_docker_name(domain: str | None, path: str) -> tuple[str, str]:
    """(registry, repository) with Docker's defaults: `docker.io` when no domain is written,
    `index.docker.io` read as `docker.io`, `library/` for one-component Docker Hub names.

    >>> normalise_docker_name(None, "alpine"), normalise_docker_name("ghcr.io", "o/a")
    (('docker.io', 'library/alpine'), ('ghcr.io', 'o/a'))
    """
    registry = DOCKER_HUB if domain is None or domain == "index.docker.io" else domain
    if registry == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    return registry, path


def _parse_oci(kind: RefKind, text: str) -> ImageRef:
    """Parse a docker/docker-daemon/oras reference (spec §9.2, §9.3)."""
    if kind is RefKind.DOCKER_DAEMON and is_sha256_digest(text):
        # An image ID in the local daemon: content-addressed already.
        return ImageRef(kind, text, None, "", digest=text)
    if not text:
        raise ImageRefError("repository name must have at least one component")
    if _is_hex64(text):
        raise ImageRefError(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings"
        )
    parts = match_reference(text)
    if parts is None:
        if match_reference(text.lower()):
            raise ImageRefError(f"repository name must be lowercase: {text}")
        raise ImageRefError(f"invalid reference format: {text}")
    name, tag, digest = parts
    if len(name) > _NAME_TOTAL_MAX:
        raise ImageRefError(f"repository name must not be more than {_NAME_TOTAL_MAX} characters")
    domain, remainder = normalise_docker_name(*split_docker_domain(name))
    if remainder.lower() != remainder:
        raise ImageRefError(f"repository name ({remainder}) must be lowercase")
    if digest is not None and not is_sha256_digest(digest):
        raise ImageRefError(f"invalid digest `{digest}`: expected sha256: and 64 lower-case hex")
    if tag is not None and digest is not None and kind is not RefKind.ORAS:
        prefix = (
            "docker-daemon: references" if kind is RefKind.DOCKER_DAEMON else "Docker references"
        )
        raise ImageRefError(f"{prefix} with both a tag and digest are currently not supported")
    if kind is RefKind.DOCKER_DAEMON and tag is None and digest is None:
        raise ImageRefError(f"docker-daemon: reference {text} has neither a tag nor a digest")
    implicit = tag is None and digest is None
    return ImageRef(kind, text, domain, remainder, tag, digest, implicit)


def parse_docker_tag_and_digest(text: str) -> tuple[str | None, str | None]:
    """(tag, digest) of a reference whose only fault is carrying both (for fixes)."""
    parts = match_reference(text)
    return (parts[1], parts[2]) if parts else (None, None)


# -- library ------------------------------------------------------------------------------

_LIB_NAME = lazy_compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
_LIB_TAG = lazy_compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")
_LIB_HASH = lazy_compile(
    r"sha256\.[a-f0-9]{64}|sif\.[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"
)


def is_library_image_hash(tag: str) -> bool:
    """True when a library tag is an image hash (`sha256.<64 hex>` or `sif.<uuid>`)."""
    return _LIB_HASH.fullmatch(tag) is not None


def library_path_parts(path: str) -> tuple[str, str, str]:
    """(entity, collection, container) of a library path, with the service defaults.

    >>> library_path_parts("tools/app")
    ('library', 'tools', 'app')
    """
    parts = path.split("/")
    container = parts[-1]
    collection = parts[-2] if len(parts) >= 2 else LIBRARY_DEFAULT_COLLECTION
    entity = parts[-3] if len(parts) >= 3 else LIBRARY_DEFAULT_ENTITY
    return entity, collection, container


def _parse_library(text: str) -> ImageRef:
    """`NormalizeLibraryRef` plus the client's name validation (spec §9.1)."""
    rest = text.removeprefix("library://")
    host: str | None = None
    if rest.count("/") > 2:
        head, _, rest = rest.partition("/")
        host = head or None
    path, colon, tag_list = rest.partition(":")
    parts = path.split("/")
    if len(parts) > 3:
        raise ImageRefError(f"invalid library path `{path}`: more than entity/collection/container")
    for part in parts:
        if not _LIB_NAME.fullmatch(part):
            shown = part or "(empty)"
            raise ImageRefError(
                f"invalid library path component `{shown}`: expected [a-z0-9] words "
                "joined by `.`, `_` or `-`"
            )
    tags = tuple(tag_list.split(",")) if colon else ()
    for t in tags:
        if not (_LIB_TAG.fullmatch(t) or is_library_image_hash(t)):
            raise ImageRefError(f"invalid library tag `{t or '(empty)'}`")
    first = tags[0] if tags else None
    if first is not None and is_library_image_hash(first):
        return ImageRef(RefKind.LIBRARY, text, host, path, None, first, False, tags)
    return ImageRef(RefKind.LIBRARY, text, host, path, first, None, first is None, tags)


# -- shub ---------------------------------------------------------------------------------

_SHUB = lazy_compile(
    r"(?P<reg>[-.a-zA-Z0-9/]{1,64}/)?(?P<user>[-a-zA-Z0-9]{1,39})/"
    r"(?P<name>[-_.a-zA-Z0-9]{1,64})(?::(?P<tag>[-_.a-zA-Z0-9]{1,64}))?"
    r"(?:@(?P<hash>[a-f0-9]{40}|[a-f0-9]{32}))?"
)


def _parse_shub(text: str) -> ImageRef:
    """`isShubPullRef` and the registry split (spec §9.4)."""
    m = _SHUB.fullmatch(text)
    if m is None:
        raise ImageRefError(f"not a valid shub reference: {text}")
    registry = (m.group("reg") or "").rstrip("/") or SHUB_DEFAULT_REGISTRY
    repo = f"{m.group('user')}/{m.group('name')}"
    tag, digest = m.group("tag"), m.group("hash")
    return ImageRef(RefKind.SHUB, text, registry, repo, tag, digest, tag is None and digest is None)


# -- paths --------------------------------------------------------------------------------


def _parse_path(kind: RefKind, text: str) -> ImageRef:
    """A host path; `oci` may carry `@sha256:<hex>` after the last `/` (spec §9.5)."""
    if not text:
        raise ImageRefError(f"{kind.value}: empty path")
    path, digest = text, None
    if kind is RefKind.OCI:
        slash = text.rfind("/")
        at = text.find("@", slash + 1)
        if at >= 0:
            path, digest = text[:at], text[at + 1 :]
            if not is_sha256_digest(digest):
                raise ImageRefError(f"invalid digest `{digest}`: expected sha256: and 64 hex")
    return ImageRef(kind, text, None, path, None, digest, False)


_OWN_SCHEME = frozenset({RefKind.DOCKER, RefKind.DOCKER_DAEMON, RefKind.ORAS, RefKind.SHUB})

# -- entry point --------------------------------------------------------------------------


def parse_image_ref(
    agent: str | RefKind,
    from_value: str,
    *,
    registry: str | None = None,
    namespace: str | None = None,
) -> ImageRef:
    """Parse `From:` for a bootstrap agent, the way Apptainer reads it.

    `registry`/`namespace` are the `Registry:`/`Namespace:` header values; they are
    prefixed for the OCI transports only. Raises `ImageRefError` (message in the words of
    the library that would reject it) for anything Apptainer cannot pull, including a
    `scheme://` written in `From:` for agents that add their own scheme.

    >>> parse_image_ref("docker", "ubuntu:24.04", registry="quay.io").display()
    'quay.io/ubuntu:24.04'
    """
    kind = agent if isinstance(agent, RefKind) else RefKind(agent)
    text = from_value.strip()
    scheme = scheme_prefix(text)
    if scheme is not None and kind in _OWN_SCHEME:
        own = kind.value
        if scheme == own:
            raise ImageRefError(f"`{own}://` in From: is doubled: Apptainer adds it itself")
        raise ImageRefError(
            f"`{scheme}://` cannot start a `{own}` reference: Apptainer prefixes `{own}://`"
        )
    if kind.takes_registry_namespace:
        for label, value in (("Registry", registry), ("Namespace", namespace)):
            if value and scheme_prefix(value):
                raise ImageRefError(f"{label}: must not contain a scheme (`{value}`)")
        text = combine_registry_namespace(text, registry=registry, namespace=namespace)
    if kind is RefKind.LIBRARY:
        if scheme is not None and scheme != "library":
            raise ImageRefError(f"library: unexpected scheme `{scheme}://`")
        return _parse_library(text)
    if kind is RefKind.SHUB:
        return _parse_shub(text)
    if kind.is_path:
        return _parse_path(kind, text)
    return _parse_oci(kind, text)
