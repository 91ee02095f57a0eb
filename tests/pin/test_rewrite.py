"""Targets and rewrites: only the From: value and its comment change (pure)."""

from __future__ import annotations

import pytest

from defcheck.pin.reference import Agent
from defcheck.pin.rewrite import Style, apply_pin, pin_edit
from defcheck.pin.targets import Status, find_targets
from defcheck.syntax import parse

D = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
H = "sha256." + "3" * 64


def pin(text: str, digest: str = D, style: Style = Style.DIGEST, index: int = 0) -> str:
    targets = [
        t for t in find_targets(parse(text), "f.def") if t.status is not Status.NOT_APPLICABLE
    ]
    return apply_pin(text, targets[index], digest, style)


CASES = {
    "plain": ("Bootstrap: docker\nFrom: ubuntu:24.04\n",
              f"Bootstrap: docker\nFrom: ubuntu@{D}  # defpin: ubuntu:24.04\n"),
    "implicit-latest": ("Bootstrap: docker\nFrom: ubuntu\n",
                        f"Bootstrap: docker\nFrom: ubuntu@{D}  # defpin: ubuntu:latest\n"),
    "keeps-comment": ("Bootstrap: docker\nFrom:   ubuntu:24.04\t# LTS \n",
                      f"Bootstrap: docker\nFrom:   ubuntu@{D}\t# defpin: ubuntu:24.04  # LTS \n"),
    "comment-no-gap": ("Bootstrap: docker\nFrom: a:1#x\n",
                       f"Bootstrap: docker\nFrom: a@{D}  # defpin: a:1  #x\n"),
    "trailing-blanks": ("Bootstrap: docker\nFrom: a:1   \r\n%post\n",
                        f"Bootstrap: docker\nFrom: a@{D}  # defpin: a:1   \r\n%post\n"),
    "registry-port": ("Bootstrap: docker\nFrom: localhost:5000/a/b:1.0\n",
                      f"Bootstrap: docker\nFrom: localhost:5000/a/b@{D}  # defpin: localhost:5000/a/b:1.0\n"),  # noqa: E501
    "namespace-kept-out": ("Bootstrap: docker\nRegistry: r.io\nNamespace: ns\nFrom: app:2\n",
                           f"Bootstrap: docker\nRegistry: r.io\nNamespace: ns\nFrom: app@{D}  # defpin: app:2\n"),  # noqa: E501
    "oras": ("Bootstrap: oras\nFrom: ghcr.io/o/img:1\n",
             f"Bootstrap: oras\nFrom: ghcr.io/o/img@{D}  # defpin: ghcr.io/o/img:1\n"),
    "no-final-newline": ("Bootstrap: docker\nFrom: a:1", f"Bootstrap: docker\nFrom: a@{D}  # defpin: a:1"),  # noqa: E501
    "key-case": ("bootstrap: docker\nfrom: a:1\n", f"bootstrap: docker\nfrom: a@{D}  # defpin: a:1\n"),  # noqa: E501
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_pin_digest_style(name: str) -> None:
    before, after = CASES[name]
    assert pin(before) == after


def test_everything_else_is_byte_identical() -> None:
    text = (
        "# header comment\nBootstrap: docker\nFrom: a:1 # c\nStage: one\n\n%post\n"
        "  From: not-me:1\n  echo ü\n%files\n  a b\n\nBootstrap: docker\nFrom: b:2\n"
    )
    out = pin(pin(text), D2, index=1)
    changed = [(x, y) for x, y in zip(text.splitlines(), out.splitlines(), strict=True) if x != y]
    assert [x for x, _ in changed] == ["From: a:1 # c", "From: b:2"]
    assert out.count("defpin:") == 2


def test_tag_digest_style() -> None:
    text = "Bootstrap: docker\nFrom: a:1  # x\n"
    assert pin(text, style=Style.TAG_DIGEST) == f"Bootstrap: docker\nFrom: a:1@{D}  # x\n"


def test_update_moves_pin_keeps_comment() -> None:
    text = f"Bootstrap: docker\nFrom: a@{D}  # defpin: a:1  # keep\n"
    target = find_targets(parse(text), "f.def")[0]
    assert target.status is Status.PINNED
    assert (target.tag_ref, target.digest) == ("a:1", D)
    assert (
        apply_pin(text, target, D2) == f"Bootstrap: docker\nFrom: a@{D2}  # defpin: a:1  # keep\n"
    )


def test_library_pin() -> None:
    text = "Bootstrap: library\nFrom: alpine:3.19\n"
    out = pin(text, digest="sha256:" + "3" * 64)
    assert out == f"Bootstrap: library\nFrom: library/default/alpine:{H}  # defpin: alpine:3.19\n"
    target = find_targets(parse(out), "f.def")[0]
    assert (target.status, target.tag_ref, target.digest) == (Status.PINNED, "alpine:3.19", H)
    assert target.library is not None and target.library.full_path == "library/default/alpine"


@pytest.mark.parametrize(
    ("text", "status", "reason"),
    [
        ("Bootstrap: localimage\nFrom: /x.sif\n", Status.NOT_APPLICABLE, "localimage"),
        ("Bootstrap: scratch\n", Status.NOT_APPLICABLE, "scratch"),
        ("Bootstrap: docker-daemon\nFrom: a:1\n", Status.NOT_APPLICABLE, "docker-daemon"),
        ("Bootstrap: debootstrap\nOSVersion: x\n", Status.NOT_APPLICABLE, "debootstrap"),
        ("Bootstrap: docker\n", Status.SKIPPED, "no From"),
        ("Bootstrap: docker\nFrom: {{ BASE }}\n", Status.SKIPPED, "build-argument"),
        ("Bootstrap: docker\nFrom: a:\\\n  1\n", Status.SKIPPED, "several lines"),
        ("Bootstrap: docker\nFrom: docker://a:1\n", Status.INVALID, "scheme"),
        ("Bootstrap: docker\nFrom: A:1\n", Status.INVALID, "component"),
        (f"Bootstrap: docker\nFrom: a@{D}\n", Status.PINNED, ""),
        (f"Bootstrap: docker\nFrom: a@{D}  # defpin: a@{D2}\n", Status.INVALID, "tag, not"),
    ],
)
def test_target_status(text: str, status: Status, reason: str) -> None:
    (target,) = find_targets(parse(text), "f.def")
    assert target.status is status
    assert reason in target.reason


def test_target_positions_and_prefix() -> None:
    text = "Bootstrap: docker\nRegistry: r.io:5000\nNamespace: team\nFrom: app:1\n"
    (t,) = find_targets(parse(text), "f.def")
    assert (t.line, t.column, t.transport) == (4, 7, Agent.DOCKER)
    assert t.docker is not None
    assert (t.docker.api_host, t.docker.repository, t.docker.tag) == ("r.io:5000", "team/app", "1")
    assert t.where == "f.def:4:7"


def test_oras_ignores_registry_header() -> None:
    (t,) = find_targets(parse("Bootstrap: oras\nRegistry: r.io\nFrom: h.io/a:1\n"), "f.def")
    assert t.docker is not None and t.docker.api_host == "h.io"


def test_edit_is_single_span() -> None:
    text = "Bootstrap: docker\nFrom: a:1 # c\n"
    (t,) = find_targets(parse(text), "f.def")
    edit = pin_edit(text, t, D)
    assert text[edit.span.start : edit.span.end] == "a:1 # c"
