"""Table tests for defpin's image references (pure, no network).

The shared grammar and normalisation (`defcheck.refs`) are tested in tests/refs; these
tables cover what `defcheck.pin.reference` adds on top: Docker Hub API host, canonical
form, tag next to digest, pin-specific errors, `LibraryRef` and the `# defpin:` comment.
"""

from __future__ import annotations

import pytest

from defcheck.errors import ImageRefError
from defcheck.pin.reference import (
    Agent,
    classify_agent,
    combine_prefix,
    is_loopback,
    parse_docker_reference,
    parse_library_reference,
    parse_pin_comment,
    render_pin_comment,
    split_reference,
)
from defcheck.refs import parse_image_ref, split_name_tag_digest

D = "sha256:" + "ab" * 32

DOCKER_CASES = {
    # text: (registry, repository, tag, digest, api_host)
    "ubuntu": ("docker.io", "library/ubuntu", None, None, "registry-1.docker.io"),
    "ubuntu:24.04": ("docker.io", "library/ubuntu", "24.04", None, "registry-1.docker.io"),
    "user/app:1": ("docker.io", "user/app", "1", None, "registry-1.docker.io"),
    "docker.io/ubuntu": ("docker.io", "library/ubuntu", None, None, "registry-1.docker.io"),
    "index.docker.io/a/b": ("docker.io", "a/b", None, None, "registry-1.docker.io"),
    "ghcr.io/o/r/x:v1": ("ghcr.io", "o/r/x", "v1", None, "ghcr.io"),
    "localhost/x": ("localhost", "x", None, None, "localhost"),
    "localhost:5000/a/b:1.0": ("localhost:5000", "a/b", "1.0", None, "localhost:5000"),
    "127.0.0.1:5000/a": ("127.0.0.1:5000", "a", None, None, "127.0.0.1:5000"),
    f"quay.io/a/b@{D}": ("quay.io", "a/b", None, D, "quay.io"),
    f"a/b:t@{D}": ("docker.io", "a/b", "t", D, "registry-1.docker.io"),
    "Registry/x": ("Registry", "x", None, None, "Registry"),
    "Docker.IO/x": ("docker.io", "library/x", None, None, "registry-1.docker.io"),
    "registry-1.docker.io/x": ("docker.io", "library/x", None, None, "registry-1.docker.io"),
    "[::1]:5000/a:1": ("[::1]:5000", "a", "1", None, "[::1]:5000"),
    "a__b/c-d.e_f:T_1.x-y": ("docker.io", "a__b/c-d.e_f", "T_1.x-y", None, "registry-1.docker.io"),
}


@pytest.mark.parametrize("text", list(DOCKER_CASES))
def test_parse_docker_reference(text: str) -> None:
    ref = parse_docker_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest, ref.api_host) == DOCKER_CASES[text]


BAD_DOCKER = {
    "": "empty",
    "docker://ubuntu": "scheme",
    "Ubuntu": "component",
    "a//b": "component",
    "a/b:": "tag",
    "a/b:-x": "tag",
    "a/b@sha256:abc": "digest",
    f"a/b@sha256:{'AB' * 32}": "digest",
    "host:port/x": "port",
    "ubuntu:24.04 # x": "tag",
}


@pytest.mark.parametrize("text", list(BAD_DOCKER))
def test_bad_docker_reference(text: str) -> None:
    with pytest.raises(ImageRefError, match=BAD_DOCKER[text]):
        parse_docker_reference(text)


def test_effective_tag_and_canonical() -> None:
    assert parse_docker_reference("ubuntu").canonical() == "docker.io/library/ubuntu:latest"
    assert parse_docker_reference(f"a@{D}").canonical() == f"docker.io/library/a@{D}"


def test_combine_prefix_namespace_then_registry() -> None:
    assert combine_prefix("app:1", registry="r.io:5000", namespace="team") == "r.io:5000/team/app:1"
    assert combine_prefix("app", registry=None, namespace="team/") == "team/app"
    assert combine_prefix("app", registry="r.io/", namespace=None) == "r.io/app"


def test_split_reference_is_the_shared_split() -> None:
    assert split_reference is split_name_tag_digest  # table in tests/refs/test_names.py


_SHARED = [t for t in DOCKER_CASES if not t.startswith(("Docker.IO", "registry-1", "["))]


