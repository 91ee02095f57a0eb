"""Typed views over the lossless tree: stages, header fields, sections and their parts.

Views are thin read-only values that point into the document text by `Span`; they never
change. Their fields say what Apptainer reads (values with comments cut and continuations
joined, section names as Apptainer computes them) and where the author wrote it.
"""

from __future__ import annotations

from defcheck.syntax.gostr import GO_SPACE, go_lower, go_trim
from defcheck.syntax.lazy import lazy_compile
from defcheck.syntax.lexer import line_content
from defcheck.syntax.record import cached, record
from defcheck.syntax.span import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    pass

#: Standard sections (deffile.go `validSections`).
STANDARD_SECTIONS = frozenset(
    {
        "help",
        "setup",
        "files",
        "labels",
        "environment",
        "pre",
        "post",
        "runscript",
        "test",
        "startscript",
        "arguments",
    }
)
#: SCIF app sections (deffile.go `appSections`).
APP_SECTIONS = frozenset(
    {
        "appinstall",
        "applabels",
        "appfiles",
        "appenv",
        "apptest",
        "apphelp",
        "apprun",
        "appstart",
    }
)
#: Sections whose body is a shell script or fragment.
SCRIPT_SECTIONS = frozenset(
    {
        "setup",
        "pre",
        "post",
        "test",
        "runscript",
        "startscript",
        "environment",
        "appinstall",
        "apprun",
        "appenv",
        "apptest",
        "appstart",
    }
)
#: Valid header keys (deffile.go `validHeaders`, spec §3.4); `otherurl&n` = OtherURL<digits>.
VALID_HEADER_KEYS = frozenset(
    {
        "bootstrap",
        "from",
        "includecmd",
        "mirrorurl",
        "updateurl",
        "osversion",
        "include",
        "library",
        "registry",
        "namespace",
        "stage",
        "product",
        "user",
        "regcode",
        "productpgp",
        "registerurl",
        "modules",
        "otherurl&n",
        "fingerprints",
        "confurl",
        "setopt",
        "target",
        "frontend",
        "filename",
        "buildargs",
    }
)


def is_valid_header_key(key: str) -> bool:
    """Apptainer's key check: listed, or trailing digits replaced by `&n` is listed.

    deffile.go replaces the match of `\\d+$` (ASCII digits) by the literal `&n`.
    """
    if key in VALID_HEADER_KEYS:
        return True
    stem = key.rstrip("0123456789")
    return stem != key and stem + "&n" in VALID_HEADER_KEYS


@record
class Line:
    """One physical line: its span without the line ending, and the ending's span."""

    span: Span
    end: int  # offset just past the line ending


@record
class HeaderField:
    """A `Key: value` header line and its continuation lines (spec §3.2-§3.3).

    `value` is what Apptainer stores: comment cut, trimmed, continuation lines joined;
    `None` when the line has no `:` (Apptainer rejects the file).
    """

    key: str
    norm: str
    value: str | None
    span: Span
    key_span: Span
    value_span: Span
    comment: str | None
    comment_span: Span | None
    lines: tuple[Span, ...]
    pending_at_end: bool = False  # the last line still asks for a continuation

    @property
    def continued(self) -> bool:
        """True if the value continues over more than one line."""
        return len(self.lines) > 1

    @property
    def is_valid_key(self) -> bool:
        """True if Apptainer accepts the key."""
        return is_valid_header_key(self.norm)


@record
class FilesEntry:
    """One `src [dst]` line of `%files` as Apptainer tokenises it (spec §4.4)."""

    src: str
    dst: str
    src_span: Span
    dst_span: Span | None
    span: Span
    raw_tokens: tuple[str, ...]


@record
class Label:
    """One `KEY value` line of `%labels` (spec §4.5)."""

    key: str
    value: str
    key_span: Span
    value_span: Span
    span: Span


@record
class Argument:
    """One `NAME=value` line of `%arguments` (spec §4.6); `name` is None if malformed."""

    name: str | None
    value: str
    name_span: Span
    value_span: Span
    span: Span


