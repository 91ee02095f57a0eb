"""Formatting section lines and bodies (spec §4).

Each body kind is formatted by what Apptainer (or the shell) does with it:

- scripts (`%post`, `%runscript`, `%environment`, `%appinstall`...): re-indented with one
  unit, keeping relative indentation; trailing blanks removed; blank-line runs collapsed;
  except on lines whose white space is content (`layout.Protection`);
- `%labels`/`%applabels`: Apptainer trims each line and splits at the first ASCII space,
  so lines are re-indented and values aligned;
- `%files`: lines are trimmed and tokenised, so lines are re-indented and the blanks
  between tokens made single (checked by tokenising again);
- `%arguments`, `%appfiles`: lines are trimmed: re-indented only;
- `%help`, `%apphelp`: free text, kept as written but for blank lines at the end.
"""

from __future__ import annotations

from defcheck.format.layout import Protection
from defcheck.format.options import FormatOptions, Preview
from defcheck.syntax.gostr import GO_SPACE, go_trim
from defcheck.syntax.views import FILE_SPLITTER, Section

#: Kinds whose section arguments Apptainer splits into words (or ignores), so blanks
#: between words can be made single (spec §4.2, §4.7).
WORD_ARG_KINDS = frozenset({"pre", "setup", "post", "environment", "labels", "help", "arguments"})
#: Script kinds whose first line may be an interpreter line (spec §4.7).
SHEBANG_KINDS = frozenset({"runscript", "test", "startscript"})
TEXT_KINDS = frozenset({"help", "apphelp"})
TRIMMED_KINDS = frozenset({"arguments", "appfiles"})
LABEL_KINDS = frozenset({"labels", "applabels"})
#: Longest label key that takes part in value alignment.
LABEL_ALIGN_MAX = 20

#: Canonical section order for `--sort-sections` (apps follow, grouped by app).
SECTION_ORDER: tuple[str, ...] = (
    "arguments",
    "pre",
    "setup",
    "files",
    "environment",
    "post",
    "runscript",
    "startscript",
    "test",
    "labels",
    "help",
)
APP_SECTION_ORDER: tuple[str, ...] = (
    "appfiles",
    "appenv",
    "appinstall",
    "apprun",
    "appstart",
    "apptest",
    "applabels",
    "apphelp",
)


def section_key(sec: Section) -> str:
    """The key Apptainer stores the section under (`post`, `appinstall myapp`)."""
    if sec.is_app:
        return " ".join(sec.head.lstrip(GO_SPACE).lstrip("%").split(" ", 2)[:2])
    return sec.kind


def format_section_line(sec: Section, *, others_have_args: bool) -> str:
    """The `%name args` line, formatted (spec §4.1, §4.8)."""
    head = sec.head
    if sec.is_app:
        stripped = head.lstrip(GO_SPACE).lstrip("%")
        trimmed = stripped.rstrip(" \t")
        if trimmed.split(" ", 2)[:2] == stripped.split(" ", 2)[:2]:
            stripped = trimmed
        return "%" + stripped
    if not sec.is_standard:
        return head
    name = "%" + sec.kind
    if not sec.has_args:
        return name
    args = sec.args
    if sec.kind in WORD_ARG_KINDS and "#" not in args and _simple_blanks(args):
        words = args.split()
        if words:
            return name + " " + " ".join(words)
        return name + " " + args if others_have_args else name
    if args == "" and not others_have_args:
        return name
    return name + " " + args


def _simple_blanks(text: str) -> bool:
    """True if the only white space in `text` is ASCII spaces and tabs."""
    return all(ch in " \t" or not (ch.isspace() or ch in GO_SPACE) for ch in text)


def _is_blank(line: str) -> bool:
    return not line.strip(" \t")


