"""Regular expressions compiled on first use.

Modules on the start-up path of `defcheck lint` define their patterns at module level, and
compiling them all costs several milliseconds of every run although a typical file needs
few of them.
"""

from __future__ import annotations

import re


class _LazyPattern:
    """A regular expression compiled on first use (see `lazy_compile`)."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str) -> object:
        # Only reached while the pattern is not compiled: compile it, then keep its
        # methods in this instance, so later calls cost what the compiled pattern's do.
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
