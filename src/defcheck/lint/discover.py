"""Find definition files: `*.def`, `Singularity`, `Singularity.*`, `Apptainer`, `Apptainer.*`.

Files named on the command line are always taken (whatever their name); directories are
walked recursively, skipping VCS, virtualenv and dependency directories.

>>> is_definition_file("Singularity.gpu"), is_definition_file("notes.txt")
(True, False)
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
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
    from pathlib import Path

    for name in discover_names(paths):
        yield Path(name)


def discover_names(paths: Sequence[str | os.PathLike[str]]) -> Iterator[str]:
    """`discover`, yielding `str(path)` for each path (without importing `pathlib`,
    which costs start-up time; `defcheck lint` uses this)."""
    for raw in paths:
        name = _normalise(os.fspath(raw))
        if os.path.isdir(name):
            yield from _walk(name)
        else:
            yield name


def _walk(root: str) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if is_definition_file(name):
                candidate = _normalise(os.path.join(dirpath, name))
                if os.path.isfile(candidate):
                    yield candidate


def _normalise(path: str) -> str:
    """`str(Path(path))`: `.` parts, repeated and trailing separators dropped."""
    if os.name == "nt":  # pragma: no cover - drives and UNC roots: let pathlib do it
        from pathlib import Path

        return str(Path(path))
    root = ""
    if path.startswith("/"):
        # POSIX keeps exactly two leading slashes (implementation-defined root).
        root = "//" if path.startswith("//") and not path.startswith("///") else "/"
    parts = [part for part in path.split("/") if part and part != "."]
    return root + "/".join(parts) or "."
