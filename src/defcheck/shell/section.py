"""Shell analysis of the sections of a parsed `Document`.

Apptainer concatenates repeated sections of a stage and keeps the last non-empty
arguments (spec §4.3), and appends `%appinstall` bodies to `%post` (§4.8). So the shell
of one section depends on its siblings; these helpers take that into account.

>>> from defcheck.syntax import parse
>>> doc = parse("Bootstrap: docker\\nFrom: x\\n%post -c /bin/bash\\n  echo $RANDOM\\n")
>>> shell = analyse_section(doc, doc.sections[0])
>>> shell.interpreter.dialect, shell.body.commands[0].name.text
(<Dialect.BASH: 'bash'>, 'echo')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from defcheck.shell.interpreter import SCRIPT_SECTIONS, Interpreter, section_interpreter
from defcheck.shell.shellcheck import ShellCheckRequest, ShellCheckRun
from defcheck.syntax.document import Document
from defcheck.syntax.record import record
from defcheck.syntax.views import Section

TYPE_CHECKING = False
if TYPE_CHECKING:
    from defcheck.shell.tree import ShellBody

#: ShellCheck codes that are noise for a section kind (checked in `shellcheck_requests`).
#: `%environment` is sourced into the container environment, so assignments that look
#: unused (SC2034) are the point of the section.
DEFAULT_EXCLUDES: dict[str, tuple[str, ...]] = {
    "environment": ("SC2034",),
    "appenv": ("SC2034",),
}


@record
class SectionShell:
    """A script section with its interpreter and, when it is shell, its parse."""

    section: Section
    interpreter: Interpreter
    body: ShellBody | None


def section_shell_interpreter(doc: Document, section: Section) -> Interpreter:
    """The interpreter Apptainer uses for `section`, honouring repeated sections."""
    siblings = _siblings(doc, section, section.kind, section.app)
    args = _effective_args(siblings)
    if section.kind == "appinstall":
        posts = _siblings(doc, section, "post", None)
        return section_interpreter("appinstall", "", section.body, post_args=_effective_args(posts))
    body = "".join(s.body for s in siblings) if siblings else section.body
    return section_interpreter(section.kind, args, body)


def analyse_section(doc: Document, section: Section) -> SectionShell:
    """Interpreter and shell parse (absolute spans) of one script section."""
    interpreter = section_shell_interpreter(doc, section)
    if section.kind not in SCRIPT_SECTIONS or not interpreter.is_shell:
        return SectionShell(section, interpreter, None)
    from defcheck.shell.tree import parse_shell  # tree-sitter: only when a body is parsed

    body = parse_shell(section.body, base=section.body_span.start)
    return SectionShell(section, interpreter, body)


def shellcheck_requests(
    doc: Document, *, exclude: Iterable[str] = ()
) -> list[tuple[Section, ShellCheckRequest]]:
    """One ShellCheck request per shell section body of `doc` (non-shell bodies skipped)."""
    extra = tuple(exclude)
    out: list[tuple[Section, ShellCheckRequest]] = []
    for section in doc.sections:
        if section.kind not in SCRIPT_SECTIONS or not section.body.strip():
            continue
        interpreter = section_shell_interpreter(doc, section)
        if interpreter.dialect is None:
            continue
        codes = DEFAULT_EXCLUDES.get(section.kind, ()) + extra
        request = ShellCheckRequest(
            section.body, section.body_span.start, interpreter.dialect, codes
        )
        out.append((section, request))
    return out


@record
class StartedChecks:
    """ShellCheck running on the shell bodies of some documents (`start_checking`)."""

    run: ShellCheckRun
    #: each document's `shellcheck_requests`, in order: the run checks them all
    requests: tuple[list[tuple[Section, ShellCheckRequest]], ...]

    def discard(self) -> None:
        """The findings are not wanted after all (see `ShellCheckRun.discard`)."""
        self.run.discard()


def start_checking(docs: Sequence[Document], *, binary: str | None = None) -> StartedChecks:
    """Start ShellCheck on the shell bodies of `docs`.

    The linter takes the result as `lint_documents(..., started=...)`; `defcheck lint`
    starts it as soon as the files are parsed, before importing the linter.
    """
    from defcheck.shell.shellcheck import start_bodies

    requests = tuple(shellcheck_requests(doc) for doc in docs)
    run = start_bodies([req for found in requests for _, req in found], binary=binary)
    return StartedChecks(run, requests)


def _siblings(doc: Document, section: Section, kind: str, app: str | None) -> list[Section]:
    stage = doc.stage_at(section.span.start)
    if stage is None:
        return [section] if section.kind == kind else []
    return [s for s in stage.sections if s.kind == kind and s.app == app]


def _effective_args(sections: list[Section]) -> str:
    """The last non-empty arguments of repeated sections (spec §4.3)."""
    args = ""
    for s in sections:
        if s.args:
            args = s.args
    return args
