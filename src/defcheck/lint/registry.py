"""The rule registry: `@rule(...)` attaches metadata to a rule function and registers it.

A rule is a pure generator: `RuleContext` in, `Finding`s out. No I/O, no severity, no
suppression logic; the engine adds those.

    @rule(code="DEF104", name="noncanonical-header-key", summary="...", family="header",
          severity=Severity.STYLE, fix=Applicability.SAFE)
    def noncanonical_header_key(ctx: RuleContext) -> Iterator[Finding]:
        \"\"\"## Why is this bad?
        ...
        \"\"\"
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from defcheck.lint.context import RuleContext
from defcheck.lint.model import Applicability, Finding, RuleMeta, Severity

RuleFn = Callable[[RuleContext], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its metadata and its check function."""

    meta: RuleMeta
    check: RuleFn


_RULES: dict[str, Rule] = {}


def rule(
    *,
    code: str,
    name: str,
    summary: str,
    family: str,
    severity: Severity = Severity.WARNING,
    fix: Applicability | None = None,
    default_enabled: bool = True,
    options: dict[str, object] | None = None,
) -> Callable[[RuleFn], RuleFn]:
    """Register a rule; its docstring is the markdown explanation."""

    def register(fn: RuleFn) -> RuleFn:
        if code in _RULES:
            raise ValueError(f"duplicate rule code {code}")
        meta = RuleMeta(
            code=code,
            name=name,
            summary=summary,
            severity=severity,
            family=family,
            explanation=inspect.cleandoc(fn.__doc__ or ""),
            fix=fix,
            default_enabled=default_enabled,
            options=dict(options or {}),
        )
        _RULES[code] = Rule(meta, fn)
        return fn

    return register


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by code (importing the rule modules first)."""
    from defcheck.lint import rules as _rules  # noqa: F401  (registers the families)

    return [_RULES[c] for c in sorted(_RULES)]


def get_rule(code: str) -> Rule | None:
    """A rule by code or name."""
    all_rules()
    if code in _RULES:
        return _RULES[code]
    for r in _RULES.values():
        if r.meta.name == code:
            return r
    return None
