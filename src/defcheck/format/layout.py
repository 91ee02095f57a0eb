"""Which lines of a shell script the formatter may touch (the shell helper's analysis).

A script here is the text Apptainer stores for one section key: the bodies of every
section with that key in a stage, concatenated, LF line ends (spec §2.1, §4.3). The
analysis comes from `defcheck.shell.tree.parse_shell` (tree-sitter-bash plus a bash
accurate here-document scanner), imported lazily. When it is not available, or fails,
every line is protected: when unsure, leave the line untouched.

The formatter hands the analysis of its *output* scripts to `remember` (the same lines,
moved), so the stability pass does not parse every script a second time.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Protection:
    """Line sets of one script (0-based lines of `script.split("\\n")`).

    - `leading`: leading white space is content (here-document bodies and terminators,
      lines inside multi-line strings, word-joining continuations, unparsable regions);
    - `trailing`: trailing white space is content (same, plus `\\ ` escaped blanks);
    - `keep`: the line may not be removed even when blank (a backslash-newline before it);
    - `open_end`: the script ends inside a here-document, a string or a continuation, so
      nothing may be appended to it (not even a blank line).
    """

    leading: frozenset[int]
    trailing: frozenset[int]
    keep: frozenset[int]
    open_end: bool = False

    def protects(self, line: int) -> bool:
        """True if the line must keep its position (it is not a removable blank line)."""
        return line in self.leading or line in self.trailing or line in self.keep


def everything(lines: int) -> Protection:
    """Every line protected (the safe fallback)."""
    all_lines = frozenset(range(lines + 1))
    return Protection(all_lines, all_lines, all_lines, open_end=True)


_CACHE: OrderedDict[str, Protection] = OrderedDict()
_CACHE_SIZE = 512


def remember(script: str, protection: Protection) -> None:
    """Record the analysis of a script the formatter produced (see the module docstring)."""
    _CACHE[script] = protection
    _CACHE.move_to_end(script)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


def script_protection(script: str) -> Protection:
    """The protected lines of a script (cached)."""
    cached = _CACHE.get(script)
    if cached is not None:
        _CACHE.move_to_end(script)
        return cached
    result = _analyse(script)
    remember(script, result)
    return result


def _analyse(script: str) -> Protection:
    if not script.strip(" \t\n"):
        return Protection(frozenset(), frozenset(), frozenset())
    try:
        from defcheck.shell.tree import parse_shell

        body = parse_shell(script)
        keep = frozenset(c.line for c in body.continuations)
        last = script.count("\n")  # the (empty) line after the final line ending
        leading = frozenset(body.protected_lines)
        open_end = (
            last in leading
            or last in keep
            or any(h.terminator is None for h in body.heredocs)
            or any(s.span.end >= len(script) for s in body.strings)
            or any(e.last_line >= last - 1 for e in body.errors)
        )
        return Protection(leading, frozenset(body.verbatim_end_lines), keep, open_end)
    except Exception:  # any failure of the analysis means "touch nothing"
        return everything(script.count("\n"))
