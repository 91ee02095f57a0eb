"""Apptainer's container layout files, as the buildah backend writes them."""

from __future__ import annotations

import json

from defcheck.build import layout
from defcheck.build.plan import Location, Script, make_plan

WHERE = Location(1)


def script(body: str, args: str = "", section: str = "runscript") -> Script:
    return Script(section, args, body, WHERE)


def test_interpreter_default_and_shebang() -> None:
    assert layout.interpreter_script(script("  echo hi\n")) == "#!/bin/sh\n\n  echo hi\n\n"
    text = layout.interpreter_script(script("#!/bin/bash\necho hi\n", args="-eu # c"))
    assert text == "#!/bin/bash -eu\n\necho hi\n\n"
    assert layout.interpreter_script(script("  #!/usr/bin/env python3\nprint(1)\n")) == (
        "#!/usr/bin/env python3\n\nprint(1)\n\n"
    )


def test_shell_command_spec_4_7() -> None:
    assert layout.shell_command(script("", "", "post"), "/s") == ["/bin/sh", "-ex", "/s"]
    assert layout.shell_command(script("", "-c /bin/bash", "post"), "/s") == [
        "/bin/sh",
        "-ex",
        "-c",
        "/bin/bash /s",
    ]
    assert layout.shell_command(script("", "-c /bin/busybox sh", "post"), "/s") == [
        "/bin/sh",
        "-ex",
        "-c",
        "/bin/busybox sh /s",
    ]
    assert layout.shell_command(script("", "-u # comment", "post"), "/s") == [
        "/bin/sh",
        "-ex",
        "-u",
        "/s",
    ]


def test_parse_labels_rules() -> None:
    text = '  A "q v"\nB\tc d\n# x\nD=e\nE 1.0 # c\nA later\n'
    assert layout.parse_labels(text) == {
        "B\tc": "d",
        "D=e": "",
        "E": "1.0 # c",
        "A": "later",
    }


def test_metadata_files() -> None:
    text = """Bootstrap: scratch
%environment
    export X=1
%runscript
    echo run
%startscript
    echo start
%test
    true
%help
    Some help
%apprun tool
    echo tool
"""
    plan = make_plan(text, path="x.def")
    files = layout.metadata_files(
        plan.final,
        definition=plan.definition,
        labels={"A": "b"},
        existing_env=None,
        default_runscript=None,
    )
    assert files[layout.ENV_FILE].content == layout.ENV_HEADER + "    export X=1\n"
    assert files["/.singularity.d/runscript"].content == "#!/bin/sh\n\n    echo run\n\n"
    assert files["/.singularity.d/runscript"].mode == 0o755
    assert files["/.singularity.d/startscript"].content.endswith("echo start\n\n")
    assert files["/.singularity.d/test"].content == "#!/bin/sh\n\n    true\n\n"
    assert files["/.singularity.d/runscript.help"].content == "    Some help\n\n"
    assert json.loads(files["/.singularity.d/labels.json"].content) == {"A": "b"}
    assert files["/.singularity.d/Singularity"].content == text
    assert "SCIF_APPRUN_tool=/scif/apps/tool/scif/runscript" in (
        files["/.singularity.d/env/94-appsbase.sh"].content
    )
    app = layout.app_files(plan.final.apps[0])
    assert app["/scif/apps/tool/scif/runscript"].content == "#!/bin/sh\n\n    echo tool\n\n"
    assert json.loads(app["/scif/apps/tool/scif/labels.json"].content) == {"SCIF_APP_NAME": "tool"}


def test_app_ident_and_docker_env() -> None:
    assert layout.app_ident("my-app.v2") == "my_app_v2"
    env = layout.docker_env(["PATH=/a:/b", 'MSG=say "hi" $HOME', "bad name=x"])
    assert "export PATH=/a:/b" in env
    assert 'export MSG="${MSG:-say \\"hi\\" \\$HOME}"' in env
    assert "bad name" not in env


def test_label_merge_order() -> None:
    from defcheck.build.plan import Label

    merged = layout.merge_labels(
        {"a": "base", "b": "base"}, {"b": "post"}, {"c": "auto"}, [Label("a", "section")]
    )
    assert merged == {"a": "section", "b": "post", "c": "auto"}
