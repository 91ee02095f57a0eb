"""Build arguments (DEF6xx): `{{ NAME }}` placeholders and `%arguments` defaults (spec §7).

Defaults are per stage; a placeholder after a `#` on its line is left alone by Apptainer
(but substituted by SingularityCE).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from defcheck.lint.context import RuleContext
from defcheck.lint.model import Applicability, Finding, Severity
from defcheck.lint.registry import rule
from defcheck.lint.rules._helpers import whole_lines
from defcheck.syntax import Argument, Document, Placeholder, Stage


def _defaults(stage: Stage) -> list[Argument]:
    return [a for sec in stage.sections_of("arguments") for a in sec.arguments() if a.name]


def _placeholders(doc: Document, stage: Stage) -> list[Placeholder]:
    return [p for p in doc.placeholders if stage.span.start <= p.span.start < stage.span.end]


def _documented(doc: Document, known: object) -> set[str]:
    names = {str(n) for n in known} if isinstance(known, (list, tuple)) else set()
    for sec in doc.sections:
        if sec.kind in ("help", "apphelp"):
            names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sec.body))
    return names


@rule(
    code="DEF601",
    name="undefined-build-arg",
    summary="`{{ NAME }}` without a default in `%arguments` and not documented",
    family="buildargs",
    severity=Severity.WARNING,
    options={"known": []},
)
def undefined_build_arg(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `{{ NAME }}` placeholders with no default in the same stage's `%arguments`,
    unless the name is mentioned in `%help` or listed in the rule's `known` option.

    ## Why is this bad?
    `apptainer build` fails with `build var NAME is not defined through either
    --build-arg (--build-arg-file) or 'arguments' section` unless every user knows to
    pass `--build-arg NAME=...`. Defaults are per stage: another stage's default does
    not count.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:{{ VERSION }}
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:{{ VERSION }}

    %arguments
        VERSION=3.20
    ```

    ## Options
    - `known` (list of strings): names your build always passes with `--build-arg`.
    """
    doc = ctx.doc
    documented: set[str] | None = None  # read from `%help` once a name needs it
    defaults_by_stage = {s.index: {a.name for a in _defaults(s)} for s in doc.all_stages}
    for stage in doc.all_stages:
        defaults = defaults_by_stage[stage.index]
        for ph in _placeholders(doc, stage):
            if ph.skipped or ph.name in defaults:
                continue
            if documented is None:
                documented = _documented(doc, ctx.options.get("known"))
            if ph.name in documented:
                continue
            elsewhere = [i for i, names in defaults_by_stage.items() if ph.name in names]
            hint = " (another stage defines it, but defaults are per stage)" if elsewhere else ""
            yield ctx.finding(
                ph.span,
                f"`{ph.name}` has no default in this stage's `%arguments`{hint}: the build "
                f"fails unless `--build-arg {ph.name}=...` is given",
            )


@rule(
    code="DEF602",
    name="unused-build-arg-default",
    summary="`%arguments` default that no placeholder in the stage uses",
    family="buildargs",
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
)
def unused_build_arg_default(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `%arguments` entries whose name no `{{ NAME }}` in the same stage uses.

    ## Why is this bad?
    It is dead configuration, often a typo of the placeholder's name; and
    `--build-arg` values no stage consumes make `apptainer build` fail.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %arguments
        VERSION=1.0
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %arguments
        VERSION=1.0

    %post
        echo "version {{ VERSION }}"
    ```

    ## Fix safety
    Unsafe: removing the line makes `--build-arg VERSION=...` an unused argument.
    """
    doc = ctx.doc
    for stage in doc.all_stages:
        used = {p.name for p in _placeholders(doc, stage) if not p.skipped}
        for arg in _defaults(stage):
            if arg.name in used:
                continue
            yield ctx.finding(
                arg.name_span,
                f"the default for `{arg.name}` is never used in this stage",
                fix=ctx.replace(
                    whole_lines(doc, arg.span), "", f"remove `{arg.name}`", Applicability.UNSAFE
                ),
                tags=frozenset({"unnecessary"}),
            )


@rule(
    code="DEF603",
    name="placeholder-after-comment",
    summary="Placeholder after `#` that Apptainer does not substitute",
    family="buildargs",
    severity=Severity.WARNING,
)
def placeholder_after_comment(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `{{ NAME }}` placeholders that follow a `#` on the same line (other than
    `#!`), such as `echo "issue #1 {{ VERSION }}"`.

    ## Why is this bad?
    Apptainer leaves such placeholders verbatim (it assumes they are in a comment),
    even inside a quoted string; SingularityCE substitutes them and requires the
    argument. The same file builds differently on the two.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %arguments
        VERSION=1.0

    %post
        echo "release #1 {{ VERSION }}"
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %arguments
        VERSION=1.0

    %post
        echo "release {{ VERSION }}"
    ```
    """
    text = ctx.doc.text
    for ph in ctx.doc.placeholders:
        if not ph.skipped:
            continue
        line_start = text.rfind("\n", 0, ph.span.start) + 1
        in_comment = text[line_start : ph.span.start].lstrip().startswith("#")
        where = "in a comment" if in_comment else "after a `#` on this line"
        yield ctx.finding(
            ph.span,
            f"`{{{{ {ph.name} }}}}` is {where}: Apptainer leaves it unsubstituted, "
            "SingularityCE substitutes it",
        )


@rule(
    code="DEF604",
    name="malformed-argument-line",
    summary="`%arguments` line that is not `NAME=value`",
    family="buildargs",
    severity=Severity.WARNING,
)
def malformed_argument_line(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `%arguments` lines without `=` or without a name.

    ## Why is this bad?
    Apptainer skips them with a warning, so the default you meant to give is missing.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:{{ VERSION }}

    %arguments
        VERSION 3.20
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:{{ VERSION }}

    %arguments
        VERSION=3.20
    ```
    """
    for sec in ctx.doc.sections:
        if sec.kind != "arguments" or sec.indent:
            continue
        for arg in sec.arguments():
            if arg.name is None:
                yield ctx.finding(
                    arg.span, "not `NAME=value`: Apptainer skips this line with a warning"
                )
