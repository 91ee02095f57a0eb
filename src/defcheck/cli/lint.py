"""`defcheck lint`, `defcheck rule CODE` and `defcheck rules`.

Exit codes: 0 clean, 1 findings at or above the failure threshold (or, with `--diff`,
fixes to apply), 2 error (unreadable file, invalid configuration, bad usage).
"""

from __future__ import annotations

import os
import sys

from defcheck.errors import ConfigError, SourceError
from defcheck.syntax import parse

# Start-up time matters here (pre-commit and editors run `defcheck lint FILE` constantly):
# no dataclasses, pathlib or typing at run time; argparse, json, rich and difflib are
# imported only by the options that need them. The linter itself (`defcheck.lint`) is
# imported once ShellCheck is running (`run`).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from pathlib import Path
    from typing import TextIO

    from defcheck.lint.config import LintConfig
    from defcheck.lint.engine import FileResult
    from defcheck.lint.model import Finding

    #: An input as read: name, text, read error, where its configuration is looked for.
    _Input = tuple[str, str | None, SourceError | None, str | Path]

OUTPUT_FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")

#: The value of every option when it is not given (shared by the parser and the fast path).
_DEFAULTS: dict[str, object] = {
    "format": "text",
    "fix": False,
    "unsafe_fixes": False,
    "diff": False,
    "select": None,
    "extend_select": None,
    "ignore": None,
    "config": None,
    "stdin_filename": None,
    "no_shellcheck": False,
    "fail_on": None,
    "output": None,
}


def _parse_args(argv: list[str]) -> argparse.Namespace:
    """The parsed command line.

    `defcheck lint FILE...` without options (what pre-commit and editors run) skips
    argparse: importing and building it (with the shutil, gettext and locale it pulls
    in) costs more than linting a typical file. Anything starting with `-` goes through
    argparse, so errors, `--help` and `-` behave exactly as before.
    """
    if not any(arg.startswith("-") for arg in argv):
        from types import SimpleNamespace

        namespace: argparse.Namespace = SimpleNamespace(paths=list(argv), **_DEFAULTS)  # type: ignore[assignment]
        return namespace
    return _parser().parse_args(argv)


def _parser() -> argparse.ArgumentParser:
    import argparse

    from defcheck.lint.model import Severity

    p = argparse.ArgumentParser(
        prog="defcheck lint",
        description="Lint Apptainer/Singularity definition files.",
        epilog="Directories are searched for *.def, Singularity[.*] and Apptainer[.*]; "
        "`-` reads standard input. Exit codes: 0 clean, 1 findings, 2 error.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    p.add_argument("--format", choices=OUTPUT_FORMATS, default="text", help="output format")
    p.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    p.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes")
    p.add_argument("--diff", action="store_true", help="show the fixes as a diff; write nothing")
    p.add_argument("--select", help="comma-separated codes/prefixes to check (replaces config)")
    p.add_argument("--extend-select", help="comma-separated codes/prefixes to add")
    p.add_argument("--ignore", help="comma-separated codes/prefixes to skip (added to config)")
    p.add_argument("--config", metavar="FILE", help="use this pyproject.toml / .defcheck.toml")
    p.add_argument("--stdin-filename", metavar="NAME", help="file name to use for `-`")
    p.add_argument("--no-shellcheck", action="store_true", help="do not run ShellCheck")
    p.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        help="exit 1 on findings at or above this severity (default: config, else info)",
    )
    p.add_argument("--output", metavar="FILE", help="write the report to FILE")
    p.set_defaults(**_DEFAULTS)
    return p


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(c.strip() for c in value.split(",") if c.strip())


def _apply_cli(config: LintConfig, args: argparse.Namespace) -> LintConfig:
    from defcheck.lint.model import Severity

    changes: dict[str, object] = {}
    select = _codes(args.select)
    if select is not None:
        changes["select"] = select
    extend = _codes(args.extend_select)
    if extend:
        changes["extend_select"] = config.extend_select + extend
    ignore = _codes(args.ignore)
    if ignore:
        changes["ignore"] = config.ignore + ignore
    if args.fail_on:
        changes["fail_on"] = Severity(args.fail_on)
    return config.replace(**changes) if changes else config


def _with_findings(
    res: FileResult, findings: tuple[Finding, ...], text: str | None = None
) -> FileResult:
    """`res` with other findings (and text)."""
    from defcheck.lint.engine import FileResult

    new_text = res.text if text is None else text
    return FileResult(res.path, new_text, findings, res.error, res.config)


