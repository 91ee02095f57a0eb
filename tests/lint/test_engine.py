"""The engine: selection, severities, suppressions, crashing rules, ShellCheck, fixes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from defcheck.lint import (
    Applicability,
    Finding,
    LintConfig,
    Severity,
    fix_text,
    lint_paths,
    lint_text,
    registry,
)
from defcheck.lint.context import RuleContext
from defcheck.lint.model import Fix, RuleMeta
from defcheck.lint.selection import Selection
from defcheck.syntax import Edit, Span

BAD = "Bootstrap: Docker\nFrom: alpine:3.20\n\n%enviroment\n    export A=1\n\n%help\n"


def codes(text: str, **kwargs: object) -> list[str]:
    kwargs.setdefault("shellcheck", False)
    return [f.code for f in lint_text(text, **kwargs)]  # type: ignore[arg-type]


# -- selection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("select", "extend", "ignore", "code", "expected"),
    [
        (None, (), (), "DEF401", True),
        (None, (), ("DEF4",), "DEF401", False),
        (None, (), ("DEF4",), "DEF501", True),
        (("DEF5",), (), (), "DEF401", False),
        (("DEF4",), (), ("DEF401",), "DEF401", False),
        (("DEF401",), (), ("DEF4",), "DEF401", True),  # more specific wins
        (("ALL",), (), ("ALL",), "DEF401", False),  # tie: ignore wins
        (None, ("DEF401",), ("DEF",), "DEF401", True),
        (None, (), ("unknown-section",), "DEF401", False),
    ],
)
def test_selection(
    select: tuple[str, ...] | None,
    extend: tuple[str, ...],
    ignore: tuple[str, ...],
    code: str,
    expected: bool,
) -> None:
    sel = Selection(select=select, extend_select=extend, ignore=ignore)
    assert sel.enabled(code, "unknown-section" if code == "DEF401" else "") is expected


def test_default_off_rules_need_exact_selection() -> None:
    assert not Selection(select=None).enabled("DEF799", "x", default_enabled=False)
    assert not Selection(select=("DEF7",)).enabled("DEF799", "x", default_enabled=False)
    assert Selection(select=None, extend_select=("DEF799",)).enabled(
        "DEF799", "x", default_enabled=False
    )
    assert Selection(select=("ALL",)).enabled("DEF799", "x", default_enabled=False)


def test_select_and_ignore_via_config() -> None:
    assert "DEF513" in codes(BAD)
    assert "DEF513" not in codes(BAD, config=LintConfig(ignore=("DEF5",)))
    assert set(codes(BAD, config=LintConfig(select=("DEF411",)))) == {"DEF411"}


def test_severity_override_and_names() -> None:
    cfg = LintConfig(severity=(("DEF411", Severity.ERROR),))
    found = {f.code: f for f in lint_text(BAD, config=cfg, shellcheck=False)}
    assert found["DEF411"].severity is Severity.ERROR
    assert found["DEF411"].name == "empty-section"
    assert found["DEF513"].severity is Severity.ERROR


def test_parse_error_explained_by_specific_rule_is_not_repeated() -> None:
    found = codes(BAD)
    assert "DEF401" in found and "DEF001" not in found
    # with the specific rule off, Apptainer's own message is reported
    assert "DEF001" in codes(BAD, config=LintConfig(ignore=("DEF401",)))


def test_per_file_ignores(tmp_path: Path) -> None:
    cfg = LintConfig(per_file_ignores=(("legacy/*.def", ("DEF411",)),), root=tmp_path)
    (tmp_path / "legacy").mkdir()
    assert "DEF411" not in codes(BAD, config=cfg, path=tmp_path / "legacy" / "a.def")
    assert "DEF411" in codes(BAD, config=cfg, path=tmp_path / "b.def")


# -- suppressions -------------------------------------------------------------------------


def test_suppression_next_line_and_unused() -> None:
    text = (
        "Bootstrap: docker\nFrom: alpine:3.20\n\n"
        "# defcheck: ignore[DEF401]\n%post\n    echo hi\n"
        "# defcheck: ignore[DEF411]\n%help\n\n"
    )
    found = lint_text(text, shellcheck=False)
    assert "DEF411" not in [f.code for f in found]
    unused = [f for f in found if f.code == "DEF003"]
    assert len(unused) == 1 and "DEF401" in unused[0].message
    assert unused[0].fix is not None and unused[0].fix.applicability is Applicability.SAFE


def test_suppression_blank_lines_between_and_file_level() -> None:
    text = "# defcheck: ignore-file[DEF513]\nBootstrap: Docker\nFrom: alpine:3.20\n"
    assert "DEF513" not in codes(text)
    text2 = "Bootstrap: docker\nFrom: alpine:3.20\n# defcheck: ignore\n\n%help\n"
    assert "DEF411" not in codes(text2)
    assert "DEF003" not in codes(text2)


def test_unused_suppression_of_disabled_rule_is_not_reported() -> None:
    text = "Bootstrap: docker\nFrom: alpine:3.20\n# defcheck: ignore[DEF411]\n%post\n  echo\n"
    assert "DEF003" not in codes(text, config=LintConfig(ignore=("DEF411",)))


# -- crashing rules ----------------------------------------------------------------------


@pytest.fixture
def crashing_rule(monkeypatch: pytest.MonkeyPatch) -> str:
    def boom(ctx: RuleContext) -> Iterator[Finding]:
        raise RuntimeError("kaput")
        yield  # pragma: no cover

    meta = RuleMeta("DEF998", "test-crash", "crashes", Severity.WARNING, "test", "")
    monkeypatch.setitem(registry._RULES, "DEF998", registry.Rule(meta, boom))
    return "DEF998"


def test_crashing_rule_becomes_finding(crashing_rule: str) -> None:
    found = lint_text(BAD, shellcheck=False)
    crash = [f for f in found if f.code == "DEF002"]
    assert len(crash) == 1
    assert crashing_rule in crash[0].message and "kaput" in crash[0].message
    assert "DEF513" in [f.code for f in found]  # the run went on


# -- fixes ---------------------------------------------------------------------------------


def test_fix_iterates_until_stable() -> None:
    result = fix_text(BAD, shellcheck=False)
    assert result.text.startswith("Bootstrap: docker\n")
    assert "%environment" in result.text and "%help" not in result.text
    assert result.applied >= 3
    assert not [f for f in result.findings if f.fix and f.fix.applicability is Applicability.SAFE]


def test_fix_never_introduces_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def breaker(ctx: RuleContext) -> Iterator[Finding]:
        span = Span(0, 0)
        yield ctx.finding(span, "break it", fix=Fix("break", (Edit(span, "%bogus\n"),)))

    meta = RuleMeta(
        "DEF997", "test-break", "breaks", Severity.WARNING, "test", "", fix=Applicability.SAFE
    )
    monkeypatch.setitem(registry._RULES, "DEF997", registry.Rule(meta, breaker))
    text = "Bootstrap: docker\nFrom: alpine:3.20\n"
    assert fix_text(text, shellcheck=False).text == text


def test_unsafe_fixes_need_opt_in() -> None:
    text = "Bootstrap: docker\nFrom: alpine:3.20\n\n%labels\n    A=b\n"
    assert fix_text(text, shellcheck=False).text == text
    assert "    A b\n" in fix_text(text, shellcheck=False, unsafe=True).text


# -- ShellCheck --------------------------------------------------------------------------


@pytest.mark.shellcheck
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("spaces", "Bootstrap: docker\nFrom: alpine:3.20\n\n%post\n    echo $1\n"),
        ("tabs", "Bootstrap: docker\nFrom: alpine:3.20\n\n%post\n\t\techo $1\n"),
        ("crlf", "Bootstrap: docker\r\nFrom: alpine:3.20\r\n\r\n%post\r\n    echo $1\r\n"),
    ],
)
def test_shellcheck_position(shellcheck_bin: str, name: str, text: str) -> None:
    found = [f for f in lint_text(text) if f.code == "SC2086"]
    assert len(found) == 1
    f = found[0]
    assert text[f.span.start : f.span.end] == "$1"
    from defcheck.syntax import LineIndex

    line, col = LineIndex(text).line_col(f.span.start)
    assert line == 5
    assert col == {"spaces": 10, "tabs": 8, "crlf": 10}[name]
    assert f.severity is Severity.INFO and f.name == "shellcheck"


@pytest.mark.shellcheck
def test_shellcheck_honours_post_interpreter_and_ignore(shellcheck_bin: str) -> None:
    text = (
        "Bootstrap: docker\nFrom: alpine:3.20\n\n%post -c /bin/bash\n    [[ -n $1 ]] && echo hi\n"
    )
    assert "SC3010" not in codes(text, shellcheck=True)  # bash allows [[ ]]
    sh = text.replace(" -c /bin/bash", "")
    assert "SC3010" in codes(sh, shellcheck=True)
    assert "SC3010" not in codes(sh, shellcheck=True, config=LintConfig(ignore=("SC",)))


def test_shellcheck_missing_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    from defcheck.shell import shellcheck as sc

    def missing(binary: object) -> Path:
        raise sc.ShellCheckNotFound()

    monkeypatch.setattr(sc, "_binary", missing)
    text = "Bootstrap: docker\nFrom: alpine:3.20\n\n%post\n    echo $1\n"
    assert "DEF004" in codes(text, shellcheck=True)


# -- files ---------------------------------------------------------------------------------


def test_lint_paths_discovers_and_reports_errors(tmp_path: Path) -> None:
    (tmp_path / "a.def").write_text(BAD)
    (tmp_path / "Singularity.gpu").write_text("Bootstrap: docker\nFrom: alpine:3.20\n")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.def").write_text(BAD)
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "y.def").write_text(BAD)
    results = lint_paths([tmp_path, tmp_path / "missing.def"], shellcheck=False)
    names = [Path(r.path).name for r in results]
    assert names == ["Singularity.gpu", "a.def", "missing.def"]
    assert results[2].error is not None and "no such file" in results[2].error.message
    assert "DEF401" in [f.code for f in results[1].findings]


# -- ShellCheck started before the linter (`defcheck lint`) -------------------------------

SC_TEXT = "Bootstrap: docker\nFrom: alpine:3.20\n\n%post\n    echo $1\n\n%runscript\n    cat $2\n"


@pytest.mark.shellcheck
def test_started_run_gives_the_same_findings(shellcheck_bin: str) -> None:
    from defcheck.lint.engine import lint_documents
    from defcheck.shell.section import start_checking
    from defcheck.syntax import parse

    docs = [parse(SC_TEXT), parse(BAD), parse(SC_TEXT.replace("$1", "$3"))]
    items = [(d, f"{i}.def", LintConfig()) for i, d in enumerate(docs)]
    expected = lint_documents(items)
    assert lint_documents(items, started=start_checking(docs)) == expected
    assert sum(f.code == "SC2086" for found in expected for f in found) == 4


@pytest.mark.shellcheck
def test_started_run_respects_each_configuration(shellcheck_bin: str) -> None:
    from defcheck.lint.engine import lint_documents
    from defcheck.shell.section import start_checking
    from defcheck.syntax import parse

    docs = [parse(SC_TEXT), parse(SC_TEXT)]
    configs = [LintConfig(ignore=("SC",)), LintConfig()]
    items = [(d, None, c) for d, c in zip(docs, configs, strict=True)]
    first, second = lint_documents(items, started=start_checking(docs))
    assert not any(f.code.startswith("SC") for f in first)
    assert [f.code for f in second if f.code.startswith("SC")] == ["SC2086", "SC2086"]
    assert second == lint_documents([items[1]])[0]


def test_unwanted_started_run_is_stopped_and_cleaned_up(tmp_path: Path) -> None:
    from defcheck.lint.engine import lint_documents
    from defcheck.shell.section import start_checking
    from defcheck.syntax import parse

    # A stand-in for ShellCheck that would run for a minute: discarding must not wait.
    slow = tmp_path / "slow-shellcheck"
    slow.write_text("#!/bin/sh\nexec sleep 60\n")
    slow.chmod(0o755)
    doc = parse(SC_TEXT)
    started = start_checking([doc], binary=str(slow))
    folder = started.run._tmp
    assert folder is not None and Path(folder).is_dir()
    found = lint_documents([(doc, None, LintConfig(shellcheck=False))], started=started)
    assert not any(f.code.startswith(("SC", "DEF004")) for f in found[0])
    assert not Path(folder).exists()