@record
class Placeholder:
    """A `{{ NAME }}` build-argument placeholder (spec §7.2).

    `skipped` marks one that Apptainer leaves alone because a `#` precedes it on its line
    (spec §7.3); its substitution depends on earlier substitutions on the same line only
    through that rule, which `syntax.buildargs` applies exactly.
    """

    name: str
    span: Span
    name_span: Span
    skipped: bool


# deffile.go fileSplitter, with Go's ASCII `\s` ([\t\n\f\r ]) and `\w` spelled out.
_WS = "\\t\\n\\f\\r "
_FILE_SPLITTER_PATTERN = (
    rf"([^{_WS}\"']*\{{\{{[{_WS}]*[0-9A-Za-z_]+[{_WS}]*\}}\}}*[^{_WS}{{}}\"']*)+"
    rf"|([^{_WS}\"']+|\"([^\"]*)\"|'([^']*))"
)
FILE_SPLITTER = lazy_compile(_FILE_SPLITTER_PATTERN)  # `re` costs more than a typical parse
_GO_ASCII_SPACE = "\t\n\f\r "


def file_tokens(line: str) -> list[tuple[int, int]]:
    """Spans of the tokens deffile.go's `fileSplitter` finds in a `%files` line.

    Lines without quotes or braces (nearly all) are split at Go's ASCII white space
    directly; the others go through the ported regular expression (`FILE_SPLITTER`).
    """
    if '"' in line or "'" in line or "{" in line:
        return [(m.start(), m.end()) for m in FILE_SPLITTER.finditer(line)]
    out: list[tuple[int, int]] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] in _GO_ASCII_SPACE:
            i += 1
        j = i
        while j < n and line[j] not in _GO_ASCII_SPACE:
            j += 1
        if j > i:
            out.append((i, j))
        i = j
    return out


