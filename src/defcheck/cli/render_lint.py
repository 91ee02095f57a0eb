"""Human output of `defcheck lint`: one header line per finding, the source line, a caret.

```
app.def:4:1: DEF401 [error] unknown section `%enviroment`: ...; did you mean `%environment`?
    4 | %enviroment
      | ^^^^^^^^^^^
      = fix (safe): rename to `%environment`
```

Plain text unless `color` is true; then rich adds colour (rich honours `NO_COLOR`).
"""

from __future__ import annotations

from defcheck.lint.model import Severity, allowed
from defcheck.syntax import LineIndex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from defcheck.lint.engine import FileResult
    from defcheck.lint.model import Finding

_STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
    Severity.STYLE: "blue",
}


def _excerpt(index: LineIndex, text: str, finding: Finding) -> tuple[int, str, str]:
    """(1-based line, source line, caret line) for a finding."""
    pos = index.position(finding.span.start)
    start = index.line_start(pos.line)
    end = index.line_end(pos.line)
    line = text[start:end]
    col = pos.column
    stop = min(max(finding.span.end, finding.span.start), end) - start
    width = max(1, stop - col)
    prefix = "".join(ch if ch == "\t" else " " for ch in line[:col])
    return pos.line + 1, line, prefix + "^" * width


def format_finding(res: FileResult, finding: Finding, index: LineIndex) -> list[tuple[str, str]]:
    """Lines of one finding as (style, text) pairs; style "" means plain."""
    text = res.text or ""
    line_no, line, caret = _excerpt(index, text, finding)
    col = index.position(finding.span.start).column + 1
    head = (
        f"{res.path}:{line_no}:{col}: {finding.code} [{finding.severity.value}] {finding.message}"
    )
    gutter = " " * len(str(line_no))
    out = [
        (_STYLE[finding.severity], head),
        ("dim", f"  {line_no} | {line}"),
        (_STYLE[finding.severity], f"  {gutter} | {caret}"),
    ]
    for rel in finding.related:
        rl, rc = index.line_col(rel.span.start)
        out.append(("dim", f"  {gutter} = note: {rel.message} at {res.path}:{rl}:{rc}"))
    if finding.fix is not None and finding.fix.edits:
        out.append(
            (
                "green",
                f"  {gutter} = fix ({finding.fix.applicability.value}): {finding.fix.description}",
            )
        )
    return out


def summary(results: Sequence[FileResult], *, fixed: int = 0) -> str:
    """`Found 3 findings in 2 files (1 error, 2 warnings); 1 fixable with --fix.`"""
    findings = [f for r in results for f in r.findings]
    files = len([r for r in results if r.error is None])
    fixed_note = f" Fixed {fixed} finding{'s' if fixed != 1 else ''}." if fixed else ""
    failed = len(results) - files
    if failed:
        fixed_note += f" {failed} file{'s' if failed != 1 else ''} could not be read."
    if not findings and not failed:
        return f"All checks passed ({files} file{'s' if files != 1 else ''}).{fixed_note}"
    if not findings:
        return f"No findings in {files} file{'s' if files != 1 else ''}.{fixed_note}"
    counts = []
    for sev in Severity:
        n = sum(1 for f in findings if f.severity is sev)
        if n:
            counts.append(f"{n} {sev.value}{'s' if n != 1 and sev is not Severity.STYLE else ''}")
    with_files = len([r for r in results if r.findings])
    safe = sum(1 for f in findings if allowed(f.fix, unsafe=False))
    unsafe = sum(1 for f in findings if allowed(f.fix, unsafe=True)) - safe
    text = (
        f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} in {with_files} "
        f"file{'s' if with_files != 1 else ''} ({', '.join(counts)})."
    )
    if safe:
        text += f" {safe} fixable with --fix."
    if unsafe:
        text += f" {unsafe} more with --unsafe-fixes."
    return text + fixed_note


def render_text(results: Sequence[FileResult], *, fixed: int = 0) -> list[tuple[str, str]]:
    """All findings plus the summary as (style, text) lines."""
    lines: list[tuple[str, str]] = []
    for res in results:
        if not res.findings or res.text is None:
            continue
        index = LineIndex(res.text)
        for finding in res.findings:
            lines.extend(format_finding(res, finding, index))
    lines.append(("bold", summary(results, fixed=fixed)))
    return lines


def print_text(lines: Sequence[tuple[str, str]], *, color: bool, stream: object) -> None:
    """Write lines to `stream` (a text file), with rich colours when `color`."""
    if not color:
        write = stream.write  # type: ignore[attr-defined]
        for _, text in lines:
            write(text + "\n")
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True)  # type: ignore[arg-type]
    for style, text in lines:
        console.print(Text(text, style=style or ""))
