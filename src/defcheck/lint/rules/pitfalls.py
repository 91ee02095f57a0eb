"""Apptainer parser pitfalls (DEF5xx): files Apptainer reads differently than people do.

Each rule is a place where the text looks like one thing and Apptainer's parser (spec
§2-§6) reads another: `#` in header values, `%` and `bootstrap:` lines inside scripts,
tabs after section names, `%labels KEY=value`, quotes and comments in `%files`, dropped
header continuations, the 64 KiB token limit, a BOM, keys before `Bootstrap:`.
"""

from __future__ import annotations

from collections.abc import Iterator

from defcheck.lint.agents import AGENTS
from defcheck.lint.context import RuleContext
from defcheck.lint.model import Applicability, Finding, Severity
from defcheck.lint.registry import rule
from defcheck.lint.rules._helpers import (
    newline_of,
    section_label,
    swallowed_by_script,
    unterminated_heredoc,
    whole_lines,
)
from defcheck.syntax import Edit, Span
from defcheck.syntax.lexer import is_stage_line


@rule(
    code="DEF501",
    name="hash-in-header-value",
    summary="`#` inside a header value cuts the value",
    family="pitfalls",
    severity=Severity.WARNING,
)
def hash_in_header_value(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds a `#` written directly inside a header value, such as a URL fragment.

    ## Why is this bad?
    In the header everything from the first `#` on is a comment, even inside a URL:
    `MirrorURL: http://host/x#frag` is read as `http://host/x`.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine#3.20
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20  # a comment after a blank is fine
    ```
    """
    text = ctx.doc.text
    for stage in ctx.doc.all_stages:
        for f in stage.header:
            if f.value is None or f.comment_span is None:
                continue
            at = f.comment_span.start
            if at > 0 and text[at - 1] not in " \t" and at > f.key_span.end:
                yield ctx.finding(
                    Span(at, at + 1),
                    f"`#` starts a comment here: Apptainer reads `{f.key}` as "
                    f"`{f.value}` and drops `{f.comment}`",
                )