class Section:
    """A `%name [args]` line and its body."""

    __slots__ = (
        "__dict__",
        "_text",
        "_word",
        "body_span",
        "head",
        "head_span",
        "indent",
        "kind",
        "line_end",
        "span",
        "stage_index",
    )

    def __init__(self, text: str, head_start: int, head_end: int, body_end: int, stage: int):
        self._text = text
        self.span = Span(head_start, body_end)
        head = line_content(text, head_start, head_end)
        #: The section line as written, without its line ending.
        self.head = head
        self.head_span = Span(head_start, head_start + len(head))
        self.line_end = head_end
        self.body_span = Span(head_end, body_end)
        self.stage_index = stage
        rest = head.lstrip(GO_SPACE)
        #: White space before the `%`.
        self.indent = head[: len(head) - len(rest)]
        i = len(self.indent)
        while i < len(head) and head[i] == "%":
            i += 1
        j = i
        while j < len(head) and head[j] not in GO_SPACE:
            j += 1
        self._word = (head[i:j], i)
        #: Lower-case section name a human reads (`post` for `%POST` or `%post\t-c sh`).
        self.kind = go_lower(head[i:j])

    @cached
    def body(self) -> str:
        """Everything after the section line, verbatim (one string, reused: rules look
        bodies up in caches, and a 5,000-line body is slow to slice and hash again)."""
        return self.body_span.slice(self._text)

    @property
    def written(self) -> str:
        """The section name as written, without `%` (e.g. `Post`, `appinstall`)."""
        return self._word[0]

    @property
    def name_span(self) -> Span:
        """Span of `%name` (all leading `%` included)."""
        start = self.head_span.start + len(self.indent)
        word, at = self._word
        return Span(start, self.head_span.start + at + len(word))

    @cached
    def apptainer_name(self) -> str:
        """The name Apptainer computes for this line outside the first token (spec §4.1)."""
        return go_lower(self.head.lstrip("%")).split(" ", 1)[0]

    @property
    def is_standard(self) -> bool:
        """A standard section Apptainer knows."""
        return self.kind in STANDARD_SECTIONS

    @property
    def is_app(self) -> bool:
        """A SCIF `%app*` section."""
        return self.kind in APP_SECTIONS

    @property
    def is_script(self) -> bool:
        """The body is shell (`%post`, `%runscript`, `%environment`, app scripts...)."""
        return self.kind in SCRIPT_SECTIONS

    @cached
    def _args(self) -> tuple[str, int] | None:
        rest = self.head.lstrip(GO_SPACE).lstrip("%")
        space = rest.find(" ")
        if space < 0:
            return None
        offset = len(self.head) - len(rest) + space + 1
        return rest[space + 1 :], offset

    @property
    def args(self) -> str:
        """Text after the first ASCII space of the section line, verbatim (spec §4.1)."""
        return self._args[0] if self._args else ""

    @property
    def has_args(self) -> bool:
        """True if the line has a space after the name (even with nothing after it)."""
        return self._args is not None

    @property
    def args_span(self) -> Span:
        """Span of `args` (empty, at the end of the name, when there are none)."""
        if self._args is None:
            return Span(self.name_span.end, self.name_span.end)
        start = self.head_span.start + self._args[1]
        return Span(start, self.head_span.end)

    @cached
    def app(self) -> str | None:
        """App name of an `%app*` section (second space-separated word), else None."""
        if not self.is_app:
            return None
        parts = self.head.lstrip(GO_SPACE).lstrip("%").split(" ", 2)
        return parts[1] if len(parts) >= 2 else None

    @property
    def app_span(self) -> Span | None:
        """Span of the app name."""
        if self.app is None or self._args is None:
            return None
        start = self.args_span.start
        return Span(start, start + len(self.app))

    @cached
    def body_lines(self) -> tuple[Line, ...]:
        """The body's physical lines."""
        return tuple(_lines(self._text, self.body_span.start, self.body_span.end))

    def files_entries(self) -> list[FilesEntry]:
        """`%files` / `%appfiles` lines as Apptainer's `%files` tokeniser reads them."""
        out: list[FilesEntry] = []
        text = self._text
        for line in self.body_lines:
            raw = line.span.slice(text)
            stripped = go_trim(raw)
            if not stripped or stripped[0] == "#":
                continue
            base = line.span.start + (len(raw) - len(raw.lstrip(GO_SPACE)))
            matches = file_tokens(stripped)
            if not matches:
                continue
            tokens = tuple(stripped[a:b] for a, b in matches)
            src_m = matches[0]
            src = go_trim(tokens[0]).strip('"')
            dst = go_trim(tokens[1]).strip('"') if len(matches) > 1 else ""
            dst_span = (
                Span(base + matches[1][0], base + matches[1][1]) if len(matches) > 1 else None
            )
            out.append(
                FilesEntry(
                    src=src,
                    dst=dst,
                    src_span=Span(base + src_m[0], base + src_m[1]),
                    dst_span=dst_span,
                    span=Span(base, base + len(stripped)),
                    raw_tokens=tokens,
                )
            )
        return out

    def labels(self) -> list[Label]:
        """`%labels` / `%applabels` lines: key up to the first ASCII space (spec §4.5)."""
        out: list[Label] = []
        text = self._text
        for line in self.body_lines:
            raw = line.span.slice(text)
            stripped = go_trim(raw)
            if not stripped or stripped[0] == "#":
                continue
            base = line.span.start + (len(raw) - len(raw.lstrip(GO_SPACE)))
            key, sep, rest = stripped.partition(" ")
            key = go_trim(key)
            value = go_trim(rest) if sep else ""
            vstart = base + len(stripped) - len(rest.lstrip(GO_SPACE)) if sep else base + len(key)
            out.append(
                Label(
                    key=key,
                    value=value,
                    key_span=Span(base, base + len(key)),
                    value_span=Span(vstart, vstart + len(value)),
                    span=Span(base, base + len(stripped)),
                )
            )
        return out

    def arguments(self) -> list[Argument]:
        """`%arguments` lines: `NAME=value`, trimmed, `#` lines skipped (spec §4.6)."""
        out: list[Argument] = []
        text = self._text
        for line in self.body_lines:
            raw = line.span.slice(text)
            stripped = go_trim(raw)
            if not stripped or stripped[0] == "#":
                continue
            base = line.span.start + (len(raw) - len(raw.lstrip(GO_SPACE)))
            name, sep, rest = stripped.partition("=")
            name_t = go_trim(name)
            value = go_trim(rest)
            vstart = base + len(stripped) - len(rest.lstrip(GO_SPACE))
            out.append(
                Argument(
                    name=name_t if sep and name_t else None,
                    value=value,
                    name_span=Span(base, base + len(name_t)),
                    value_span=Span(vstart, vstart + len(value)),
                    span=Span(base, base + len(stripped)),
                )
            )
        return out

    def __repr__(self) -> str:
        return f"Section({self.head!r}, {self.span})"


