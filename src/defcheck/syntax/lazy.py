"""Work deferred to first use: regular expressions and package exports.

`defcheck lint` and `defcheck parse` start constantly (pre-commit, editors): modules on
their start-up path define patterns and re-export names at module level, and compiling
or importing them all costs more than a typical run needs. This module imports nothing
itself (not even `re`) until a pattern is first used.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Callable


class _LazyPattern:
    """A regular expression compiled on first use (see `lazy_compile`)."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str) -> object:
        # Only reached while the pattern is not compiled: compile it, then keep its
        # methods in this instance, so later calls cost what the compiled pattern's do.
        import re

        compiled = re.compile(*self._args)
        for attr in dir(compiled):
            if not attr.startswith("__"):
                setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, done when the pattern is first used.

    The result has the methods and attributes of a compiled pattern (it is not an
    `re.Pattern` instance: pass `.pattern` to functions that need one).

    >>> digits = lazy_compile(r"[0-9]+")
    >>> digits.fullmatch("42") is not None, digits.pattern
    (True, '[0-9]+')
    """
    lazy: re.Pattern[str] = _LazyPattern(pattern, flags)  # type: ignore[assignment]
    return lazy


def lazy_exports(package: str, homes: dict[str, tuple[str, ...]]) -> Callable[[str], object]:
    """A module `__getattr__` for `package` that imports each name from its submodule
    (`homes`: submodule -> names) on first access and keeps it in the package.

    Usage, in a package's `__init__.py`: `__getattr__ = lazy_exports(__name__, {...})`.
    """
    home_of = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> object:
        module = home_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        qualified = f"{package}.{module}"
        __import__(qualified)  # not importlib: importing it costs start-up time
        value = getattr(sys.modules[qualified], name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
