"""Table tests for the building blocks `defcheck.refs` shares with `defcheck.pin` (spec §8-§9).

Name/tag/digest split, the registry-host rule, Docker's normalisation defaults, the
component/tag/digest/host grammars and the library path defaults. `parse_image_ref` is
built from these (tests/refs/test_refs.py); `defcheck.pin.reference` too (tests/pin).
"""

from __future__ import annotations

import pytest

from defcheck.refs import (
    DOCKER_HUB,
    DOCKER_HUB_ALIASES,
    NameParts,
    combine_registry_namespace,
    is_docker_path_component,
    is_docker_tag,
    is_library_image_hash,
    is_registry_hostname,
    is_sha256_digest,
    library_path_parts,
    normalise_docker_name,
    parse_image_ref,
    split_docker_domain,
    split_name_tag_digest,
)

D = "sha256:" + "ab" * 32
UUID = "01234567-89ab-cdef-0123-456789abcdef"

SPLITS = {
    # text: (name, tag, digest) -- no validation at all
    "h:5000/a": ("h:5000/a", None, None),
    "h:5000/a:1@x": ("h:5000/a", "1", "x"),
    "localhost:5000/a/b:1.0@sha256:ab": ("localhost:5000/a/b", "1.0", "sha256:ab"),
    "a/b:": ("a/b", "", None),
    f"a@{D}": ("a", None, D),
    "a:b:c": ("a:b", "c", None),
}


@pytest.mark.parametrize("text", list(SPLITS))
def test_split_name_tag_digest(text: str) -> None:
    assert split_name_tag_digest(text) == NameParts(*SPLITS[text])


NAMES = {
    # name: (domain as written, path, registry, repository)
    "ubuntu": (None, "ubuntu", "docker.io", "library/ubuntu"),
    "user/app": (None, "user/app", "docker.io", "user/app"),
    "docker.io/ubuntu": ("docker.io", "ubuntu", "docker.io", "library/ubuntu"),
    "index.docker.io/a/b": ("index.docker.io", "a/b", "docker.io", "a/b"),
    "index.docker.io/alpine": ("index.docker.io", "alpine", "docker.io", "library/alpine"),
    "registry-1.docker.io/x/y": ("registry-1.docker.io", "x/y", "registry-1.docker.io", "x/y"),
    "ghcr.io/o/r/x": ("ghcr.io", "o/r/x", "ghcr.io", "o/r/x"),
    "localhost/x": ("localhost", "x", "localhost", "x"),
    "localhost:5000/a/b": ("localhost:5000", "a/b", "localhost:5000", "a/b"),
    "127.0.0.1:5000/a": ("127.0.0.1:5000", "a", "127.0.0.1:5000", "a"),
    "Registry/x": ("Registry", "x", "Registry", "x"),
    "a__b/c-d.e_f": (None, "a__b/c-d.e_f", "docker.io", "a__b/c-d.e_f"),
}


@pytest.mark.parametrize("name", list(NAMES))
def test_split_domain_and_normalise(name: str) -> None:
    domain, path, registry, repository = NAMES[name]
    assert split_docker_domain(name) == (domain, path)
    assert normalise_docker_name(domain, path) == (registry, repository)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "Registry/x"])
def test_normalisation_agrees_with_parse_image_ref(name: str) -> None:
    ref = parse_image_ref("docker", name)
    assert (ref.registry, ref.repository) == NAMES[name][2:]


def test_hub_constants() -> None:
    assert DOCKER_HUB in DOCKER_HUB_ALIASES
    assert {"docker.io", "index.docker.io", "registry-1.docker.io"} == DOCKER_HUB_ALIASES


@pytest.mark.parametrize(
    ("text", "ok"),
    [("a", True), ("a__b", True), ("c-d.e_f", True), ("foo---bar", True), ("a___b", False),
     ("Ubuntu", False), ("", False), ("-x", False), ("a-", False), ("a.", False)],
)  # fmt: skip
def test_is_docker_path_component(text: str, ok: bool) -> None:
    assert is_docker_path_component(text) is ok


@pytest.mark.parametrize(
    ("text", "ok"),
    [("24.04", True), ("T_1.x-y", True), ("_x", True), ("t" * 128, True), ("t" * 129, False),
     ("", False), ("-x", False), (".x", False), ("24.04 # x", False)],
)  # fmt: skip
def test_is_docker_tag(text: str, ok: bool) -> None:
    assert is_docker_tag(text) is ok


@pytest.mark.parametrize(
    ("text", "ok"),
    [(D, True), ("sha256:abc", False), ("sha256:" + "AB" * 32, False),
     ("sha512:" + "a" * 128, False), ("sha256." + "a" * 64, False)],
)  # fmt: skip
def test_is_sha256_digest(text: str, ok: bool) -> None:
    assert is_sha256_digest(text) is ok


@pytest.mark.parametrize(
    ("host", "ok"),
    [("localhost", True), ("quay.io", True), ("127.0.0.1", True), ("Registry", True),
     ("a-b.example", True), ("-a", False), ("a-", False), ("a..b", False), ("h:5000", False),
     ("[::1]", False), ("", False)],
)  # fmt: skip
def test_is_registry_hostname(host: str, ok: bool) -> None:
    assert is_registry_hostname(host) is ok


LIBRARY_PATHS = {
    "alpine": ("library", "default", "alpine"),
    "coll/alpine": ("library", "coll", "alpine"),
    "e/c/alpine": ("e", "c", "alpine"),
}


@pytest.mark.parametrize("path", list(LIBRARY_PATHS))
def test_library_path_parts(path: str) -> None:
    assert library_path_parts(path) == LIBRARY_PATHS[path]


@pytest.mark.parametrize(
    ("tag", "ok"),
    [("sha256." + "0" * 64, True), (f"sif.{UUID}", True), ("latest", False),
     ("sha256:" + "0" * 64, False), ("sif." + "0" * 36, False), ("sha256." + "A" * 64, False)],
)  # fmt: skip
def test_is_library_image_hash(tag: str, ok: bool) -> None:
    assert is_library_image_hash(tag) is ok


def test_combine_registry_namespace_order() -> None:
    assert combine_registry_namespace("app:1", registry="r.io:5000", namespace="team") == (
        "r.io:5000/team/app:1"
    )
    assert combine_registry_namespace("app", namespace="team") == "team/app"
    assert combine_registry_namespace("app", registry="r.io", namespace="") == "r.io/app"
