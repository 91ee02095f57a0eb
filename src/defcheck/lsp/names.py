"""Names the server can navigate: stage names and build-argument names.

A stage name is defined by `Stage: NAME` and used by `%files from NAME`. A build argument
is defined in a stage's `%arguments` and used by `{{ NAME }}` in the same stage (defaults
are per stage, spec §7.4); placeholders in stages without a default for that name form
one file-wide symbol (their value must come from `--build-arg`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from defcheck.syntax import Document, Section, Span, Stage

STAGE = "stage"
ARG = "arg"

_ARG_NAME = re.compile(r"[0-9A-Za-z_]+\Z")
_STAGE_NAME = re.compile(r"[^\s#]+\Z")


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place a name is written."""

    span: Span
    is_definition: bool


@dataclass(frozen=True, slots=True)
class Symbol:
    """A navigable name: kind, text and scope (stage index for defaulted args, else -1)."""

    kind: str
    name: str
    scope: int = -1


def files_from_stage(section: Section) -> tuple[str, Span] | None:
    """The stage named by `%files from NAME` (the second word of the arguments)."""
    if section.kind != "files" or not section.has_args:
        return None
    args = section.args
    cut = args.split("#", 1)[0]
    words = list(re.finditer(r"\S+", cut))
    if len(words) != 2:
        return None
    word = words[1]
    start = section.args_span.start + word.start()
    return word.group(0), Span(start, start + len(word.group(0)))


def stage_definitions(doc: Document) -> list[tuple[str, Span, Stage]]:
    """Every `Stage:` value with its span."""
    out: list[tuple[str, Span, Stage]] = []
    for stage in doc.stages:
        f = stage.field("stage")
        if f is not None and f.value and not f.continued:
            out.append((f.value, f.value_span, stage))
    return out


def _arg_defaults(stage: Stage) -> dict[str, list[Span]]:
    out: dict[str, list[Span]] = {}
    for sec in stage.sections_of("arguments"):
        for arg in sec.arguments():
            if arg.name is not None:
                out.setdefault(arg.name, []).append(arg.name_span)
    return out


def arg_defaults(stage: Stage) -> dict[str, str]:
    """Default values of a stage's build arguments (later lines win)."""
    out: dict[str, str] = {}
    for sec in stage.sections_of("arguments"):
        for arg in sec.arguments():
            if arg.name is not None:
                out[arg.name] = arg.value
    return out


def symbol_at(doc: Document, offset: int) -> tuple[Symbol, Span] | None:
    """The navigable name under `offset` and the span of that occurrence."""
    for ph in doc.placeholders:
        if ph.span.start <= offset <= ph.span.end:
            stage = doc.stage_at(ph.span.start)
            scope = -1
            if stage is not None and ph.name in _arg_defaults(stage):
                scope = stage.index
            return Symbol(ARG, ph.name, scope), ph.name_span
    stage = doc.stage_at(offset)
    if stage is None:
        return None
    for sec in stage.sections_of("arguments"):
        for arg in sec.arguments():
            if arg.name is not None and arg.name_span.start <= offset <= arg.name_span.end:
                return Symbol(ARG, arg.name, stage.index), arg.name_span
    f = stage.field("stage")
    if f is not None and f.value and f.value_span.start <= offset <= f.value_span.end:
        return Symbol(STAGE, f.value), f.value_span
    head = doc.section_at(offset)
    if head is not None and head.head_span.start <= offset <= head.head_span.end:
        ref = files_from_stage(head)
        if ref is not None and ref[1].start <= offset <= ref[1].end:
            return Symbol(STAGE, ref[0]), ref[1]
    return None


def occurrences(doc: Document, symbol: Symbol) -> list[Occurrence]:
    """Every occurrence of `symbol`, definitions first, then uses in file order."""
    out: list[Occurrence] = []
    if symbol.kind == STAGE:
        for name, span, _stage in stage_definitions(doc):
            if name == symbol.name:
                out.append(Occurrence(span, True))
        for sec in doc.sections:
            ref = files_from_stage(sec)
            if ref is not None and ref[0] == symbol.name:
                out.append(Occurrence(ref[1], False))
        return out
    stages = {s.index: s for s in doc.all_stages}
    defaults = {i: _arg_defaults(s) for i, s in stages.items()}
    for index, names in defaults.items():
        if symbol.scope == index:
            out.extend(Occurrence(span, True) for span in names.get(symbol.name, ()))
    for ph in doc.placeholders:
        if ph.name != symbol.name:
            continue
        stage = doc.stage_at(ph.span.start)
        index = stage.index if stage is not None else -1
        scope = index if symbol.name in defaults.get(index, {}) else -1
        if scope == symbol.scope:
            out.append(Occurrence(ph.name_span, False))
    return out


def definitions(doc: Document, symbol: Symbol) -> list[Occurrence]:
    """Definitions only."""
    return [o for o in occurrences(doc, symbol) if o.is_definition]


def valid_new_name(symbol: Symbol, new_name: str) -> bool:
    """True if `new_name` can replace the symbol's name everywhere."""
    if symbol.kind == ARG:
        return _ARG_NAME.match(new_name) is not None
    return _STAGE_NAME.match(new_name) is not None
