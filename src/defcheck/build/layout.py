"""Apptainer's container layout, as files to write into a root filesystem.

The buildah backend writes these so that an OCI image built without Apptainer carries
the same `/.singularity.d` metadata a SIF would (spec §4.2, §4.7, §4.8, §12), and
`apptainer build x.sif oci-archive:...` later gives the same container. Everything here
is pure: a stage plan in, `{path: LayoutFile}` out.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from defcheck.build.plan import App, Label, Script, StagePlan

SINGULARITY_D = "/.singularity.d"
ENV_FILE = f"{SINGULARITY_D}/env/90-environment.sh"
POST_ENV_FILE = f"{SINGULARITY_D}/env/91-environment.sh"
BUILD_LABELS = "/.build.labels"
RUN_ACTION = f"{SINGULARITY_D}/actions/run"
TEST_ACTION = f"{SINGULARITY_D}/actions/test"
EXEC_ACTION = f"{SINGULARITY_D}/actions/exec"
START_ACTION = f"{SINGULARITY_D}/actions/start"

#: Apptainer's header of 90-environment.sh; `%environment` is appended to it (§12).
ENV_HEADER = "#!/bin/sh\n# Custom environment shell code should follow\n\n"

_BASE_ENV = """#!/bin/sh
# Written by defcheck build (Apptainer's 01-base.sh equivalent).
"""

_BASE_99 = """#!/bin/sh
# Written by defcheck build (Apptainer's 99-base.sh equivalent).
if [ -z "${LD_LIBRARY_PATH:-}" ]; then
    LD_LIBRARY_PATH="/.singularity.d/libs"
else
    LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/.singularity.d/libs"
