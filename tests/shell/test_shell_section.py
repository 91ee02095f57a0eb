"""Section-level helpers on a parsed definition file."""

from __future__ import annotations

from defcheck.shell.interpreter import Dialect
from defcheck.shell.section import (
    analyse_section,
    section_shell_interpreter,
    shellcheck_requests,
)
from defcheck.shell.shellcheck import check_bodies
from defcheck.syntax import parse

DEF = """\
Bootstrap: docker
From: debian:12

%post -c /bin/bash
    apt-get update && apt-get install -y curl
    cat > /etc/app.conf <<-EOF
\tkey = value
\tEOF

%post
    echo [[ second part ]]

%environment
    FOO=bar
    export PATH=/opt/bin:$PATH

%runscript
#!/usr/bin/env python3
print("hello")

%test
    test -x /opt/bin/tool

%appinstall tool
    make install

%apprun tool
    exec tool "$@"

%help
    Not shell at all: $x
"""


def test_interpreters_follow_apptainer() -> None:
    doc = parse(DEF)
    kinds = {}
    for section in doc.sections:
        kinds.setdefault(section.kind, section_shell_interpreter(doc, section))
    assert kinds["post"].dialect is Dialect.BASH
    assert kinds["environment"].dialect is Dialect.SH
    assert kinds["runscript"].dialect is None
    assert kinds["test"].dialect is Dialect.SH
    # %appinstall runs inside %post, so it follows `%post -c /bin/bash`
    assert kinds["appinstall"].dialect is Dialect.BASH
    assert kinds["apprun"].dialect is Dialect.SH
    assert kinds["help"].dialect is None


def test_repeated_post_uses_last_non_empty_args() -> None:
    doc = parse(DEF)
    second_post = [s for s in doc.sections if s.kind == "post"][1]
    assert section_shell_interpreter(doc, second_post).dialect is Dialect.BASH


def test_analyse_section_has_absolute_spans() -> None:
    doc = parse(DEF)
    post = doc.sections[0]
    shell = analyse_section(doc, post)
    assert shell.body is not None
    (heredoc,) = shell.body.heredocs
    assert heredoc.body.slice(DEF) == "\tkey = value\n"
    first = shell.body.commands[0]
    assert first.span.slice(DEF) == "apt-get update"
    assert shell.body.protected_lines == {2, 3}
    help_section = next(s for s in doc.sections if s.kind == "help")
    assert analyse_section(doc, help_section).body is None


def test_shellcheck_requests_and_positions(shellcheck_bin: str) -> None:
    doc = parse(DEF)
    pairs = shellcheck_requests(doc)
    kinds = [section.kind for section, _ in pairs]
    assert kinds == ["post", "post", "environment", "test", "appinstall", "apprun"]
    results = check_bodies([r for _, r in pairs], binary=shellcheck_bin)
    by_kind = {
        section.kind + str(i): found
        for i, ((section, _), found) in enumerate(zip(pairs, results, strict=True))
    }
    # SC2034 (unused variable) is expected in %environment, so it is excluded there
    assert not [f for f in by_kind["environment2"] if f.code == "SC2034"]
    # the `[[` in the second %post is fine for bash
    assert not [f for f in by_kind["post1"] if f.code == "SC3010"]
    for (section, _), found in zip(pairs, results, strict=True):
        for f in found:
            assert section.body_span.start <= f.span.start <= f.span.end <= section.body_span.end
