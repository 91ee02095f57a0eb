"""What a rule sees: the document, its options and helpers to build findings and fixes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from defcheck.lint.model import Applicability, Finding, Fix, Related
from defcheck.syntax import Document, Edit, Span


@dataclass(frozen=True)
class LintSettings:
    """Project-wide settings rules may read (from `[tool.defcheck]`)."""

    trusted_registries: tuple[str, ...] = ("docker.io", "index.docker.io", "registry-1.docker.io")
    trusted_namespaces: tuple[str, ...] = ("library",)
    library_url: str | None = None


@dataclass
class RuleContext:
    """Passed to every rule: the parsed document plus this rule's options."""

    doc: Document
    code: str
    path: str | None = None
    options: Mapping[str, object] = field(default_factory=dict)
    settings: LintSettings = field(default_factory=LintSettings)

    def finding(
        self,
        span: Span,
        message: str,
        *,
        fix: Fix | None = None,
        related: tuple[Related, ...] = (),
        tags: frozenset[str] = frozenset(),
    ) -> Finding:
        """A finding of this rule at `span`."""
        return Finding(self.code, message, span, fix=fix, related=related, tags=tags)

    def replace(
        self,
        span: Span,
        text: str,
        description: str,
        applicability: Applicability = Applicability.SAFE,
    ) -> Fix:
        """A fix replacing `span` with `text`."""
        return Fix(description, (Edit(span, text),), applicability)

    def edits(
        self,
        edits: list[Edit],
        description: str,
        applicability: Applicability = Applicability.SAFE,
    ) -> Fix:
        """A fix made of several edits."""
        return Fix(description, tuple(edits), applicability)
