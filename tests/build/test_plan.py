"""The build plan: Apptainer's merge rules, build order inputs and build-time errors."""

from __future__ import annotations

import pytest

from defcheck.build.plan import make_plan
from defcheck.errors import BuildError, ParseError, TemplateError


def test_sections_merge_like_apptainer() -> None:
    text = """Bootstrap: docker
From: alpine:3.20
%post -c /bin/bash
    echo one
%post
    echo two
%labels
    A 1
    B 2
%labels
    A 3
%files
    a /a
%files # group of its own
    x /x
%files
    b /b
"""
    stage = make_plan(text, path="x.def").final
    assert stage.post is not None
    assert stage.post.args == "-c /bin/bash"  # last non-empty arguments
    assert stage.post.body == "    echo one\n    echo two\n"
    assert stage.post.location.line == 3
    assert [(lb.key, lb.value) for lb in stage.labels] == [("B", "2"), ("A", "3")]
    host = stage.files_host
    assert len(host) == 2 and [(c.src, c.dst) for c in host[0].copies] == [("a", "/a"), ("b", "/b")]
    assert host[1].args == "# group of its own" and host[1].copies[0].src == "x"
    assert host[0].copies[1].location.line == 17


def test_files_from_unknown_stage_is_an_error() -> None:
    text = "Bootstrap: scratch\n%files from nowhere\n    /a /b\n"
    with pytest.raises(BuildError) as exc:
        make_plan(text, path="x.def")
    assert str(exc.value) == (
        "x.def:2:1: error: stage 1, %files from nowhere: stage nowhere was not found"
    )


def test_files_from_later_stage_is_an_error() -> None:
    text = (
        "Bootstrap: scratch\n%files from two\n    /a /b\n\n"
        "Bootstrap: scratch\nStage: two\n%post\n    true\n"
    )
    with pytest.raises(BuildError, match="stage two is not built before this stage"):
        make_plan(text, path="x.def")


def test_skipped_files_block_warns() -> None:
    plan = make_plan("Bootstrap: scratch\n%files one two three\n    a b\n", path="x.def")
    assert plan.final.files[0].skipped
    assert plan.final.files_host == ()
    assert "Apptainer skips the whole block" in plan.warnings[0].message
    assert plan.warnings[0].location.line == 2


def test_files_from_takes_second_word() -> None:
    text = (
        "Bootstrap: scratch\nStage: b\n%post\n    true\n\n"
        "Bootstrap: scratch\n%files foo b # comment\n    /x\n"
    )
    block = make_plan(text, path="x.def").final.files[0]
    assert block.source_stage == "b" and not block.skipped


def test_registry_and_namespace_are_prepended() -> None:
    text = "Bootstrap: docker\nRegistry: ghcr.io\nNamespace: org\nFrom: tool:1\n"
    base = make_plan(text, path="x.def").final.base
    assert base.agent == "docker"
    assert base.reference == "ghcr.io/org/tool:1"
    assert base.location.line == 1 and base.location.column == 12


def test_parse_errors_raise_parse_error() -> None:
    with pytest.raises(ParseError) as exc:
        make_plan("Bootstrap: docker\nFrom: x\n%bogus\n    y\n", path="x.def")
    assert str(exc.value).startswith("x.def:")
    assert "invalid section" in str(exc.value)


def test_unknown_agent() -> None:
    with pytest.raises(BuildError, match="invalid build source dockr"):
        make_plan("Bootstrap: dockr\nFrom: x\n", path="x.def")


def test_post_dash_c_without_shell() -> None:
    with pytest.raises(BuildError, match="bad post section '-c' parameter: missing arguments"):
        make_plan("Bootstrap: scratch\n%post -c\n    true\n", path="x.def")


def test_apps_in_declared_order() -> None:
    text = """Bootstrap: scratch
%apprun zeta
    echo z
%appinstall alpha
    make
%appfiles zeta
    src/a.txt data/a.txt # comment
    # skipped
    b.txt
%applabels alpha
    K v
"""
    apps = make_plan(text, path="x.def").final.apps
    assert [a.name for a in apps] == ["zeta", "alpha"]
    zeta, alpha = apps
    assert zeta.run is not None and zeta.run.body == "    echo z\n"
    assert [(f.src, f.dst, f.location.line) for f in zeta.files] == [
        ("src/a.txt", "data/a.txt", 7),
        ("b.txt", "", 9),
    ]
    assert alpha.install is not None and [(lb.key, lb.value) for lb in alpha.labels] == [("K", "v")]


def test_leading_comments_and_multi_stage_locations() -> None:
    text = (
        "# comment\n\nBootstrap: scratch\nStage: a\n%post\n    true\n\n"
        "Bootstrap: scratch\n%test\n    true\n"
    )
    plan = make_plan(text, path="x.def")
    assert [s.label for s in plan.stages] == ["stage a", "stage 2"]
    assert plan.stages[0].location.line == 3
    assert plan.final.test is not None and plan.final.test.location.line == 9
    assert plan.definition == text


def test_substituted_stage_texts_are_used_as_given() -> None:
    text = "Bootstrap: scratch\n%post\n    echo {{ WHO }}\n"
    plan = make_plan(
        text,
        path="x.def",
        build_args={"WHO": "world"},
        substituted=["Bootstrap: scratch\n%post\n    echo world\n"],
    )
    assert plan.final.post is not None and plan.final.post.body == "    echo world\n"
    assert plan.definition == "Bootstrap: scratch\n%post\n    echo world\n"
    assert plan.build_args == (("WHO", "world"),)
    with pytest.raises(TemplateError):
        make_plan(text, path="x.def", substituted=[])