def _lines(text: str, start: int, end: int) -> list[Line]:
    # `line_content` without building each line's string (bodies can be 5,000 lines).
    out: list[Line] = []
    append = out.append
    find = text.find
    pos = start
    while pos < end:
        nl = find("\n", pos, end)
        stop = end if nl == -1 else nl + 1
        stop_text = stop if nl == -1 else nl
        if stop_text > pos and text[stop_text - 1] == "\r":
            stop_text -= 1
        append(Line(Span(pos, stop_text), stop))
        pos = stop
    return out


def make_field(text: str, lines: list[tuple[int, int]]) -> HeaderField:
    """Build a field from its physical lines (first `key: value` line, then continuations)."""
    first_start, first_end = lines[0]
    raw = line_content(text, first_start, first_end)
    lead = len(raw) - len(raw.lstrip(GO_SPACE))
    body = raw[lead:]
    hash_at = body.find("#")
    cut = body if hash_at < 0 else body[:hash_at]
    comment = None if hash_at < 0 else body[hash_at:].rstrip(GO_SPACE)
    base = first_start + lead
    comment_span = (
        None if hash_at < 0 else Span(base + hash_at, base + hash_at + len(comment or ""))
    )
    colon = cut.find(":")
    spans = tuple(Span(s, s + len(line_content(text, s, e))) for s, e in lines)
    whole = Span(spans[0].start, spans[-1].end)
    if colon < 0:
        key_raw = cut
        key = go_trim(key_raw)
        return HeaderField(
            key=key,
            norm=go_lower(key),
            value=None,
            span=whole,
            key_span=Span(base, base + len(key)),
            value_span=Span(base + len(key), base + len(key)),
            comment=comment,
            comment_span=comment_span,
            lines=spans,
        )
    key = go_trim(cut[:colon])
    after = cut[colon + 1 :]
    value_first = go_trim(after)
    vstart = base + colon + 1 + (len(after) - len(after.lstrip(GO_SPACE)))
    value = value_first
    pending_at_end = False
    for s, e in lines[1:]:
        pend = _continuation(value)
        piece = go_trim(go_trim(line_content(text, s, e)).split("#", 1)[0])
        value = (pend or "") + piece
    if _continuation(value):
        pending_at_end = True
    return HeaderField(
        key=key,
        norm=go_lower(key),
        value=value,
        span=whole,
        key_span=Span(base, base + len(key)),
        value_span=Span(vstart, vstart + len(value_first)),
        comment=comment,
        comment_span=comment_span,
        lines=spans,
        pending_at_end=pending_at_end,
    )


def _continuation(value: str) -> str | None:
    if not value.endswith("\\"):
        return None
    pending = value[:-1]
    if pending.endswith("\\n"):
        pending = pending[:-2] + "\n"
    return pending


@record
class Stage:
    """One stage: the text from a `Bootstrap:` line to the next (spec §6).

    Stage 0 may be the *prelude*, the text before the first `Bootstrap:` line, when that
    text holds anything Apptainer parses (`is_prelude`); a prelude of only comments and
    blank lines is not a stage (Apptainer drops it) and is not listed.
    """

    index: int
    span: Span
    header: list[HeaderField]
    header_span: Span
    sections: list[Section]
    header_items: list[tuple[str, Span]]
    is_prelude: bool = False

    def field(self, norm: str) -> HeaderField | None:
        """The last header field with that normalised key (Apptainer: last wins)."""
        for f in reversed(self.header):
            if f.norm == norm:
                return f
        return None

    def value(self, norm: str) -> str | None:
        """Apptainer's value of a header key, or None if absent."""
        f = self.field(norm)
        return None if f is None else f.value

    @property
    def bootstrap(self) -> str | None:
        """Value of `Bootstrap:` (the agent), or None."""
        return self.value("bootstrap")

    @property
    def name(self) -> str | None:
        """Value of `Stage:`, or None."""
        return self.value("stage")

    def sections_of(self, kind: str) -> list[Section]:
        """Sections of one kind, in file order."""
        return [s for s in self.sections if s.kind == kind]
