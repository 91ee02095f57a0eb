"""Real buildah builds (no mocks): each test builds a definition file on the busybox base
image from the local registry, then runs or inspects the result."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.build.conftest import BuildRun, Container, Store

pytestmark = [pytest.mark.buildah, pytest.mark.registry]

Build = Callable[..., BuildRun]
Open = Callable[[str], Container]


def header(base: str, stage: str | None = None) -> str:
    text = f"Bootstrap: docker\nFrom: {base}\n"
    return text + (f"Stage: {stage}\n" if stage else "")


def test_post_environment_runscript_labels(
    build: Build, open_image: Open, base_image: str, tmp_path: Path
) -> None:
    deffile = (
        header(base_image)
        + """
%post
    echo "made by post" > /post.txt
    echo "export FROM_POST=yes" >> $APPTAINER_ENVIRONMENT
    echo "PostLabel from-post" >> $APPTAINER_LABELS
%environment
    export GREETING="hello world"
%runscript
    echo "greeting=$GREETING post=$FROM_POST args=$*"
    echo "count=$#"
%labels
    Maintainer Jane Doe <jane@example.org>
    Version 1.2
%help
    Prints a greeting.
"""
    )
    result = build(deffile, "-o", "oci-archive:out.tar")
    assert result.rc == 0, result.err
    assert "built oci-archive:out.tar with buildah" in result.out
    image = open_image(f"oci-archive:{tmp_path / 'out.tar'}")
    assert image.read("/post.txt") == "made by post\n"
    out = image.runscript("one", "two words")
    assert "greeting=hello world post=yes args=one two words" in out
    assert "count=2" in out
    config = image.config()
    assert config["Entrypoint"] == ["/.singularity.d/actions/run"]
    labels = config["Labels"]
    assert isinstance(labels, dict)
    assert labels["Maintainer"] == "Jane Doe <jane@example.org>"
    assert labels["Version"] == "1.2"
    assert labels["PostLabel"] == "from-post"
    labels_json = json.loads(image.read("/.singularity.d/labels.json"))
    assert labels_json["Maintainer"] == "Jane Doe <jane@example.org>"
    assert labels_json["org.label-schema.schema-version"] == "1.0"
    assert labels_json["org.opencontainers.image.base.name"] == base_image
    assert labels_json["org.example.base"] == "busybox"  # the base image's OCI labels
    assert image.read("/.singularity.d/Singularity") == deffile
    assert image.read("/.singularity.d/runscript.help") == "    Prints a greeting.\n\n"
    env = image.read("/.singularity.d/env/90-environment.sh")
    assert env.startswith("#!/bin/sh\n") and 'export GREETING="hello world"' in env
    assert image.read("/.singularity.d/runscript").startswith("#!/bin/sh\n\n")
    # no post script or build labels file left behind
    assert not image.exists("/.post.script")
    assert not image.exists("/.build.labels")


def test_runscript_shebang_and_args(
    build: Build, open_image: Open, base_image: str, tmp_path: Path
) -> None:
    deffile = (
        header(base_image)
        + """
%runscript -e
#!/bin/sh
    echo "first=$1"
    false
    echo "not reached"
"""
    )
    result = build(deffile, "-o", "oci-archive:out.tar")
    assert result.rc == 0, result.err
    image = open_image(f"oci-archive:{tmp_path / 'out.tar'}")
    assert image.read("/.singularity.d/runscript").splitlines()[0] == "#!/bin/sh -e"
    out = image.run("/.singularity.d/actions/run", "x", check=False)
    assert "first=x" in out and "not reached" not in out


def test_files_from_host_and_stage(
    build: Build, open_image: Open, base_image: str, tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.txt").write_text("A\n")
    (tmp_path / "data" / "b.txt").write_text("B\n")
    (tmp_path / "config.ini").write_text("[x]\n")
    deffile = (
        header(base_image, "builder")
        + """
%post
    mkdir -p /out
    echo "compiled" > /out/artifact
    ln -s /out/artifact /out/link

"""
        + header(base_image)
        + """
%files from builder
    /out/artifact /opt/app/artifact
    /out/link /opt/app/via-link
