"""The formatter proper: one `Edit` per block (a stage header or a section).

Blocks are independent, so `format_range` can apply only the edits that touch a range
of lines. Every block ends with its line endings; a blank line separates the header from
the first section, sections from each other and stages from each other; the file ends
with exactly one line ending.
"""

from __future__ import annotations

import bisect
import collections
from dataclasses import dataclass

from defcheck.format import layout
from defcheck.format.header import format_header
from defcheck.format.layout import Protection
from defcheck.format.options import FormatOptions
from defcheck.format.sections import (
    APP_SECTION_ORDER,
    LABEL_KINDS,
    SECTION_ORDER,
    SHEBANG_KINDS,
    TEXT_KINDS,
    TRIMMED_KINDS,
    format_files_body,
    format_labels_body,
    format_script_body,
    format_section_line,
    format_text_body,
    format_trimmed_body,
    section_key,
    tidy_blank_lines,
)
from defcheck.syntax.document import BLANK_LINE, Document
from defcheck.syntax.edits import Edit
from defcheck.syntax.span import Span
from defcheck.syntax.views import Section, Stage


@dataclass(frozen=True)
class Block:
    """One formatted block: the span it replaces and its new lines (no line endings)."""

    span: Span
    lines: tuple[str, ...]
    stage: int
    sort_key: tuple[int, int, int, int] | None = None  # for --sort-sections
    #: The block ends with comments that annotate the next block: it must not move.
    pinned: bool = False
    #: A blank separator line follows the block (not part of `lines`).
    separated: bool = False

    def text(self, newline: str) -> str:
        """The block's new text."""
        return join_lines((*self.lines, *([""] if self.separated else [])), newline)


def newline_of(text: str, option: str) -> str:
    """The line ending to write: the option's, or that of the first line."""
    if option == "lf":
        return "\n"
    if option == "crlf":
        return "\r\n"
    nl = text.find("\n")
    return "\r\n" if nl > 0 and text[nl - 1] == "\r" else "\n"


def join_lines(lines: list[str] | tuple[str, ...], newline: str) -> str:
    """Lines with their endings; a line whose content ends in CR keeps it readable as
    such by Apptainer (which drops one CR before LF)."""
    parts: list[str] = []
    for line in lines:
        parts.append(line)
        parts.append("\r\n" if newline == "\n" and line.endswith("\r") else newline)
    return "".join(parts)


def _body_lines(text: str, sec: Section) -> list[str]:
    """The body's lines as Apptainer reads them (line ending and one CR removed)."""
    body = text[sec.body_span.start : sec.body_span.end]
    if not body:
        return []
    parts = body.split("\n")
    if parts[-1] == "":
        parts.pop()
    if "\r" in body:
        parts = [p[:-1] if p.endswith("\r") else p for p in parts]
    return parts


def _script(bodies: list[list[str]]) -> str:
    return "".join(line + "\n" for body in bodies for line in body)


