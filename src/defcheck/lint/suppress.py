"""Inline suppressions: `# defcheck: ignore[CODE,...]` and `# defcheck: ignore-file[CODE]`.

A comment on a line of its own suppresses the listed codes on the next line that is
neither blank nor another suppression comment; `ignore-file` anywhere suppresses them in
the whole file. Without `[...]` every code is suppressed. A suppression that suppresses
nothing is reported (`DEF003`) with a fix that removes it.

    # defcheck: ignore[DEF411]
    %help
    # defcheck: ignore-file[SC2086, DEF601]
"""

from __future__ import annotations

from defcheck.lint.model import post_init
from defcheck.syntax.record import mutable_record
from defcheck.syntax.span import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from defcheck.lint.model import Finding

#: A suppression comment line (compiled on first use: most files have none).
_SUPPRESS = r"^[ \t]*#[ \t]*defcheck:[ \t]*(ignore-file|ignore)(?:\[([^\]]*)\])?[ \t]*(?:#.*)?$"

#: The default of `Suppression.used`; replaced by a new set in each instance.
_UNUSED: set[str] = set()


@post_init
@mutable_record  # not @dataclass: importing dataclasses costs more than a lint run
class Suppression:
    """One suppression comment: what it covers and which of its codes were used."""

    span: Span  # the comment (without the line ending)
    line_span: Span  # the whole line including its ending, for removal
    codes: tuple[str, ...]  # empty = every code
    file_level: bool
    target_line: int | None  # 0-based line the comment applies to (None for file level)
    used: set[str] = _UNUSED

    def __post_init__(self) -> None:
        """Give each suppression its own `used` set (a dataclass `default_factory`)."""
        if self.used is _UNUSED:
            self.used = set()

    def matches(self, code: str) -> bool:
        """True if this comment names `code` (or names nothing, i.e. everything)."""
        return not self.codes or code in self.codes


def find_suppressions(text: str) -> list[Suppression]:
    """Every suppression comment in `text`."""
    if "defcheck:" not in text:
        return []
    import re

    pattern = re.compile(_SUPPRESS)
    out: list[Suppression] = []
    pending: list[Suppression] = []
    pos = 0
    line_no = 0
    length = len(text)
    while pos < length:
        nl = text.find("\n", pos)
        end = length if nl < 0 else nl + 1
        content = text[pos:end].rstrip("\r\n")
        m = pattern.match(content) if "defcheck:" in content else None
        if m is not None:
            codes = tuple(c.strip() for c in (m.group(2) or "").split(",") if c.strip())
            lead = len(content) - len(content.lstrip(" \t"))
            sup = Suppression(
                span=Span(pos + lead, pos + len(content)),
                line_span=Span(pos, end),
                codes=codes,
                file_level=m.group(1) == "ignore-file",
                target_line=None,
            )
            out.append(sup)
            if not sup.file_level:
                pending.append(sup)
        elif content.strip():
            for sup in pending:
                sup.target_line = line_no
            pending = []
        pos = end
        line_no += 1
    return out


def apply_suppressions(
    findings: Iterable[Finding], suppressions: list[Suppression], line_of: dict[int, int]
) -> list[Finding]:
    """Drop suppressed findings, marking the suppressions that were used.

    `line_of` maps a finding's start offset to its 0-based line.
    """
    if not suppressions:
        return list(findings)
    by_line: dict[int, list[Suppression]] = {}
    file_level: list[Suppression] = []
    for sup in suppressions:
        if sup.file_level:
            file_level.append(sup)
        elif sup.target_line is not None:
            by_line.setdefault(sup.target_line, []).append(sup)
    kept: list[Finding] = []
    for finding in findings:
        hit = False
        for sup in (*by_line.get(line_of[finding.span.start], ()), *file_level):
            if sup.matches(finding.code):
                sup.used.add(finding.code)
                hit = True
        if not hit:
            kept.append(finding)
    return kept
