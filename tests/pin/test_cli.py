"""The defpin command line without a registry: offline checks, errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from helpers import python_output

from .conftest import ROOT, Result

D = "sha256:" + "a" * 64


def test_not_applicable_agents_are_listed(tmp_path: Path, defpin: Callable[..., Result]) -> None:
    f = tmp_path / "a.def"
    f.write_text(
        "Bootstrap: localimage\nFrom: /x.sif\n\nBootstrap: scratch\n\n"
        "Bootstrap: debootstrap\nOSVersion: bookworm\nMirrorURL: http://deb.debian.org/debian\n\n"
        "Bootstrap: docker-archive\nFrom: x.tar\n"
    )
    r = defpin(f, "--check", "--json")
    assert r.code == 0
    rows = json.loads(r.out)["results"]
    assert [(x["agent"], x["action"]) for x in rows] == [
        ("localimage", "not-applicable"), ("scratch", "not-applicable"),
        ("debootstrap", "not-applicable"), ("docker-archive", "not-applicable"),
    ]  # fmt: skip
    r = defpin(f)  # nothing to pin: no network needed, exit 0
    assert r.code == 0 and "not-applicable" in r.out


def test_check_offline(tmp_path: Path, defpin: Callable[..., Result]) -> None:
    pinned = tmp_path / "p.def"
    pinned.write_text(f"Bootstrap: docker\nFrom: a@{D}  # defpin: a:1\n")
    loose = tmp_path / "l.def"
    loose.write_text("Bootstrap: docker\nFrom: a:1\n")
    assert defpin(pinned, "--check").code == 0
    r = defpin(pinned, loose, "--check")
    assert r.code == 1
    assert f"{loose}:2:7: unpinned: a:1 is not pinned" in r.out


def test_directory_argument(tmp_path: Path, defpin: Callable[..., Result]) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.def").write_text("Bootstrap: docker\nFrom: a:1\n")
    (tmp_path / "notes.txt").write_text("From: b:1\n")
    r = defpin(tmp_path, "--check", "--json")
    assert r.code == 1
    assert [x["file"] for x in json.loads(r.out)["results"]] == [str(tmp_path / "sub" / "x.def")]


def test_invalid_reference_error_format(tmp_path: Path, defpin: Callable[..., Result]) -> None:
    f = tmp_path / "a.def"
    f.write_text("Bootstrap: docker\nFrom: docker://ubuntu:24.04\n")
    r = defpin(f, "--check")
    assert r.code == 2
    assert r.err.startswith(f"{f}:2:7: error: `docker://` must not be written")


def test_missing_file_and_usage_errors(tmp_path: Path, defpin: Callable[..., Result]) -> None:
    r = defpin(tmp_path / "nope.def", "--check")
    assert r.code == 2 and "no such file" in r.err
    assert defpin(tmp_path / "x.def", "--online").code == 2
    assert defpin(tmp_path / "x.def", "--platform", "a/b/c/d").code == 2
    assert defpin("--help").code == 0


def test_creds_spec_error(tmp_path: Path, defpin: Callable[..., Result]) -> None:
    f = tmp_path / "a.def"
    f.write_text("Bootstrap: docker\nFrom: a:1\n")
    r = defpin(f, "--creds", "nonsense", "--dry-run")
    assert r.code == 2 and "HOST=USER:PASSWORD" in r.err


def test_template_and_pinned_without_comment(tmp_path: Path, defpin: Callable[..., Result]) -> None:
    f = tmp_path / "a.def"
    f.write_text(f"Bootstrap: docker\nFrom: {{{{ BASE }}}}\n\nBootstrap: docker\nFrom: a@{D}\n")
    r = defpin(f, "--check")
    assert r.code == 0
    assert "skipped: From: holds a {{ build-argument }}" in r.out
    r = defpin(f, "--update")  # nothing to resolve: no tag recorded
    assert r.code == 0 and "no tag to re-resolve" in r.out


def test_entry_point_imports_no_httpx_for_offline_check(tmp_path: Path) -> None:
    f = tmp_path / "a.def"
    f.write_text("Bootstrap: docker\nFrom: a:1\n")
    code = (
        "import sys; from defcheck.cli.defpin import defpin_main\n"
        f"rc = defpin_main([{str(f)!r}, '--check', '-q'])\n"
        "print(rc, 'httpx' in sys.modules, 'rich' in sys.modules)\n"
        "import defcheck.pin.resolver, defcheck.pin.auth, defcheck.pin.library\n"
        "print('dataclasses' in sys.modules, 'queue' in sys.modules)\n"
    )
    # exit 1, no httpx, no rich; and defpin's own modules need neither dataclasses nor queue
    assert python_output(code) == ["1", "False", "False", "False", "False"]


def test_httpx_command_line_module_is_not_loaded() -> None:
    """Start-up: httpx's CLI module (click, pygments, rich) is never imported by defpin."""
    import subprocess
    import sys

    code = (
        "import sys, defcheck.pin.client\n"
        "m = sys.modules['httpx._main']\n"
        "assert getattr(m, '__file__', None) is None, m\n"
        "assert 'pygments' not in sys.modules\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr


def test_process_entry_point_flushes_output_and_exit_code(tmp_path: Path) -> None:
    """`python -m defcheck.cli.defpin` ends with os._exit: output must be complete."""
    files = []
    for i in range(30):
        f = tmp_path / f"a{i}.def"
        f.write_text("Bootstrap: docker\nFrom: a:1\n\nBootstrap: docker\nFrom: b:2\n")
        files.append(str(f))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "defcheck.cli.defpin", "--check", "--json", *files]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    assert len(json.loads(proc.stdout)["results"]) == 60
    proc = subprocess.run([*cmd[:3], str(tmp_path / "missing.def")], env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 2 and "missing.def" in proc.stderr


def test_main_pauses_gc_for_start_up_only() -> None:
    """`main()` turns the collector off for start-up and back on (frozen) before work."""
    code = (
        "import gc, defcheck.cli.defpin as d\n"
        "gc.disable(); d._gc_paused = True\n"
        "d._resume_gc()\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 0, d._gc_paused)\n"
    )
    assert python_output(code) == ["True", "True", "False"]
