"""Rendering of `defcheck parse`'s outline (rich)."""

from __future__ import annotations

from defcheck.syntax import Document


def print_outline(doc: Document, name: str) -> None:
    """Print stages, header fields and sections with their line ranges."""
    from rich.console import Console
    from rich.markup import escape
    from rich.tree import Tree

    console = Console(highlight=False)
    lines = doc.lines
    root = Tree(f"[bold]{escape(name)}[/]  ({lines.line_count} lines)")
    for stage in doc.stages:
        first = lines.line_of(stage.span.start) + 1
        last = lines.line_of(max(stage.span.end - 1, stage.span.start)) + 1
        title = "prelude (before the first Bootstrap:)" if stage.is_prelude else "stage"
        if stage.name:
            title += f" [cyan]{escape(stage.name)}[/]"
        node = root.add(f"[bold]{title}[/]  lines {first}-{last}")
        if stage.header:
            header = node.add("header")
            for f in stage.header:
                ln = lines.line_of(f.span.start) + 1
                value = "[red](no value)[/]" if f.value is None else escape(repr(f.value))
                comment = f"  [dim]{escape(f.comment)}[/]" if f.comment else ""
                header.add(f"{ln}: [green]{escape(f.key)}[/] = {value}{comment}")
        for sec in stage.sections:
            a = lines.line_of(sec.span.start) + 1
            b = lines.line_of(max(sec.span.end - 1, sec.span.start)) + 1
            label = f"[magenta]%{escape(sec.written)}[/]"
            if sec.has_args and sec.args:
                label += f" {escape(sec.args)}"
            node.add(f"{label}  lines {a}-{b}")
    console.print(root)
    for d in doc.diagnostics:
        line, col = lines.line_col(d.span.start)
        console.print(f"[red]{escape(name)}:{line}:{col}: error: {escape(d.message)}[/]")
