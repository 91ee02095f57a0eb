"""Build-argument substitution exactly as `apptainer build` does it (spec §7).

`MakeAllDefs` splits the file into stages with `parser.All`, reads each stage's defaults
from its own (unsubstituted) `%arguments` body, replaces every `{{ NAME }}` placeholder in
the stage text (command-line and file values first, then the stage's defaults; nested
placeholders in a value resolved once; placeholders after a `#` on their line skipped),
and parses the substituted stage again. Command-line names never used are reported.
"""

from __future__ import annotations

from defcheck.errors import TemplateError
from defcheck.syntax.apptainer import ApptainerError, parse_all_pairs, parse_stage_text
from defcheck.syntax.document import Document, _comment_before, parse, placeholder_re
from defcheck.syntax.gostr import go_trim
from defcheck.syntax.record import record


@record
class SubstitutedStage:
    """One stage after substitution: its text, its defaults and the names it used."""

    index: int
    text: str
    defaults: dict[str, str]
    used: list[str]


@record
class Substitution:
    """The result for a whole file: the stages and the command-line names never used."""

    stages: list[SubstitutedStage]
    unused: list[str]

    @property
    def text(self) -> str:
        """The substituted file (what Apptainer stores as `/.singularity.d/Singularity`)."""
        return "".join(s.text for s in self.stages)


def _key_val(text: str) -> tuple[str, str]:
    """args.go `getKeyVal`: split at the first `=`, both sides trimmed, quotes kept."""
    if "=" not in text:
        raise ValueError(f"{text!r} is not a key=value pair")
    key, _, val = text.partition("=")
    key = go_trim(key)
    if not key:
        raise ValueError(f"missing key portion in {text!r}")
    return key, go_trim(val)


def read_build_args(args: list[str], arg_file_text: str | None = None) -> dict[str, str]:
    """args.go `ReadBuildArgs`: the file first (bad lines skipped), then `--build-arg`s.

    A malformed `--build-arg` raises `TemplateError`.
    """
    values: dict[str, str] = {}
    if arg_file_text is not None:
        for line in arg_file_text.split("\n"):
            if line.endswith("\r"):
                line = line[:-1]
            try:
                k, v = _key_val(line)
            except ValueError:
                continue
            values[k] = v
    for arg in args:
        try:
            k, v = _key_val(arg)
        except ValueError as exc:
            raise TemplateError(f"invalid --build-arg: {exc}") from None
        values[k] = v
    return values


def read_defaults(arguments_script: str) -> dict[str, str]:
    """args.go `ReadDefaults` over a stage's `%arguments` body."""
    defaults: dict[str, str] = {}
    for raw in arguments_script.split("\n"):
        text = go_trim(raw)
        if text and not text.startswith("#"):
            try:
                k, v = _key_val(text)
            except ValueError:
                continue
            defaults[k] = v
    return defaults


def substitute_text(
    text: str, cli: dict[str, str], defaults: dict[str, str]
) -> tuple[str, list[str]]:
    """reader.go `NewReader`: replace placeholders in one stage's text.

    Returns the new text and the names consumed; raises `TemplateError` for an undefined
    name (with the line and column of the placeholder).
    """
    out: list[str] = []
    used: list[str] = []
    i = 0
    for m in placeholder_re().finditer(text):
        nl = text.rfind("\n", i, m.start() + 1)
        region = text[(i if nl < 0 else nl) : m.start()]
        if _comment_before(region):
            continue
        out.append(text[i : m.start()])
        name = m.group(1)
        if name in cli:
            val = cli[name]
        elif name in defaults:
            val = defaults[name]
        else:
            line = text.count("\n", 0, m.start()) + 1
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            raise TemplateError(
                f"build var {name} is not defined through either --build-arg "
                "(--build-arg-file) or 'arguments' section",
                line=line,
                column=col,
            )
        new_val = val
        for inner in placeholder_re().finditer(val):
            k = inner.group(1)
            if k in cli:
                new_val = new_val.replace(inner.group(0), cli[k])
            elif k in defaults:
                new_val = new_val.replace(inner.group(0), defaults[k])
        out.append(new_val)
        if name not in used:
            used.append(name)
        i = m.end()
    out.append(text[i:])
    return "".join(out), used


class SubstitutionError(TemplateError):
    """Substitution failed; `partial` holds the stages completed before the failure."""

    def __init__(
        self, message: str, *, partial: Substitution, line: int = 0, column: int = 0
    ) -> None:
        super().__init__(message, line=line, column=column)
        self.partial = partial


def substitute(doc: Document | str, cli: dict[str, str] | None = None) -> Substitution:
    """Substitute build arguments in every stage, as `MakeAllDefs` does.

    Raises `SubstitutionError` for an undefined placeholder or a substituted stage that no
    longer parses; line and column refer to the original file.

    >>> substitute("Bootstrap: docker\\nFrom: alpine:{{ TAG }}\\n", {"TAG": "3.20"}).text
    'Bootstrap: docker\\nFrom: alpine:3.20\\n'
    """
    if isinstance(doc, str):
        doc = parse(doc)
    cli = dict(cli or {})
    pairs = parse_all_pairs(doc)
    out: list[SubstitutedStage] = []
    if isinstance(pairs, ApptainerError):
        line, col = doc.lines.line_col(pairs.span.start)
        raise SubstitutionError(
            pairs.message, partial=Substitution(stages=out, unused=[]), line=line, column=col
        )
    consumed: set[str] = set()
    for stage, d in pairs:
        raw = doc.text[stage.span.start : stage.span.end]
        defaults = read_defaults(d.scripts["arguments"].script)
        try:
            new_text, used = substitute_text(raw, cli, defaults)
        except TemplateError as exc:
            line0 = doc.lines.line_of(stage.span.start)
            raise SubstitutionError(
                exc.message,
                partial=Substitution(stages=out, unused=[]),
                line=exc.line + line0,
                column=exc.column,
            ) from None
        reparsed = parse_stage_text(new_text)
        if isinstance(reparsed, ApptainerError):
            line, col = doc.lines.line_col(stage.span.start)
            raise SubstitutionError(
                f"after substitution: {reparsed.message}",
                partial=Substitution(stages=out, unused=[]),
                line=line,
                column=col,
            )
        consumed.update(used)
        out.append(SubstitutedStage(index=stage.index, text=new_text, defaults=defaults, used=used))
    unused = sorted(k for k in cli if k not in consumed)
    return Substitution(stages=out, unused=unused)
