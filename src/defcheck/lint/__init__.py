"""The linter: rules, engine, configuration, suppressions, fixes and reports.

>>> from defcheck.lint import lint_document
>>> from defcheck.syntax import parse
>>> findings = lint_document(parse("Bootstrap: Docker\\nFrom: alpine:3.20\\n"), shellcheck=False)
>>> [f.code for f in findings if f.code == "DEF514"]
['DEF514']

Public API: `lint_document`, `lint_text`, `lint_paths`, `fix_text`, `LintConfig`,
`load_config`, the value types `Finding`, `Fix`, `Applicability`, `Severity`, `RuleMeta`,
and the registry `all_rules()` / `get_rule(code)`.

The names are imported on first use, so `import defcheck.lint.model` (or `defcheck lint`
itself) loads only the modules it needs.
"""

from __future__ import annotations

from defcheck.syntax.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from defcheck.lint.config import LintConfig, load_config
    from defcheck.lint.context import LintSettings, RuleContext
    from defcheck.lint.engine import FileResult, failing, lint_document, lint_paths, lint_text
    from defcheck.lint.fixes import FixResult, fix_text
    from defcheck.lint.model import Applicability, Finding, Fix, Related, RuleMeta, Severity
    from defcheck.lint.registry import Rule, all_rules, get_rule, rule

#: Where each public name lives.
_HOMES = {
    "config": ("LintConfig", "load_config"),
    "context": ("LintSettings", "RuleContext"),
    "engine": ("FileResult", "failing", "lint_document", "lint_paths", "lint_text"),
    "fixes": ("FixResult", "fix_text"),
    "model": ("Applicability", "Finding", "Fix", "Related", "RuleMeta", "Severity"),
    "registry": ("Rule", "all_rules", "get_rule", "rule"),
}
__getattr__ = lazy_exports(__name__, _HOMES)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Applicability",
    "FileResult",
    "Finding",
    "Fix",
    "FixResult",
    "LintConfig",
    "LintSettings",
    "Related",
    "Rule",
    "RuleContext",
    "RuleMeta",
    "Severity",
    "all_rules",
    "failing",
    "fix_text",
    "get_rule",
    "lint_document",
    "lint_paths",
    "lint_text",
    "load_config",
    "rule",
]