def _read_error(path: str, exc: SourceError) -> str:
    return f"{path}:{exc.line or 1}:{exc.column or 1}: error: {exc.message}"


def run(argv: list[str]) -> int:
    """`defcheck lint PATH...`"""
    args = _parse_args(argv)
    paths = args.paths or ["."]
    shellcheck = not args.no_shellcheck
    fixing = args.fix or args.unsafe_fixes or args.diff
    read = _read(paths, args)
    # (`--fix` parses each file again after each round of fixes, `fix_text`)
    docs = [None if text is None or fixing else parse(text) for _, text, _, _ in read]
    started = None
    if shellcheck and not fixing:
        # ShellCheck is the longest part of linting a small file: it starts on the bodies
        # now, and runs while the linter is imported, configured and run.
        from defcheck.shell.section import start_checking

        started = start_checking([d for d in docs if d is not None])
    from defcheck.lint.config import LintConfig, clear_cache, load_config
    from defcheck.lint.engine import failing, lint_documents

    clear_cache()
    try:
        fixed_config = load_config(args.config) if args.config else None
        inputs = _configure(read, args, fixed_config)
    except ConfigError as exc:
        if started is not None:
            started.discard()
        sys.stderr.write(f"defcheck: error: {exc}\n")
        return 2
    status = 0
    for res in inputs:
        if res.error is not None:
            sys.stderr.write(_read_error(res.path, res.error) + "\n")
            status = 2
    good = [(r, d) for r, d in zip(inputs, docs, strict=True) if r.text is not None]
    fixed = 0
    changed = False
    if fixing:
        results, fixed, changed, write_failed = _fix([r for r, _ in good], args, shellcheck)
        if write_failed:
            status = 2
    else:
        items = []
        for r, d in good:
            assert d is not None  # parsed above: not fixing, text read
            items.append((d, r.path, r.config or LintConfig()))
        linted = lint_documents(items, shellcheck=shellcheck, started=started)
        results = [_with_findings(r, tuple(f)) for (r, _), f in zip(good, linted, strict=True)]
    all_results = results + [r for r in inputs if r.error is not None]
    _report(all_results, args, fixed)
    if status:
        return status
    if args.diff and changed:
        return 1
    for res in results:
        threshold = (res.config or LintConfig()).fail_on
        if failing(res.findings, threshold):
            return 1
    return 0


def _read(paths: list[str], args: argparse.Namespace) -> list[_Input]:
    """Each input, read (files found in directories, `-` for standard input)."""
    from defcheck.fileio import decode_source, read_source, read_stdin
    from defcheck.lint.discover import discover_names

    out: list[_Input] = []
    for raw in paths:
        if raw == "-":
            from pathlib import Path

            name = args.stdin_filename or "<stdin>"
            start = Path(args.stdin_filename).parent if args.stdin_filename else Path.cwd()
            try:
                data = read_stdin().encode("utf-8", "surrogateescape")
                out.append((name, decode_source(data, path=name), None, start.resolve()))
            except SourceError as exc:
                out.append((name, None, exc, start.resolve()))
            continue
        for file in discover_names([raw]):
            try:
                out.append((file, read_source(file), None, file))
            except SourceError as exc:
                out.append((file, None, exc, file))
    return out


def _configure(
    read: list[_Input], args: argparse.Namespace, fixed_config: LintConfig | None
) -> list[FileResult]:
    """The inputs with their configuration (`ConfigError` for an invalid one)."""
    from defcheck.lint.config import load_config
    from defcheck.lint.engine import FileResult

    return [
        FileResult(
            name,
            text,
            error=error,
            config=_apply_cli(fixed_config or load_config(start=start), args),
        )
        for name, text, error, start in read
    ]


