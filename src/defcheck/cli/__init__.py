"""Command-line entry points: `defcheck <command>` and `defpin`.

Each command lives in its own module exposing `run(argv: list[str]) -> int`, imported only
when that command runs, so `defcheck parse` starts in a few tens of milliseconds (pre-commit
and editors start defcheck constantly). Commands use argparse: typer and click alone take
~95 ms to import (docs/architecture.md). Exit codes: 0 clean, 1 findings or changes
needed, 2 usage or runtime error.
"""

from __future__ import annotations

import sys

from defcheck import __version__

#: command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "lint": ("defcheck.cli.lint", "lint definition files"),
    "fmt": ("defcheck.cli.fmt", "format definition files"),
    "parse": ("defcheck.cli.parse", "parse a file: outline, JSON tree, Apptainer's view"),
    "build": ("defcheck.cli.build", "build an image with apptainer, singularity or buildah"),
    "lsp": ("defcheck.cli.lsp", "run the language server"),
    "rule": ("defcheck.cli.lint", "explain a lint rule"),
    "rules": ("defcheck.cli.lint", "list the lint rules"),
}

USAGE = """usage: defcheck [--version] <command> [options]

The toolchain for Apptainer/Singularity definition files.

commands:
{commands}

Run `defcheck <command> --help` for a command's options; `defpin --help` for pinning.
"""


def _usage() -> str:
    width = max(len(c) for c in COMMANDS)
    lines = [f"  {name.ljust(width)}  {help_}" for name, (_, help_) in COMMANDS.items()]
    return USAGE.format(commands="\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    """`defcheck` entry point (`argv` defaults to the program's own arguments)."""
    if argv is not None:
        return _main(list(argv))
    import gc

    # `lint`, `fmt` and `parse` are short-lived and make almost no cyclic garbage (the
    # whole corpus lints in one process with the same peak memory either way): the
    # collector, which walks every object again and again while modules load, stays off.
    # The language server and builds run for long and turn it back on (`_LONG_RUNNING`).
    gc.disable()
    try:
        code = _main(sys.argv[1:])
    finally:
        _before_exit()
    if not (sys.argv[1:2] and sys.argv[1] in _LONG_RUNNING):
        _exit_now(code)
    return code


#: Commands that run for long: the garbage collector runs as usual for them.
_LONG_RUNNING = frozenset({"lsp", "build"})


def _before_exit() -> None:
    """Called when `main()` runs as the program (console script, `python -m defcheck`),
    which is about to exit.

    `gc.freeze()` moves every object out of the collector's reach, so the interpreter's
    final collections at exit do not walk them all again: that walk costs more than
    linting a small file (~20-30 ms). Memory is returned to the system at exit anyway;
    only cyclic garbage left at exit is not collected (Python does not promise that).
    """
    import gc

    gc.freeze()


def _exit_now(code: int) -> None:
    """End the process at once after a short command: tearing down the interpreter
    (finalising every module) costs more than the rest of the exit. Output is flushed
    first; under a tracer or profiler (coverage writes its data at exit), for long-running
    commands, or if flushing fails, the normal exit path runs instead."""
    import os

    if sys.gettrace() is not None or sys.getprofile() is not None:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    os._exit(code)


def _main(args: list[str]) -> int:
    """Run the command named in `args`; the exit status."""
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(_usage())
        return 0 if args else 2
    if args[0] in ("-V", "--version"):
        sys.stdout.write(f"defcheck {__version__}\n")
        return 0
    name = args[0]
    if name not in COMMANDS:
        sys.stderr.write(f"defcheck: error: unknown command {name!r}\n\n{_usage()}")
        return 2
    if name in _LONG_RUNNING:
        import gc

        gc.enable()
    __import__(COMMANDS[name][0])  # not importlib.import_module: importlib costs start-up
    module = sys.modules[COMMANDS[name][0]]
    try:
        if name in ("rule", "rules"):
            return int(getattr(module, f"run_{name}")(args[1:]))
        return int(module.run(args[1:]))
    except KeyboardInterrupt:
        sys.stderr.write("defcheck: interrupted\n")
        return 2
    except BrokenPipeError:
        return 2


def defpin_main(argv: list[str] | None = None) -> int:
    """`defpin` entry point."""
    from defcheck.cli.defpin import defpin_main as run

    try:
        return int(run(list(sys.argv[1:] if argv is None else argv)))
    except KeyboardInterrupt:
        sys.stderr.write("defpin: interrupted; no file was changed\n")
        return 2
