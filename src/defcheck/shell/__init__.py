"""Shell analysis of section bodies: interpreter choice, tree-sitter parse, ShellCheck.

* `section_interpreter(kind, args, body)`: which shell runs a section (spec §4.7).
* `parse_shell(body, base=...)`: commands, pipelines, heredocs, multi-line strings,
  continuations and the lines the formatter must not re-indent (`protected_lines`).
* `check_bodies([...])`: ShellCheck findings mapped to exact spans in the definition file.

Findings are plain values; the linter wraps them into its own types.
"""

from __future__ import annotations

from defcheck.syntax.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from defcheck.shell.interpreter import (
        SCRIPT_SECTIONS,
        Dialect,
        Interpreter,
        dialect_of_command,
        section_interpreter,
    )
    from defcheck.shell.shellcheck import (
        ShellCheckError,
        ShellCheckFinding,
        ShellCheckNotFound,
        ShellCheckRequest,
        check_bodies,
        check_body,
        find_shellcheck,
    )
    from defcheck.shell.tree import (
        Command,
        Continuation,
        Heredoc,
        MultilineString,
        Pipeline,
        ShellBody,
        ShellSyntaxError,
        Word,
        parse_shell,
        protected_lines,
        strip_wrappers,
    )

#: Where each public name lives: the submodules are imported on first use, so that
#: importing `defcheck.shell.interpreter` does not load tree-sitter or subprocess.
_HOMES = {
    "interpreter": (
        "SCRIPT_SECTIONS",
        "Dialect",
        "Interpreter",
        "dialect_of_command",
        "section_interpreter",
    ),
    "shellcheck": (
        "ShellCheckError",
        "ShellCheckFinding",
        "ShellCheckNotFound",
        "ShellCheckRequest",
        "check_bodies",
        "check_body",
        "find_shellcheck",
    ),
    "tree": (
        "Command",
        "Continuation",
        "Heredoc",
        "MultilineString",
        "Pipeline",
        "ShellBody",
        "ShellSyntaxError",
        "Word",
        "parse_shell",
        "protected_lines",
        "strip_wrappers",
    ),
}
__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = [
    "SCRIPT_SECTIONS",
    "Command",
    "Continuation",
    "Dialect",
    "Heredoc",
    "Interpreter",
    "MultilineString",
    "Pipeline",
    "ShellBody",
    "ShellCheckError",
    "ShellCheckFinding",
    "ShellCheckNotFound",
    "ShellCheckRequest",
    "ShellSyntaxError",
    "Word",
    "check_bodies",
    "check_body",
    "dialect_of_command",
    "find_shellcheck",
    "parse_shell",
    "protected_lines",
    "section_interpreter",
    "strip_wrappers",
]