def _fix(
    inputs: list[FileResult], args: argparse.Namespace, shellcheck: bool
) -> tuple[list[FileResult], int, bool, bool]:
    import difflib

    from defcheck.fileio import write_atomic
    from defcheck.lint.fixes import fix_text

    results: list[FileResult] = []
    fixed = 0
    changed = False
    write_failed = False
    for res in inputs:
        text = res.text or ""
        is_stdin = "-" in args.paths and res.path == (args.stdin_filename or "<stdin>")
        outcome = fix_text(
            text, path=res.path, config=res.config, unsafe=args.unsafe_fixes, shellcheck=shellcheck
        )
        if outcome.text != text:
            changed = True
            fixed += outcome.applied
            if args.diff:
                diff = difflib.unified_diff(
                    text.splitlines(keepends=True),
                    outcome.text.splitlines(keepends=True),
                    fromfile=f"a/{res.path}",
                    tofile=f"b/{res.path}",
                )
                sys.stdout.write("".join(diff))
            elif not is_stdin:
                try:
                    write_atomic(res.path, outcome.text)
                except SourceError as exc:
                    sys.stderr.write(_read_error(res.path, exc) + "\n")
                    write_failed = True
        if is_stdin and not args.diff:
            sys.stdout.write(outcome.text)
        results.append(_with_findings(res, outcome.findings, outcome.text))
    return results, fixed, changed, write_failed


def _report(results: list[FileResult], args: argparse.Namespace, fixed: int) -> None:
    stdin_fix = (args.fix or args.unsafe_fixes) and "-" in (args.paths or [])
    if args.format == "text":
        from defcheck.cli.render_lint import print_text, render_text

        lines = render_text(results, fixed=fixed)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                print_text(lines, color=False, stream=fh)
            return
        stream: TextIO = sys.stderr if (stdin_fix or args.diff) else sys.stdout
        print_text(lines, color=_use_color(stream), stream=stream)
        return
    from defcheck.lint.report import render

    report = render(args.format, results)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(report)
    else:
        (sys.stderr if stdin_fix else sys.stdout).write(report)


def _use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# -- defcheck rule / rules ----------------------------------------------------------------


def run_rule(argv: list[str]) -> int:
    """`defcheck rule CODE`: print a rule's documentation."""
    import argparse

    p = argparse.ArgumentParser(prog="defcheck rule", description="Explain a lint rule.")
    p.add_argument("code", help="rule code (DEF401), name (unknown-section) or SC code")
    p.add_argument("--format", choices=("text", "json"), default="text")
    args = p.parse_args(argv)
    from defcheck.lint.registry import get_rule

    code = args.code.strip()
    if code.upper().startswith("SC") and code[2:].isdigit():
        url = f"https://www.shellcheck.net/wiki/{code.upper()}"
        sys.stdout.write(f"{code.upper()} is a ShellCheck check; see {url}\n")
        return 0
    found = get_rule(code) or get_rule(code.upper())
    if found is None:
        sys.stderr.write(f"defcheck: error: no rule {code!r}; `defcheck rules` lists them\n")
        return 2
    meta = found.meta
    if args.format == "json":
        import json

        data = {
            "code": meta.code,
            "name": meta.name,
            "summary": meta.summary,
            "severity": meta.severity.value,
            "family": meta.family,
            "fix": meta.fix.value if meta.fix else None,
            "default_enabled": meta.default_enabled,
            "options": {k: list(v) if isinstance(v, tuple) else v for k, v in meta.options.items()},
            "explanation": meta.explanation,
            "url": meta.url,
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return 0
    from defcheck.dev.docs import rule_markdown

    sys.stdout.write(rule_markdown(meta))
    return 0


def run_rules(argv: list[str]) -> int:
    """`defcheck rules`: list every rule."""
    import argparse

    p = argparse.ArgumentParser(prog="defcheck rules", description="List the lint rules.")
    p.add_argument("--format", choices=("text", "json"), default="text")
    args = p.parse_args(argv)
    from defcheck.lint.registry import all_rules

    metas = [r.meta for r in all_rules()]
    if args.format == "json":
        import json

        rows = [
            {
                "code": m.code,
                "name": m.name,
                "severity": m.severity.value,
                "fix": m.fix.value if m.fix else None,
                "default_enabled": m.default_enabled,
                "summary": m.summary,
            }
            for m in metas
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    name_w = max(len(m.name) for m in metas)
    sys.stdout.write(f"{'CODE':<7} {'NAME':<{name_w}} {'SEVERITY':<8} {'FIX':<7} SUMMARY\n")
    for m in metas:
        fix = m.fix.value if m.fix else "-"
        off = "" if m.default_enabled else " (off by default)"
        sys.stdout.write(
            f"{m.code:<7} {m.name:<{name_w}} {m.severity.value:<8} {fix:<7} {m.summary}{off}\n"
        )
    sys.stdout.write("ShellCheck findings use ShellCheck's codes (SC1000-SC9999).\n")
    return 0
