"""`defcheck parse`: an outline of a file, our tree as JSON, or Apptainer's own view.

defcheck parse FILE                      readable outline (stages, header, sections)
defcheck parse --json FILE               the syntax tree and views as JSON (docs/cli.md)
defcheck parse --apptainer-json FILE     exactly what Apptainer's parser.All produces
defcheck parse --substituted --build-arg K=V [--build-arg-file F] FILE
                                         the file after build-argument substitution
"""

from __future__ import annotations

import sys

from defcheck.cli.common import error, error_at, read_input
from defcheck.errors import SourceError, TemplateError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from defcheck.syntax import Document


class _Namespace:
    """argparse.Namespace stand-in for the fast path (argparse itself is imported lazily)."""

    def __init__(self, **kw: object) -> None:
        self.__dict__.update(kw)


def _parser() -> argparse.ArgumentParser:
    import argparse

    p = argparse.ArgumentParser(
        prog="defcheck parse",
        description="Parse a definition file and show its structure or Apptainer's view of it.",
    )
    p.add_argument("file", help="definition file, or - for standard input")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print the syntax tree as JSON")
    mode.add_argument(
        "--apptainer-json",
        action="store_true",
        help="print the JSON Apptainer's parser.All produces (exit 1 if Apptainer rejects it)",
    )
    p.add_argument(
        "--single",
        action="store_true",
        help="with --apptainer-json: one definition, as ParseDefinitionFile (no stage split)",
    )
    p.add_argument(
        "--substituted",
        action="store_true",
        help="apply build arguments as `apptainer build` does; print the result "
        "(or its Apptainer JSON with --apptainer-json)",
    )
    p.add_argument(
        "--build-arg",
        action="append",
        default=[],
        metavar="K=V",
        help="build argument (repeatable; implies --substituted)",
    )
    p.add_argument("--build-arg-file", metavar="FILE", help="file of K=V lines")
    p.add_argument(
        "--warn-unused-build-args",
        action="store_true",
        help="warn instead of failing when a build argument is never used",
    )
    p.add_argument("--stdin-filename", default="<stdin>", help="name to report for -")
    return p


if TYPE_CHECKING:
    import argparse

_FAST_FLAGS = {"--json", "--apptainer-json", "--single"}


def _fast_args(argv: list[str]) -> argparse.Namespace | None:
    """The common invocations (`parse [--json|--apptainer-json [--single]] FILE`) without
    argparse, whose import and formatter set-up cost a third of the cold-start budget."""
    flags = [a for a in argv if a.startswith("-") and a != "-"]
    files = [a for a in argv if a not in flags]
    if len(files) != 1 or not set(flags) <= _FAST_FLAGS or len(set(flags)) != len(flags):
        return None
    if "--json" in flags and len(flags) > 1:
        return None
    if "--single" in flags and "--apptainer-json" not in flags:
        return None
    return _Namespace(  # type: ignore[return-value]
        file=files[0],
        json="--json" in flags,
        apptainer_json="--apptainer-json" in flags,
        single="--single" in flags,
        substituted=False,
        build_arg=[],
        build_arg_file=None,
        warn_unused_build_args=False,
        stdin_filename="<stdin>",
    )


def run(argv: list[str]) -> int:
    """Entry point of `defcheck parse`."""
    args = _fast_args(argv) or _parser().parse_args(argv)
    try:
        name, text = read_input(args.file, stdin_name=args.stdin_filename)
    except SourceError as exc:
        error(exc)
        return 2
    from defcheck.syntax import parse

    if args.substituted or args.build_arg or args.build_arg_file:
        return _substituted(name, text, args)
    if args.apptainer_json:
        return _apptainer_json(name, text, single=args.single)
    doc = parse(text)
    if args.json:
        from defcheck.syntax.dump import document_json

        sys.stdout.write(document_json(doc, path=name) + "\n")
        return 1 if doc.errors else 0
    from defcheck.cli.render_parse import print_outline

    print_outline(doc, name)
    return 1 if doc.errors else 0


def _report(name: str, doc: Document) -> int:
    for d in doc.errors:
        line, col = doc.lines.line_col(d.span.start)
        error_at(name, line, col, d.message)
    return 1


def _apptainer_json(name: str, text: str, *, single: bool) -> int:
    from defcheck.syntax import parse
    from defcheck.syntax.apptainer import (
        ApptainerError,
        definitions_json,
        go_json,
        parse_all,
        parse_single,
    )

    doc = parse(text, split_stages=not single)
    if single:
        one = parse_single(doc)
        if isinstance(one, ApptainerError):
            return _report(name, doc)
        sys.stdout.write(go_json(one.to_json_obj()) + "\n")
        return 0
    defs = parse_all(doc)
    if isinstance(defs, ApptainerError):
        return _report(name, doc)
    sys.stdout.write(definitions_json(defs) + "\n")
    return 0


def _substituted(name: str, text: str, args: argparse.Namespace) -> int:
    from defcheck.syntax.buildargs import SubstitutionError, read_build_args, substitute

    arg_file_text = None
    if args.build_arg_file:
        try:
            _, arg_file_text = read_input(args.build_arg_file)
        except SourceError as exc:
            error(exc)
            return 2
    try:
        cli = read_build_args(args.build_arg, arg_file_text)
        result = substitute(text, cli)
    except SubstitutionError as exc:
        exc.path = name
        error(exc)
        return 1
    except TemplateError as exc:
        error(str(exc.message))
        return 2
    if result.unused:
        names = ", ".join(result.unused)
        if not args.warn_unused_build_args:
            error(
                f"unused build args: {names}. Use option --warn-unused-build-args to "
                "continue anyway"
            )
            return 1
        sys.stderr.write(f"defcheck: warning: unused build args: {names}\n")
    if args.apptainer_json:
        from defcheck.syntax.apptainer import ApptainerError, definitions_json, parse_stage_text

        full = result.text.encode("utf-8", "surrogateescape")
        defs = []
        for stage in result.stages:
            d = parse_stage_text(stage.text)
            if isinstance(d, ApptainerError):  # pragma: no cover - substitute() checked it
                error_at(name, 1, 1, d.message)
                return 1
            d.fullraw = full
            defs.append(d)
        sys.stdout.write(definitions_json(defs) + "\n")
        return 0
    sys.stdout.write(result.text)
    return 0