class StageFormatter:
    """Formats one stage into blocks."""

    def __init__(
        self, doc: Document, stage: Stage, options: FormatOptions, *, last: bool, record: bool
    ) -> None:
        self.doc = doc
        self.text = doc.text
        self.stage = stage
        self.options = options
        self.last = last
        self.record = record
        self.attached: list[bool] = [False] * len(stage.sections)
        self._keys: collections.Counter[str] | None = None
        #: Sections whose script runs on into the next body of the same key (an open
        #: here-document or string): no blank line may be added after them.
        self.glued: list[bool] = [False] * len(stage.sections)

    def blocks(self) -> list[Block] | None:
        """The stage's blocks, or None when the stage must be left as it is."""
        stage = self.stage
        sections = stage.sections
        first = sections[0].span.start if sections else stage.span.end
        for i, sec in enumerate(sections):
            nxt = sections[i + 1].span.start if i + 1 < len(sections) else stage.span.end
            if sec.span.end != nxt:
                return None
        header = format_header(self.text, stage)
        if header is None:
            return None
        out: list[Block] = []
        if first > stage.span.start:
            sep = bool(header) and bool(sections or not self.last) and self._separate_header()
            span = Span(stage.span.start, first)
            out.append(Block(span, tuple(header), stage.index, separated=sep))
        bodies = self._bodies()
        app_rank: dict[str, int] = {}
        for i, sec in enumerate(sections):
            lines = [self._section_line(sec), *bodies[i]]
            key = self._sort_key(sec, i, app_rank)
            pinned = self.attached[i] or self.glued[i]
            out.append(Block(sec.span, tuple(lines), stage.index, key, pinned, self._separated(i)))
        return out

    def _separated(self, i: int) -> bool:
        """True if a blank line follows section `i` (not the last of the file, and no
        comment block at its end annotates what follows)."""
        if self.last and i == len(self.stage.sections) - 1:
            return False
        return not self.attached[i] and not self.glued[i]

    def _attached(self, i: int, body: list[str], prot: Protection | None, offset: int) -> int:
        """How many comment lines at the end of body `i` sit at column 0 directly above
        the next section or stage: they annotate it, so they stay with it."""
        sec = self.stage.sections[i]
        if (self.last and i == len(self.stage.sections) - 1) or sec.kind in TEXT_KINDS:
            return 0
        n = 0
        for k in range(len(body) - 1, -1, -1):
            line = body[k]
            if not line.startswith("#") or (prot is not None and prot.protects(offset + k)):
                break
            n += 1
        return n

    def _separate_header(self) -> bool:
        """A comment-only prelude stays attached to the `Bootstrap:` line below it
        unless the author separated them."""
        stage = self.stage
        if not stage.is_prelude or stage.header or stage.sections:
            return True
        return bool(stage.header_items) and stage.header_items[-1][0] == BLANK_LINE

    def _section_line(self, sec: Section) -> str:
        if self._keys is None:
            self._keys = collections.Counter(
                section_key(o) for o in self.stage.sections if o.has_args
            )
        n_with_args = self._keys[section_key(sec)]
        others = n_with_args > (1 if sec.has_args else 0)
        return format_section_line(sec, others_have_args=others)

    @staticmethod
    def _sort_key(sec: Section, index: int, app_rank: dict[str, int]) -> tuple[int, int, int, int]:
        if sec.is_app:
            app = sec.app or ""
            group = app_rank.setdefault(app, len(app_rank))
            return (1, group, APP_SECTION_ORDER.index(sec.kind), index)
        rank = SECTION_ORDER.index(sec.kind) if sec.kind in SECTION_ORDER else len(SECTION_ORDER)
        return (0, 0, rank, index)

    def _bodies(self) -> list[list[str]]:
        """Formatted body lines of every section, scripts analysed per Apptainer key."""
        text = self.text
        sections = self.stage.sections
        out: list[list[str]] = [[] for _ in sections]
        self.attached = [False] * len(sections)
        groups: dict[str, list[int]] = {}
        for i, sec in enumerate(sections):
            raw = _body_lines(text, sec)
            if not sec.is_script:
                k = self._attached(i, raw, None, 0)
                if k:
                    self.attached[i] = True
                    out[i] = self._with_comments(i, raw[:-k], raw[-k:])
                    continue
            if sec.is_script:
                groups.setdefault(section_key(sec), []).append(i)
            elif sec.kind in LABEL_KINDS:
                out[i] = tidy_blank_lines(
                    format_labels_body(raw, self.options), collapse=True, keep_leading=False
                )
            elif sec.kind == "files":
                out[i] = tidy_blank_lines(
                    format_files_body(raw, self.options), collapse=True, keep_leading=False
                )
            elif sec.kind in TRIMMED_KINDS:
                out[i] = tidy_blank_lines(
                    format_trimmed_body(raw, self.options), collapse=True, keep_leading=False
                )
            elif sec.kind in TEXT_KINDS:
                out[i] = tidy_blank_lines(format_text_body(raw), collapse=False, keep_leading=True)
            else:
                out[i] = raw
        self._scripts(groups, out)
        return out

    def _with_comments(self, i: int, main: list[str], comments: list[str]) -> list[str]:
        """Format body `i` without its attached comments, then add them back."""
        sec = self.stage.sections[i]
        options = self.options
        if sec.kind in LABEL_KINDS:
            lines = format_labels_body(main, options)
        elif sec.kind == "files":
            lines = format_files_body(main, options)
        elif sec.kind in TRIMMED_KINDS:
            lines = format_trimmed_body(main, options)
        else:
            lines = list(main)
        lines = tidy_blank_lines(lines, collapse=True, keep_leading=False)
        return [*lines, *([""] if lines else []), *(c.rstrip(" \t") for c in comments)]

    def _scripts(self, groups: dict[str, list[int]], out: list[list[str]]) -> None:
        """Format script bodies, analysed per Apptainer key, and remember the analysis
        of the result for the stability pass."""
        text = self.text
        sections = self.stage.sections
        for indices in groups.values():
            bodies = [_body_lines(text, sections[i]) for i in indices]
            prot = layout.script_protection(_script(bodies))
            offset = 0
            new_bodies: list[list[str]] = []
            origins: list[int | None] = []
            for i, body in zip(indices, bodies, strict=True):
                end = offset + len(body)
                last_of_key = i == indices[-1]
                self.glued[i] = prot.open_end if last_of_key else prot.protects(end)
                sec = sections[i]
                keep_leading = sec.kind in SHEBANG_KINDS and _shebang_after_blank(body)
                k = self._attached(i, body, prot, offset)
                main = body[: len(body) - k]
                lines, origin = format_script_body(
                    main, prot, offset, self.options, keep_leading_blanks=keep_leading
                )
                if k:
                    self.attached[i] = True
                    if lines:
                        lines.append("")
                        origin.append(None)
                    for c in range(len(main), len(body)):
                        trail = offset + c in prot.trailing
                        lines.append(body[c] if trail else body[c].rstrip(" \t"))
                        origin.append(offset + c)
                offset += len(body)
                out[i] = lines
                sep = self._separated(i)
                new_bodies.append(lines + ([""] if sep else []))
                origins.extend(origin + ([None] if sep else []))
            if self.record:
                origins.append(offset)  # the end of the script maps to the end of it
                layout.remember(_script(new_bodies), _transport(prot, origins))


