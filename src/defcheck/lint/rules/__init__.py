"""Rule families; importing this package registers every rule.

Each module covers one family and says so in its docstring. Codes:
DEF0xx parse, DEF1xx image references, DEF2xx trust, DEF3xx root and privilege,
DEF4xx structure, DEF5xx Apptainer parser pitfalls, DEF6xx build arguments,
DEF7xx shell (our own), SC#### ShellCheck (reported under ShellCheck's own codes).
"""

from __future__ import annotations

import importlib
import pkgutil

for _mod in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_mod.name}")
