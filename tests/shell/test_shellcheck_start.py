"""`start_bodies`: ShellCheck starts at once and runs while the caller works."""

from __future__ import annotations

import pytest

from defcheck.shell.shellcheck import ShellCheckRequest, check_bodies, start_bodies

pytestmark = pytest.mark.shellcheck


def test_started_run_gives_what_check_bodies_gives(shellcheck_bin: str) -> None:
    requests = [
        ShellCheckRequest("echo $1\n"),
        ShellCheckRequest("  \n"),
        ShellCheckRequest("x=1\n"),
    ]
    run = start_bodies(requests, binary=shellcheck_bin)
    assert run.result() == check_bodies(requests, binary=shellcheck_bin)
    assert run.result() == run.result()  # collected once


def test_a_body_never_reads_another(shellcheck_bin: str) -> None:
    # Bodies are checked as files of one batch; one sourcing "1.sh" must not get the
    # other body's text (ShellCheck follows files that are among its inputs).
    requests = [ShellCheckRequest('. 1.sh\necho "$y"\n'), ShellCheckRequest("y=2\n")]
    first = {f.code for f in check_bodies(requests, binary=shellcheck_bin)[0]}
    assert "SC1091" in first


def test_errors_surface_in_result() -> None:
    run = start_bodies([ShellCheckRequest("echo $x\n")], binary="/nonexistent/shellcheck")
    with pytest.raises(Exception, match="shellcheck"):
        run.result()
