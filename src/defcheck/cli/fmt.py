"""`defcheck fmt`: format definition files in place, or check or show what would change.

defcheck fmt PATH...            rewrite files that change (atomically)
defcheck fmt --check PATH...    exit 1 and list the files that would change
defcheck fmt --diff PATH...     print a unified diff (coloured on a terminal)
defcheck fmt -                  read standard input, write the result to standard output

Exit codes: 0 nothing to do (or files rewritten), 1 `--check`/`--diff` found changes,
2 a file could not be formatted (Apptainer rejects it, the safety check failed, I/O).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from defcheck.cli.common import error, read_input
from defcheck.errors import ConfigError, DefcheckError, FormatterSafetyError, SourceError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from defcheck.format.options import FormatOptions

#: File names formatted when a directory is given.
_PATTERNS = ("*.def", "Singularity", "Singularity.*", "Apptainer", "Apptainer.*")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="defcheck fmt",
        description="Format Apptainer/Singularity definition files. Every run checks that "
        "Apptainer reads the result exactly as the original (use --fast to skip).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, directories, or - for stdin")
    p.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file would change"
    )
    p.add_argument("--diff", action="store_true", help="write nothing; print a unified diff")
    p.add_argument("--indent", metavar="N|tab", help="indentation of section bodies (default 4)")
    p.add_argument(
        "--line-ending", choices=("preserve", "lf", "crlf"), help="line endings (default preserve)"
    )
    p.add_argument(
        "--sort-sections",
        action="store_true",
        default=None,
        help="put sections in the canonical order where Apptainer's result is identical",
    )
    p.add_argument("--preview", action="store_true", default=None, help="enable preview styles")
    p.add_argument(
        "--force-partial",
        action="store_true",
        help="format the stages Apptainer accepts even if others have errors",
    )
    p.add_argument("--fast", action="store_true", help="skip the safety checks")
    p.add_argument("--config", metavar="FILE", help="read options from this configuration file")
    p.add_argument("--stdin-filename", default="<stdin>", help="name to report for -")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    return p


def _expand(paths: list[str]) -> list[str]:
    out: list[str] = []
    for raw in paths:
        p = Path(raw)
        if raw != "-" and p.is_dir():
            found: set[Path] = set()
            for pattern in _PATTERNS:
                found.update(
                    f
                    for f in p.rglob(pattern)
                    if f.is_file()
                    and not any(part.startswith(".") for part in f.parts[len(p.parts) :])
                )
            out.extend(str(f) for f in sorted(found))
        else:
            out.append(raw)
    return out


def _options(args: argparse.Namespace, path: str) -> FormatOptions:
    from dataclasses import replace

    from defcheck.format.config import load_options
    from defcheck.format.options import Preview, parse_indent

    if args.config:
        base = load_options(path=args.config)
    elif path == "-":
        base = load_options(start=Path.cwd())
    else:
        base = load_options(start=Path(path))
    changes: dict[str, object] = {}
    if args.indent is not None:
        changes["indent"] = parse_indent(args.indent)
    if args.line_ending is not None:
        changes["line_ending"] = args.line_ending
    if args.sort_sections:
        changes["sort_sections"] = True
    if args.preview:
        changes["preview"] = frozenset(Preview)
    result: FormatOptions = replace(base, **changes) if changes else base  # type: ignore[arg-type]
    return result


def _use_color(mode: str) -> bool:
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def render_diff(before: str, after: str, name: str, *, color: bool) -> str:
    """A unified diff of the change, optionally with ANSI colours."""
    import difflib

    lines = list(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"{name}\t(original)",
            f"{name}\t(formatted)",
        )
    )
    out: list[str] = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        if color:
            if line.startswith(("+++", "---")):
                line = f"\x1b[1m{line.rstrip(chr(10))}\x1b[0m\n"
            elif line.startswith("@@"):
                line = f"\x1b[36m{line.rstrip(chr(10))}\x1b[0m\n"
            elif line.startswith("+"):
                line = f"\x1b[32m{line.rstrip(chr(10))}\x1b[0m\n"
            elif line.startswith("-"):
                line = f"\x1b[31m{line.rstrip(chr(10))}\x1b[0m\n"
        out.append(line)
    return "".join(out)


def _save_failure(name: str, source: str, output: str) -> str | None:
    """Save the rejected diff for a bug report; return its path."""
    import tempfile

    try:
        fd, path = tempfile.mkstemp(prefix="defcheck-fmt-", suffix=".diff")
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(render_diff(source, output, name, color=False))
    except OSError:
        return None
    return path


def _format_one(name: str, text: str, args: argparse.Namespace, options: FormatOptions) -> str:
    from defcheck.format import format_text

    return format_text(text, options=options, force_partial=args.force_partial, safe=not args.fast)


def run(argv: list[str]) -> int:
    """Entry point of `defcheck fmt`."""
    args = _parser().parse_args(argv)
    from defcheck.format.config import clear_cache

    clear_cache()
    color = _use_color(args.color)
    changed: list[str] = []
    unchanged = 0
    failed = 0
    for path in _expand(args.paths):
        name, text = (args.stdin_filename if path == "-" else path), ""
        try:
            name, text = read_input(path, stdin_name=args.stdin_filename)
            options = _options(args, path)
            try:
                new = _format_one(name, text, args, options)
            except SourceError as exc:
                exc.path = exc.path if exc.path not in (None, "<stdin>") else name
                raise
        except ConfigError as exc:
            error(str(exc))
            return 2
        except FormatterSafetyError as exc:
            failed += 1
            output = getattr(exc, "output", "")
            saved = _save_failure(name, text, output) if output else None
            where = f" (diff saved to {saved})" if saved else ""
            sys.stderr.write(f"{name}: error: {exc}{where}\n")
            if path == "-" and not (args.check or args.diff):
                sys.stdout.write(text)
            continue
        except SourceError as exc:
            failed += 1
            error(exc)
            if path == "-" and not (args.check or args.diff):
                sys.stdout.write(text)  # an editor piping through us keeps its text
            continue
        except DefcheckError as exc:
            failed += 1
            sys.stderr.write(f"{path}: error: {exc}\n")
            continue
        if new == text:
            unchanged += 1
            if path == "-" and not (args.check or args.diff):
                sys.stdout.write(new)
            continue
        changed.append(name)
        if args.diff:
            sys.stdout.write(render_diff(text, new, name, color=color))
        if args.check:
            if not args.quiet:
                sys.stderr.write(f"would reformat {name}\n")
        elif not args.diff:
            if path == "-":
                sys.stdout.write(new)
            else:
                from defcheck.fileio import write_atomic

                try:
                    write_atomic(path, new)
                except SourceError as exc:
                    failed += 1
                    error(exc)
                    continue
    if not args.quiet:
        _summary(len(changed), unchanged, failed, check=args.check or args.diff)
    if failed:
        return 2
    return 1 if changed and (args.check or args.diff) else 0


def _summary(changed: int, unchanged: int, failed: int, *, check: bool) -> None:
    def files(n: int) -> str:
        return f"{n} file{'s' if n != 1 else ''}"

    parts: list[str] = []
    if changed:
        parts.append(f"{files(changed)} {'would be reformatted' if check else 'reformatted'}")
    if unchanged:
        parts.append(f"{files(unchanged)} {'would be left' if check else 'left'} unchanged")
    if failed:
        parts.append(f"{files(failed)} failed")
    if parts:
        sys.stderr.write(", ".join(parts) + "\n")
