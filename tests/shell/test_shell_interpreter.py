"""Which shell runs each section (spec §4.7, §4.8)."""

from __future__ import annotations

import pytest

from defcheck.shell.interpreter import Dialect, dialect_of_command, section_interpreter


@pytest.mark.parametrize(
    ("kind", "args", "body", "dialect", "source"),
    [
        ("post", "", "echo hi\n", Dialect.SH, "default"),
        ("setup", "", "echo hi\n", Dialect.SH, "default"),
        ("pre", "", "echo hi\n", Dialect.SH, "default"),
        ("post", "-c /bin/bash", "echo hi\n", Dialect.BASH, "args"),
        ("post", "-c bash -e", "", Dialect.BASH, "args"),
        ("post", "-c /bin/busybox sh", "", Dialect.SH, "args"),
        ("post", "-c /usr/bin/env bash", "", Dialect.BASH, "args"),
        ("post", "-c /bin/dash", "", Dialect.DASH, "args"),
        ("post", "-c /bin/ksh", "", Dialect.KSH, "args"),
        ("post", "-c mksh", "", Dialect.KSH, "args"),
        ("post", "-u -c /bin/bash", "", Dialect.BASH, "args"),
        # args are cut at `#` (spec §4.7): the -c is inside the comment
        ("post", "# -c /bin/bash", "", Dialect.SH, "default"),
        ("post", "-c /bin/bash # use bash", "", Dialect.BASH, "args"),
        # a shebang in %post is only a comment
        ("post", "", "#!/bin/bash\necho\n", Dialect.SH, "default"),
        ("post", "-e", "echo\n", Dialect.SH, "default"),
        ("runscript", "", '#!/bin/bash\nexec x "$@"\n', Dialect.BASH, "shebang"),
        ("runscript", "", "  #!/bin/ksh \necho\n", Dialect.KSH, "shebang"),
        ("runscript", "", "exec x\n", Dialect.SH, "default"),
        ("startscript", "", "#!/usr/bin/env bash\n", Dialect.BASH, "shebang"),
        ("test", "", "#!/bin/sh -e\ntrue\n", Dialect.SH, "shebang"),
        ("test", "", "#!/bin/bash\r\ntrue\r\n", Dialect.BASH, "shebang"),
        # blank first line then `#!`: Apptainer's empty interpreter line, run by sh
        ("runscript", "", "\n#!/bin/bash\necho\n", Dialect.SH, "default"),
        ("environment", "", "export A=1\n", Dialect.SH, "fixed"),
        ("appenv", "foo", "export A=1\n", Dialect.SH, "fixed"),
        ("apprun", "foo", "#!/bin/bash\nexec x\n", Dialect.SH, "fixed"),
        ("appstart", "foo", "x\n", Dialect.SH, "fixed"),
        ("apptest", "foo", "x\n", Dialect.SH, "fixed"),
        ("appinstall", "foo", "x\n", Dialect.SH, "default"),
        ("POST", "-c /bin/bash", "", Dialect.BASH, "args"),
    ],
)
def test_section_dialect(kind: str, args: str, body: str, dialect: Dialect, source: str) -> None:
    interp = section_interpreter(kind, args, body)
    assert interp.dialect is dialect
    assert interp.source == source
    assert interp.is_shell


@pytest.mark.parametrize(
    ("kind", "args", "body", "reason"),
    [
        ("runscript", "", "#!/usr/bin/env python3\nprint(1)\n", "python3 is not a shell"),
        ("test", "", "#!/usr/bin/python\n", "python is not a shell"),
        ("post", "-c python3", "print(1)\n", "python3 is not a shell"),
        ("runscript", "", "#!/bin/zsh\n", "zsh is not supported by ShellCheck"),
        ("help", "", "text\n", "not a script section"),
        ("labels", "", "A b\n", "not a script section"),
        ("files", "", "a b\n", "not a script section"),
        ("arguments", "", "A=1\n", "not a script section"),
    ],
)
def test_not_shell(kind: str, args: str, body: str, reason: str) -> None:
    interp = section_interpreter(kind, args, body)
    assert interp.dialect is None
    assert not interp.is_shell
    assert interp.reason == reason


def test_dash_c_without_command_is_a_build_error() -> None:
    interp = section_interpreter("post", "-c", "echo\n")
    assert interp.dialect is None
    assert interp.error == "bad post section '-c' parameter: missing arguments"
    interp = section_interpreter("setup", "-c   # nothing", "")
    assert interp.error == "bad setup section '-c' parameter: missing arguments"


def test_shebang_command_keeps_section_args() -> None:
    interp = section_interpreter("runscript", "-x", "#!/bin/bash -e\necho\n")
    assert interp.command == "/bin/bash -e -x"
    assert section_interpreter("runscript", "-x #c", "echo\n").command == "/bin/sh -x"


def test_appinstall_follows_post_args() -> None:
    interp = section_interpreter("appinstall", "foo", "x\n", post_args="-c /bin/bash")
    assert interp.dialect is Dialect.BASH
    assert section_interpreter("appinstall", "foo", "x\n", post_args="").dialect is Dialect.SH


@pytest.mark.parametrize(
    ("words", "dialect"),
    [
        (["/bin/sh"], Dialect.SH),
        (["/usr/bin/env", "-S", "bash", "-e"], Dialect.BASH),
        (["env", "-i", "A=1", "/bin/dash"], Dialect.DASH),
        (["/bin/busybox", "ash"], Dialect.SH),
        (["bash5"], Dialect.BASH),
        (["/usr/local/bin/bash"], Dialect.BASH),
        (["ksh93"], Dialect.KSH),
        (["/usr/bin/env", "-Sbash"], Dialect.BASH),
    ],
)
def test_dialect_of_command(words: list[str], dialect: Dialect) -> None:
    assert dialect_of_command(words) == (dialect, None)


def test_dialect_of_command_rejects() -> None:
    assert dialect_of_command([])[0] is None
    assert dialect_of_command(["python3.11"])[0] is None
    assert dialect_of_command(["/bin/busybox", "awk"]) == (None, "busybox awk is not a shell")
    assert dialect_of_command(["shellcheck"])[0] is None
