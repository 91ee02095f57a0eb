"""Rule cases for the engine (DEF0xx), structure (DEF4xx), pitfall (DEF5xx) and build-arg
(DEF6xx) families, through the full engine.

Cases live in `tests/lint/cases/<CODE>.yaml` as `fail` / `pass` / `fixed` (plus
`unsafe: true` when the expected fix is an unsafe one). A `fail` must produce the rule's
code, a `pass` must not. A `fixed` text is what `fix_text` produces with only that rule
selected; it is re-parsed (no new Apptainer error) and re-linted clean of the rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from defcheck.lint import LintConfig, fix_text, get_rule, lint_text
from defcheck.lint.model import Applicability
from defcheck.syntax import parse

CASES = Path(__file__).parent / "cases"
PATTERNS = ("DEF0*.yaml", "DEF4*.yaml", "DEF5*.yaml", "DEF6*.yaml")


def _load() -> list[tuple[str, str, dict[str, Any]]]:
    out: list[tuple[str, str, dict[str, Any]]] = []
    for pattern in PATTERNS:
        for path in sorted(CASES.glob(pattern)):
            data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
            assert data["rule"] == path.stem
            for name, case in data["cases"].items():
                out.append((data["rule"], name, case))
    return out


ALL_CASES = _load()


def _config(code: str) -> LintConfig:
    return LintConfig(extend_select=(code,))


@pytest.mark.parametrize(
    ("code", "name", "case"), ALL_CASES, ids=[f"{c}-{n}" for c, n, _ in ALL_CASES]
)
def test_case(code: str, name: str, case: dict[str, Any]) -> None:
    rule_ = get_rule(code)
    assert rule_ is not None, f"no rule {code}"
    if "pass" in case:
        found = [f for f in lint_text(case["pass"], config=_config(code), shellcheck=False)]
        assert [f for f in found if f.code == code] == [], [f.message for f in found]
        return
    text = case["fail"]
    findings = [
        f for f in lint_text(text, config=_config(code), shellcheck=False) if f.code == code
    ]
    assert findings, f"{code} did not fire"
    declared = rule_.meta.fix
    for f in findings:
        assert 0 <= f.span.start <= f.span.end <= len(text)
        assert f.message and f.name == rule_.meta.name
        assert f.severity is rule_.meta.severity
        if f.fix is not None:
            assert declared is not None, f"{code} gives a fix but declares none"
            if declared is Applicability.UNSAFE:
                assert f.fix.applicability is not Applicability.SAFE
    if "fixed" in case:
        unsafe = bool(case.get("unsafe", False))
        result = fix_text(text, config=_config(code), unsafe=unsafe, shellcheck=False, codes={code})
        assert result.text == case["fixed"]
        if not unsafe:
            # the expected fix must not need --unsafe-fixes
            safe = fix_text(text, config=_config(code), shellcheck=False, codes={code})
            assert safe.text == case["fixed"]
        before = parse(text).errors
        after = parse(result.text).errors
        assert not after or before, f"fix introduced an Apptainer error: {after}"
        again = lint_text(result.text, config=_config(code), shellcheck=False)
        assert [f for f in again if f.code == code] == []


def test_every_rule_of_these_families_has_cases() -> None:
    from defcheck.lint import all_rules

    have = {p.stem for pattern in PATTERNS for p in CASES.glob(pattern)}
    mine = {
        r.meta.code
        for r in all_rules()
        if r.meta.family in ("core", "structure", "pitfalls", "buildargs")
    }
    missing = sorted(mine - have - {"DEF002", "DEF004"})  # engine-produced, tested in test_engine
    assert not missing, f"rules without tests/lint/cases: {missing}"
