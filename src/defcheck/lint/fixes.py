"""Apply fixes: safe ones with `--fix`, unsafe ones too with `--unsafe-fixes`.

Fixes are edits (`defcheck.syntax.apply_edits`). Each round lints the text, applies every
allowed fix that does not overlap an earlier one, re-parses and repeats until nothing
changes (at most `MAX_ROUNDS`). A round whose result Apptainer would reject when the
input was accepted is undone fix by fix: a fix never introduces a `DEF001` error.

>>> fix_text("Bootstrap: Docker\\nFrom: alpine:3.20\\n", shellcheck=False).text
'Bootstrap: docker\\nFrom: alpine:3.20\\n'
"""

from __future__ import annotations

from collections.abc import Collection

from defcheck.lint.config import LintConfig
from defcheck.lint.engine import lint_document
from defcheck.lint.model import Finding, Fix, allowed
from defcheck.syntax import Document, apply_edits, parse
from defcheck.syntax.edits import OverlappingEditsError
from defcheck.syntax.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

MAX_ROUNDS = 10


@record  # not @dataclass: importing dataclasses costs start-up time
class FixResult:
    """The fixed text, how many fixes were applied, and what is left to report."""

    text: str
    applied: int
    rounds: int
    findings: tuple[Finding, ...]
    doc: Document


def fix_text(
    text: str,
    *,
    path: str | Path | None = None,
    config: LintConfig | None = None,
    unsafe: bool = False,
    shellcheck: bool = True,
    codes: Collection[str] | None = None,
) -> FixResult:
    """Fix `text` until stable; see the module docstring.

    With `codes`, only fixes of findings with those codes are applied.
    """
    doc = parse(text)
    accepted = not doc.errors
    applied = 0
    rounds = 0
    findings = lint_document(doc, path=path, config=config, shellcheck=shellcheck)
    while rounds < MAX_ROUNDS:
        fixes = _choose(
            [
                f.fix
                for f in findings
                if allowed(f.fix, unsafe=unsafe) and (codes is None or f.code in codes)
            ]
        )
        if not fixes:
            break
        rounds += 1
        new_text, count = _apply(doc.text, fixes, accepted)
        if count == 0 or new_text == doc.text:
            break
        applied += count
        doc = parse(new_text)
        findings = lint_document(doc, path=path, config=config, shellcheck=shellcheck)
    return FixResult(doc.text, applied, rounds, tuple(findings), doc)


def _choose(fixes: list[Fix | None]) -> list[Fix]:
    """Non-overlapping fixes in text order (earlier ones win; the rest wait a round)."""
    chosen: list[Fix] = []
    taken: list[tuple[int, int]] = []
    seen: set[tuple[tuple[int, int, str], ...]] = set()
    ordered = sorted(
        (f for f in fixes if f is not None), key=lambda f: min(e.span.start for e in f.edits)
    )
    for fix in ordered:
        key = tuple((e.span.start, e.span.end, e.text) for e in fix.edits)
        if key in seen:
            continue
        if any(_overlaps(e.span.start, e.span.end, taken) for e in fix.edits):
            continue
        seen.add(key)
        chosen.append(fix)
        taken.extend((e.span.start, e.span.end) for e in fix.edits)
    return chosen


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    for s, e in taken:
        if start < e and s < end:
            return True
        if start == end == s or start == end == e or (s == e and start <= s < end):
            return True  # two insertions at one point: keep their order stable
    return False


def _apply(text: str, fixes: list[Fix], accepted: bool) -> tuple[str, int]:
    """Apply `fixes`; if the result is newly rejected by Apptainer, keep only good ones."""
    try:
        new = apply_edits(text, [e for f in fixes for e in f.edits])
    except OverlappingEditsError:
        new = text
    if new != text and (not accepted or not parse(new).errors):
        return new, len(fixes)
    count = 0
    for fix in fixes:
        try:
            candidate = apply_edits(text, fix.edits)
        except OverlappingEditsError:
            continue
        if not accepted or not parse(candidate).errors:
            return candidate, 1  # one at a time; the next round re-lints
    return text, count
