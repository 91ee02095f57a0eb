"""textDocument/signatureHelp: the syntax of the section line or header field being typed
(`%files [from <stage>]`, `%post [-c <shell>...]`, `From: <agent's reference format>`)."""

from __future__ import annotations

from lsprotocol import types

from defcheck.lsp import knowledge
from defcheck.lsp.convert import Codec
from defcheck.syntax import Document

_SECTION_SYNTAX = {
    "files": ("%files [from <stage>]", ["from <stage>"]),
    "pre": ("%pre [-c <shell> [args...]]", ["-c <shell> [args...]"]),
    "setup": ("%setup [-c <shell> [args...]]", ["-c <shell> [args...]"]),
    "post": ("%post [-c <shell> [args...]]", ["-c <shell> [args...]"]),
    "test": ("%test [interpreter args...]", ["interpreter args..."]),
    "runscript": ("%runscript [interpreter args...]", ["interpreter args..."]),
    "startscript": ("%startscript [interpreter args...]", ["interpreter args..."]),
}


def _markdown(text: str) -> types.MarkupContent:
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)


def signature_help(doc: Document, codec: Codec, pos: types.Position) -> types.SignatureHelp | None:
    """Signature of the line under the cursor, if it has one."""
    offset = codec.offset(pos)
    sec = doc.section_at(offset)
    if sec is not None and sec.head_span.start <= offset <= sec.head_span.end:
        sd = knowledge.SECTIONS.get(sec.kind)
        if sd is None:
            return None
        if sec.is_app:
            label, params = f"%{sec.kind} <app>", ["<app>"]
        else:
            label, params = _SECTION_SYNTAX.get(sec.kind, (f"%{sec.kind}", []))
        in_args = sec.has_args and offset >= sec.args_span.start
        info = types.SignatureInformation(
            label=label,
            documentation=_markdown(knowledge.section_markdown(sd)),
            parameters=[types.ParameterInformation(label=p) for p in params] or None,
        )
        return types.SignatureHelp(
            signatures=[info],
            active_signature=0,
            active_parameter=0 if params and in_args else None,
        )
    field = doc.field_at(offset)
    stage = doc.stage_at(offset)
    if field is None or stage is None or field.value is None:
        return None
    if offset < field.value_span.start and offset <= field.key_span.end:
        return None
    kd = knowledge.key_doc(field.norm)
    if kd is None:
        return None
    value = "<agent>"
    if field.norm == "from":
        agent = knowledge.AGENTS.get(stage.bootstrap or "")
        value = agent.from_format if agent is not None else "<image reference>"
    elif field.norm != "bootstrap":
        value = "<value>"
    label = f"{kd.key}: {value}"
    info = types.SignatureInformation(
        label=label,
        documentation=_markdown(knowledge.key_markdown(kd, stage.bootstrap)),
        parameters=[types.ParameterInformation(label=value)],
    )
    return types.SignatureHelp(signatures=[info], active_signature=0, active_parameter=0)
