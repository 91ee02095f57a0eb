"""Rule cases for the image-reference (DEF1xx), trust (DEF2xx) and privilege (DEF3xx) families.

Cases live in `tests/lint/cases/<CODE>.yaml` (`fail`/`fixed`/`pass`); rules run directly
through `rules_helper.run_rule`, without the engine. Fixes are applied, the result
re-parsed (no new parser diagnostics) and re-linted clean.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from defcheck.lint.context import LintSettings
from defcheck.lint.model import Applicability
from defcheck.lint.registry import all_rules
from defcheck.syntax import parse
from lint.rules_helper import apply_fixes, rule_for, run_rule

CASES = Path(__file__).parent / "cases"
FAMILIES = {"images": "DEF1", "trust": "DEF2", "privilege": "DEF3"}
MINE = re.compile(r"DEF[123][0-9][0-9]")


def _load() -> list[tuple[str, str, dict[str, str]]]:
    out: list[tuple[str, str, dict[str, str]]] = []
    for path in sorted(CASES.glob("DEF[123]*.yaml")):
        data: dict[str, Any] = yaml.safe_load(path.read_text())
        assert data["rule"] == path.stem
        for name, case in data["cases"].items():
            out.append((data["rule"], name, case))
    return out


ALL_CASES = _load()


def _my_rules() -> list[str]:
    return [r.meta.code for r in all_rules() if r.meta.family in FAMILIES]


@pytest.mark.parametrize(
    ("code", "name", "case"), ALL_CASES, ids=[f"{c}-{n}" for c, n, _ in ALL_CASES]
)
def test_case(code: str, name: str, case: dict[str, str]) -> None:
    if "pass" in case:
        findings = run_rule(code, case["pass"])
        assert findings == [], [f.message for f in findings]
        return
    text = case["fail"]
    assert not parse(text).diagnostics, "case text must be a valid definition file"
    findings = run_rule(code, text)
    assert findings, f"{code} did not fire"
    for f in findings:
        assert f.code == code
        assert 0 <= f.span.start <= f.span.end <= len(text)
        assert f.message
    if "fixed" not in case:
        assert all(
            f.fix is None or f.fix.applicability is Applicability.DISPLAY for f in findings
        ), "a fix without a `fixed:` expectation"
        return
    unsafe = bool(case.get("unsafe", False))
    fixed, applied = apply_fixes(text, findings, unsafe=unsafe)
    assert applied, "expected a fix"
    assert fixed == case["fixed"]
    assert not parse(fixed).diagnostics
    assert run_rule(code, fixed) == []


@pytest.mark.parametrize(
    ("code", "name", "case"), ALL_CASES, ids=[f"{c}-{n}" for c, n, _ in ALL_CASES]
)
def test_case_through_engine(code: str, name: str, case: dict[str, Any]) -> None:
    """The same cases through `lint_text`/`fix_text`, as users see them."""
    from defcheck.lint import LintConfig, fix_text, lint_text

    config = LintConfig(extend_select=(code,))
    meta = rule_for(code).meta
    if "pass" in case:
        found = lint_text(case["pass"], config=config, shellcheck=False)
        assert [f.message for f in found if f.code == code] == []
        return
    findings = [
        f for f in lint_text(case["fail"], config=config, shellcheck=False) if f.code == code
    ]
    assert findings
    assert all(f.name == meta.name and f.severity is meta.severity for f in findings)
    if "fixed" in case:
        unsafe = bool(case.get("unsafe", False))
        result = fix_text(
            case["fail"], config=config, unsafe=unsafe, shellcheck=False, codes={code}
        )
        assert result.text == case["fixed"]
        again = lint_text(result.text, config=config, shellcheck=False)
        assert [f for f in again if f.code == code] == []


def test_every_rule_has_failing_and_passing_cases() -> None:
    kinds: dict[str, set[str]] = {}
    for code, _, case in ALL_CASES:
        kinds.setdefault(code, set()).update({"pass", "fail"} & case.keys())
    for code in _my_rules():
        assert kinds.get(code) == {"pass", "fail"}, code


def test_every_fix_has_a_case() -> None:
    with_fixed = {code for code, _, case in ALL_CASES if "fixed" in case}
    for code in _my_rules():
        meta = rule_for(code).meta
        if meta.fix in (Applicability.SAFE, Applicability.UNSAFE):
            assert code in with_fixed, code


def test_metadata() -> None:
    codes = _my_rules()
    assert len(codes) == len(set(codes)) >= 20
    names = [rule_for(c).meta.name for c in codes]
    assert len(names) == len(set(names))
    for code in codes:
        meta = rule_for(code).meta
        assert code.startswith(FAMILIES[meta.family]), code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", meta.name), meta.name
        assert meta.summary and not meta.summary.endswith(".")
        heads = re.findall(r"^## (.+)$", meta.explanation, re.M)
        assert heads[:4] == ["Why is this bad?", "Example", "Use instead", "Fix safety"], code


def _block(explanation: str, heading: str) -> str:
    part = explanation.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    m = re.search(r"```singularity\n(.*?)```", part, re.S)
    assert m, heading
    return m.group(1)


@pytest.mark.parametrize("code", _my_rules())
def test_docstring_examples(code: str) -> None:
    meta = rule_for(code).meta
    settings = LintSettings()  # the defaults, as `defcheck lint` without a config sees them
    bad, good = _block(meta.explanation, "Example"), _block(meta.explanation, "Use instead")
    assert not parse(bad).diagnostics and not parse(good).diagnostics
    assert run_rule(code, bad, settings=settings), "Example must trigger the rule"
    assert run_rule(code, good, settings=settings) == [], "Use instead must not"


# -- behaviour that YAML cases cannot express ------------------------------------------


def test_trusted_registries_setting() -> None:
    text = "Bootstrap: docker\nFrom: quay.io/org/app:1\n"
    assert run_rule("DEF205", text)
    trusted = LintSettings(trusted_registries=("quay.io",))
    assert run_rule("DEF205", text, settings=trusted) == []
    hub = LintSettings(trusted_registries=("index.docker.io",))
    assert run_rule("DEF205", "Bootstrap: docker\nFrom: alpine:3\n", settings=hub) == []
    assert rule_for("DEF205").meta.default_enabled is False


def test_trusted_namespaces_setting() -> None:
    text = "Bootstrap: docker\nFrom: myorg/app:1\n"
    assert run_rule("DEF206", text)
    ok = LintSettings(trusted_namespaces=("library", "myorg"))
    assert run_rule("DEF206", text, settings=ok) == []


def test_namespace_header_counts_for_docker_hub() -> None:
    text = "Bootstrap: docker\nNamespace: someuser\nFrom: app:1\n"
    [finding] = run_rule("DEF206", text)
    assert "someuser/app" in finding.message


def test_positions_point_at_the_value() -> None:
    text = "Bootstrap: docker\nFrom:   ubuntu   # base\n"
    [f] = run_rule("DEF101", text)
    assert text[f.span.start : f.span.end] == "ubuntu"
    post = "Bootstrap: docker\nFrom: ubuntu:24.04\n\n%post\n\tapt-get update\n\tsudo   true\n"
    [f] = run_rule("DEF304", post)
    assert post[f.span.start : f.span.end] == "sudo"
    proc = "Bootstrap: docker\nFrom: a:1\n\n%post\r\n    echo 1 > /proc/sys/x\r\n"
    [f] = run_rule("DEF307", proc)
    assert proc[f.span.start : f.span.end] == "/proc/sys/x"


def test_continued_from_value_has_no_fix() -> None:
    digest = "sha256:" + "0" * 64
    text = f"Bootstrap: docker\nFrom: alpine:3.19\\\n@{digest}\n"
    findings = run_rule("DEF104", text)
    if findings:  # only when the parser joins the continuation into one value
        assert all(f.fix is None for f in findings)


def test_display_only_fix_for_unpinned_tag() -> None:
    [f] = run_rule("DEF103", "Bootstrap: docker\nFrom: ubuntu:24.04\n")
    assert f.fix is not None
    assert f.fix.applicability is Applicability.DISPLAY
    assert "defpin" in f.fix.description


def test_tag_and_digest_fix_is_unsafe() -> None:
    text = "Bootstrap: docker\nFrom: alpine:3@sha256:" + "0" * 64 + "\n"
    [f] = run_rule("DEF104", text)
    assert f.fix is not None and f.fix.applicability is Applicability.UNSAFE
    assert apply_fixes(text, [f], unsafe=False)[1] == 0


def test_non_shell_runscript_is_skipped() -> None:
    text = (
        "Bootstrap: docker\nFrom: python:3.12\n\n%runscript\n#!/usr/bin/env python3\n"
        "import os; os.system('curl https://x | sh')\n"
    )
    assert run_rule("DEF209", text) == []


def test_rules_do_not_touch_the_filesystem(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins
    import os

    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("rule did I/O")

    text = "Bootstrap: localimage\nFrom: /tmp/base.sif\n"
    monkeypatch.setattr(builtins, "open", boom)
    monkeypatch.setattr(os, "stat", boom)
    assert run_rule("DEF203", text)
    assert run_rule("DEF202", text) == []


def test_mine_only() -> None:
    for code, _, _ in ALL_CASES:
        assert MINE.fullmatch(code)


def test_library_container_only_option() -> None:
    fp = "8883491F4268F173C6E5DC49EDECE4F3F38D871E"
    text = f"Bootstrap: library\nFrom: alpine:3.19\nFingerprints: {fp}\n"
    assert run_rule("DEF107", text) == []
    findings = run_rule("DEF107", text, **{"container-only": True})
    fixed, applied = apply_fixes(text, findings)
    assert applied == 1
    assert fixed == f"Bootstrap: library\nFrom: library/default/alpine:3.19\nFingerprints: {fp}\n"
    assert run_rule("DEF107", fixed, **{"container-only": True}) == []
