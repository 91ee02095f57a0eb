"""Which shell runs a section body (spec §4.7, §4.8, §12).

Apptainer runs the script sections in different ways:

* `%pre`, `%setup`, `%post` (and `%appinstall`, which is appended to `%post`): `/bin/sh -ex
  <args> <script>`, where args are the section arguments cut at `#` and split on white space.
  With `-c`, the words after it are joined into a command string run by `/bin/sh -c`, so
  `%post -c /bin/bash` runs the script with bash. A `#!` line is only a comment.
* `%runscript`, `%startscript`, `%test`: a `#!` first body line is the interpreter;
  otherwise `#!/bin/sh`.
* `%environment` and `%appenv` are sourced by `/bin/sh`; `%apprun`, `%appstart` and
  `%apptest` are always written as `#!/bin/sh` scripts.

`section_interpreter` turns that into a `Interpreter` whose `dialect` tells ShellCheck and
the tree-sitter layer what to expect, or `None` when the body is not shell (python, zsh...).

>>> section_interpreter("post", "-c /bin/bash", "echo hi\\n").dialect
<Dialect.BASH: 'bash'>
>>> section_interpreter("runscript", "", "#!/usr/bin/env python3\\nprint(1)\\n").is_shell
False
"""

from __future__ import annotations

from enum import Enum

from defcheck.syntax.record import record
from defcheck.syntax.views import SCRIPT_SECTIONS as _SCRIPT_SECTIONS


class Dialect(str, Enum):
    """A shell dialect ShellCheck understands (`--shell=<value>`)."""

    SH = "sh"
    BASH = "bash"
    DASH = "dash"
    KSH = "ksh"


#: Sections whose body is a shell script or fragment (the parser's list).
SCRIPT_SECTIONS = _SCRIPT_SECTIONS

#: Sections run as `/bin/sh -ex <args> <script>` (spec §4.7).
_SH_EX_SECTIONS = frozenset({"pre", "setup", "post"})
#: Sections whose first body line may be a `#!` interpreter line (spec §4.7).
_SHEBANG_SECTIONS = frozenset({"runscript", "startscript", "test"})

_SHELLS: dict[str, Dialect] = {
    "sh": Dialect.SH,
    "ash": Dialect.SH,
    "hush": Dialect.SH,
    "busybox": Dialect.SH,
    "dash": Dialect.DASH,
    "bash": Dialect.BASH,
    "ksh": Dialect.KSH,
    "ksh93": Dialect.KSH,
    "mksh": Dialect.KSH,
    "pdksh": Dialect.KSH,
    "oksh": Dialect.KSH,
}
#: Shells ShellCheck does not support; their bodies are skipped with this reason.
_UNSUPPORTED_SHELLS = frozenset({"zsh", "fish", "csh", "tcsh", "rc", "elvish", "nu", "xonsh"})


@record
class Interpreter:
    """How Apptainer runs one section body.

    `command` is the interpreter as Apptainer would run it (`/bin/sh -ex`, `/bin/bash`,
    `/usr/bin/env python3`); `source` says where it came from: `"default"`, `"args"` (a
    `-c` in the section arguments), `"shebang"` (a `#!` first body line) or `"fixed"`
    (always `/bin/sh`). `dialect` is `None` when the body is not a shell script we can
    check; `reason` then says why. `error` is set when Apptainer would fail to run the
    section at all (e.g. `-c` with nothing after it).
    """

    dialect: Dialect | None
    command: str
    source: str
    reason: str | None = None
    error: str | None = None

    @property
    def is_shell(self) -> bool:
        """True if the body is shell that ShellCheck and tree-sitter-bash can analyse."""
        return self.dialect is not None


def section_interpreter(
    kind: str, args: str, body: str, *, post_args: str | None = None
) -> Interpreter:
    """Decide the interpreter of a section from its kind, arguments and body.

    `kind` is the lower-case section name without `%` (`post`, `appinstall`...). For
    `%appinstall`, whose body is appended to the stage's `%post`, pass the `%post` section
    arguments as `post_args` to honour its `-c` (without it, `/bin/sh` is assumed).

    >>> section_interpreter("post", "-c /bin/busybox sh # note", "").dialect
    <Dialect.SH: 'sh'>
    >>> section_interpreter("help", "", "text").reason
    'not a script section'
    """
    kind = kind.lower()
    if kind not in SCRIPT_SECTIONS:
        return Interpreter(None, "", "none", reason="not a script section")
    if kind in _SH_EX_SECTIONS:
        return _sh_ex_interpreter(kind, args)
    if kind == "appinstall":
        if post_args is None:
            return Interpreter(Dialect.SH, "/bin/sh -ex", "default")
        return _sh_ex_interpreter("post", post_args)
    if kind in _SHEBANG_SECTIONS:
        return _shebang_interpreter(args, body)
    return Interpreter(Dialect.SH, "/bin/sh", "fixed")