def _shebang_after_blank(body: list[str]) -> bool:
    """True if the body starts with blank lines and then `#!` (spec §4.7 caveat)."""
    for n, line in enumerate(body):
        if line.strip(" \t"):
            return n > 0 and line.strip().startswith("#!")
    return False


def _transport(prot: Protection, origins: list[int | None]) -> Protection:
    lead: set[int] = set()
    trail: set[int] = set()
    keep: set[int] = set()
    for k, g in enumerate(origins):
        if g is None:
            continue
        if g in prot.leading:
            lead.add(k)
        if g in prot.trailing:
            trail.add(k)
        if g in prot.keep:
            keep.add(k)
    return Protection(frozenset(lead), frozenset(trail), frozenset(keep), prot.open_end)


def stage_blocks(
    doc: Document,
    options: FormatOptions,
    *,
    skip: frozenset[int] = frozenset(),
    known: frozenset[tuple[str, bool]] = frozenset(),
    record: bool = True,
) -> list[list[Block]]:
    """Blocks per stage (an empty list for a stage left as it is).

    `known` holds (stage text, is last) of stages already found to be formatted: a stage's
    blocks depend only on those (and the options), so they are not computed again.
    `record` keeps the shell analysis of the output for a stability pass.
    """
    stages = [s for s in doc.all_stages if s.span.start < s.span.end]
    out: list[list[Block]] = []
    for n, stage in enumerate(stages):
        last = n == len(stages) - 1
        if stage.index in skip or (known and (stage.span.slice(doc.text), last) in known):
            out.append([])
            continue
        blocks = StageFormatter(doc, stage, options, last=last, record=record).blocks()
        out.append(blocks or [])
    return out


def formatted_stages(
    doc: Document, per_stage: list[list[Block]], edits: list[Edit]
) -> frozenset[tuple[str, bool]]:
    """(text, is last) of the stages that were formatted and that no edit touches."""
    stages = [s for s in doc.all_stages if s.span.start < s.span.end]
    starts = sorted(e.span.start for e in edits)
    text = doc.text
    out: set[tuple[str, bool]] = set()
    for n, (stage, blocks) in enumerate(zip(stages, per_stage, strict=True)):
        i = bisect.bisect_left(starts, stage.span.start)
        if blocks and not (i < len(starts) and starts[i] < stage.span.end):
            out.add((stage.span.slice(text), n == len(stages) - 1))
    return frozenset(out)


def render_edits(
    doc: Document,
    per_stage: list[list[Block]],
    newline: str,
    *,
    sort_stages: frozenset[int] = frozenset(),
) -> list[Edit]:
    """Edits for the blocks; stages in `sort_stages` get their sections sorted."""
    text = doc.text
    edits: list[Edit] = []
    for blocks in per_stage:
        if not blocks:
            continue
        if blocks[0].stage in sort_stages:
            blocks = _sorted_blocks(blocks)
        for block in blocks:
            new = block.text(newline)
            if new != block.span.slice(text):
                edits.append(Edit(block.span, new))
    return edits


def _sorted_blocks(blocks: list[Block]) -> list[Block]:
    """Sections in canonical order, as one block covering all of them."""
    sections = [b for b in blocks if b.sort_key is not None]
    others = [b for b in blocks if b.sort_key is None]
    if len(sections) < 2:
        return blocks
    order = sorted(range(len(sections)), key=lambda i: sections[i].sort_key or (0, 0, 0, 0))
    lines: list[str] = []
    for n, i in enumerate(order):
        lines.extend(sections[i].lines)
        if n < len(order) - 1:
            lines.append("")
    span = Span(sections[0].span.start, sections[-1].span.end)
    return [*others, Block(span, tuple(lines), sections[0].stage, separated=sections[-1].separated)]


def sortable_stages(per_stage: list[list[Block]]) -> list[int]:
    """Stages whose sections are not already in canonical order (and that have no
    comment block annotating the next section, which sorting would separate)."""
    out: list[int] = []
    for blocks in per_stage:
        if any(b.pinned for b in blocks):
            continue
        keys = [b.sort_key for b in blocks if b.sort_key is not None]
        if keys != sorted(keys):
            out.append(blocks[0].stage)
    return out