%files
    config.ini /etc/app/
    data/*.txt /srv/data/
    data /srv/tree
    data/*.txt
%runscript
    cat /opt/app/artifact
"""
    )
    result = build(deffile, "-o", "oci-archive:out.tar")
    assert result.rc == 0, result.err
    image = open_image(f"oci-archive:{tmp_path / 'out.tar'}")
    assert image.read("/opt/app/artifact") == "compiled\n"
    assert image.read("/opt/app/via-link") == "compiled\n"  # top-level symlink followed
    assert image.read("/etc/app/config.ini") == "[x]\n"
    assert image.read("/srv/data/a.txt") == "A\n"
    assert image.read("/srv/data/b.txt") == "B\n"
    assert image.read("/srv/tree/b.txt") == "B\n"
    assert image.read("/data/a.txt") == "A\n"  # no destination: the source's own path
    assert image.runscript() == "compiled\n"
    # the first stage's files are not in the final image
    assert not image.exists("/out")


def test_failing_test_section_stops_the_build(
    build: Build, base_image: str, store: Store, tmp_path: Path
) -> None:
    deffile = (
        header(base_image)
        + """
%post
    touch /built
%test
    echo "checking"
    test -f /missing
"""
    )
    result = build(deffile, "-o", "localhost/defcheck-should-not-exist:1")
    assert result.rc == 1
    assert "a.def:6:1: error: stage 1, %test: test script failed with exit status 1" in result.err
    assert not any("defcheck-should-not-exist" in n for n in store.image_names())
    assert store.containers() == []
    # --notest builds it
    ok = build(deffile, "--notest", "-o", "oci-archive:out.tar")
    assert ok.rc == 0, ok.err
    assert (tmp_path / "out.tar").is_file()


def test_local_image_name_and_docker_archive(
    build: Build, open_image: Open, base_image: str, store: Store, tmp_path: Path
) -> None:
    deffile = header(base_image) + "%runscript\n    echo named\n"
    result = build(deffile, "-o", "localhost/defcheck-named:2")
    assert result.rc == 0, result.err
    assert "localhost/defcheck-named:2" in store.image_names()
    assert open_image("localhost/defcheck-named:2").runscript() == "named\n"
    result = build(deffile, "-o", "docker-archive:img.tar")
    assert result.rc == 0, result.err
    assert open_image(f"docker-archive:{tmp_path / 'img.tar'}").runscript() == "named\n"


def test_scif_apps(build: Build, open_image: Open, base_image: str, tmp_path: Path) -> None:
    (tmp_path / "tool.sh").write_text("#!/bin/sh\necho tool\n")
    deffile = (
        header(base_image)
        + """
%appinstall hello
    echo "installed in $PWD" > installed.txt
    mkdir -p bin
    printf '#!/bin/sh\\necho hello-bin\\n' > bin/hello-bin
    chmod +x bin/hello-bin
%appenv hello
    export HELLO_MODE=loud
%apprun hello
    echo "app=$SCIF_APPNAME mode=$HELLO_MODE args=$*"
    hello-bin
%applabels hello
    Purpose greeting
%apphelp hello
    Says hello.
%appfiles hello
    tool.sh bin/tool.sh
%apptest hello
    test -f "$SCIF_APPROOT/installed.txt"
%apprun other
    echo other
%runscript
    echo main
"""
    )
    result = build(deffile, "-o", "oci-archive:out.tar")
    assert result.rc == 0, result.err
    image = open_image(f"oci-archive:{tmp_path / 'out.tar'}")
    assert image.read("/scif/apps/hello/installed.txt") == "installed in /scif/apps/hello\n"
    out = image.runscript("x", env={"APPTAINER_APPNAME": "hello"})
    assert "app=hello mode=loud args=x" in out and "hello-bin" in out
    assert image.runscript(env={"APPTAINER_APPNAME": "other"}) == "other\n"
    assert image.runscript() == "main\n"
    labels = json.loads(image.read("/scif/apps/hello/scif/labels.json"))
    assert labels == {"SCIF_APP_NAME": "hello", "Purpose": "greeting"}
    assert image.read("/scif/apps/hello/scif/runscript.help") == "    Says hello.\n\n"
    assert image.read("/scif/apps/hello/bin/tool.sh") == "#!/bin/sh\necho tool\n"
    appsbase = image.read("/.singularity.d/env/94-appsbase.sh")
    assert "SCIF_APPROOT_hello=/scif/apps/hello" in appsbase
    image.run("/.singularity.d/actions/test", env={"APPTAINER_APPNAME": "hello"})


def test_build_args(open_image: Open, base_image: str, store: Store, tmp_path: Path) -> None:
    """Substituted stage texts drive the build and end up in /.singularity.d/Singularity."""
    from defcheck.build import buildah
    from defcheck.build.backend import BuildOptions, NullReporter
    from defcheck.build.plan import make_plan

    text = (
        header(base_image)
        + """
%arguments
    WHO=nobody
%post
    echo "hello {{ WHO }}" > /who.txt
"""
    )
    plan = make_plan(
        text,
        path="a.def",
        build_args={"WHO": "world"},
        substituted=[text.replace("{{ WHO }}", "world")],
    )
    options = BuildOptions(
        output=f"oci-archive:{tmp_path / 'out.tar'}",
        storage_root=str(store.root),
        storage_runroot=str(store.runroot),
    )
    result = buildah.build(plan, options, NullReporter())
    assert result.output == f"oci-archive:{tmp_path / 'out.tar'}"
    image = open_image(result.output)
    assert image.read("/who.txt") == "hello world\n"
    assert "hello world" in image.read("/.singularity.d/Singularity")


def test_build_args_from_the_command_line(
    build: Build, open_image: Open, base_image: str, tmp_path: Path
) -> None:
    """`--build-arg` and `%arguments` defaults substituted as Apptainer does (spec §7)."""
    deffile = (
        header(base_image)
        + """
%arguments
    WHO=nobody
    GREETING=hello
%post
    echo "{{ GREETING }} {{ WHO }}" > /who.txt
    # {{ NOT_SUBSTITUTED }} after a comment is left alone
"""
    )
    result = build(deffile, "--build-arg", "WHO=world", "-o", "oci-archive:out.tar")
    assert result.rc == 0, result.err
    image = open_image(f"oci-archive:{tmp_path / 'out.tar'}")
    assert image.read("/who.txt") == "hello world\n"
    stored = image.read("/.singularity.d/Singularity")
    assert "{{ NOT_SUBSTITUTED }}" in stored and "{{ WHO }}" not in stored
    unused = build(deffile, "--build-arg", "NOPE=1", "-o", "oci-archive:out2.tar")
    assert unused.rc == 2 and "NOPE" in unused.err
    undefined = build(header(base_image) + "%post\n    echo {{ MISSING }}\n", "-o", "x")
    assert undefined.rc == 1
    assert "a.def:" in undefined.err and "build var MISSING is not defined" in undefined.err


def test_setup_needs_allow_setup(
    build: Build, open_image: Open, base_image: str, tmp_path: Path
) -> None:
    deffile = (
        header(base_image)
        + """
%setup
    echo "from setup" > "$APPTAINER_ROOTFS/setup.txt"
"""
    )
    refused = build(deffile, "-o", "oci-archive:out.tar")
    assert refused.rc == 1
    assert "a.def:4:1: error: stage 1, %setup runs on the host as root" in refused.err
    assert "--allow-setup" in refused.err
    assert not (tmp_path / "out.tar").exists()
    result = build(deffile, "--allow-setup", "-o", "oci-archive:out.tar")
    assert result.rc == 0, result.err
    assert open_image(f"oci-archive:{tmp_path / 'out.tar'}").read("/setup.txt") == "from setup\n"


# ---------------------------------------------------------------------------- bad input


def test_missing_files_source(build: Build, base_image: str, store: Store, tmp_path: Path) -> None:
    deffile = header(base_image, "only") + "\n%files\n    present.txt /x\n    nope.txt /opt/\n"
    (tmp_path / "present.txt").write_text("x")
    result = build(deffile, "-o", "oci-archive:out.tar")
    assert result.rc == 1
    assert "a.def:7:5: error: stage only, %files: source 'nope.txt' does not exist" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "out.tar").exists()
    assert store.containers() == []


def test_unsupported_agent(build: Build, store: Store, tmp_path: Path) -> None:
    deffile = (
        "Bootstrap: debootstrap\nOSVersion: bookworm\nMirrorURL: http://deb.debian.org/debian\n"
    )
    result = build(deffile, "-o", "oci-archive:out.tar")
    assert result.rc == 1
    assert (
        "a.def:1:12: error: stage 1, header: Bootstrap: debootstrap is not supported by the "
        "buildah backend, use apptainer" in result.err
    )
    assert store.containers() == []


def test_post_failure_names_stage_and_section(
    build: Build, base_image: str, store: Store, tmp_path: Path
) -> None:
    deffile = (
        header(base_image, "first")
        + "%post\n    true\n\n"
        + header(base_image, "second")
        + ("%post\n    echo step one\n    echo 'about to fail' >&2\n    exit 3\n")
    )
    result = build(deffile, "-o", "localhost/defcheck-broken:1")
    assert result.rc == 1
    assert (
        "a.def:10:1: error: stage second, %post: script failed with exit status 3" in result.err
    ), result.err
    assert "about to fail" in result.err  # the tail of the output is shown with --quiet
    assert not any("defcheck-broken" in n for n in store.image_names())
    assert store.containers() == []


def test_missing_base_image(build: Build, store: Store, base_image: str) -> None:
    missing = base_image.split("/", 1)[0] + "/nothing/here:1"
    deffile = f"Bootstrap: docker\nFrom: {missing}\n%post\n    true\n"
    result = build(deffile, "-o", "oci-archive:out.tar")
    assert result.rc == 1
    assert f"a.def:1:12: error: stage 1, bootstrap: pulling docker://{missing} failed" in result.err
    assert store.containers() == []


def test_scratch_without_shell(build: Build, open_image: Open, tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("hi\n")
    result = build(
        "Bootstrap: scratch\n%files\n    hello.txt /hello.txt\n", "-o", "oci-archive:out.tar"
    )
    assert result.rc == 0, result.err
    image = open_image(f"oci-archive:{tmp_path / 'out.tar'}")
    assert image.config()["Entrypoint"] == ["/.singularity.d/actions/run"]
    assert image.read("/hello.txt") == "hi\n"
    assert image.exists("/.singularity.d/labels.json")