@rule(
    code="DEF502",
    name="percent-line-in-script",
    summary="A script line starting with `%` ends the section",
    family="pitfalls",
    severity=Severity.ERROR,
)
def percent_line_in_script(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds lines inside a script (often a heredoc or a `printf` format) whose first
    non-blank character is `%`, and indented section lines.

    ## Why is this bad?
    Any line whose first word starts with `%` starts a new section, even indented and
    even inside a heredoc; there is no escape. Apptainer then rejects the file
    (`invalid section(s) specified`) or, worse, runs a truncated script.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %post
        printf '%s\\n' \\
        %s
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %post
        printf '%s\\n' hello
    ```
    """
    doc = ctx.doc
    for sec in doc.sections:
        owner = swallowed_by_script(doc, sec)
        if owner is not None:
            yield ctx.finding(
                sec.head_span,
                f"this line starts with `%`, so it ends `{section_label(owner)}` and starts "
                "a new section; Apptainer rejects the file. Move the text so that `%` is "
                "not the first character of the line",
            )
        elif sec.indent:
            rejected = any(
                d.code == "DEF001" and sec.head_span.start <= d.span.start <= sec.head_span.end
                for d in doc.diagnostics
            )
            if rejected:
                yield ctx.finding(
                    sec.head_span,
                    "indented section line: Apptainer only accepts a section line indented "
                    "as the very first line of a file; it rejects this one",
                )


@rule(
    code="DEF503",
    name="bootstrap-line-in-script",
    summary="A `bootstrap:` line inside a script starts a new stage",
    family="pitfalls",
    severity=Severity.ERROR,
)
def bootstrap_line_in_script(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds lines at column 0 beginning with `bootstrap:` that are really part of a
    script or heredoc.

    ## Why is this bad?
    Apptainer splits stages textually before every line starting with `bootstrap:`
    (any case), even inside a heredoc: the script is cut short and the rest becomes a
    broken stage.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %post
        cat > /etc/app.yaml <<EOF
    bootstrap: true
    EOF
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %post
        cat > /etc/app.yaml <<EOF
      bootstrap: true
    EOF
    ```
    """
    doc = ctx.doc
    for stage in doc.all_stages[1:]:
        if stage.is_prelude:
            continue
        prev = doc.all_stages[stage.index - 1]
        if not prev.sections or not stage.header:
            continue
        last = prev.sections[-1]
        if not last.is_script:
            continue
        boot = stage.bootstrap or ""
        heredoc = unterminated_heredoc(last.body)
        if heredoc is None and (boot in AGENTS or boot.lower() in AGENTS):
            continue
        where = f"the here-document `{heredoc}` in " if heredoc else ""
        yield ctx.finding(
            stage.header[0].span,
            f"this `bootstrap:` line at column 0 is inside {where}`{section_label(last)}`, "
            "but Apptainer starts a new stage here; indent it",
        )


@rule(
    code="DEF504",
    name="tab-after-section-name",
    summary="Tab after a section name (Apptainer rejects the section)",
    family="pitfalls",
    severity=Severity.ERROR,
    fix=Applicability.SAFE,
)
def tab_after_section_name(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds section lines where a tab follows the name (`%post<TAB>-c /bin/bash`).

    ## Why is this bad?
    Only an ASCII space separates the name from its arguments: Apptainer reads the
    name as `post\\t-c` and rejects the file.

    ## Example
    `%post` followed by a tab and `-c /bin/bash` (a tab cannot be shown here).

    ## Use instead
    `%post -c /bin/bash`, with one space.

    ## Fix safety
    Replacing the blanks by one space is safe: the file was rejected before.
    """
    text = ctx.doc.text
    for sec in ctx.doc.sections:
        if sec.indent or "\t" not in sec.apptainer_name.split(" ", 1)[0]:
            continue
        start = sec.name_span.end
        end = start
        while end < sec.head_span.end and text[end] in " \t":
            end += 1
        replacement = "" if end == sec.head_span.end else " "
        yield ctx.finding(
            Span(start, end),
            f"a tab after `%{sec.kind}` is not a separator: Apptainer reads the section "
            f"name as `{sec.apptainer_name.split(' ', 1)[0]!r}` and rejects the file",
            fix=ctx.replace(Span(start, end), replacement, "use a space"),
        )


@rule(
    code="DEF505",
    name="label-key-separator",
    summary="`%labels` line not written `KEY value`",
    family="pitfalls",
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
)
def label_key_separator(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `%labels` lines written `KEY=value`, `KEY: value` or with a tab between key and
    value.

    ## Why is this bad?
    Apptainer splits a label line at the first ASCII space only: `VERSION=1.0` sets a
    label named `VERSION=1.0` with an empty value, `Author: me` a label named `Author:`.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %labels
        VERSION=1.0
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %labels
        VERSION 1.0
    ```

    ## Fix safety
    Unsafe: it changes the label names and values stored in the image.
    """
    for sec in ctx.doc.sections:
        if sec.kind not in ("labels", "applabels") or sec.indent:
            continue
        for lab in sec.labels():
            key = lab.key
            start = lab.key_span.start
            if "=" in key and key.index("=") > 0:
                i = key.index("=")
                yield ctx.finding(
                    lab.key_span,
                    f"labels are `KEY value`: this sets a label named `{key}`"
                    + (f" to `{lab.value}`" if lab.value else " with an empty value"),
                    fix=ctx.replace(
                        Span(start + i, start + i + 1), " ", "split at `=`", Applicability.UNSAFE
                    ),
                )
            elif "\t" in key:
                i = key.index("\t")
                yield ctx.finding(
                    lab.key_span,
                    f"a tab does not separate a label key from its value: the key is `{key}`",
                    fix=ctx.replace(
                        Span(start + i, start + i + 1), " ", "use a space", Applicability.UNSAFE
                    ),
                )
            elif key.endswith(":") and len(key) > 1:
                yield ctx.finding(
                    lab.key_span,
                    f"labels are `KEY value`: the label name is `{key}` with the colon",
                    fix=ctx.replace(
                        Span(lab.key_span.end - 1, lab.key_span.end),
                        "",
                        "remove the colon",
                        Applicability.UNSAFE,
                    ),
                )


@rule(
    code="DEF506",
    name="files-single-quotes",
    summary="Single quotes in `%files` are not quotes",
    family="pitfalls",
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
)
def files_single_quotes(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `%files` lines using single quotes around paths.

    ## Why is this bad?
    `%files` understands double quotes only. `'my file' /opt` is read as the source
    `'my` and the destination `file'`.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %files
        'my file.txt' /opt/
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %files
        "my file.txt" /opt/
    ```

    ## Fix safety
    Unsafe: it changes which files are copied.
    """
    text = ctx.doc.text
    for sec in ctx.doc.sections:
        if sec.kind != "files" or sec.indent:
            continue
        for entry in sec.files_entries():
            line = entry.span.slice(text)
            if "'" not in "".join(entry.raw_tokens[:2]):
                continue
            fix = None
            if '"' not in line and line.count("'") % 2 == 0:
                fix = ctx.replace(
                    entry.span, line.replace("'", '"'), "use double quotes", Applicability.UNSAFE
                )
            yield ctx.finding(
                entry.span,
                f"`%files` does not understand single quotes: Apptainer copies "
                f"`{entry.src}` to `{entry.dst or entry.src}`",
                fix=fix,
            )


@rule(
    code="DEF507",
    name="files-trailing-comment",
    summary="`src #comment` in `%files`: the comment is the destination",
    family="pitfalls",
    severity=Severity.WARNING,
    fix=Applicability.UNSAFE,
)
def files_trailing_comment(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `%files` lines with only a source followed by a `#` comment.

    ## Why is this bad?
    `%files` does not strip trailing comments: in `app.py # main program` the
    destination is `#`, and Apptainer copies `app.py` to a file named `#`.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %files
        app.py #the program
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    %files
        # the program
        app.py
    ```

    ## Fix safety
    Unsafe: moving the comment to its own line changes the destination.
    """
    doc = ctx.doc
    text = doc.text
    nl = newline_of(doc)
    for sec in doc.sections:
        if sec.kind != "files" or sec.indent:
            continue
        for entry in sec.files_entries():
            if entry.dst_span is None or not entry.dst.startswith("#"):
                continue
            cut = entry.src_span.end
            comment = text[entry.dst_span.start : entry.span.end]
            line_start = doc.lines.line_start(doc.lines.line_of(entry.span.start))
            indent = text[line_start : entry.span.start]
            edits = [
                Edit(Span(line_start, line_start), f"{indent}{comment}{nl}"),
                Edit(Span(cut, entry.span.end), ""),
            ]
            yield ctx.finding(
                entry.dst_span,
                f"`%files` has no trailing comments: `{entry.dst}` is read as the "
                f"destination of `{entry.src}`",
                fix=ctx.edits(edits, "move the comment to its own line", Applicability.UNSAFE),
            )


@rule(
    code="DEF508",
    name="header-continuation-dropped",
    summary="Header value ends with `\\` but nothing continues it",
    family="pitfalls",
    severity=Severity.ERROR,
    fix=Applicability.UNSAFE,
)
def header_continuation_dropped(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds header values ending with a continuation backslash at the end of the header,
    or followed by a blank or comment line.

    ## Why is this bad?
    At the end of the header Apptainer silently drops the key (so `From:` disappears);
    before a blank or comment line its parser crashes.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20 \\

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
    Unsafe: removing the backslash makes the key exist where Apptainer dropped it.
    """
    text = ctx.doc.text
    for stage in ctx.doc.all_stages:
        for f in stage.header:
            if not f.pending_at_end:
                continue
            later = [k for k, s in stage.header_items if s.start >= f.span.end]
            crash = any(k != "BLANK_LINE" for k in later)
            last_line = f.lines[-1]
            raw = last_line.slice(text).split("#", 1)[0].rstrip(" \t")
            fix = None
            if raw.endswith("\\") and not crash:
                at = last_line.start + len(raw) - 1
                fix = ctx.replace(
                    Span(at, at + 1), "", "remove the backslash", Applicability.UNSAFE
                )
            message = (
                f"`{f.key}` continues (`\\`) into a blank or comment line: Apptainer's "
                "parser crashes"
                if crash
                else f"`{f.key}` ends with `\\` at the end of the header: Apptainer drops "
                "the key silently"
            )
            yield ctx.finding(last_line, message, fix=fix)


#: bufio.Scanner's default buffer (spec §2.4).
TOKEN_LIMIT = 65536


@rule(
    code="DEF509",
    name="section-too-large",
    summary="Section over Apptainer's 64 KiB limit",
    family="pitfalls",
    severity=Severity.ERROR,
)
def section_too_large(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds sections (and headers) larger than Apptainer's 64 KiB token buffer.

    ## Why is this bad?
    Apptainer fails with `bufio.Scanner: token too long`. A section, together with
    the next section line, must fit in 65,536 bytes.

    ## Example
    A `%post` with 70,000 bytes of inline data.

    ## Use instead
    Copy large data with `%files` or download it in `%post`.
    """
    doc = ctx.doc
    sections = doc.sections
    for i, sec in enumerate(sections):
        size = len(sec.span.slice(doc.text).encode("utf-8", "surrogateescape"))
        if i + 1 < len(sections):
            nxt = sections[i + 1]
            size += len(doc.text[nxt.head_span.start : nxt.line_end].encode("utf-8", "replace"))
            over = size > TOKEN_LIMIT
        else:
            over = size > TOKEN_LIMIT - 1
        if over:
            yield ctx.finding(
                sec.head_span,
                f"`{section_label(sec)}` is {size} bytes: over Apptainer's 64 KiB limit "
                "(`bufio.Scanner: token too long`); move data to `%files`",
            )


@rule(
    code="DEF510",
    name="byte-order-mark",
    summary="File starts with a byte-order mark",
    family="pitfalls",
    severity=Severity.ERROR,
    fix=Applicability.SAFE,
)
def byte_order_mark(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds a UTF-8 byte-order mark (BOM) at the start of the file.

    ## Why is this bad?
    Apptainer treats the BOM as part of the first key (`\\ufeffbootstrap`), so the file
    is rejected, and the first `Bootstrap:` line does not start a stage.

    ## Example
    A file saved as "UTF-8 with BOM" by an editor.

    ## Use instead
    Save the file as UTF-8 without BOM.

    ## Fix safety
    Removing the BOM is safe.
    """
    if ctx.doc.text.startswith("\ufeff"):
        yield ctx.finding(
            Span(0, 1),
            "byte-order mark at the start of the file: Apptainer rejects it",
            fix=ctx.replace(Span(0, 1), "", "remove the byte-order mark"),
        )


@rule(
    code="DEF511",
    name="key-before-bootstrap",
    summary="Header key before `Bootstrap:`",
    family="pitfalls",
    severity=Severity.ERROR,
    fix=Applicability.UNSAFE,
)
def key_before_bootstrap(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds header keys written before the first `Bootstrap:` line.

    ## Why is this bad?
    Apptainer splits stages at `Bootstrap:` lines: keys above the first one form a
    stage of their own, without an agent, and the build fails with `no bootstrap
    specification found`; the real stage does not get those keys.

    ## Example
    ```singularity
    From: alpine:3.20
    Bootstrap: docker
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    ```

    ## Fix safety
    Unsafe: moving the keys below `Bootstrap:` changes what the stage reads.
    """
    doc = ctx.doc
    stages = doc.all_stages
    if len(stages) < 2 or not stages[0].is_prelude:
        return
    prelude, target = stages[0], stages[1]
    if not any(f.value is not None for f in prelude.header):
        return  # only lines without `:` (DEF001 reports them)
    fix = None
    boot = target.field("bootstrap")
    movable = all(f.value is not None for f in prelude.header)
    if movable and not prelude.sections and boot is not None and target.header[0] is boot:
        spans = [whole_lines(doc, f.span) for f in prelude.header]
        moved = "".join(s.slice(doc.text) for s in spans)
        if not moved.endswith("\n"):
            moved += newline_of(doc)
        after = whole_lines(doc, boot.span).end
        if doc.text[:after].endswith("\n"):
            edits = [Edit(s, "") for s in spans]
            edits.append(Edit(Span(after, after), moved))
            fix = ctx.edits(edits, "move the keys below `Bootstrap:`", Applicability.UNSAFE)
    first = next(f for f in prelude.header if f.value is not None)
    yield ctx.finding(
        first.span,
        f"`{first.key}:` comes before `Bootstrap:`: Apptainer makes a separate stage "
        "without an agent of it",
        fix=fix,
    )


@rule(
    code="DEF512",
    name="bootstrap-not-at-line-start",
    summary="`Bootstrap :` or an indented `Bootstrap:` does not start a stage",
    family="pitfalls",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
)
def bootstrap_not_at_line_start(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds `Bootstrap` keys written with blanks before the colon or before the key.

    ## Why is this bad?
    Apptainer's header parser accepts them, but its stage splitter only recognises
    `bootstrap:` at the very start of a line: in a multi-stage file this stage is
    glued to the previous one.

    ## Example
    ```singularity
    Bootstrap : docker
    From: alpine:3.20
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    ```

    ## Fix safety
    Safe when it is the only `Bootstrap` of the file and its first header key; otherwise
    unsafe, because the file is then split into stages differently.
    """
    doc = ctx.doc
    text = doc.text
    boots = [(st, f) for st in doc.all_stages for f in st.header if f.norm == "bootstrap"]
    for stage, f in boots:
        line_start = doc.lines.line_start(doc.lines.line_of(f.key_span.start))
        if is_stage_line(text, line_start):
            continue
        colon = text.find(":", f.key_span.end)
        if colon < 0:
            continue
        safe = len(boots) == 1 and stage.header[0] is f
        yield ctx.finding(
            Span(line_start, colon + 1),
            "Apptainer starts a stage only at `Bootstrap:` written at the start of a line "
            "with no blank before the colon",
            fix=ctx.replace(
                Span(line_start, colon + 1),
                "Bootstrap:",
                "write `Bootstrap:`",
                Applicability.SAFE if safe else Applicability.UNSAFE,
            ),
        )


@rule(
    code="DEF513",
    name="bootstrap-agent-case",
    summary="Bootstrap agent not written in lower case",
    family="pitfalls",
    severity=Severity.ERROR,
    fix=Applicability.SAFE,
)
def bootstrap_agent_case(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Finds agents such as `Docker` or `DEBOOTSTRAP`.

    ## Why is this bad?
    Keys are case-insensitive, but the agent value is matched case-sensitively: the
    build fails with `invalid build source Docker`.

    ## Example
    ```singularity
    Bootstrap: Docker
    From: alpine:3.20
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine:3.20
    ```

    ## Fix safety
    Lower-casing the agent is safe.
    """
    text = ctx.doc.text
    for stage in ctx.doc.all_stages:
        f = stage.field("bootstrap")
        if f is None or not f.value or f.value in AGENTS or f.value.lower() not in AGENTS:
            continue
        fix = None
        if f.value_span.slice(text) == f.value:
            fix = ctx.replace(f.value_span, f.value.lower(), f"write `{f.value.lower()}`")
        yield ctx.finding(
            f.value_span,
            f"agents are case-sensitive: the build fails with `invalid build source "
            f"{f.value}`; write `{f.value.lower()}`",
            fix=fix,
        )