def dialect_of_command(words: list[str]) -> tuple[Dialect | None, str | None]:
    """The dialect of an interpreter command (`["/usr/bin/env", "bash", "-e"]`).

    Returns `(dialect, None)` for a known shell, or `(None, reason)` otherwise.

    >>> dialect_of_command(["/bin/busybox", "sh"])
    (<Dialect.SH: 'sh'>, None)
    >>> dialect_of_command(["python3"])
    (None, 'python3 is not a shell')
    """
    rest = list(words)
    while rest:
        name = _basename(rest[0])
        if name == "env":
            rest = _skip_env_options(rest[1:])
            continue
        if name == "busybox" and len(rest) > 1 and not rest[1].startswith("-"):
            applet = _basename(rest[1])
            if applet in _SHELLS:
                return _SHELLS[applet], None
            return None, f"busybox {applet} is not a shell"
        if name in _SHELLS:
            return _SHELLS[name], None
        base = name.rstrip("0123456789.-")
        if base in _SHELLS and base not in {"sh", "ash"}:
            # bash5, ksh93u... (never python3 -> "python")
            return _SHELLS[base], None
        if name in _UNSUPPORTED_SHELLS or base in _UNSUPPORTED_SHELLS:
            return None, f"{name} is not supported by ShellCheck"
        return None, f"{name} is not a shell"
    return None, "no interpreter"


def _sh_ex_interpreter(kind: str, args: str) -> Interpreter:
    """`/bin/sh -ex <args>` with a possible `-c <command>` (spec §4.7)."""
    words = args.split("#", 1)[0].split()
    if "-c" not in words:
        return Interpreter(Dialect.SH, "/bin/sh -ex", "default")
    command_words = words[words.index("-c") + 1 :]
    if not command_words:
        return Interpreter(
            None,
            "/bin/sh -ex -c",
            "args",
            reason="`-c` without an interpreter",
            error=f"bad {kind} section '-c' parameter: missing arguments",
        )
    command = " ".join(command_words)
    dialect, reason = dialect_of_command(_split_command(command))
    return Interpreter(dialect, command, "args", reason=reason)


def _shebang_interpreter(args: str, body: str) -> Interpreter:
    """A `#!` first body line, or `/bin/sh` (spec §4.7)."""
    extra = args.split("#", 1)[0].strip()
    if body.strip().startswith("#!"):
        first = body.split("\n", 1)[0].strip()
        if first.startswith("#!"):
            line = first[2:].strip()
            command = f"{line} {extra}".strip() if extra else line
            dialect, reason = dialect_of_command(_split_command(line))
            return Interpreter(dialect, command, "shebang", reason=reason)
        # NOTE: a body starting with a blank line then `#!` gets an empty interpreter line
        # (spec §4.7 caveat); the script then runs without a shebang, i.e. under /bin/sh.
    command = f"/bin/sh {extra}".strip()
    return Interpreter(Dialect.SH, command, "default")


def _split_command(command: str) -> list[str]:
    import shlex  # only for `-c` arguments and `#!` lines

    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def _basename(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _skip_env_options(words: list[str]) -> list[str]:
    """Drop `env` options and `NAME=value` words (`env -S bash -e`, `env -i X=1 sh`)."""
    i = 0
    while i < len(words):
        word = words[i]
        if word in {"-u", "--unset", "-C", "--chdir"}:
            i += 2
            continue
        if word in {"-S", "--split-string"}:
            return _split_command(" ".join(words[i + 1 :]))
        if word.startswith("-S"):
            return _split_command(" ".join([word[2:], *words[i + 1 :]]))
        if word.startswith("-") or ("=" in word and not word.startswith("=")):
            i += 1
            continue
        break
    return words[i:]
