"""`defcheck fmt`: a canonical, idempotent formatter that proves it changed no meaning.

>>> format_text("bootstrap:docker\\nfrom :alpine\\n%POST\\n  echo hi\\n")
'Bootstrap: docker\\nFrom: alpine\\n\\n%post\\n    echo hi\\n'

`format_text` is a pure function (I/O is the CLI's job). By default it checks its output
(see `safety.py`): Apptainer's view of the output equals that of the input up to
documented shell-neutral white space, and formatting the output again changes nothing.
"""

from __future__ import annotations

from defcheck.errors import FormatterSafetyError, ParseError
from defcheck.format.options import FormatOptions, Preview
from defcheck.format.safety import Parsed, SafetyFailure, check_equivalent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from defcheck.syntax.document import Document

__all__ = [
    "FormatOptions",
    "FormatterSafetyError",
    "Preview",
    "SafetyFailure",
    "check_safety",
    "format_range",
    "format_text",
]

_DEFAULT = FormatOptions()


def _parse_checked(
    source: str, *, force_partial: bool, pre: Parsed | None = None
) -> tuple[Parsed, frozenset[int]]:
    """Parse (unless `pre` is given) and refuse a file Apptainer rejects."""
    parsed = pre if pre is not None else Parsed.of(source)
    if parsed.clean:
        return parsed, frozenset()
    errors = parsed.doc.errors
    if not errors:  # pragma: no cover - the views and parse_all agree
        return parsed, parsed.broken
    if not force_partial:
        err = errors[0]
        line, col = parsed.doc.lines.line_col(err.span.start)
        raise ParseError(err.message, line=line, column=col)
    return parsed, parsed.broken


class _Run:
    """One formatting pass: its result, the parsed input, and the stages it left as
    they were (already formatted)."""

    __slots__ = ("formatted", "parsed", "result")

    def __init__(self, result: str, parsed: Parsed, formatted: frozenset[tuple[str, bool]]) -> None:
        self.result = result
        self.parsed = parsed
        self.formatted = formatted


def _format(
    source: str,
    options: FormatOptions,
    *,
    force_partial: bool,
    lines: tuple[int, int] | None,
    pre: Parsed | None = None,
    known: frozenset[tuple[str, bool]] = frozenset(),
    record: bool = True,
) -> _Run:
    from defcheck.format.core import (
        formatted_stages,
        newline_of,
        render_edits,
        sortable_stages,
        stage_blocks,
    )
    from defcheck.syntax.edits import apply_edits

    parsed, skip = _parse_checked(source, force_partial=force_partial, pre=pre)
    doc = parsed.doc
    per_stage = stage_blocks(doc, options, skip=skip, known=known, record=record)
    newline = newline_of(source, options.line_ending)
    if lines is not None:
        first, last = lines
        per_stage = [
            [b for b in blocks if _touches(doc, b.span.start, b.span.end, first, last)]
            for blocks in per_stage
        ]
    edits = render_edits(doc, per_stage, newline)
    result = apply_edits(source, edits)
    if options.sort_sections and lines is None:
        chosen: set[int] = set()
        for index in sortable_stages(per_stage):
            trial = apply_edits(
                source,
                render_edits(doc, per_stage, newline, sort_stages=frozenset(chosen | {index})),
            )
            try:
                check_equivalent(result, trial)
            except FormatterSafetyError:
                continue  # Apptainer's result would differ: keep the author's order
            chosen.add(index)
        if chosen:
            result = apply_edits(
                source, render_edits(doc, per_stage, newline, sort_stages=frozenset(chosen))
            )
    formatted: frozenset[tuple[str, bool]] = frozenset()
    if record and not options.sort_sections and lines is None:
        formatted = formatted_stages(doc, per_stage, edits)
    return _Run(result, parsed, formatted)


def _touches(doc: Document, start: int, end: int, first: int, last: int) -> bool:
    text = doc.text
    line_start = text.count("\n", 0, start)
    line_end = text.count("\n", 0, max(start, end - 1))
    return line_start <= last and line_end >= first


def format_text(
    source: str,
    *,
    options: FormatOptions = _DEFAULT,
    force_partial: bool = False,
    safe: bool = True,
) -> str:
    """Format a definition file.

    Raises `ParseError` when Apptainer rejects the file (unless `force_partial`, which
    formats only the stages Apptainer accepts) and `FormatterSafetyError` when the
    output fails the safety checks (skipped with `safe=False`, the CLI's `--fast`).
    """
    run = _format(source, options, force_partial=force_partial, lines=None, record=safe)
    if safe and run.result != source:
        _check(source, run.result, options, force_partial=force_partial, first=run)
    return run.result


def check_safety(
    source: str,
    result: str,
    *,
    options: FormatOptions = _DEFAULT,
    force_partial: bool = False,
) -> None:
    """Raise `FormatterSafetyError` unless `result` is equivalent to `source` and stable."""
    _check(source, result, options, force_partial=force_partial, first=None)


def _check(
    source: str,
    result: str,
    options: FormatOptions,
    *,
    force_partial: bool,
    first: _Run | None,
) -> None:
    try:
        out = check_equivalent(
            source, result, source_parsed=first.parsed if first is not None else None
        )
    except SafetyFailure as exc:
        exc.output = result
        raise
    known = first.formatted if first is not None else frozenset()
    again = _format(
        result, options, force_partial=force_partial, lines=None, pre=out, known=known, record=False
    ).result
    if again != result:
        raise SafetyFailure("stability", _first_line_difference(result, again), output=result)


def format_range(
    source: str,
    start_line: int,
    end_line: int,
    *,
    options: FormatOptions = _DEFAULT,
    safe: bool = True,
) -> str:
    """Format only the blocks (a stage header, a section) touching lines
    `start_line..end_line` (0-based, inclusive), for the language server.

    The same equivalence check applies; instead of stability, formatting the whole result
    must give what formatting the whole source gives. `--sort-sections` is not applied.
    """
    plain = FormatOptions(
        indent=options.indent, line_ending=options.line_ending, preview=options.preview
    )
    run = _format(source, plain, force_partial=False, lines=(start_line, end_line))
    result = run.result
    if safe and result != source:
        out = check_equivalent(source, result, source_parsed=run.parsed)
        full_a = _format(source, plain, force_partial=False, lines=None, pre=run.parsed).result
        full_b = _format(result, plain, force_partial=False, lines=None, pre=out).result
        if full_a != full_b:
            raise SafetyFailure("stability", _first_line_difference(full_a, full_b))
    return result


def _first_line_difference(a: str, b: str) -> str:
    la, lb = a.splitlines(), b.splitlines()
    for n, (x, y) in enumerate(zip(la, lb, strict=False)):
        if x != y:
            return f"line {n + 1}: {x!r} became {y!r} when formatted again"
    return f"the line count changed from {len(la)} to {len(lb)} when formatted again"
