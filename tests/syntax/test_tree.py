"""The tree is lossless and every view's span points at its own text."""

from __future__ import annotations

from pathlib import Path

import pytest

from defcheck.syntax import parse
from defcheck.syntax.lalr import Node, compile_grammar, grammar_key, grammar_path, parse_tokens
from defcheck.syntax.lexer import Tok, tokenize
from helpers import EXAMPLES, check_invariants

EDGE_CASES = {
    "empty": "",
    "no-final-newline": "Bootstrap: docker\nFrom: alpine\n%post\n  echo hi",
    "crlf": "Bootstrap: docker\r\nFrom: alpine\r\n\r\n%post\r\n  echo hi\r\n",
    "bom": "\ufeffBootstrap: docker\nFrom: alpine\n",
    "tabs": "Bootstrap:\tdocker\nFrom:\talpine\n%post\n\techo hi\n",
    "only-comments": "# a\n# b\n",
    "continuation": "Bootstrap: docker\nFrom: alp\\\n  ine:3.1\\\n  8\n%post\n",
    "indented-first-section": "  %post\n echo\n",
    "percent-in-script": "Bootstrap: docker\nFrom: a\n%post\n  printf '%s\\n' x\n  %s\n",
    "bootstrap-in-script": "Bootstrap: docker\nFrom: a\n%post\nbootstrap: x\n",
    "invalid-utf8": "Bootstrap: docker\nFrom: \udcff\n",
    "lone-cr": "Bootstrap: docker\rFrom: a\r",
    "many-stages": "Bootstrap: docker\nFrom: a\nStage: s1\n%post\nBootstrap: docker\nFrom: b\n"
    "%files from s1\n/a /b\n",
}


def _all_texts() -> list[tuple[str, str]]:
    out = list(EDGE_CASES.items())
    for p in sorted(EXAMPLES.glob("*.def")):
        out.append((p.name, p.read_text()))
    return out


@pytest.mark.parametrize(("name", "text"), _all_texts(), ids=[n for n, _ in _all_texts()])
def test_lossless_and_spans(name: str, text: str) -> None:
    check_invariants(parse(text))
    check_invariants(parse(text, split_stages=False))


def test_views_of_a_multistage_file() -> None:
    doc = parse((EXAMPLES / "multistage.def").read_text())
    assert [s.name for s in doc.stages] == ["build", "final"]
    final = doc.stages[1]
    assert final.bootstrap == "docker"
    assert final.value("from") == "debian:bookworm-slim"
    files = final.sections_of("files")[0]
    assert files.args == "from build"
    assert [(e.src, e.dst) for e in files.files_entries()] == [
        ("/src/hello", "/usr/local/bin/hello")
    ]
    assert doc.diagnostics == []


def test_header_field_details() -> None:
    doc = parse("Bootstrap: docker\nFrom: ubuntu:24.04  # pinned later\nStage: a\n")
    f = doc.stages[0].field("from")
    assert f is not None
    assert (f.key, f.norm, f.value, f.comment) == ("From", "from", "ubuntu:24.04", "# pinned later")
    assert doc.lines.line_col(f.value_span.start) == (2, 7)


def test_continuation_value_is_joined_like_apptainer() -> None:
    doc = parse("Bootstrap: docker\nFrom: alp\\\n  ine:3.1\\\n  8\n")
    f = doc.stages[0].field("from")
    assert f is not None and f.continued and f.value == "alpine:3.18"
    assert len(f.lines) == 3


def test_sections_and_apps() -> None:
    doc = parse((EXAMPLES / "scif-apps.def").read_text())
    apps = [(s.kind, s.app) for s in doc.sections if s.is_app]
    assert ("appinstall", "fastqc") in apps and ("apprun", "plot") in apps
    env = doc.sections[0]
    assert env.kind == "environment" and env.is_script


def test_placeholders_and_comment_heuristic() -> None:
    doc = parse("Bootstrap: docker\nFrom: a:{{ TAG }}\n%post\n  echo x # {{ SKIP }}\n  #!{{ A }}\n")
    got = [(p.name, p.skipped) for p in doc.placeholders]
    assert got == [("TAG", False), ("SKIP", True), ("A", False)]


def test_diagnostic_positions() -> None:
    doc = parse("Bootstrap: docker\nFrom: a\n%enviroment\n  x=1\n")
    (d,) = doc.diagnostics
    assert d.code == "DEF001"
    assert d.message == "invalid section(s) specified: enviroment"
    assert doc.lines.line_col(d.span.start) == (3, 1)


def test_utf16_positions() -> None:
    doc = parse("Bootstrap: docker\nFrom: 😀x\n")
    f = doc.stages[0].field("from")
    assert f is not None
    pos = doc.lines.position(f.value_span.end)
    assert (pos.line, pos.column, pos.utf16_column) == (1, 8, 9)
    assert doc.lines.offset(1, 9) == f.value_span.end


def test_cached_tables_match_the_grammar() -> None:
    """The shipped table is current for the grammar and parses like a fresh compile."""
    from defcheck.syntax import _tables, lalr

    text = Path(grammar_path()).read_text(encoding="utf-8")
    assert grammar_key(text) == _tables.GRAMMAR, "run: python -m defcheck.dev gen-tables"
    fresh = compile_grammar(text)
    cached = lalr.tables()
    for _, sample in _all_texts():
        toks = tokenize(sample)
        lalr._TABLES = fresh
        a = _shape(parse_tokens(toks, len(sample)))
        lalr._TABLES = cached
        b = _shape(parse_tokens(toks, len(sample)))
        assert a == b


def _shape(node: Node | Tok) -> object:
    if isinstance(node, Tok):
        return (node.type, node.start, node.end)
    return (node.kind, [_shape(c) for c in node.children])


def test_grammar_is_shipped_in_the_package() -> None:
    assert Path(grammar_path()).name == "deffile.lark"
    assert Path(grammar_path()).is_file()
