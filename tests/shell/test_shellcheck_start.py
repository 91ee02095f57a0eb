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


def _many_bodies() -> list[ShellCheckRequest]:
    """Enough text for several batches (bigger than one small input)."""
    return [ShellCheckRequest(f"echo $v{i}\n" + "true\n" * 120) for i in range(40)]


def test_several_batches_start_as_their_files_are_written(shellcheck_bin: str) -> None:
    requests = _many_bodies()
    run = start_bodies(requests, binary=shellcheck_bin, workers=2)
    assert run._thread is not None, "several batches, run by worker threads"
    found = run.result()
    assert [sorted({f.code for f in fs}) for fs in found] == [["SC2086", "SC2154"]] * len(requests)
    assert found == check_bodies(requests, binary=shellcheck_bin, workers=1)


def test_a_failed_write_stops_every_batch(
    shellcheck_bin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from defcheck.shell import shellcheck

    written: list[int] = []

    def failing(text: str) -> bytes:
        written.append(1)
        if len(written) > 3:
            raise OSError(28, "No space left on device")
        return text.encode()

    monkeypatch.setattr(shellcheck, "_file_bytes", failing)
    run = start_bodies(_many_bodies(), binary=shellcheck_bin, workers=2)
    with pytest.raises(OSError, match="No space left"):
        run.result()