def _width(ws: str) -> int:
    w = 0
    for ch in ws:
        w = (w // 8 + 1) * 8 if ch == "\t" else w + 1
    return w


def _indent_step(deltas: list[int]) -> int:
    """The author's indentation step when nesting is regular (every line's indentation
    beyond the body's base is a multiple of a step of 2 columns or more), else 0.

    Regular nesting is re-expressed in units; irregular indentation keeps its relative
    columns (as spaces after one unit), since guessing levels there would mangle it.
    """
    positive = [d for d in deltas if d > 0]
    if not positive:
        return 0
    step = min(positive)
    if step < 2 or any(d % step for d in positive):
        return 0
    return step


def format_script_body(
    lines: list[str],
    prot: Protection,
    offset: int,
    options: FormatOptions,
    *,
    keep_leading_blanks: bool = False,
) -> tuple[list[str], list[int | None]]:
    """Re-indent a script body; return the lines and, for each, its input line (global).

    `offset` is the line of the body's first line within the section key's script.
    """
    unit = options.indent
    leading_p, trailing_p, keep_p = prot.leading, prot.trailing, prot.keep
    stripped = [line.lstrip(" \t") for line in lines]
    # Indentation width of every line that may be re-indented (None: left alone).
    widths: list[int | None] = []
    for i, line in enumerate(lines):
        rest = stripped[i]
        if not rest or offset + i in leading_p:
            widths.append(None)
            continue
        ws = line[: len(line) - len(rest)]
        widths.append(_width(ws) if "\t" in ws else len(ws))
    known = [w for w in widths if w is not None]
    base = min(known) if known else 0
    step = _indent_step([w - base for w in known])
    out: list[str] = []
    origin: list[int | None] = []
    pending_blank: int | None = None
    for i, line in enumerate(lines):
        g = offset + i
        trail = g in trailing_p
        rest = stripped[i]
        if not rest and not (trail or g in leading_p or g in keep_p):
            if not out and keep_leading_blanks:
                out.append("")
                origin.append(g)
            elif out and pending_blank is None and out[-1] != "":
                pending_blank = g
            continue
        if pending_blank is not None:
            out.append("")
            origin.append(pending_blank)
            pending_blank = None
        width = widths[i]
        if width is None:
            new = line
        else:
            delta = width - base
            new = (unit * (1 + delta // step) if step else unit + " " * delta) + rest
        if not trail:
            new = new.rstrip(" \t")
        out.append(new)
        origin.append(g)
    return out, origin


def format_labels_body(lines: list[str], options: FormatOptions) -> list[str]:
    """`KEY value` lines re-indented with values aligned (spec §4.5)."""
    unit = options.indent
    parsed: list[tuple[str, str | None]] = []  # (key or line, value); value None = as is
    for line in lines:
        t = go_trim(line)
        if not t or t[0] == "#":
            parsed.append((t, None))
            continue
        key, sep, rest = t.partition(" ")
        value = go_trim(rest) if sep else ""
        parsed.append((go_trim(key), value))
    # Keys longer than LABEL_ALIGN_MAX get one space instead of pushing every value far
    # to the right (`org.opencontainers.image.description`).
    width = max((len(k) for k, v in parsed if v and len(k) <= LABEL_ALIGN_MAX), default=0)
    out: list[str] = []
    for name, val in parsed:
        if not name:
            out.append("")
        elif not val:
            out.append(unit + name)
        else:
            out.append(unit + name + " " * max(width - len(name) + 1, 1) + val)
    return out


def _files_tokens(line: str) -> tuple[str, str, tuple[str, ...]]:
    words = [m.group(0) for m in FILE_SPLITTER.finditer(line)]
    src = go_trim(words[0]).strip('"') if words else ""
    dst = go_trim(words[1]).strip('"') if len(words) > 1 else ""
    return src, dst, (*words[2:], str(len(words)))


def _unquote(token: str) -> str:
    inner = token[1:-1]
    if (
        len(token) >= 3
        and token[0] == '"'
        and token[-1] == '"'
        and not any(ch.isspace() or ch in "\"'{}#\\" for ch in inner)
    ):
        return inner
    return token


def format_files_line(t: str, options: FormatOptions) -> str:
    """One trimmed `%files` line with single blanks between tokens (spec §4.4)."""
    matches = list(FILE_SPLITTER.finditer(t))
    if not matches:
        return t
    pieces: list[str] = []
    pos = 0
    for n, m in enumerate(matches):
        gap = t[pos : m.start()]
        if pos and gap and not gap.strip(" \t"):
            gap = " "
        token = m.group(0)
        if n < 2 and options.has(Preview.FILES_UNQUOTE):
            token = _unquote(token)
        pieces.append(gap)
        pieces.append(token)
        pos = m.end()
    pieces.append(t[pos:])
    new = "".join(pieces)
    if _files_tokens(new) != _files_tokens(t):
        return t
    return new


def format_files_body(lines: list[str], options: FormatOptions) -> list[str]:
    """`src [dst]` lines re-indented and re-spaced."""
    out: list[str] = []
    for line in lines:
        t = go_trim(line)
        if not t:
            out.append("")
        elif t[0] == "#":
            out.append(options.indent + t)
        else:
            out.append(options.indent + format_files_line(t, options))
    return out


def format_trimmed_body(lines: list[str], options: FormatOptions) -> list[str]:
    """Lines Apptainer trims (`%arguments`, `%appfiles`): re-indented only."""
    return [options.indent + t if (t := go_trim(line)) else "" for line in lines]


def format_text_body(lines: list[str]) -> list[str]:
    """Free text (`%help`): kept, white-space-only lines emptied."""
    return ["" if _is_blank(line) else line for line in lines]


def tidy_blank_lines(lines: list[str], *, collapse: bool, keep_leading: bool) -> list[str]:
    """Drop blank lines at the end (and the start unless `keep_leading`); optionally
    collapse runs of blank lines to one. For bodies whose blank lines mean nothing."""
    out: list[str] = []
    for line in lines:
        if line == "":
            if not out and not keep_leading:
                continue
            if collapse and out and out[-1] == "":
                continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return out
