"""Formatting a stage's header: canonical keys, one space, a canonical order (spec §3).

What Apptainer reads from a header line (spec §3.2): the line trimmed, everything from
the first `#` cut, the key before the first `:` trimmed and lower-cased, the value after
it trimmed. So re-spelling the key, re-spacing around the colon, dedenting the line and
putting one space before an inline comment cannot change the value. Continuation lines
(§3.3) are kept as written apart from trailing blanks (Apptainer trims them).

Never done, because it would change Apptainer's view:
- a `Bootstrap` field other than the stage's first line is left as written (dedenting
  or re-spelling it could turn it into a stage split, spec §6);
- fields are reordered only inside a run of fields with no blank line or free-standing
  comment between them, stably (duplicate keys keep their order: the last one wins), and
  not at all when a continuation is left pending at the end of the header.
"""

from __future__ import annotations

import re

from defcheck.syntax.document import BLANK_LINE, COMMENT_LINE
from defcheck.syntax.gostr import GO_SPACE
from defcheck.syntax.lexer import line_content
from defcheck.syntax.views import HeaderField, Stage

#: Documented spelling of each key (Apptainer's user guide and `deffile.go`).
CANONICAL_KEYS: dict[str, str] = {
    "bootstrap": "Bootstrap",
    "from": "From",
    "stage": "Stage",
    "registry": "Registry",
    "namespace": "Namespace",
    "library": "Library",
    "fingerprints": "Fingerprints",
    "osversion": "OSVersion",
    "mirrorurl": "MirrorURL",
    "updateurl": "UpdateURL",
    "otherurl": "OtherURL",
    "include": "Include",
    "includecmd": "IncludeCmd",
    "setopt": "SetOpt",
    "confurl": "ConfURL",
    "product": "Product",
    "user": "User",
    "regcode": "Regcode",
    "productpgp": "ProductPGP",
    "registerurl": "RegisterURL",
    "modules": "Modules",
    "target": "Target",
    "frontend": "Frontend",
    "filename": "Filename",
    "buildargs": "BuildArgs",
}
#: The canonical order: the agent, the source, the stage name, then the agent options.
HEADER_ORDER: tuple[str, ...] = tuple(CANONICAL_KEYS)
_RANK = {key: i for i, key in enumerate(HEADER_ORDER)}
_OTHERURL = re.compile(r"otherurl([0-9]+)\Z")


def canonical_key(norm: str) -> str | None:
    """Documented spelling of a lower-case key, or None for an unknown key.

    >>> canonical_key("osversion"), canonical_key("otherurl2")
    ('OSVersion', 'OtherURL2')
    """
    if norm in CANONICAL_KEYS:
        return CANONICAL_KEYS[norm]
    m = _OTHERURL.match(norm)
    if m:
        return "OtherURL" + m.group(1)
    return None


def rank(norm: str) -> int:
    """Position of a key in the canonical order (unknown keys last)."""
    if norm in _RANK:
        return _RANK[norm]
    if _OTHERURL.match(norm):
        return _RANK["otherurl"]
    return len(_RANK)


def _rstrip(line: str) -> str:
    return line.rstrip(" \t")


def format_field(text: str, f: HeaderField, *, is_stage_line: bool) -> list[str]:
    """The lines of one field, formatted."""
    raw_lines = [line_content(text, s.start, s.end) for s in f.lines]
    key = canonical_key(f.norm)
    if f.value is None or key is None or (f.norm == "bootstrap" and not is_stage_line):
        return [_rstrip(raw_lines[0]), *(_rstrip(x) for x in raw_lines[1:])]
    value = f.value_span.slice(text)
    first = key + ":"
    if value:
        first += " " + value
    if f.comment is not None:
        first += "  " + f.comment
    return [first, *(_rstrip(x) for x in raw_lines[1:])]


class _Unit:
    """A field with the comment lines directly above it."""

    __slots__ = ("comments", "field", "index")

    def __init__(self, comments: list[str], field: HeaderField, index: int) -> None:
        self.comments = comments
        self.field = field
        self.index = index


def format_header(text: str, stage: Stage) -> list[str] | None:
    """The header lines of a stage, formatted (blank lines as ""), or None to keep it.

    Leading and trailing blank lines are dropped and runs of blank lines collapsed; the
    caller puts the separating blank line after the header.
    """
    fields = iter(stage.header)
    first_field = stage.header[0] if stage.header else None
    stage_line = first_field if (first_field is not None and not stage.is_prelude) else None
    # Entries: ("blank", None) | ("comment", text) | ("field", HeaderField)
    entries: list[tuple[str, object]] = []
    for kind, span in stage.header_items:
        if kind == BLANK_LINE:
            entries.append(("blank", None))
        elif kind == COMMENT_LINE:
            raw = line_content(text, span.start, span.end)
            entries.append(("comment", raw.strip(GO_SPACE)))
        elif kind == "field":
            f = next(fields, None)
            if f is None or f.span.start != span.start:
                return None
            entries.append(("field", f))
        else:
            return None
    if next(fields, None) is not None:
        return None
    reorder = not stage.is_prelude and not any(
        f.pending_at_end or f.value is None for f in stage.header
    )
    out: list[str] = []
    pending_comments: list[str] = []
    run: list[_Unit] = []

    def flush_run() -> None:
        units = sorted(run, key=lambda u: (rank(u.field.norm), u.index)) if reorder else run
        for unit in units:
            out.extend(unit.comments)
            out.extend(format_field(text, unit.field, is_stage_line=unit.field is stage_line))
        run.clear()

    for i, (kind, value) in enumerate(entries):
        if kind == "field":
            assert isinstance(value, HeaderField)
            if value is stage_line:
                flush_run()
                out.extend(pending_comments)
                pending_comments = []
                out.extend(format_field(text, value, is_stage_line=True))
                continue
            run.append(_Unit(pending_comments, value, i))
            pending_comments = []
        elif kind == "comment":
            assert isinstance(value, str)
            pending_comments.append(value)
        else:
            flush_run()
            out.extend(pending_comments)
            pending_comments = []
            if out and out[-1] != "":
                out.append("")
    flush_run()
    out.extend(pending_comments)
    while out and out[-1] == "":
        out.pop()
    return out
