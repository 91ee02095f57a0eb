"""Rule cases for the shell family (DEF7xx), plus what the YAML cases cannot express.

Cases live in `tests/lint/cases/DEF7xx.yaml` (`fail`/`fixed`/`pass`, `unsafe: true` when
the expected fix needs `--unsafe-fixes`). Each case runs the rule directly and through the
engine (`lint_text`/`fix_text`); fixed texts are re-parsed and re-linted clean.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from defcheck.lint import LintConfig, fix_text, lint_text
from defcheck.lint.model import Applicability, Finding
from defcheck.lint.registry import all_rules
from defcheck.syntax import parse
from lint.rules_helper import apply_fixes, rule_for, run_rule

CASES = Path(__file__).parent / "cases"


def _load() -> list[tuple[str, str, dict[str, Any]]]:
    out: list[tuple[str, str, dict[str, Any]]] = []
    for path in sorted(CASES.glob("DEF7*.yaml")):
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["rule"] == path.stem
        for name, case in data["cases"].items():
            out.append((data["rule"], name, case))
    return out


ALL_CASES = _load()
IDS = [f"{c}-{n}" for c, n, _ in ALL_CASES]
SHELL_RULES = [r.meta.code for r in all_rules() if r.meta.family == "shell"]


def _config(*codes: str) -> LintConfig:
    return LintConfig(extend_select=codes)


def _lint(text: str, code: str) -> list[Finding]:
    return [f for f in lint_text(text, config=_config(code), shellcheck=False) if f.code == code]


@pytest.mark.parametrize(("code", "name", "case"), ALL_CASES, ids=IDS)
def test_case(code: str, name: str, case: dict[str, Any]) -> None:
    if "pass" in case:
        assert not parse(case["pass"]).diagnostics, "case text must be a valid definition file"
        findings = run_rule(code, case["pass"])
        assert findings == [], [f.message for f in findings]
        return
    text = case["fail"]
    assert not parse(text).diagnostics, "case text must be a valid definition file"
    findings = run_rule(code, text)
    assert findings, f"{code} did not fire"
    for f in findings:
        assert f.code == code and f.message
        assert 0 <= f.span.start < f.span.end <= len(text)
    if "fixed" not in case:
        assert all(f.fix is None for f in findings), "a fix without a `fixed:` expectation"
        return
    unsafe = bool(case.get("unsafe", False))
    fixed, applied = apply_fixes(text, findings, unsafe=unsafe)
    assert applied, "expected a fix"
    assert fixed == case["fixed"]
    assert not parse(fixed).diagnostics
    assert run_rule(code, fixed) == []


@pytest.mark.parametrize(("code", "name", "case"), ALL_CASES, ids=IDS)
def test_case_through_engine(code: str, name: str, case: dict[str, Any]) -> None:
    meta = rule_for(code).meta
    if "pass" in case:
        assert [f.message for f in _lint(case["pass"], code)] == []
        return
    findings = _lint(case["fail"], code)
    assert findings
    assert all(f.name == meta.name and f.severity is meta.severity for f in findings)
    if "fixed" in case:
        unsafe = bool(case.get("unsafe", False))
        result = fix_text(
            case["fail"], config=_config(code), unsafe=unsafe, shellcheck=False, codes={code}
        )
        assert result.text == case["fixed"]
        if not unsafe:
            safe = fix_text(case["fail"], config=_config(code), shellcheck=False, codes={code})
            assert safe.text == case["fixed"], "the expected fix must not need --unsafe-fixes"
        assert _lint(result.text, code) == []


def test_every_rule_has_failing_and_passing_cases() -> None:
    kinds: dict[str, set[str]] = {}
    for code, _, case in ALL_CASES:
        kinds.setdefault(code, set()).update({"pass", "fail"} & case.keys())
    assert SHELL_RULES
    for code in SHELL_RULES:
        assert kinds.get(code) == {"pass", "fail"}, code


def test_every_fix_has_a_case() -> None:
    with_fixed = {code for code, _, case in ALL_CASES if "fixed" in case}
    for code in SHELL_RULES:
        if rule_for(code).meta.fix in (Applicability.SAFE, Applicability.UNSAFE):
            assert code in with_fixed, code


def test_metadata() -> None:
    names = [rule_for(c).meta.name for c in SHELL_RULES]
    assert len(names) == len(set(names))
    for code in SHELL_RULES:
        meta = rule_for(code).meta
        assert re.fullmatch(r"DEF7\d\d", code)
        heads = re.findall(r"^## (.+)$", meta.explanation, re.M)
        assert heads[:4] == ["Why is this bad?", "Example", "Use instead", "Fix safety"], code
    assert not rule_for("DEF705").meta.default_enabled
    assert all(rule_for(c).meta.default_enabled for c in SHELL_RULES if c != "DEF705")


# -- behaviour the YAML cases cannot express ---------------------------------------------

HEREDOCS = """\
Bootstrap: docker
From: ubuntu:24.04

%post
    cat > /opt/build.sh <<EOF
apt-get install curl
pip install numpy
echo "$SINGULARITY_ENVIRONMENT"
EOF
    cat > /opt/env.sh <<-'END'
\tapt install git
\tFOO=bar
\tEND
    chmod +x /opt/build.sh

%environment
    cat > /dev/null <<'EOF'
FOO=bar
EOF
    export OK=1

%runscript
    cat <<EOF
