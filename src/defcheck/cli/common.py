"""Small helpers shared by the commands: reading inputs and reporting errors."""

from __future__ import annotations

import sys

from defcheck.errors import SourceError
from defcheck.fileio import decode_source, read_source, read_stdin


def read_input(path: str, *, stdin_name: str = "<stdin>") -> tuple[str, str]:
    """(display name, text) of a path or `-` for standard input; raises SourceError."""
    if path == "-":
        data = read_stdin().encode("utf-8", "surrogateescape")
        return stdin_name, decode_source(data, path=stdin_name)
    return path, read_source(path)


def error(exc: SourceError | str, *, prog: str = "defcheck") -> None:
    """Print one error line (`file:line:col: error: message`) to standard error."""
    if isinstance(exc, SourceError):
        sys.stderr.write(f"{exc}\n")
    else:
        sys.stderr.write(f"{prog}: error: {exc}\n")


def error_at(path: str, line: int, column: int, message: str) -> None:
    """Print `path:line:col: error: message` to standard error."""
    sys.stderr.write(f"{path}:{line}:{column}: error: {message}\n")
