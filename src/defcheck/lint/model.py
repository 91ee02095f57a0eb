"""Values the linter produces: findings, fixes and rule metadata.

The value types are `@record`s (frozen-dataclass stand-ins from the syntax layer), not
dataclasses: importing `dataclasses` (and the `inspect` it pulls in) costs more than
linting a typical file, and `defcheck lint` starts constantly (pre-commit, editors).
"""

from __future__ import annotations

from enum import Enum

from defcheck.syntax.record import cached, record
from defcheck.syntax.span import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from defcheck.syntax.edits import Edit

    _T = TypeVar("_T")


def post_init(cls: type[_T]) -> type[_T]:
    """Make a `@record` class call its `__post_init__` after `__init__` (as dataclasses do)."""
    init = cls.__init__

    def __init__(self: Any, *args: object, **kwargs: object) -> None:
        init(self, *args, **kwargs)
        self.__post_init__()

    __init__.__qualname__ = init.__qualname__
    setattr(cls, "__init__", __init__)  # noqa: B010
    return cls


class Severity(str, Enum):
    """Severity of a finding; ordered error > warning > info > style."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    STYLE = "style"

    @property
    def rank(self) -> int:
        """Higher is worse."""
        return _RANKS[self.value]


_RANKS = {"style": 0, "info": 1, "warning": 2, "error": 3}


class Applicability(str, Enum):
    """How safe a fix is (ruff's model): `--fix` applies SAFE, `--unsafe-fixes` adds UNSAFE."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY = "display-only"


@record
class Fix:
    """Edits that fix a finding, with their applicability and a short description."""

    description: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE


@record
class Related:
    """Another place that explains a finding (e.g. the first definition of a stage name)."""

    span: Span
    message: str


@record
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


def allowed(fix: Fix | None, *, unsafe: bool) -> bool:
    """True if `fix` may be applied in this mode (`--fix`, or `--unsafe-fixes` if `unsafe`)."""
    if fix is None or not fix.edits:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


#: The default of `RuleMeta.options`; replaced by a new dict in each instance.
_NO_OPTIONS: dict[str, object] = {}


@post_init
@record
class RuleMeta:
    """Everything the docs, `defcheck rule CODE` and SARIF say about a rule."""

    code: str
    name: str
    summary: str
    severity: Severity
    family: str
    doc: str  # the rule's docstring as written (see `explanation`)
    fix: Applicability | None = None
    default_enabled: bool = True
    options: dict[str, object] = _NO_OPTIONS

    @cached
    def explanation(self) -> str:
        """Markdown: Why is this bad? / Example / Use instead / Fix safety ... (the
        docstring, de-indented on first use: most runs never show it)."""
        return cleandoc(self.doc)

    @property
    def url(self) -> str:
        """Link to the rule's documentation page."""
        return f"https://github.com/defcheck/defcheck/blob/main/docs/rules/{self.code}.md"

    def __post_init__(self) -> None:
        """Give each `RuleMeta` without `options` its own dict (a dataclass `default_factory`)."""
        if self.options is _NO_OPTIONS:
            self.__dict__["options"] = {}


def cleandoc(doc: str) -> str:
    """`inspect.cleandoc` (importing `inspect` costs more start-up time than a lint run)."""
    lines = doc.expandtabs().split("\n")
    margin = -1
    for line in lines[1:]:
        content = len(line.lstrip())
        if content and (margin < 0 or len(line) - content < margin):
            margin = len(line) - content
    lines[0] = lines[0].lstrip()
    if margin > 0:
        lines[1:] = [line[margin:] for line in lines[1:]]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)
