"""Table tests for `defcheck.refs`: per-agent grammars, normalisation and defaults (spec §9)."""

from __future__ import annotations

import pytest

from defcheck.refs import (
    ImageRef,
    ImageRefError,
    RefKind,
    combine_registry_namespace,
    parse_image_ref,
    ref_kind,
    scheme_prefix,
)

H = "0123456789abcdef" * 4
D = f"sha256:{H}"
UUID = "01234567-89ab-cdef-0123-456789abcdef"

# (agent, From, header kwargs, display, registry, repository, tag, digest, implicit_latest)
VALID: list[tuple[str, str, dict[str, str], str, str | None, str, str | None, str | None, bool]] = [
    (
        "docker",
        "alpine",
        {},
        "docker.io/library/alpine:latest",
        "docker.io",
        "library/alpine",
        None,
        None,
        True,
    ),
    (
        "docker",
        "alpine:3.19",
        {},
        "docker.io/library/alpine:3.19",
        "docker.io",
        "library/alpine",
        "3.19",
        None,
        False,
    ),
    (
        "docker",
        "user/app:v1",
        {},
        "docker.io/user/app:v1",
        "docker.io",
        "user/app",
        "v1",
        None,
        False,
    ),
    (
        "docker",
        "docker.io/alpine",
        {},
        "docker.io/library/alpine:latest",
        "docker.io",
        "library/alpine",
        None,
        None,
        True,
    ),
    (
        "docker",
        "index.docker.io/library/alpine:3",
        {},
        "docker.io/library/alpine:3",
        "docker.io",
        "library/alpine",
        "3",
        None,
        False,
    ),
    (
        "docker",
        "registry-1.docker.io/x/y:1",
        {},
        "registry-1.docker.io/x/y:1",
        "registry-1.docker.io",
        "x/y",
        "1",
        None,
        False,
    ),
    ("docker", "localhost/app", {}, "localhost/app:latest", "localhost", "app", None, None, True),
    (
        "docker",
        "localhost:5000/a/b:1",
        {},
        "localhost:5000/a/b:1",
        "localhost:5000",
        "a/b",
        "1",
        None,
        False,
    ),
    (
        "docker",
        "registry.example.com:8443/team/app:2.0",
        {},
        "registry.example.com:8443/team/app:2.0",
        "registry.example.com:8443",
        "team/app",
        "2.0",
        None,
        False,
    ),
    (
        "docker",
        f"ghcr.io/org/app@{D}",
        {},
        f"ghcr.io/org/app@{D}",
        "ghcr.io",
        "org/app",
        None,
        D,
        False,
    ),
    (
        "docker",
        f"alpine@{D}",
        {},
        f"docker.io/library/alpine@{D}",
        "docker.io",
        "library/alpine",
        None,
        D,
        False,
    ),
    (
        "docker",
        "a_b/c__d/e-f.g:T_1.x-y",
        {},
        "docker.io/a_b/c__d/e-f.g:T_1.x-y",
        "docker.io",
        "a_b/c__d/e-f.g",
        "T_1.x-y",
        None,
        False,
    ),
    (
        "docker",
        "foo---bar",
        {},
        "docker.io/library/foo---bar:latest",
        "docker.io",
        "library/foo---bar",
        None,
        None,
        True,
    ),
    (
        "docker",
        "app:1",
        {"registry": "quay.io"},
        "quay.io/app:1",
        "quay.io",
        "app",
        "1",
        None,
        False,
    ),
    (
        "docker",
        "app:1",
        {"namespace": "org"},
        "docker.io/org/app:1",
        "docker.io",
        "org/app",
        "1",
        None,
        False,
    ),
    (
        "docker",
        "app:1",
        {"registry": "quay.io", "namespace": "org"},
        "quay.io/org/app:1",
        "quay.io",
        "org/app",
        "1",
        None,
        False,
    ),
    (
        "docker",
        "  alpine:3  ",
        {},
        "docker.io/library/alpine:3",
        "docker.io",
        "library/alpine",
        "3",
        None,
        False,
    ),
    (
        "docker-daemon",
        "app:dev",
        {},
        "docker.io/library/app:dev",
        "docker.io",
        "library/app",
        "dev",
        None,
        False,
    ),
    ("docker-daemon", D, {}, D, None, "", None, D, False),
    (
        "oras",
        "ghcr.io/apptainer/alpine:3.15.0",
        {},
        "ghcr.io/apptainer/alpine:3.15.0",
        "ghcr.io",
        "apptainer/alpine",
        "3.15.0",
        None,
        False,
    ),
    ("oras", "ghcr.io/x/y", {}, "ghcr.io/x/y:latest", "ghcr.io", "x/y", None, None, True),
    ("oras", f"ghcr.io/x/y:1@{D}", {}, f"ghcr.io/x/y:1@{D}", "ghcr.io", "x/y", "1", D, False),
    ("library", "alpine", {}, "library/default/alpine:latest", None, "alpine", None, None, True),
    (
        "library",
        "alpine:3.19",
        {},
        "library/default/alpine:3.19",
        None,
        "alpine",
        "3.19",
        None,
        False,
    ),
    ("library", "tools/app:1", {}, "library/tools/app:1", None, "tools/app", "1", None, False),
    (
        "library",
        "library://sylabs/tools/app:1,stable",
        {},
        "sylabs/tools/app:1",
        None,
        "sylabs/tools/app",
        "1",
        None,
        False,
    ),
    (
        "library",
        "library://lib.example.org/e/c/app:2",
        {},
        "lib.example.org/e/c/app:2",
        "lib.example.org",
        "e/c/app",
        "2",
        None,
        False,
    ),
    ("library", "library:///e/c/app", {}, "e/c/app:latest", None, "e/c/app", None, None, True),
    (
        "library",
        f"e/c/app:sha256.{H}",
        {},
        f"e/c/app:sha256.{H}",
        None,
        "e/c/app",
        None,
        f"sha256.{H}",
        False,
    ),
    (
        "library",
        f"e/c/app:sif.{UUID}",
        {},
        f"e/c/app:sif.{UUID}",
        None,
        "e/c/app",
        None,
        f"sif.{UUID}",
        False,
    ),
    (
        "shub",
        "vsoch/hello-world",
        {},
        "singularity-hub.org/vsoch/hello-world:latest",
        "singularity-hub.org",
        "vsoch/hello-world",
        None,
        None,
        True,
    ),
    (
        "shub",
        "vsoch/hello-world:v1",
        {},
        "singularity-hub.org/vsoch/hello-world:v1",
        "singularity-hub.org",
        "vsoch/hello-world",
        "v1",
        None,
        False,
    ),
    (
        "shub",
        "my.hub.org/u/c@" + "a" * 40,
        {},
        "my.hub.org/u/c@" + "a" * 40,
        "my.hub.org",
        "u/c",
        None,
        "a" * 40,
        False,
    ),
    (
        "localimage",
        "/images/base.sif",
        {},
        "/images/base.sif",
        None,
        "/images/base.sif",
        None,
        None,
        False,
    ),
    ("localimage", "base.sif", {}, "base.sif", None, "base.sif", None, None, False),
    ("docker-archive", "/srv/img.tar", {}, "/srv/img.tar", None, "/srv/img.tar", None, None, False),
    ("oci", f"/srv/layout@{D}", {}, f"/srv/layout@{D}", None, "/srv/layout", None, D, False),
    (
        "oci-archive",
        "/srv/img.oci.tar",
        {},
        "/srv/img.oci.tar",
        None,
        "/srv/img.oci.tar",
        None,
        None,
        False,
    ),
]