@pytest.mark.parametrize("text", _SHARED)
def test_docker_reference_agrees_with_refs(text: str) -> None:
    # oras is the refs grammar that, like defpin, accepts a tag next to a digest.
    ref, shared = parse_docker_reference(text), parse_image_ref("oras", text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        shared.registry,
        shared.repository,
        shared.tag,
        shared.digest,
    )


LIB_CASES = {
    # text: (prefix, host, path, tag, full_path, pinned)
    "alpine": ("", None, "alpine", "latest", "library/default/alpine", False),
    "library://alpine:3.19": (
        "library://",
        None,
        "alpine",
        "3.19",
        "library/default/alpine",
        False,
    ),
    "coll/alpine:1,2": ("", None, "coll/alpine", "1", "library/coll/alpine", False),
    "e/c/alpine:x": ("", None, "e/c/alpine", "x", "e/c/alpine", False),
    "library://h.example/e/c/a:1": ("library://", "h.example", "e/c/a", "1", "e/c/a", False),
    "e/c/a:sha256." + "0" * 64: ("", None, "e/c/a", "sha256." + "0" * 64, "e/c/a", True),
}


@pytest.mark.parametrize("text", list(LIB_CASES))
def test_parse_library_reference(text: str) -> None:
    ref = parse_library_reference(text)
    got = (ref.prefix, ref.host, ref.path, ref.tag, ref.full_path, ref.pinned)
    assert got == LIB_CASES[text]


def test_library_pinned_only_by_a_real_image_hash() -> None:
    uuid = "01234567-89ab-cdef-0123-456789abcdef"
    assert parse_library_reference(f"e/c/a:sif.{uuid}").pinned
    assert not parse_library_reference("e/c/a:sif." + "0" * 36).pinned  # a tag, not a uuid


def test_library_pinned_value_keeps_prefix_and_host() -> None:
    ref = parse_library_reference("library://h.example/e/c/alpine:3")
    h = "sha256." + "1" * 64
    assert ref.pinned_value(h) == f"library://h.example/e/c/alpine:{h}"
    assert parse_library_reference("alpine").pinned_value(h) == f"library/default/alpine:{h}"


@pytest.mark.parametrize(
    "text", ["UP/x", "h/a/b/c/d:1", "a:", "oras://x", "a:1,,2", "a:x,", "a:x/y", "e//a"]
)
def test_bad_library_reference(text: str) -> None:
    with pytest.raises(ImageRefError):
        parse_library_reference(text)


@pytest.mark.parametrize(
    ("agent", "expected"),
    [("docker", Agent.DOCKER), ("oras", Agent.ORAS), ("library", Agent.LIBRARY),
     ("Docker", Agent.NOT_APPLICABLE), ("localimage", Agent.NOT_APPLICABLE),
     ("docker-daemon", Agent.NOT_APPLICABLE), ("docker-archive", Agent.NOT_APPLICABLE),
     ("scratch", Agent.NOT_APPLICABLE), ("debootstrap", Agent.NOT_APPLICABLE),
     ("yum", Agent.NOT_APPLICABLE), ("oci", Agent.NOT_APPLICABLE),
     ("shub", Agent.NOT_APPLICABLE), (None, Agent.NOT_APPLICABLE)],
)  # fmt: skip
def test_classify_agent(agent: str | None, expected: Agent) -> None:
    assert classify_agent(agent) is expected


def test_pin_comment_round_trip() -> None:
    assert parse_pin_comment("# defpin: a:1") == "a:1"
    assert parse_pin_comment("#defpin:a:1 # x") == "a:1"
    assert parse_pin_comment("# other") is None
    assert parse_pin_comment(None) is None
    assert render_pin_comment("a:1", None) == "# defpin: a:1"
    assert render_pin_comment("a:2", "# defpin: a:1  # keep") == "# defpin: a:2  # keep"
    assert render_pin_comment("a:1", "#note") == "# defpin: a:1  #note"


@pytest.mark.parametrize(
    ("host", "loop"),
    [("localhost", True), ("127.0.0.1", True), ("127.5.0.1", True), ("[::1]", True),
     ("registry.localhost", True), ("example.com", False), ("10.0.0.1", False)],
)  # fmt: skip
def test_is_loopback(host: str, loop: bool) -> None:
    assert is_loopback(host) is loop
