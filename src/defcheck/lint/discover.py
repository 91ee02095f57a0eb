"""Find definition files: `*.def`, `Singularity`, `Singularity.*`, `Apptainer`, `Apptainer.*`.

Files named on the command line are always taken (whatever their name); directories are
walked recursively, skipping VCS, virtualenv and dependency directories.

>>> is_definition_file("Singularity.gpu"), is_definition_file("notes.txt")
(True, False)
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    }
)


def is_definition_file(name: str) -> bool:
    """True if a file name looks like a definition file."""
    if name.endswith(".def"):
        return True
    return any(name == stem or name.startswith(stem + ".") for stem in ("Singularity", "Apptainer"))


def discover(paths: Sequence[str | Path]) -> Iterator[Path]:
    """Files to lint, in a stable order; explicit files are yielded even if missing."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if is_definition_file(name):
                candidate = Path(dirpath) / name
                if candidate.is_file():
                    yield candidate