@pytest.mark.parametrize(
    ("agent", "text", "kw", "display", "registry", "repo", "tag", "digest", "implicit"),
    VALID,
    ids=[f"{v[0]}:{v[1].strip()[:40]}:{'+'.join(v[2])}" for v in VALID],
)
def test_valid_references(
    agent: str,
    text: str,
    kw: dict[str, str],
    display: str,
    registry: str | None,
    repo: str,
    tag: str | None,
    digest: str | None,
    implicit: bool,
) -> None:
    ref = parse_image_ref(agent, text, **kw)
    assert isinstance(ref, ImageRef)
    assert ref.kind is RefKind(agent)
    assert (ref.registry, ref.repository, ref.tag, ref.digest, ref.implicit_latest) == (
        registry,
        repo,
        tag,
        digest,
        implicit,
    )
    assert ref.display() == display


# (agent, From, header kwargs, expected substring of the error)
INVALID: list[tuple[str, str, dict[str, str], str]] = [
    ("docker", "Alpine", {}, "lowercase"),
    ("docker", "user/App:1", {}, "lowercase"),
    ("docker", "", {}, "at least one component"),
    ("docker", H, {}, "64-byte hexadecimal"),
    ("docker", "a:b:c", {}, "invalid reference format"),
    ("docker", "alpine:", {}, "invalid reference format"),
    ("docker", "alpine:-x", {}, "invalid reference format"),
    ("docker", "alpine:" + "t" * 129, {}, "invalid reference format"),
    ("docker", "alpine@sha256:abc", {}, "invalid reference format"),
    ("docker", "alpine@sha256:" + "A" * 64, {}, "invalid digest"),
    ("docker", "alpine@sha512:" + "a" * 128, {}, "invalid digest"),
    ("docker", f"alpine:3@{D}", {}, "both a tag and digest"),
    ("docker", "docker://alpine", {}, "doubled"),
    ("docker", "https://registry.example.com/x", {}, "cannot start a `docker` reference"),
    ("docker", "app", {"registry": "https://quay.io"}, "Registry: must not contain a scheme"),
    ("docker", "a/" * 130 + "b", {}, "255"),
    ("docker-daemon", "app", {}, "neither a tag nor a digest"),
    ("docker-daemon", f"app:1@{D}", {}, "docker-daemon: references with both"),
    ("oras", "oras://ghcr.io/x/y:1", {}, "doubled"),
    ("shub", "shub://vsoch/hello", {}, "doubled"),
    ("shub", "hello", {}, "not a valid shub reference"),
    ("shub", "u/c@" + "a" * 33, {}, "not a valid shub reference"),
    ("library", "Alpine", {}, "invalid library path component"),
    ("library", "a/b/c/d/e", {}, "more than entity/collection/container"),
    ("library", "e//app", {}, "(empty)"),
    ("library", "app:", {}, "invalid library tag"),
    ("library", "app:1,,2", {}, "invalid library tag"),
    ("library", "docker://alpine", {}, "unexpected scheme"),
    ("oci", "/srv/layout@sha256:abc", {}, "invalid digest"),
    ("localimage", "", {}, "empty path"),
]