fi
PS1="Apptainer> "
export LD_LIBRARY_PATH PS1
"""

_SOURCE_ENV = """for script in /.singularity.d/env/*.sh; do
    if [ -f "$script" ]; then
        . "$script"
    fi
done
"""


def _action_script(action: str, file: str, no_app: str, fallback: str) -> str:
    """An action script: source the environment, then run the app's or the image's `file`."""
    return f"""#!/bin/sh
# Written by defcheck build: what `apptainer {action}` does.
{_SOURCE_ENV}
app="${{APPTAINER_APPNAME:-${{SINGULARITY_APPNAME:-}}}}"
if test -n "$app"; then
    if test -x "/scif/apps/$app/scif/{file}"; then
        exec "/scif/apps/$app/scif/{file}" "$@"
    fi
    echo "{no_app}: $app" >&2
    exit 1
elif test -x "/.singularity.d/{file}"; then
    exec "/.singularity.d/{file}" "$@"
fi
{fallback}
"""


#: The OCI entrypoint: source the environment, then run the app's or the image's runscript.
RUN_SCRIPT = _action_script(
    "run",
    "runscript",
    "No Apptainer runscript for contained app",
    'echo "No Apptainer runscript found, executing /bin/sh" >&2\nexec /bin/sh "$@"',
)

TEST_SCRIPT = _action_script(
    "test",
    "test",
    "No tests for contained app",
    'echo "No test found in container, executing /bin/sh -c true" >&2\nexec /bin/sh -c true',
)

EXEC_SCRIPT = f"""#!/bin/sh
# Written by defcheck build: what `apptainer exec` does.
{_SOURCE_ENV}
exec "$@"
"""

START_SCRIPT = f"""#!/bin/sh
# Written by defcheck build: what `apptainer instance start` does.
{_SOURCE_ENV}
if test -x "/.singularity.d/startscript"; then
    exec "/.singularity.d/startscript" "$@"
fi
"""

_APPS_BASE = """#!/bin/sh
# Written by defcheck build (Apptainer's 94-appsbase.sh equivalent).
{exports}
app="${{APPTAINER_APPNAME:-${{SINGULARITY_APPNAME:-}}}}"
if test -n "$app" && test -d "/scif/apps/$app/scif/env"; then
    for script in "/scif/apps/$app/scif/env/"*.sh; do
        if [ -f "$script" ]; then
            . "$script"
        fi
    done
fi
"""


@dataclass(frozen=True, slots=True)
class LayoutFile:
    """A file to create in the root filesystem (parents are created as needed)."""

    content: str
    mode: int = 0o644


@dataclass(frozen=True, slots=True)
class OciConfig:
    """What the image config gets: labels, entrypoint and command."""

    labels: tuple[tuple[str, str], ...]
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...] = ()


def interpreter_script(script: Script | None, *, default_body: str = "") -> str:
    """A `%runscript`/`%startscript`/`%test` file as Apptainer writes it (spec §4.7).

    A leading `#!` line of the (trimmed) body is the interpreter; otherwise `#!/bin/sh`.
    Section arguments (cut at `#`) are appended to the interpreter line.

    >>> interpreter_script(Script("runscript", "", "  echo hi\\n", None))  # type: ignore
    '#!/bin/sh\\n\\n  echo hi\\n\\n'
    """
    body = script.body if script is not None else default_body
    args = script.args.split("#", 1)[0].strip() if script is not None else ""
    interpreter = "#!/bin/sh"
    if body.strip().startswith("#!"):
        first, _, body = body.partition("\n")
        interpreter = first.strip()
    if args:
        interpreter = f"{interpreter} {args}"
    return f"{interpreter}\n\n{body}\n"


def app_script(script: Script | None) -> str:
    """`%apprun`/`%appstart`/`%apptest`: `#!/bin/sh`, blank line, body (spec §4.8)."""
    return f"#!/bin/sh\n\n{script.body if script else ''}\n"


def shell_command(script: Script, script_path: str) -> list[str]:
    """The command Apptainer runs a `%pre`/`%setup`/`%post` script with (spec §4.7).

    >>> shell_command(Script("post", "-c /bin/bash", "", None), "/.post.script")  # type: ignore
    ['/bin/sh', '-ex', '-c', '/bin/bash /.post.script']
    """
    words = script.args.split("#", 1)[0].split()
    if "-c" in words:
        at = words.index("-c")
        return ["/bin/sh", "-ex", *words[:at], "-c", " ".join([*words[at + 1 :], script_path])]
    return ["/bin/sh", "-ex", *words, script_path]


def parse_labels(text: str) -> dict[str, str]:
    """Labels text with `%labels` rules (spec §4.5): split at the first ASCII space."""
    labels: dict[str, str] = {}
    for raw in text.strip().split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        labels.pop(key, None)
        labels[key] = value.strip()
    return labels


def merge_labels(
    base: Mapping[str, str],
    post: Mapping[str, str],
    automatic: Mapping[str, str],
    section: Sequence[Label],
) -> dict[str, str]:
    """labels.json content in Apptainer's merge order (spec §4.5)."""
    merged = dict(base)
    merged.update(post)
    merged.update(automatic)
    for label in section:
        merged[label.key] = label.value
    return merged


def automatic_labels(stage: StagePlan, *, created: str, base_digest: str | None) -> dict[str, str]:
    """The build labels Apptainer adds (spec §12), minus the Apptainer version."""
    labels = {
        "org.label-schema.schema-version": "1.0",
        "org.label-schema.build-date": created,
        "org.opencontainers.image.created": created,
        "org.label-schema.usage.defcheck.builder": "buildah",
    }
    for key, value in stage.base.header:
        labels[f"org.label-schema.usage.singularity.deffile.{key}"] = value
    if stage.base.agent == "docker":
        labels["org.opencontainers.image.base.name"] = stage.base.reference
        if base_digest:
            labels["org.opencontainers.image.base.digest"] = base_digest
    return labels


def docker_runscript(entrypoint: Sequence[str], cmd: Sequence[str]) -> str:
    """The runscript Apptainer derives from an OCI image without `%runscript`."""
    ep = " ".join(shlex.quote(x) for x in entrypoint)
    cm = " ".join(shlex.quote(x) for x in cmd)
    return (
        "#!/bin/sh\n"
        f"OCI_ENTRYPOINT={shlex.quote(ep)}\n"
        f"OCI_CMD={shlex.quote(cm)}\n"
        'if [ $# -gt 0 ]; then\n    eval "set -- $OCI_ENTRYPOINT \\"\\$@\\""\n'
        'else\n    eval "set -- $OCI_ENTRYPOINT $OCI_CMD"\nfi\n'
        'if [ $# -eq 0 ]; then\n    exec /bin/sh\nfi\nexec "$@"\n'
    )


def docker_env(env: Sequence[str]) -> str:
    """10-docker2singularity.sh: the base image's ENV, not overriding the caller's."""
    lines = ["#!/bin/sh"]
    for item in env:
        name, sep, value = item.partition("=")
        if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            if name == "PATH":
                lines.append(f"export PATH={shlex.quote(value)}")
            else:
                lines.append(f'export {name}="${{{name}:-{_dq(value)}}}"')
    return "\n".join(lines) + "\n"


def _dq(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")


def app_ident(name: str) -> str:
    """The app name as used in `SCIF_APP*_<name>` variables (spec §4.8)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def app_base_env(app: App) -> str:
    """/scif/apps/<app>/scif/env/01-base.sh."""
    root = f"/scif/apps/{app.name}"
    data = f"/scif/data/{app.name}"
    return (
        "#!/bin/sh\n"
        f"SCIF_APPNAME={shlex.quote(app.name)}\n"
        f"SCIF_APPROOT={shlex.quote(root)}\n"
        f"SCIF_APPMETA={shlex.quote(root + '/scif')}\n"
        "SCIF_DATA=/scif/data\n"
        f"SCIF_APPDATA={shlex.quote(data)}\n"
        f"SCIF_APPINPUT={shlex.quote(data + '/input')}\n"
        f"SCIF_APPOUTPUT={shlex.quote(data + '/output')}\n"
        'PATH="$SCIF_APPROOT/bin:$PATH"\n'
        'LD_LIBRARY_PATH="$SCIF_APPROOT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"\n'
        "export SCIF_APPNAME SCIF_APPROOT SCIF_APPMETA SCIF_DATA SCIF_APPDATA SCIF_APPINPUT "
        "SCIF_APPOUTPUT PATH LD_LIBRARY_PATH\n"
    )


def apps_base(apps: Sequence[App]) -> str:
    """/.singularity.d/env/94-appsbase.sh: global `SCIF_APP*_<name>` exports."""
    lines: list[str] = []
    for app in apps:
        ident = app_ident(app.name)
        root = f"/scif/apps/{app.name}"
        values = {
            "SCIF_APPDATA": f"/scif/data/{app.name}",
            "SCIF_APPROOT": root,
            "SCIF_APPMETA": f"{root}/scif",
            "SCIF_APPBIN": f"{root}/bin",
            "SCIF_APPLIB": f"{root}/lib",
            "SCIF_APPRUN": f"{root}/scif/runscript",
            "SCIF_APPTEST": f"{root}/scif/test",
            "SCIF_APPENV": f"{root}/scif/env/90-environment.sh",
            "SCIF_APPLABELS": f"{root}/scif/labels.json",
            "SCIF_APPHELP": f"{root}/scif/runscript.help",
        }
        for key, value in values.items():
            lines.append(f"{key}_{ident}={shlex.quote(value)}")
            lines.append(f"export {key}_{ident}")
    return _APPS_BASE.format(exports="\n".join(lines))


def app_files(app: App) -> dict[str, LayoutFile]:
    """The SCIF metadata of one app, written before `%appinstall` runs (spec §5 step 3)."""
    meta = f"/scif/apps/{app.name}/scif"
    files = {
        f"{meta}/env/01-base.sh": LayoutFile(app_base_env(app), 0o755),
        f"/scif/apps/{app.name}/bin/.keep": LayoutFile(""),
        f"/scif/apps/{app.name}/lib/.keep": LayoutFile(""),
        f"/scif/data/{app.name}/input/.keep": LayoutFile(""),
        f"/scif/data/{app.name}/output/.keep": LayoutFile(""),
    }
    if app.env is not None:
        files[f"{meta}/env/90-environment.sh"] = LayoutFile(ENV_HEADER + app.env.body, 0o755)
    if app.run is not None:
        files[f"{meta}/runscript"] = LayoutFile(app_script(app.run), 0o755)
    if app.start is not None:
        files[f"{meta}/startscript"] = LayoutFile(app_script(app.start), 0o755)
    if app.test is not None:
        files[f"{meta}/test"] = LayoutFile(app_script(app.test), 0o755)
    if app.help is not None:
        files[f"{meta}/runscript.help"] = LayoutFile(app.help.body + "\n")
    labels = {"SCIF_APP_NAME": app.name}
    labels.update({label.key: label.value for label in app.labels})
    files[f"{meta}/labels.json"] = LayoutFile(json.dumps(labels, indent=4) + "\n")
    return files


def install_script(app: App) -> str:
    """How Apptainer appends an `%appinstall` body to `%post` (spec §4.8)."""
    body = app.install.body if app.install is not None else ""
    quoted = shlex.quote(f"/scif/apps/{app.name}")
    return f"\ncd /\n. {quoted}/scif/env/01-base.sh\ncd {quoted}\n{body}\ncd /\n"


def base_files() -> dict[str, LayoutFile]:
    """Files every image gets (created when missing, before `%post` runs)."""
    return {
        f"{SINGULARITY_D}/env/01-base.sh": LayoutFile(_BASE_ENV, 0o755),
        f"{SINGULARITY_D}/env/99-base.sh": LayoutFile(_BASE_99, 0o755),
        ENV_FILE: LayoutFile(ENV_HEADER, 0o755),
        RUN_ACTION: LayoutFile(RUN_SCRIPT, 0o755),
        TEST_ACTION: LayoutFile(TEST_SCRIPT, 0o755),
        EXEC_ACTION: LayoutFile(EXEC_SCRIPT, 0o755),
        START_ACTION: LayoutFile(START_SCRIPT, 0o755),
        f"{SINGULARITY_D}/libs/.keep": LayoutFile(""),
    }


def metadata_files(
    stage: StagePlan,
    *,
    definition: str,
    labels: Mapping[str, str],
    existing_env: str | None,
    default_runscript: str | None,
) -> dict[str, LayoutFile]:
    """Step 8 of the build (spec §5): help, labels, definition, env, scripts."""
    files: dict[str, LayoutFile] = {}
    if stage.help is not None:
        files[f"{SINGULARITY_D}/runscript.help"] = LayoutFile(stage.help.body + "\n")
    files[f"{SINGULARITY_D}/labels.json"] = LayoutFile(json.dumps(dict(labels), indent=4) + "\n")
    files[f"{SINGULARITY_D}/Singularity"] = LayoutFile(definition)
    env = existing_env if existing_env is not None else ENV_HEADER
    if stage.environment is not None:
        env += stage.environment.body
    files[ENV_FILE] = LayoutFile(env, 0o755)
    if stage.apps:
        files[f"{SINGULARITY_D}/env/94-appsbase.sh"] = LayoutFile(apps_base(stage.apps), 0o755)
    if stage.startscript is not None:
        files[f"{SINGULARITY_D}/startscript"] = LayoutFile(
            interpreter_script(stage.startscript), 0o755
        )
    if stage.runscript is not None:
        files[f"{SINGULARITY_D}/runscript"] = LayoutFile(interpreter_script(stage.runscript), 0o755)
    elif default_runscript is not None:
        files[f"{SINGULARITY_D}/runscript"] = LayoutFile(default_runscript, 0o755)
    if stage.test is not None:
        files[f"{SINGULARITY_D}/test"] = LayoutFile(interpreter_script(stage.test), 0o755)
    return files


def oci_config(labels: Mapping[str, str], stage: StagePlan) -> OciConfig:
    """Image config: `%labels` (and build labels) plus the runscript entrypoint."""
    del stage  # NOTE: kept for future per-stage choices (e.g. startscript as a command).
    return OciConfig(labels=tuple(labels.items()), entrypoint=(RUN_ACTION,), cmd=())
