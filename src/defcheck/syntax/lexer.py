"""The line tokenizer that feeds the grammar (`grammar/deffile.lark`).

Apptainer reads a definition file line by line (spec §2): a line whose first word starts
with `%` opens a section, a line starting with `bootstrap:` at column 0 opens a stage (§6),
and the lines before a stage's first section are its header (§3). This module turns text
into terminals that cover every character exactly once; the grammar gives them structure.

The only state is "header or body" and, in a header, whether the previous line's value
ends with a continuation backslash (§3.3), computed with Apptainer's own algorithm.
"""

from __future__ import annotations

from defcheck.syntax.gostr import GO_SPACE, go_trim

STAGE_LINE = "STAGE_LINE"
SECTION_LINE = "SECTION_LINE"
FIELD_LINE = "FIELD_LINE"
CONT_LINE = "CONT_LINE"
BLANK_LINE = "BLANK_LINE"
COMMENT_LINE = "COMMENT_LINE"
BODY = "BODY"

# Where a section body may end: a line whose first word starts with `%` (Go white space
# before it) or a stage line. `re` is not used on this path: importing it costs more than
# parsing a typical file (docs/architecture.md, start-up time).
_BLANKS = GO_SPACE.replace("\n", "")
_STAGE_WORD = "bootstrap:"


class Tok:
    """A terminal: its type and the half-open span `[start, end)` it covers."""

    __slots__ = ("end", "start", "type")

    def __init__(self, type: str, start: int, end: int) -> None:
        self.type = type
        self.start = start
        self.end = end

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tok) and (self.type, self.start, self.end) == (
            other.type,
            other.start,
            other.end,
        )

    def __hash__(self) -> int:
        return hash((self.type, self.start, self.end))

    def __repr__(self) -> str:
        return f"Tok({self.type}, {self.start}, {self.end})"


def line_content(text: str, start: int, end: int) -> str:
    """A line as Apptainer's scanner sees it: newline and one trailing `\\r` removed."""
    if end > start and text[end - 1] == "\n":
        end -= 1
    if end > start and text[end - 1] == "\r":
        end -= 1
    return text[start:end]


def is_section_line(line: str) -> bool:
    """True if the first white-space-delimited word starts with `%` (spec §2.2)."""
    stripped = line.lstrip(GO_SPACE)
    return stripped[:1] == "%"


def is_stage_line(text: str, start: int) -> bool:
    """True if the line at `start` begins with `bootstrap:` (any case), spec §6.

    deffile.go uses `(?mi)^bootstrap:`; Go's `(?i)` folds each letter by simple case
    folding, so besides ASCII case only U+017F (long s) matches `s`. Comparing the ten
    characters one by one with `casefold` gives exactly that.
    """
    seg = text[start : start + 10]
    if len(seg) != 10:
        return False
    if seg.isascii():
        return seg.lower() == _STAGE_WORD
    return all(c.casefold() == w for c, w in zip(seg, _STAGE_WORD, strict=True))


def _next_body_end(text: str, pos: int, split_stages: bool) -> int:
    """Start of the first line at or after `pos` (a line start) that ends a body, or -1."""
    n = len(text)
    best = -1
    # A `%` that only blanks precede on its line.
    find = text.find
    i = find("%", pos)
    while i != -1:
        ls = text.rfind("\n", pos, i) + 1 if i > pos else pos
        if ls < pos:
            ls = pos
        if not text[ls:i].strip(_BLANKS):
            best = ls
            break
        nl = find("\n", i)
        if nl == -1:
            break
        i = find("%", nl + 1)
    if split_stages:
        limit = n if best == -1 else best
        cands = []
        if pos < limit and text[pos] in "bB" and is_stage_line(text, pos):
            return pos
        for lead in ("\nb", "\nB"):
            j = find(lead, pos, limit)
            while j != -1 and not is_stage_line(text, j + 1):
                j = find(lead, j + 1, limit)
            if j != -1:
                cands.append(j + 1)
        if cands:
            return min(cands)
    return best


def continuation_after(value: str) -> str | None:
    """The pending continuation text if a header value ends with `\\`, else None.

    Mirrors deffile.go `doHeader`: the backslash is removed and a trailing two-character
    `\\n` becomes a real newline. An empty pending text means "no continuation" to
    Apptainer (it keys the state on the value being non-empty), so callers test truthiness.
    """
    if not value.endswith("\\"):
        return None
    pending = value[:-1]
    if pending.endswith("\\n"):
        pending = pending[:-2] + "\n"
    return pending


def tokenize(text: str, *, split_stages: bool = True) -> list[Tok]:
    """Split `text` into line terminals covering every character exactly once."""
    toks: list[Tok] = []
    append = toks.append
    n = len(text)
    pos = 0
    in_body = False
    body_start = -1
    pending = ""  # continuation text carried to the next header line
    find = text.find
    while pos < n:
        if in_body:
            # Skip the body's lines with a few searches; only a `%` line or a stage line
            # ends it.
            nxt = _next_body_end(text, pos, split_stages)
            if nxt == -1:
                break
            pos = nxt
        nl = find("\n", pos)
        end = n if nl == -1 else nl + 1
        first = text[pos]
        if split_stages and (first == "b" or first == "B") and is_stage_line(text, pos):
            kind = STAGE_LINE
        elif (first == "%" or first in GO_SPACE) and is_section_line(text[pos:end]):
            kind = SECTION_LINE
        elif in_body:
            pos = end
            continue
        else:
            kind = ""
        if in_body:
            if body_start < pos:
                append(Tok(BODY, body_start, pos))
            in_body = False
        if kind == SECTION_LINE:
            append(Tok(SECTION_LINE, pos, end))
            in_body = True
            body_start = end
            pending = ""
            pos = end
            continue
        line = go_trim(line_content(text, pos, end))
        if kind == STAGE_LINE:
            pending = _pending_after(line, "")
        elif not line:
            kind = BLANK_LINE
            pending = ""
        elif line[0] == "#":
            kind = COMMENT_LINE
            pending = ""
        elif pending:
            kind = CONT_LINE
            pending = _pending_after(line, pending)
        else:
            kind = FIELD_LINE
            pending = _pending_after(line, "")
        append(Tok(kind, pos, end))
        pos = end
    if in_body and body_start < n:
        append(Tok(BODY, body_start, n))
    return toks


def _pending_after(line: str, pending: str) -> str:
    """Continuation text after header line `line` (already trimmed), spec §3.3."""
    cut = line.split("#", 1)[0]
    if pending:
        value = pending + go_trim(cut)
    else:
        colon = cut.find(":")
        if colon < 0:
            return ""
        value = go_trim(cut[colon + 1 :])
    return continuation_after(value) or ""
