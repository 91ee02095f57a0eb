"""What a rule sees: the document, its options and helpers to build findings and fixes."""

from __future__ import annotations

from defcheck.lint.model import Applicability, Finding, Fix
from defcheck.syntax.edits import Edit
from defcheck.syntax.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from defcheck.lint.model import Related
    from defcheck.syntax import Document, Span


@record  # not @dataclass: importing dataclasses costs more start-up than a lint run
class LintSettings:
    """Project-wide settings rules may read (from `[tool.defcheck]`)."""

    trusted_registries: tuple[str, ...] = ("docker.io", "index.docker.io", "registry-1.docker.io")
    trusted_namespaces: tuple[str, ...] = ("library",)
    library_url: str | None = None


class RuleContext:
    """Passed to every rule: the parsed document plus this rule's options.

    A plain class rather than a dataclass (same fields, keywords and defaults): it is on
    the start-up path of every `defcheck lint`, and each dataclass costs ~1 ms there.
    """

    __slots__ = ("code", "doc", "options", "path", "settings")

    def __init__(
        self,
        doc: Document,
        code: str,
        path: str | None = None,
        options: Mapping[str, object] | None = None,
        settings: LintSettings | None = None,
    ) -> None:
        self.doc = doc
        self.code = code
        self.path = path
        self.options: Mapping[str, object] = {} if options is None else options
        self.settings = LintSettings() if settings is None else settings

    def __repr__(self) -> str:
        return (
            f"RuleContext(doc={self.doc!r}, code={self.code!r}, path={self.path!r}, "
            f"options={self.options!r}, settings={self.settings!r})"
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, RuleContext)
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it was

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