python /opt/app/main.py
EOF
"""


def test_heredoc_content_never_triggers() -> None:
    codes = tuple(SHELL_RULES)
    found = lint_text(HEREDOCS, config=_config(*codes), shellcheck=False)
    assert [(f.code, f.message) for f in found if f.code.startswith("DEF7")] == []


def _spans(text: str, code: str) -> list[str]:
    return [text[f.span.start : f.span.end] for f in _lint(text, code)]


def test_crlf_body_spans_and_fix() -> None:
    text = (
        "Bootstrap: docker\r\nFrom: ubuntu:24.04\r\n\r\n%post\r\n"
        "    apt-get update\r\n    apt-get install curl\r\n"
        '    echo x >> "$SINGULARITY_ENVIRONMENT"\r\n'
        "\r\n%environment\r\n    LC_ALL=C.UTF-8\r\n"
    )
    assert _spans(text, "DEF701") == ["apt-get install"]
    assert _spans(text, "DEF709") == ["SINGULARITY_ENVIRONMENT"]
    assert _spans(text, "DEF708") == ["LC_ALL"]
    codes = {"DEF701", "DEF708", "DEF709"}
    result = fix_text(text, config=_config(*codes), shellcheck=False, codes=codes)
    assert result.text == (
        "Bootstrap: docker\r\nFrom: ubuntu:24.04\r\n\r\n%post\r\n"
        "    apt-get update\r\n    apt-get install -y curl\r\n"
        '    echo x >> "$APPTAINER_ENVIRONMENT"\r\n'
        "\r\n%environment\r\n    export LC_ALL=C.UTF-8\r\n"
    )
    assert "\n" not in result.text.replace("\r\n", "")


def test_tab_indented_body() -> None:
    text = (
        "Bootstrap: docker\nFrom: python:3.12\n\n%post\n"
        "\tapt-get install --no-install-recommends curl\n\tpip install numpy\n"
        "\n%runscript\n\tcd /opt\n\tpython main.py\n"
    )
    assert _spans(text, "DEF701") == ["apt-get install"]
    assert _spans(text, "DEF704") == ["pip install"]
    assert _spans(text, "DEF706") == ["python"]
    assert _spans(text, "DEF707") == ["python main.py"]
    finding = _lint(text, "DEF701")[0]
    line, col = parse(text).lines.line_col(finding.span.start)  # 1-based
    assert text.splitlines()[line - 1][col - 1 :].startswith("apt-get install --no")
    assert (line, col) == (5, 2)
    result = fix_text(text, config=_config("DEF701"), shellcheck=False, codes={"DEF701"})
    assert "\tapt-get install -y --no-install-recommends curl\n" in result.text


def test_placeholders_in_commands() -> None:
    text = (
        "Bootstrap: docker\nFrom: python:3.12\n\n%arguments\n    PKGS=curl\n    V=2.1.0\n\n"
        "%post\n    apt-get install {{ PKGS }}\n    pip install --no-cache-dir numpy=={{ V }}\n"
        "    pip install {{ PKGS }}\n"
    )
    assert _spans(text, "DEF701") == ["apt-get install"]
    assert _spans(text, "DEF705") == []  # `numpy=={{ V }}` and `{{ PKGS }}` are pinned later
    assert _spans(text, "DEF704") == ["pip install"]
    result = fix_text(text, config=_config("DEF701"), shellcheck=False, codes={"DEF701"})
    assert "    apt-get install -y {{ PKGS }}\n" in result.text
    assert not parse(result.text).diagnostics


def test_unpinned_is_off_by_default() -> None:
    text = "Bootstrap: docker\nFrom: python:3.12\n\n%post\n    pip install --no-cache-dir numpy\n"
    assert [f for f in lint_text(text, shellcheck=False) if f.code == "DEF705"] == []
    assert _spans(text, "DEF705") == ["numpy"]


def test_only_cache_findings_in_the_final_stage() -> None:
    text = (
        "Bootstrap: docker\nFrom: python:3.12\nStage: build\n\n%post\n    pip install numpy\n\n"
        "Bootstrap: docker\nFrom: python:3.12\n\n%post\n    pip install scipy\n"
    )
    assert _spans(text, "DEF704") == ["pip install"]
    assert _lint(text, "DEF704")[0].span.start > text.index("scipy") - 20


def test_singularity_rename_is_safe_only_when_apptainer_sets_both() -> None:
    text = (
        "Bootstrap: docker\nFrom: ubuntu:24.04\n\n%post\n"
        '    echo "$SINGULARITY_ROOTFS $SINGULARITY_LABELS $SINGULARITY_CONTAINER"\n'
    )
    findings = _lint(text, "DEF709")
    kinds = {text[f.span.start : f.span.end]: f.fix.applicability for f in findings if f.fix}
    assert kinds == {
        "SINGULARITY_ROOTFS": Applicability.SAFE,
        "SINGULARITY_LABELS": Applicability.SAFE,
        "SINGULARITY_CONTAINER": Applicability.UNSAFE,
    }
    assert all(f.tags == frozenset({"deprecated"}) for f in findings)


def test_apt_fixes_combine() -> None:
    text = "Bootstrap: docker\nFrom: debian:12\n\n%post\n    apt-get install curl\n"
    codes = {"DEF701", "DEF702"}
    result = fix_text(text, config=_config(*codes), unsafe=True, shellcheck=False, codes=codes)
    line = result.text.splitlines()[-1]
    assert "-y" in line.split() and "--no-install-recommends" in line.split()
    assert [
        f
        for f in lint_text(result.text, config=_config(*codes), shellcheck=False)
        if f.code in codes
    ] == []
