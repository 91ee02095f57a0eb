"""Run one rule on a text without the engine (image, trust and privilege rule tests).

>>> [f.code for f in run_rule("DEF101", "Bootstrap: docker\\nFrom: alpine\\n")]
['DEF101']
"""

from __future__ import annotations

from collections.abc import Mapping

from defcheck.lint.context import LintSettings, RuleContext
from defcheck.lint.model import Applicability, Finding
from defcheck.lint.registry import Rule, get_rule
from defcheck.syntax import Edit, apply_edits, parse


def rule_for(code: str) -> Rule:
    """The registered rule with that code (fails loudly if it is missing)."""
    found = get_rule(code)
    if found is None:
        raise LookupError(f"no rule {code}")
    return found


def run_rule(
    code: str, text: str, *, settings: LintSettings | None = None, **options: object
) -> list[Finding]:
    """Findings of rule `code` on `text`, with its default options updated by `options`."""
    found = rule_for(code)
    merged: Mapping[str, object] = {**found.meta.options, **options}
    ctx = RuleContext(
        doc=parse(text),
        code=code,
        options=merged,
        settings=settings or LintSettings(),
    )
    return list(found.check(ctx))


def apply_fixes(text: str, findings: list[Finding], *, unsafe: bool = True) -> tuple[str, int]:
    """Apply every applicable fix (non-overlapping, first wins); (new text, fixes applied)."""
    allowed = {Applicability.SAFE} | ({Applicability.UNSAFE} if unsafe else set())
    edits: list[Edit] = []
    taken: list[tuple[int, int]] = []
    applied = 0
    for f in findings:
        if f.fix is None or f.fix.applicability not in allowed or not f.fix.edits:
            continue
        spans = [(e.span.start, e.span.end) for e in f.fix.edits]
        if any((s < te and ts < e) or (s == e == ts) for s, e in spans for ts, te in taken):
            continue
        edits.extend(f.fix.edits)
        taken.extend(spans)
        applied += 1
    return apply_edits(text, edits), applied
