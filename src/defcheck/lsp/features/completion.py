"""textDocument/completion: section names (snippets), header keys for the current agent,
agent names, stage names after `%files from`, app names and build-argument names.

The context comes from the text of the current line before the cursor, so half-typed
lines complete as well as finished ones.
"""

from __future__ import annotations

import re

from lsprotocol import types

from defcheck.lsp import knowledge
from defcheck.lsp.convert import Codec
from defcheck.lsp.names import arg_defaults, stage_definitions
from defcheck.syntax import Document, Span, Stage

_SECTION_ORDER = [
    "post",
    "environment",
    "runscript",
    "files",
    "labels",
    "help",
    "test",
    "arguments",
    "setup",
    "startscript",
    "pre",
    "appinstall",
    "apprun",
    "appenv",
    "appfiles",
    "applabels",
    "apphelp",
    "apptest",
    "appstart",
]
_KEY_ORDER = ["bootstrap", "from", "stage", "registry", "namespace", "osversion", "mirrorurl"]

_SECTION_PREFIX = re.compile(r"[ \t]*(%+)([A-Za-z]*)\Z")
_APP_ARG = re.compile(r"[ \t]*%+app[a-z]+ ([^ ]*)\Z")
_FILES_FROM = re.compile(r"[ \t]*%+files +from +(\S*)\Z", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{[ \t]*([0-9A-Za-z_]*)\Z")
_KEY_PREFIX = re.compile(r"[ \t]*([A-Za-z0-9]*)\Z")
_BOOTSTRAP_VALUE = re.compile(r"[ \t]*bootstrap[ \t]*:[ \t]*([A-Za-z-]*)\Z", re.IGNORECASE)


def _item(
    label: str,
    kind: types.CompletionItemKind,
    codec: Codec,
    span: Span,
    new_text: str,
    *,
    sort: int,
    detail: str | None = None,
    doc: str | None = None,
    snippet: bool = False,
    filter_text: str | None = None,
) -> types.CompletionItem:
    return types.CompletionItem(
        label=label,
        kind=kind,
        detail=detail,
        documentation=_doc(doc),
        sort_text=f"{sort:03d}{label.lower()}",
        filter_text=filter_text or label,
        text_edit=types.TextEdit(range=codec.range(span), new_text=new_text),
        insert_text_format=types.InsertTextFormat.Snippet
        if snippet
        else types.InsertTextFormat.PlainText,
    )


def _doc(text: str | None) -> types.MarkupContent | None:
    if not text:
        return None
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)


def plain_text(markdown: str) -> str:
    """Markdown as plain text (emphasis and code marks removed)."""
    return markdown.replace("**", "").replace("`", "")


def _plain(snippet: str) -> str:
    """A snippet without its tab stops, for clients without snippet support."""
    text = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", snippet)
    text = re.sub(r"\$\{?\d+\}?", "", text)
    return text.replace("\\$", "$")


def _sections(
    codec: Codec, span: Span, snippets: bool, at_line_end: bool
) -> list[types.CompletionItem]:
    out = []
    for rank, kind in enumerate(_SECTION_ORDER):
        sd = knowledge.SECTIONS[kind]
        body = sd.snippet if at_line_end else f"%{kind}"
        if not snippets:
            body = _plain(body)
        out.append(
            _item(
                f"%{kind}",
                types.CompletionItemKind.Keyword,
                codec,
                span,
                body,
                sort=rank,
                detail=sd.summary.replace("**", ""),
                doc=knowledge.section_markdown(sd),
                snippet=snippets and at_line_end,
            )
        )
    return out


def _header_keys(
    doc: Document, stage: Stage | None, codec: Codec, span: Span
) -> list[types.CompletionItem]:
    agent = stage.bootstrap if stage is not None else None
    present = {f.norm for f in stage.header} if stage is not None else set()
    out = []
    for kd in knowledge.keys_for_agent(agent):
        norm = kd.key.lower()
        if norm in present and norm != "otherurl0":
            continue
        if norm == "bootstrap" and stage is not None and stage.bootstrap is not None:
            continue
        rank = _KEY_ORDER.index(norm) if norm in _KEY_ORDER else 50
        out.append(
            _item(
                kd.key,
                types.CompletionItemKind.Property,
                codec,
                span,
                f"{kd.key}: ",
                sort=rank,
                detail="header key",
                doc=knowledge.key_markdown(kd, agent),
            )
        )
    del doc
    return out


def _agents(codec: Codec, span: Span) -> list[types.CompletionItem]:
    common = ["docker", "library", "localimage", "oras", "debootstrap", "yum", "scratch"]
    out = []
    for name, ad in knowledge.AGENTS.items():
        rank = common.index(name) if name in common else 20
        out.append(
            _item(
                name,
                types.CompletionItemKind.EnumMember,
                codec,
                span,
                name,
                sort=rank,
                detail=ad.summary,
                doc=knowledge.agent_markdown(ad),
            )
        )
    return out


def completion(
    doc: Document,
    codec: Codec,
    pos: types.Position,
    *,
    snippets: bool = True,
    markdown: bool = True,
) -> types.CompletionList:
    """Completion items at a position (documentation in plain text unless `markdown`)."""
    result = _complete(doc, codec, pos, snippets)
    if not markdown:
        for item in result.items:
            if isinstance(item.documentation, types.MarkupContent):
                item.documentation = types.MarkupContent(
                    kind=types.MarkupKind.PlainText, value=plain_text(item.documentation.value)
                )
    return result


def _complete(
    doc: Document, codec: Codec, pos: types.Position, snippets: bool
) -> types.CompletionList:
    offset = codec.offset(pos)
    text = doc.text
    line = doc.lines.line_of(offset)
    line_start = doc.lines.line_start(line)
    line_end = doc.lines.line_end(line)
    prefix = text[line_start:offset]
    rest = text[offset:line_end]
    items: list[types.CompletionItem] = []
    stage = doc.stage_at(offset)

    m = _PLACEHOLDER.search(prefix)
    if m is not None:
        start = offset - len(m.group(1))
        close = "" if rest.lstrip().startswith("}}") else " }}"
        names: dict[str, str] = {}
        if stage is not None:
            names.update({n: f"default `{v}`" for n, v in arg_defaults(stage).items()})
        for ph in doc.placeholders:
            names.setdefault(ph.name, "used elsewhere; no default in this stage")
        for rank, (name, detail) in enumerate(sorted(names.items())):
            items.append(
                _item(
                    name,
                    types.CompletionItemKind.Variable,
                    codec,
                    Span(start, offset),
                    name + close,
                    sort=rank,
                    detail=detail.replace("`", ""),
                )
            )
        return types.CompletionList(is_incomplete=False, items=items)

    m = _FILES_FROM.match(prefix)
    if m is not None:
        start = offset - len(m.group(1))
        for rank, (name, _span, st) in enumerate(stage_definitions(doc)):
            if stage is not None and st.index == stage.index:
                continue
            what = " ".join(v for v in (st.bootstrap, st.value("from")) if v)
            items.append(
                _item(
                    name,
                    types.CompletionItemKind.Module,
                    codec,
                    Span(start, offset),
                    name,
                    sort=rank,
                    detail=what or None,
                )
            )
        return types.CompletionList(is_incomplete=False, items=items)

    m = _APP_ARG.match(prefix)
    if m is not None:
        start = offset - len(m.group(1))
        apps: list[str] = []
        for sec in doc.sections:
            if sec.app and sec.app not in apps and sec.head_span.start != line_start:
                apps.append(sec.app)
        for rank, name in enumerate(apps):
            items.append(
                _item(
                    name,
                    types.CompletionItemKind.Class,
                    codec,
                    Span(start, offset),
                    name,
                    sort=rank,
                    detail="SCIF app",
                )
            )
        return types.CompletionList(is_incomplete=False, items=items)

    m = _SECTION_PREFIX.match(prefix)
    if m is not None:
        start = offset - len(m.group(1)) - len(m.group(2))
        word_end = offset
        while word_end < line_end and text[word_end].isalpha():
            word_end += 1
        at_end = not text[word_end:line_end].strip()
        items = _sections(codec, Span(start, word_end), snippets, at_end)
        return types.CompletionList(is_incomplete=False, items=items)

    if doc.section_at(offset) is not None:
        # A body line: an empty one may start a new section.
        if prefix.strip() or rest.strip():
            return types.CompletionList(is_incomplete=False, items=[])
        items = _sections(codec, Span(offset, offset), snippets, True)
        return types.CompletionList(is_incomplete=False, items=items)

    m = _BOOTSTRAP_VALUE.match(prefix)
    if m is not None:
        start = offset - len(m.group(1))
        word_end = offset
        while word_end < line_end and (text[word_end].isalnum() or text[word_end] == "-"):
            word_end += 1
        return types.CompletionList(
            is_incomplete=False, items=_agents(codec, Span(start, word_end))
        )

    m = _KEY_PREFIX.match(prefix)
    if m is None:
        return types.CompletionList(is_incomplete=False, items=[])
    start = offset - len(m.group(1))
    word_end = offset
    while word_end < line_end and text[word_end].isalnum():
        word_end += 1
    after = text[word_end:line_end].split("#", 1)[0].lstrip(" \t")
    keys = _header_keys(doc, stage, codec, Span(start, word_end))
    if after.startswith(":"):
        # Keep the `: value` that is already written: replace the key only.
        for item in keys:
            item.text_edit = types.TextEdit(
                range=codec.range(Span(start, word_end)), new_text=item.label
            )
        return types.CompletionList(is_incomplete=False, items=keys)
    if not prefix.strip() and not rest.strip():
        keys += _sections(codec, Span(offset, offset), snippets, True)
    return types.CompletionList(is_incomplete=False, items=keys)