@pytest.mark.parametrize(
    ("agent", "text", "kw", "message"),
    INVALID,
    ids=[f"{v[0]}:{v[1][:40]}" for v in INVALID],
)
def test_invalid_references(agent: str, text: str, kw: dict[str, str], message: str) -> None:
    with pytest.raises(ImageRefError, match=None) as info:
        parse_image_ref(agent, text, **kw)
    assert message in str(info.value)


def test_classification_helpers() -> None:
    hub = parse_image_ref("docker", "python:3.12")
    assert hub.is_docker_hub and hub.is_official and hub.namespace == "library"
    user = parse_image_ref("docker", "someone/python:3.12")
    assert user.is_docker_hub and not user.is_official and user.namespace == "someone"
    ghcr = parse_image_ref("docker", "ghcr.io/org/app:1")
    assert not ghcr.is_docker_hub and not ghcr.is_official
    assert not parse_image_ref("localimage", "/x.sif").is_docker_hub
    pinned = parse_image_ref("docker", f"alpine@{D}")
    assert pinned.is_digest_pinned and pinned.effective_tag is None
    assert parse_image_ref("docker", "alpine").effective_tag == "latest"


@pytest.mark.parametrize(
    ("text", "parts", "defaulted"),
    [
        ("alpine", ("library", "default", "alpine"), ("entity", "collection")),
        ("tools/app", ("library", "tools", "app"), ("entity",)),
        ("e/c/app", ("e", "c", "app"), ()),
        ("library://host.org/e/c/app", ("e", "c", "app"), ()),
    ],
)
def test_library_defaults(
    text: str, parts: tuple[str, str, str], defaulted: tuple[str, ...]
) -> None:
    ref = parse_image_ref("library", text)
    assert ref.library_parts == parts
    assert ref.library_defaulted == defaulted


def test_library_all_tags_kept() -> None:
    assert parse_image_ref("library", "e/c/app:1,2,stable").tags == ("1", "2", "stable")


def test_helpers() -> None:
    assert ref_kind("docker") is RefKind.DOCKER
    assert ref_kind("Docker") is None  # dispatch is case-sensitive (spec §8)
    assert ref_kind("yum") is None and ref_kind(None) is None
    assert RefKind.LOCALIMAGE.is_path and not RefKind.DOCKER.is_path
    assert RefKind.OCI.takes_registry_namespace and not RefKind.ORAS.takes_registry_namespace
    assert scheme_prefix("docker://x") == "docker" and scheme_prefix("x:1") is None
    assert combine_registry_namespace("a", registry="r", namespace="n") == "r/n/a"
    assert combine_registry_namespace("a") == "a"


def test_unknown_agent_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_image_ref("yum", "x")
