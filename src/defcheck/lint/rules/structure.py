"""Structure (DEF4xx): sections, header keys, agents and stages as Apptainer sees them.

Unknown section and header names (with a "did you mean"), keys an agent needs or ignores,
stage names and `%files from` references, app sections, empty and repeated sections.
"""

from __future__ import annotations

from collections.abc import Iterator

from defcheck.lint.agents import AGENTS, CANONICAL_KEYS, canonical_key, suggest
from defcheck.lint.context import RuleContext
from defcheck.lint.model import Applicability, Finding, Related, Severity
from defcheck.lint.registry import rule
from defcheck.lint.rules._helpers import (
    KNOWN_SECTIONS,
    known_section,
    section_label,
    swallowed_by_script,
    whole_lines,
)
from defcheck.syntax import Section, Span, Stage

_LABEL_LIKE = frozenset({"maintainer", "author", "version", "description", "label", "labels"})


@rule(
    code="DEF401",
    name="unknown-section",
    summary="Unknown section name (Apptainer rejects the file)",
    family="structure",
    severity=Severity.ERROR,
    fix=Applicability.SAFE,
)
def unknown_section(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds section names Apptainer does not know, such as a misspelled `%enviroment` or
    `%labels:`, and app sections whose kind is not written in lower case
    (`%AppInstall`), and suggests the intended name.

    ## Why is this bad?
    Apptainer rejects the whole file with `invalid section(s) specified: ...`.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %enviroment
        export LC_ALL=C
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %environment
        export LC_ALL=C
    ```

    ## Fix safety
    Renaming is offered as a safe fix only when exactly one known name is close to the
    one written; app kinds are lower-cased safely. The file was rejected before, so the
    fix can only make it buildable.
    """
    doc = ctx.doc
    for sec in doc.sections:
        if sec.indent or "\t" in sec.apptainer_name.split(" ", 1)[0]:
            continue  # DEF502 / DEF504
        word = sec.written
        if known_section(sec.kind):
            if sec.is_app and word != word.lower():
                yield ctx.finding(
                    sec.name_span,
                    f"app section kinds are case-sensitive: Apptainer rejects `%{word}`; "
                    f"write `%{sec.kind}`",
                    fix=ctx.replace(sec.name_span, f"%{sec.kind}", f"rename to `%{sec.kind}`"),
                )
            continue
        if swallowed_by_script(doc, sec) is not None:
            continue  # DEF502 explains it
        stripped = sec.kind.rstrip(":;,.")
        matches = [stripped] if stripped in KNOWN_SECTIONS else suggest(stripped, KNOWN_SECTIONS)
        message = f"unknown section `%{word}`: Apptainer rejects the file"
        fix = None
        if matches:
            message += f"; did you mean `%{matches[0]}`?"
            if len(matches) == 1:
                fix = ctx.replace(sec.name_span, f"%{matches[0]}", f"rename to `%{matches[0]}`")
        yield ctx.finding(sec.name_span, message, fix=fix)


@rule(
    code="DEF402",
    name="unknown-header-key",
    summary="Unknown header key (Apptainer rejects the file)",
    family="structure",
    severity=Severity.ERROR,
    fix=Applicability.SAFE,
)
def unknown_header_key(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds header keys Apptainer does not accept, suggesting the closest valid key.

    ## Why is this bad?
    Apptainer rejects the file with `invalid header keyword found: <key>`. Metadata
    such as a maintainer belongs in `%labels`.

    ## Example
    ```singularity
    Bootstrap: docker
    Form: alpine:3.20
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    ```

    ## Fix safety
    Offered as a safe fix only when exactly one valid key is close to the one written.
    """
    for stage in ctx.doc.all_stages:
        for f in stage.header:
            if f.value is None or f.is_valid_key or f.norm.startswith("\ufeff"):
                continue
            message = f"unknown header key `{f.key}`: Apptainer rejects the file"
            fix = None
            if f.norm in _LABEL_LIKE:
                message += "; put it in `%labels` instead"
            else:
                matches = suggest(f.norm, list(CANONICAL_KEYS))
                if matches:
                    names = [canonical_key(m) for m in matches]
                    message += f"; did you mean `{names[0]}`?"
                    if len(names) == 1:
                        fix = ctx.replace(f.key_span, names[0], f"rename to `{names[0]}`")
            yield ctx.finding(f.key_span, message, fix=fix)


def _stage_anchor(stage: Stage) -> Span:
    if stage.header:
        return stage.header[0].span
    if stage.sections:
        return stage.sections[0].head_span
    return Span(stage.span.start, stage.span.start)


@rule(
    code="DEF403",
    name="missing-required-key",
    summary="The bootstrap agent needs a header key that is missing",
    family="structure",
    severity=Severity.ERROR,
)
def missing_required_key(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Checks that every stage has a `Bootstrap:` agent and the keys that agent needs:
    `From:` for image agents, `MirrorURL:` for `busybox`, `yum`/`dnf` and `zypper`,
    `MirrorURL:` and `OSVersion:` for `debootstrap`, and `OSVersion:` when a yum URL
    uses `%{OSVERSION}`.

    ## Why is this bad?
    The parser accepts the file, but the build stops with `no bootstrap specification
    found` or an agent error after you waited for the earlier stages.

    ## Example
    ```singularity
    Bootstrap: debootstrap
    MirrorURL: http://deb.debian.org/debian
    ```

    ## Use instead
    ```singularity
    Bootstrap: debootstrap
    MirrorURL: http://deb.debian.org/debian
    OSVersion: bookworm
    ```
    """
    doc = ctx.doc
    for stage in doc.stages:
        if stage.is_prelude and len(doc.stages) > 1 and not stage.sections:
            continue  # keys before `Bootstrap:` (DEF511)
        boot_field = stage.field("bootstrap")
        boot = stage.bootstrap
        if not boot:
            where = boot_field.span if boot_field is not None else _stage_anchor(stage)
            yield ctx.finding(
                where,
                "this stage has no `Bootstrap:` agent: the build stops with "
                "`no bootstrap specification found`",
            )
            continue
        agent = AGENTS.get(boot) or AGENTS.get(boot.lower())
        if agent is None or boot_field is None:
            continue
        needed = list(agent.required)
        if agent.name in ("yum", "dnf"):
            urls = f"{stage.value('mirrorurl') or ''} {stage.value('updateurl') or ''}"
            if "%{osversion}" in urls.lower():
                needed.append("osversion")
        if agent.name == "zypper" and not stage.value("product"):
            needed.append("mirrorurl")
        above = doc.all_stages[0] if stage.index == 1 and doc.all_stages[0].is_prelude else None
        for key in needed:
            if above is not None and above.value(key):
                continue  # written above `Bootstrap:` (DEF511 says so)
            if not stage.value(key):
                yield ctx.finding(
                    boot_field.span,
                    f"`Bootstrap: {boot}` needs `{canonical_key(key)}:`, which this stage "
                    "does not set",
                )


@rule(
    code="DEF404",
    name="unknown-bootstrap-agent",
    summary="Unknown bootstrap agent",
    family="structure",
    severity=Severity.ERROR,
    fix=Applicability.SAFE,
)
def unknown_bootstrap_agent(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `Bootstrap:` values that name no agent Apptainer has.

    ## Why is this bad?
    The build fails with `invalid build source <value>`.

    ## Example
    ```singularity
    Bootstrap: dokcer
    From: alpine:3.20
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    ```

    ## Fix safety
    Offered as a safe fix only when exactly one agent name is close to the one written.
    """
    text = ctx.doc.text
    for stage in ctx.doc.stages:
        f = stage.field("bootstrap")
        if f is None or not f.value or f.value in AGENTS or f.value.lower() in AGENTS:
            continue
        if "{{" in f.value:
            continue
        matches = suggest(f.value.lower(), list(AGENTS))
        message = (
            f"unknown bootstrap agent `{f.value}`: the build fails with `invalid build source`"
        )
        fix = None
        if matches:
            message += f"; did you mean `{matches[0]}`?"
            if len(matches) == 1 and f.value_span.slice(text) == f.value:
                fix = ctx.replace(f.value_span, matches[0], f"use `{matches[0]}`")
        yield ctx.finding(f.value_span, message, fix=fix)


@rule(
    code="DEF405",
    name="ignored-header-key",
    summary="Header key that the stage's bootstrap agent ignores",
    family="structure",
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
)
def ignored_header_key(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds valid header keys that the stage's agent never reads, such as `MirrorURL:`
    with `Bootstrap: docker`, `From:` with `debootstrap`, or the legacy `IncludeCmd:`.

    ## Why is this bad?
    The author expects the key to do something; Apptainer silently ignores it.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    OSVersion: 3.20
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    ```

    ## Fix safety
    Removing the line is unsafe: header keys are also recorded as image labels
    (`org.label-schema.usage.singularity.deffile.<key>`).
    """
    doc = ctx.doc
    for stage in doc.stages:
        boot = stage.bootstrap
        agent = AGENTS.get(boot or "") or AGENTS.get((boot or "").lower())
        if agent is None:
            continue
        for f in stage.header:
            if f.value is None or not f.is_valid_key or agent.uses(f.norm):
                continue
            why = (
                "`IncludeCmd` is a Singularity 2 key that no agent reads"
                if f.norm == "includecmd"
                else f"`Bootstrap: {boot}` ignores `{f.key}:`"
            )
            yield ctx.finding(
                f.key_span,
                why,
                fix=ctx.replace(
                    whole_lines(doc, f.span), "", f"remove `{f.key}:`", Applicability.UNSAFE
                ),
            )


@rule(
    code="DEF406",
    name="duplicate-stage-name",
    summary="Two stages have the same `Stage:` name",
    family="structure",
    severity=Severity.ERROR,
)
def duplicate_stage_name(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds stages that reuse another stage's name.

    ## Why is this bad?
    `%files from <name>` always copies from the first stage with that name, so the
    later one can never be referenced.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    Stage: build

    Bootstrap: docker
    From: alpine:3.20
    Stage: build
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    Stage: build

    Bootstrap: docker
    From: alpine:3.20
    Stage: final
    ```
    """
    first: dict[str, Span] = {}
    for stage in ctx.doc.stages:
        f = stage.field("stage")
        if f is None or not f.value:
            continue
        if f.value in first:
            yield ctx.finding(
                f.value_span,
                f"stage name `{f.value}` is already used by an earlier stage",
                related=(Related(first[f.value], "first stage with this name"),),
            )
        else:
            first[f.value] = f.value_span


def _files_source(sec: Section) -> tuple[str, list[str]]:
    """('host' | 'stage' | 'skipped', words) for a `%files` block (spec §4.4)."""
    cut = sec.args.split("#", 1)[0]
    if cut == "":
        return "host", []
    words = cut.split()
    if len(words) == 2:
        return "stage", words
    return "skipped", words


@rule(
    code="DEF407",
    name="files-from-unknown-stage",
    summary="`%files from` names a stage that does not exist",
    family="structure",
    severity=Severity.ERROR,
)
def files_from_unknown_stage(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Checks that `%files from <stage>` names a stage defined with `Stage: <stage>`.

    ## Why is this bad?
    The build fails with `stage <name> was not found`.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    Stage: build

    Bootstrap: docker
    From: alpine:3.20

    %files from builder
        /app /app
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    Stage: build

    Bootstrap: docker
    From: alpine:3.20

    %files from build
        /app /app
    ```
    """
    names = {s.name for s in ctx.doc.stages if s.name}
    for sec in ctx.doc.sections:
        if sec.kind != "files" or "{{" in sec.args:
            continue
        how, words = _files_source(sec)
        if how == "stage" and words[1] not in names:
            close = suggest(words[1], sorted(names), cutoff=0.6)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            yield ctx.finding(sec.args_span, f"no stage is named `{words[1]}`{hint}")


@rule(
    code="DEF408",
    name="files-from-later-stage",
    summary="`%files from` copies from this stage or a later one",
    family="structure",
    severity=Severity.WARNING,
)
def files_from_later_stage(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `%files from <stage>` where the named stage is this stage or comes later.

    ## Why is this bad?
    Stages are built in file order; Apptainer does not check the order, so the copy
    reads from a stage that has not been built yet.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    Stage: final

    %files from build
        /app /app

    Bootstrap: docker
    From: alpine:3.20
    Stage: build
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    Stage: build

    Bootstrap: docker
    From: alpine:3.20
    Stage: final

    %files from build
        /app /app
    ```
    """
    index: dict[str, int] = {}
    for s in ctx.doc.stages:
        if s.name and s.name not in index:
            index[s.name] = s.index
    for sec in ctx.doc.sections:
        if sec.kind != "files" or "{{" in sec.args:
            continue
        how, words = _files_source(sec)
        if how == "stage" and words[1] in index and index[words[1]] >= sec.stage_index:
            what = "this stage" if index[words[1]] == sec.stage_index else "a later stage"
            yield ctx.finding(
                sec.args_span,
                f"`{words[1]}` is {what}: it is not built yet when these files are copied",
            )


@rule(
    code="DEF409",
    name="files-args-skipped",
    summary="`%files` arguments that make Apptainer skip the whole block",
    family="structure",
    severity=Severity.WARNING,
)
def files_args_skipped(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `%files` lines whose arguments are neither empty nor `from <stage>`.

    ## Why is this bad?
    Apptainer copies from the host when the arguments are empty and from a stage when
    they are two words; anything else (one word, three words, only blanks) makes it
    skip the block silently: nothing is copied.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %files build
        app.py /opt/app.py
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %files
        app.py /opt/app.py
    ```
    """
    for sec in ctx.doc.sections:
        if sec.kind != "files" or "{{" in sec.args:
            continue
        how, _ = _files_source(sec)
        if how == "skipped":
            shown = sec.args if sec.args.strip() else "blanks"
            yield ctx.finding(
                sec.args_span if sec.args else sec.head_span,
                f"Apptainer skips this `%files` block (arguments `{shown}` are neither "
                "empty nor `from <stage>`): nothing is copied",
            )


@rule(
    code="DEF410",
    name="app-section-without-name",
    summary="SCIF app section without an app name",
    family="structure",
    severity=Severity.ERROR,
)
def app_section_without_name(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `%app*` sections written without the app name (`%apprun` instead of
    `%apprun myapp`).

    ## Why is this bad?
    Without a name Apptainer rejects the file (`could not be split into section name
    and app name`); with only a trailing space it creates an app named `""`.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %apprun
        exec echo hello
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %apprun hello
        exec echo hello
    ```
    """
    for sec in ctx.doc.sections:
        if sec.is_app and not sec.indent and not sec.app:
            yield ctx.finding(
                sec.head_span, f"`%{sec.written}` needs an app name: `%{sec.kind} <app>`"
            )


@rule(
    code="DEF411",
    name="empty-section",
    summary="Section without content",
    family="structure",
    severity=Severity.STYLE,
    fix=Applicability.SAFE,
)
def empty_section(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds sections with nothing in their body and no arguments.

    ## Why is this bad?
    An empty section does nothing; it is usually a leftover of a template.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %environment

    %post
        echo hello
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %post
        echo hello
    ```

    ## Fix safety
    Removing an empty standard section is safe. Removing an empty app section is unsafe:
    it may be what registers the app.
    """
    doc = ctx.doc
    for sec in doc.sections:
        if sec.indent or not known_section(sec.kind) or sec.body.strip():
            continue
        if sec.is_app:
            if not sec.app:
                continue
            applicability = Applicability.UNSAFE
        else:
            if sec.args.strip():
                continue
            applicability = Applicability.SAFE
        first = doc.sections[0] is sec and not any(s.header for s in doc.all_stages)
        if first:
            continue  # Apptainer rejects that file anyway (DEF001)
        yield ctx.finding(
            sec.head_span,
            f"`{section_label(sec)}` is empty",
            fix=ctx.replace(sec.span, "", f"remove `{section_label(sec)}`", applicability),
            tags=frozenset({"unnecessary"}),
        )


@rule(
    code="DEF412",
    name="duplicate-section",
    summary="Section repeated in one stage; Apptainer concatenates the bodies",
    family="structure",
    severity=Severity.INFO,
)
def duplicate_section(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds a section that appears more than once in a stage (for `%files`, with the same
    arguments).

    ## Why is this bad?
    Apptainer concatenates the bodies in file order, and keeps the *last non-empty*
    arguments (so `%post -c /bin/bash` followed by a plain `%post` runs both with bash).
    Readers rarely expect either; one section is clearer.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %post
        apk add curl

    %post
        apk add git
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %post
        apk add curl
        apk add git
    ```
    """
    seen: dict[tuple[int, str, str], Section] = {}
    for sec in ctx.doc.sections:
        if sec.indent or not known_section(sec.kind):
            continue
        if sec.is_app:
            if not sec.app:
                continue
            key = (sec.stage_index, sec.kind, sec.app)
        elif sec.kind == "files":
            key = (sec.stage_index, "files", sec.args)
        else:
            key = (sec.stage_index, sec.kind, "")
        if key in seen:
            yield ctx.finding(
                sec.head_span,
                f"`{section_label(sec)}` repeats an earlier one in this stage; Apptainer "
                "concatenates them",
                related=(Related(seen[key].head_span, "first occurrence"),),
            )
        else:
            seen[key] = sec
