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

from defcheck.lint.model import Applicability, RuleMeta, Severity
from defcheck.syntax.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from defcheck.lint.context import RuleContext
    from defcheck.lint.model import Finding

    RuleFn = Callable[[RuleContext], Iterator[Finding]]


@record  # not @dataclass: each dataclass costs ~1 ms of start-up
class Rule:
    """A registered rule: its metadata and its check function."""

    meta: RuleMeta
    check: RuleFn


class _Registry(dict[str, Rule]):
    """Rules by code. Every change drops the sorted list and the name index that
    `all_rules()`/`get_rule()` keep (the engine asks for rules once per finding)."""

    def __setitem__(self, key: str, value: Rule) -> None:
        super().__setitem__(key, value)
        _invalidate()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        _invalidate()

    def pop(self, key: str, *default: Rule) -> Rule:  # type: ignore[override]
        _invalidate()
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Rule]:
        _invalidate()
        return super().popitem()

    def clear(self) -> None:
        super().clear()
        _invalidate()

    def update(self, *args: object, **kwargs: Rule) -> None:  # type: ignore[override]
        super().update(*args, **kwargs)  # type: ignore[arg-type]
        _invalidate()

    def setdefault(self, key: str, default: Rule) -> Rule:  # type: ignore[override]
        _invalidate()
        return super().setdefault(key, default)


_RULES: dict[str, Rule] = _Registry()
_SORTED: list[Rule] | None = None
_BY_NAME: dict[str, Rule] = {}
_LOADED = False


def _invalidate() -> None:
    global _SORTED
    _SORTED = None


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
            doc=fn.__doc__ or "",
            fix=fix,
            default_enabled=default_enabled,
            options=dict(options or {}),
        )
        _RULES[code] = Rule(meta, fn)
        return fn

    return register


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by code (importing the rule modules first)."""
    return list(_sorted_rules())


def _sorted_rules() -> list[Rule]:
    global _SORTED, _LOADED, _BY_NAME
    if not _LOADED:
        from defcheck.lint import rules as _rules  # noqa: F401  (registers the families)

        _LOADED = True
    found = _SORTED
    if found is None:
        found = [_RULES[c] for c in sorted(_RULES)]
        by_name: dict[str, Rule] = {}
        for r in _RULES.values():
            by_name.setdefault(r.meta.name, r)
        _SORTED, _BY_NAME = found, by_name
    return found


def get_rule(code: str) -> Rule | None:
    """A rule by code or name."""
    _sorted_rules()
    found = _RULES.get(code)
    if found is not None:
        return found
    return _BY_NAME.get(code)
