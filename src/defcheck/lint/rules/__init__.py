"""Rule families; importing this package registers every rule.

Each module covers one family and says so in its docstring. Codes:
DEF0xx parse, DEF1xx image references, DEF2xx trust, DEF3xx root and privilege,
DEF4xx structure, DEF5xx Apptainer parser pitfalls, DEF6xx build arguments,
DEF7xx shell (our own), SC#### ShellCheck (reported under ShellCheck's own codes).
"""

from __future__ import annotations

import os


def _family_modules() -> list[str]:
    """Every module in this package, sorted by name (as `pkgutil.iter_modules` lists
    them; listed directly because pkgutil costs start-up time): a new `rules/*.py`
    family is picked up without any registration."""
    names: set[str] = set()
    for folder in __path__:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if entry.endswith(".py") and entry != "__init__.py":
                names.add(entry[:-3])
            elif os.path.isfile(os.path.join(folder, entry, "__init__.py")):
                names.add(entry)
    return sorted(n for n in names if n.isidentifier())


for _name in _family_modules():
    __import__(f"{__name__}.{_name}")  # (importlib.import_module: importlib costs start-up)
