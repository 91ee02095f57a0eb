"""Small helpers shared by the rule families (not a family itself: registers no rule)."""

from __future__ import annotations

from collections.abc import Iterable

from defcheck.syntax import APP_SECTIONS, STANDARD_SECTIONS, Document, Section, Span
from defcheck.syntax.lazy import lazy_compile as lazy_compile  # rule modules import it here

KNOWN_SECTIONS: tuple[str, ...] = tuple(sorted(STANDARD_SECTIONS | APP_SECTIONS))
_HEREDOC_RE = lazy_compile(r"<<(-?)[ \t]*(['\"]?)\\?([A-Za-z_][A-Za-z0-9_]*)\2")
#: Characters quote removal can drop between the characters of a word's value.
_QUOTING = str.maketrans("", "", "\\'\"\r\n")
_squeezed: dict[str, str] = {}


def may_mention(body: str, needles: Iterable[str]) -> bool:
    """False when no shell word of `body` can contain any of `needles`.

    Needles must not contain quotes, backslashes or line ends (`"curl"`, `"/proc/"`).

    A word's text is a slice of `body` and its value (`Word.value`) is that text with
    quotes, backslashes and escaped line ends removed. So with those characters deleted
    from the whole body, a needle inside any word's text or value is a substring of what
    is left: rules that only look for certain command names use this to skip the
    tree-sitter parse of a body that cannot contain them.
    """
    squeezed = _squeezed.get(body)
    if squeezed is None:
        if len(_squeezed) > 16:  # bodies of the last few documents
            _squeezed.clear()
        squeezed = _squeezed[body] = body.translate(_QUOTING)
    return any(n in squeezed for n in needles)


def whole_lines(doc: Document, span: Span) -> Span:
    """The lines `span` touches, from the first line's start to past the last newline."""
    first = doc.lines.line_of(span.start)
    last = doc.lines.line_of(max(span.start, span.end - 1)) if span.end > span.start else first
    return Span(doc.lines.line_start(first), doc.lines.line_end(last, keep_newline=True))


def newline_of(doc: Document) -> str:
    """The file's line ending (`\\r\\n` if its first line ends so, else `\\n`)."""
    nl = doc.text.find("\n")
    return "\r\n" if nl > 0 and doc.text[nl - 1] == "\r" else "\n"


def known_section(kind: str) -> bool:
    """True for a section name Apptainer knows (standard or app)."""
    return kind in STANDARD_SECTIONS or kind in APP_SECTIONS


def previous_known(doc: Document, sec: Section) -> Section | None:
    """The nearest earlier section of the same stage with a known, non-indented name."""
    earlier = [s for s in doc.sections if s.stage_index == sec.stage_index]
    idx = next(i for i, s in enumerate(earlier) if s is sec)
    for prev in reversed(earlier[:idx]):
        if known_section(prev.kind) and not prev.indent:
            return prev
    return None


def section_label(sec: Section) -> str:
    """`%post` or `%appinstall foo` for messages."""
    return f"%{sec.kind}" + (f" {sec.app}" if sec.app else "")


def unterminated_heredoc(body: str) -> str | None:
    """The delimiter of a here-document in `body` that is never closed, if any."""
    for m in _HEREDOC_RE.finditer(body):
        delim = m.group(3)
        rest = body[m.end() :].split("\n")[1:]
        strip_tabs = m.group(1) == "-"
        closed = any(
            (line.rstrip("\r").lstrip("\t") if strip_tabs else line.rstrip("\r")) == delim
            or line.strip() == delim
            for line in rest
        )
        if not closed:
            return delim
    return None


def swallowed_by_script(doc: Document, sec: Section) -> Section | None:
    """The script section whose body this `%` line most likely belongs to.

    An indented `%` line is never a section the author meant (outside a header-less
    file's first line); an unknown name at column 0 right after a script section is
    usually script content such as `%{_libdir}` or a heredoc line.
    """
    prev = previous_known(doc, sec)
    if prev is None or not prev.is_script:
        return None
    if sec.indent:
        return prev
    if known_section(sec.kind):
        return None
    from defcheck.lint.agents import suggest

    if suggest(sec.kind.rstrip(":"), KNOWN_SECTIONS):
        return None
    return prev
