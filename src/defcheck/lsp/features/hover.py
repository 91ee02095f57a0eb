"""textDocument/hover: sections, header keys, agents, image references, build arguments
and the rules behind diagnostics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types

from defcheck.lsp import engine, images, knowledge
from defcheck.lsp.convert import Codec
from defcheck.lsp.names import arg_defaults, files_from_stage, stage_definitions
from defcheck.syntax import Document, Span

if TYPE_CHECKING:
    from defcheck.lint.model import Finding


def _at(span: Span, offset: int) -> bool:
    return span.start <= offset <= span.end


def _placeholder(doc: Document, offset: int) -> tuple[str, Span] | None:
    for ph in doc.placeholders:
        if _at(ph.span, offset):
            stage = doc.stage_at(ph.span.start)
            defaults = arg_defaults(stage) if stage is not None else {}
            if ph.skipped:
                text = (
                    f"**{{{{ {ph.name} }}}}** is left as written: a `#` comes before it on "
                    "its line, so Apptainer does not substitute it."
                )
            elif ph.name in defaults:
                text = (
                    f"**{{{{ {ph.name} }}}}** = `{defaults[ph.name]}` (default from this "
                    "stage's `%arguments`; `--build-arg` overrides it)"
                )
            else:
                text = (
                    f"**{{{{ {ph.name} }}}}** has no default in this stage's `%arguments`: "
                    f"the build fails unless `--build-arg {ph.name}=...` is given."
                )
            return text, ph.span
    return None


def _header(doc: Document, offset: int) -> tuple[str, Span] | None:
    f = doc.field_at(offset)
    stage = doc.stage_at(offset)
    if f is None or stage is None:
        return None
    if _at(f.key_span, offset):
        kd = knowledge.key_doc(f.norm)
        if kd is None:
            return f"`{f.key}` is not a header key Apptainer knows.", f.key_span
        return knowledge.key_markdown(kd, stage.bootstrap), f.key_span
    if f.value is None or not _at(Span(f.value_span.start, f.span.end), offset):
        return None
    span = f.value_span
    if f.norm == "bootstrap":
        ad = knowledge.AGENTS.get(f.value)
        if ad is None:
            return f"`{f.value}` is not a bootstrap agent Apptainer knows.", span
        return knowledge.agent_markdown(ad), span
    if f.norm == "from":
        info = images.image_info(doc, stage, f)
        return (images.markdown(info), span) if info is not None else None
    if f.norm == "stage":
        users = sum(
            1
            for sec in doc.sections
            if (ref := files_from_stage(sec)) is not None and ref[0] == f.value
        )
        return f"Stage **{f.value}**: used by {users} `%files from` section(s).", span
    return None


def _section(doc: Document, offset: int) -> tuple[str, Span] | None:
    sec = doc.section_at(offset)
    if sec is None or not _at(sec.head_span, offset):
        return None
    ref = files_from_stage(sec)
    if ref is not None and _at(ref[1], offset):
        for name, _span, stage in stage_definitions(doc):
            if name == ref[0]:
                what = " ".join(v for v in (stage.bootstrap, stage.value("from")) if v)
                return f"Stage **{name}** ({what}): files are copied from its root filesystem.", (
                    ref[1]
                )
        return f"No stage is named `{ref[0]}`: Apptainer fails the build.", ref[1]
    sd = knowledge.SECTIONS.get(sec.kind)
    if sd is None:
        return f"`%{sec.written}` is not a section Apptainer knows.", sec.name_span
    text = knowledge.section_markdown(sd)
    if sec.app is not None:
        text += f"\n- **App:** `{sec.app}`"
    return text, sec.name_span


def _rules(findings: Sequence[Finding], offset: int) -> str | None:
    parts: list[str] = []
    seen: set[str] = set()
    for finding in findings:
        code = finding.code
        if not _at(finding.span, offset) or code in seen:
            continue
        seen.add(code)
        if code.startswith("SC"):
            parts.append(
                f"**{code}** (ShellCheck): [{code} on the ShellCheck wiki]"
                f"({engine.shellcheck_url(code)})"
            )
            continue
        meta = engine.rule_meta(code)
        if meta is None:
            continue
        parts.append(
            f"**{meta.code}** `{meta.name}`: {meta.summary}\n\n{_why(meta.explanation)}"
            f"\n\n[Rule documentation]({meta.url})"
        )
    return "\n\n---\n\n".join(parts) if parts else None


def _why(explanation: str) -> str:
    """The first paragraph of a rule's "Why is this bad?" section."""
    lines = [ln for ln in explanation.strip().splitlines()]
    out: list[str] = []
    for ln in lines:
        if ln.startswith("#"):
            if out:
                break
            continue
        if not ln.strip() and out:
            break
        if ln.strip():
            out.append(ln.strip())
    return " ".join(out)


def hover(
    doc: Document,
    codec: Codec,
    pos: types.Position,
    findings: Sequence[Finding] = (),
    *,
    markdown: bool = True,
) -> types.Hover | None:
    """Hover at a position."""
    offset = codec.offset(pos)
    found = _placeholder(doc, offset) or _header(doc, offset) or _section(doc, offset)
    rules = _rules(findings, offset)
    if found is None and rules is None:
        return None
    texts = [t for t in ((found[0] if found else None), rules) if t]
    rng = codec.range(found[1]) if found else None
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(texts)
        ),
        range=rng,
    )
