"""textDocument/documentSymbol: stages > header fields, sections and apps."""

from __future__ import annotations

from lsprotocol import types

from defcheck.lsp.convert import Codec
from defcheck.syntax import Document, Section, Span, Stage


def _symbol(
    codec: Codec,
    name: str,
    kind: types.SymbolKind,
    span: Span,
    sel: Span,
    detail: str | None = None,
    children: list[types.DocumentSymbol] | None = None,
) -> types.DocumentSymbol:
    if not (span.start <= sel.start and sel.end <= span.end):
        sel = Span(span.start, span.start)
    return types.DocumentSymbol(
        name=name or "?",
        kind=kind,
        range=codec.range(span),
        selection_range=codec.range(sel),
        detail=detail or None,
        children=children,
    )


def _section_symbol(codec: Codec, sec: Section) -> types.DocumentSymbol:
    name = "%" + (sec.written or "")
    args = sec.args.strip()
    return _symbol(
        codec,
        name,
        types.SymbolKind.Function if sec.is_script else types.SymbolKind.Namespace,
        sec.span,
        sec.name_span,
        detail=args if args and not sec.is_app else None,
    )


def _stage_symbol(codec: Codec, stage: Stage) -> types.DocumentSymbol:
    children: list[types.DocumentSymbol] = []
    for f in stage.header:
        children.append(
            _symbol(codec, f.key, types.SymbolKind.Property, f.span, f.key_span, f.value)
        )
    apps: dict[str, list[Section]] = {}
    for sec in stage.sections:
        if sec.is_app and sec.app is not None:
            apps.setdefault(sec.app, []).append(sec)
    seen: set[str] = set()
    for sec in stage.sections:
        if sec.is_app and sec.app is not None:
            if sec.app in seen:
                continue
            seen.add(sec.app)
            group = apps[sec.app]
            span = Span(group[0].span.start, group[-1].span.end)
            sel = group[0].app_span or group[0].name_span
            children.append(
                _symbol(
                    codec,
                    f"app {sec.app}",
                    types.SymbolKind.Class,
                    span,
                    sel,
                    children=[_section_symbol(codec, s) for s in group],
                )
            )
        else:
            children.append(_section_symbol(codec, sec))
    boot = stage.field("bootstrap")
    label = stage.name or ("prelude" if stage.is_prelude else f"stage {stage.index + 1}")
    detail = " ".join(v for v in (stage.bootstrap, stage.value("from")) if v)
    sel = boot.span if boot is not None else Span(stage.span.start, stage.span.start)
    return _symbol(codec, label, types.SymbolKind.Module, stage.span, sel, detail, children or None)


def document_symbols(doc: Document, codec: Codec) -> list[types.DocumentSymbol]:
    """The outline of a definition file."""
    return [_stage_symbol(codec, stage) for stage in doc.stages]
