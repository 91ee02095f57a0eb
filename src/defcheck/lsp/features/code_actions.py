"""textDocument/codeAction: lint fixes as quick fixes, "ignore this rule here", "fix all",
and "pin this image" (a command: the network is used only when the user picks it)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types

from defcheck.lsp import images
from defcheck.lsp.convert import Codec, ranges_overlap, text_edits
from defcheck.syntax import Document, Edit, Span

if TYPE_CHECKING:
    from defcheck.lint.model import Finding

PIN_COMMAND = "defcheck.pinImage"
FIX_ALL_KIND = "source.fixAll.defcheck"

_IGNORE_RE = re.compile(r"^([ \t]*#[ \t]*defcheck:[ \t]*ignore\[)([^\]]*)(\].*)$")


def _applicability(finding: Finding) -> str:
    fix = finding.fix
    if fix is None:
        return ""
    return str(getattr(fix.applicability, "value", fix.applicability))


def ignore_edit(doc: Document, finding: Finding) -> Edit:
    """An edit adding `# defcheck: ignore[CODE]` on the line above the finding.

    The comment goes above the whole header field when the finding is on a continuation
    line (a comment inside a continued value would break it), and an existing
    `ignore[...]` comment on the line above is extended instead of adding a second one.
    """
    text, lines = doc.text, doc.lines
    offset = finding.span.start
    field = doc.field_at(offset)
    if field is not None and field.continued:
        offset = field.span.start
    line = lines.line_of(offset)
    start = lines.line_start(line)
    if line > 0:
        prev_start = lines.line_start(line - 1)
        prev = text[prev_start : lines.line_end(line - 1)]
        m = _IGNORE_RE.match(prev)
        if m is not None:
            codes = [c.strip() for c in m.group(2).split(",") if c.strip()]
            if finding.code not in codes:
                codes.append(finding.code)
            new = f"{m.group(1)}{', '.join(codes)}{m.group(3)}"
            return Edit(Span(prev_start, prev_start + len(prev)), new)
    content = text[start : lines.line_end(line)]
    indent = content[: len(content) - len(content.lstrip(" \t"))]
    newline = "\r\n" if text[lines.line_end(line) : lines.line_end(line) + 2] == "\r\n" else "\n"
    return Edit(Span(start, start), f"{indent}# defcheck: ignore[{finding.code}]{newline}")


def _diag_for(
    finding: Finding, diagnostics: Sequence[types.Diagnostic], rng: types.Range
) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.code == finding.code and ranges_overlap(d.range, rng)]


def _kind(kind: object) -> str:
    """A code action kind as its string value (enum members print their name)."""
    return str(getattr(kind, "value", kind))


def _wanted(only: list[str], kind: str) -> bool:
    """True if `kind` is asked for: no filter, or a filter that is `kind` or its parent."""
    return not only or any(kind == k or kind.startswith(k + ".") for k in only)


def code_actions(
    doc: Document,
    codec: Codec,
    uri: str,
    params: types.CodeActionParams,
    findings: Sequence[Finding],
    *,
    pin_enabled: bool = True,
) -> list[types.CodeAction]:
    """Actions for the requested range."""
    only = [_kind(k) for k in params.context.only or []]
    want_quickfix = _wanted(only, _kind(types.CodeActionKind.QuickFix))
    want_fix_all = _wanted(only, FIX_ALL_KIND)
    want_refactor = _wanted(only, _kind(types.CodeActionKind.RefactorRewrite))
    req = params.range
    out: list[types.CodeAction] = []
    if want_quickfix:
        out.extend(_quick_fixes(doc, codec, uri, req, findings, params.context.diagnostics))
    if want_refactor and pin_enabled:
        pin = _pin_action(doc, codec, uri, req)
        if pin is not None:
            out.append(pin)
    if want_fix_all:
        fix_all = fix_all_action(codec, uri, findings)
        if fix_all is not None:
            out.append(fix_all)
    return out


def _quick_fixes(
    doc: Document,
    codec: Codec,
    uri: str,
    req: types.Range,
    findings: Sequence[Finding],
    diagnostics: Sequence[types.Diagnostic],
) -> list[types.CodeAction]:
    out: list[types.CodeAction] = []
    ignored: set[tuple[str, int]] = set()
    for finding in findings:
        rng = codec.range(finding.span)
        if not ranges_overlap(rng, req):
            continue
        diags = _diag_for(finding, diagnostics, rng) or None
        app = _applicability(finding)
        if finding.fix is not None and app in ("safe", "unsafe") and finding.fix.edits:
            title = finding.fix.description or f"Fix {finding.code}"
            if app == "unsafe":
                title += " (unsafe fix)"
            out.append(
                types.CodeAction(
                    title=f"{title} ({finding.code})",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=diags,
                    is_preferred=app == "safe",
                    edit=types.WorkspaceEdit(changes={uri: text_edits(codec, finding.fix.edits)}),
                )
            )
        key = (finding.code, doc.lines.line_of(finding.span.start))
        if key in ignored:
            continue
        ignored.add(key)
        edit = ignore_edit(doc, finding)
        out.append(
            types.CodeAction(
                title=f"Ignore {finding.code} here (# defcheck: ignore[{finding.code}])",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=diags,
                edit=types.WorkspaceEdit(changes={uri: text_edits(codec, [edit])}),
            )
        )
    return out


def fix_all_action(codec: Codec, uri: str, findings: Sequence[Finding]) -> types.CodeAction | None:
    """Apply every safe fix whose edits do not overlap an earlier one."""
    chosen: list[Edit] = []
    for finding in sorted(findings, key=lambda f: f.span.start):
        if finding.fix is None or _applicability(finding) != "safe":
            continue
        edits = list(finding.fix.edits)
        if any(
            (e.span.start < c.span.end and c.span.start < e.span.end)
            or (e.span.start == c.span.start and e.span.end == c.span.end)
            for e in edits
            for c in chosen
        ):
            continue
        chosen.extend(edits)
    if not chosen:
        return None
    return types.CodeAction(
        title="Fix all auto-fixable problems (defcheck)",
        kind=FIX_ALL_KIND,
        edit=types.WorkspaceEdit(changes={uri: text_edits(codec, chosen)}),
    )


def _pin_action(doc: Document, codec: Codec, uri: str, req: types.Range) -> types.CodeAction | None:
    for stage in doc.stages:
        f = stage.field("from")
        if f is None or not f.value or stage.bootstrap not in ("docker", "oras", "library"):
            continue
        if not ranges_overlap(codec.range(f.span), req):
            continue
        info = images.image_info(doc, stage, f)
        if info is None or info.error or not info.pinnable:
            return None
        return types.CodeAction(
            title=f"Pin {f.value} to its digest (asks the registry)",
            kind=types.CodeActionKind.RefactorRewrite,
            command=types.Command(
                title="Pin image",
                command=PIN_COMMAND,
                arguments=[uri, f.span.start],
            ),
        )
    return None
