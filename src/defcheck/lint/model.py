"""Values the linter produces: findings, fixes and rule metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from defcheck.syntax import Edit, Span


class Severity(str, Enum):
    """Severity of a finding; ordered error > warning > info > style."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    STYLE = "style"

    @property
    def rank(self) -> int:
        """Higher is worse."""
        return {"style": 0, "info": 1, "warning": 2, "error": 3}[self.value]


class Applicability(str, Enum):
    """How safe a fix is (ruff's model): `--fix` applies SAFE, `--unsafe-fixes` adds UNSAFE."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY = "display-only"


@dataclass(frozen=True)
class Fix:
    """Edits that fix a finding, with their applicability and a short description."""

    description: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE


@dataclass(frozen=True)
class Related:
    """Another place that explains a finding (e.g. the first definition of a stage name)."""

    span: Span
    message: str


@dataclass(frozen=True)
class Finding:
    """One problem at one place. `severity` is filled in by the engine from config."""

    code: str
    message: str
    span: Span
    severity: Severity = Severity.WARNING
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    tags: frozenset[str] = frozenset()  # "deprecated", "unnecessary" (LSP diagnostic tags)
    name: str = ""


@dataclass(frozen=True)
class RuleMeta:
    """Everything the docs, `defcheck rule CODE` and SARIF say about a rule."""

    code: str
    name: str
    summary: str
    severity: Severity
    family: str
    explanation: str  # markdown: Why is this bad? / Example / Use instead / Fix safety ...
    fix: Applicability | None = None
    default_enabled: bool = True
    options: dict[str, object] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Link to the rule's documentation page."""
        return f"https://github.com/defcheck/defcheck/blob/main/docs/rules/{self.code}.md"
