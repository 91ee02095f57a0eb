"""`defpin`: lock every base image of definition files to its digest.

Exit codes: 0 clean (or pinned in place), 1 changes needed / drift (`--check`,
`--dry-run`, `--diff`), 2 error (unreachable registry, bad reference, unwritable file,
Ctrl-C). Errors print as `file:line:col: error: message` on stderr. httpx and rich are
imported only once a run needs them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn, TextIO

from defcheck.errors import DefcheckError

if TYPE_CHECKING:
    from defcheck.pin.engine import Options, Outcome, PinReport, SourceFile

DESCRIPTION = """\
Pin the From: images of Apptainer/Singularity definition files to digests.
docker/oras pins are written `From: name@sha256:<hex>  # defpin: name:tag`,
library pins `From: entity/collection/container:sha256.<hex>  # defpin: name:tag`.
"""

EPILOG = """\
credentials: --creds HOST=USER:PASSWORD, DEFPIN_CREDS, ~/.apptainer/docker-config.json,
~/.docker/config.json (auths, credHelpers, credsStore). Exit: 0 ok, 1 changes needed or
drift, 2 error. Docs: docs/defpin.md
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (kept importable for docs and tests)."""
    p = argparse.ArgumentParser(
        prog="defpin",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="definition files or directories")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="offline: exit 1 if a reference is not pinned (writes nothing)",
    )
    mode.add_argument(
        "--update",
        action="store_true",
        help="re-resolve the `# defpin:` tags and move pins that changed",
    )
    p.add_argument(
        "--online",
        action="store_true",
        help="with --check: also exit 1 if a pinned tag now resolves elsewhere",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    p.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    p.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    p.add_argument(
        "--style",
        choices=("digest", "tag-digest"),
        default="digest",
        help="docker/oras pin form: name@digest + comment (default), or "
        "name:tag@digest (SingularityCE only; Apptainer rejects it)",
    )
    p.add_argument(
        "--platform",
        metavar="OS/ARCH[/VARIANT]",
        help="pin this platform's manifest instead of a multi-arch index; "
        "also the library arch (default: index, host arch)",
    )
    p.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        metavar="HOST",
        help="use plain http for HOST (loopback registries always may)",
    )
    p.add_argument(
        "--creds",
        action="append",
        default=[],
        metavar="HOST=USER:PASSWORD",
        help="credentials for one registry host (also: DEFPIN_CREDS)",
    )
    p.add_argument(
        "--library-url",
        default=os.environ.get("DEFPIN_LIBRARY_URL"),
        metavar="URL",
        help="library API base URL (also: DEFPIN_LIBRARY_URL)",
    )
    p.add_argument(
        "--library-token-file",
        metavar="FILE",
        help="bearer token for --library-url (also: DEFPIN_LIBRARY_TOKEN)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=8,
        metavar="N",
        help="parallel registry requests (default 8)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="timeout per request (default 30)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=3,
        metavar="N",
        help="retries on 5xx, 429 and network errors (default 3)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    return p


def defpin_main(argv: list[str] | None = None) -> int:
    """Run `defpin` with `argv`; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 0 for --help, 2 for usage errors
        return int(exc.code or 0)
    if args.online and not args.check:
        parser.print_usage(sys.stderr)
        sys.stderr.write("defpin: error: --online goes with --check\n")
        return 2
    try:
        return _run(args)
    except DefcheckError as exc:
        message = str(exc)
        if ": error: " not in message:
            message = f"defpin: error: {message}"
        sys.stderr.write(message + "\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("defpin: interrupted; no file was changed\n")
        return 2
    except BrokenPipeError:
        return 2
    except Exception as exc:  # the command boundary: a bug must not print a traceback
        sys.stderr.write(f"defpin: internal error: {exc!r}; please report it\n")
        return 2


def _options(args: argparse.Namespace) -> Options:
    from defcheck.errors import ConfigError
    from defcheck.pin.engine import Mode, Options
    from defcheck.pin.query import Platform
    from defcheck.pin.rewrite import Style

    if args.check:
        mode = Mode.CHECK_ONLINE if args.online else Mode.CHECK
    else:
        mode = Mode.UPDATE if args.update else Mode.PIN
    platform = None
    if args.platform:
        try:
            platform = Platform.parse(args.platform)
        except ValueError as exc:
            raise ConfigError(f"invalid config: --platform: {exc}") from None
    if args.concurrency < 1 or args.timeout <= 0 or args.retries < 0:
        raise ConfigError("invalid config: --concurrency, --timeout must be positive")
    return Options(mode, Style(args.style), platform, args.library_url)


def _library_tokens(args: argparse.Namespace) -> dict[str, str]:
    import httpx

    from defcheck.errors import ConfigError

    token = os.environ.get("DEFPIN_LIBRARY_TOKEN")
    if args.library_token_file:
        try:
            with open(args.library_token_file, encoding="utf-8") as fh:
                token = fh.read().strip()
        except OSError as exc:
            raise ConfigError(f"invalid config: --library-token-file: {exc.strerror}") from None
    if not token or not args.library_url:
        return {}
    url = args.library_url if "://" in args.library_url else f"https://{args.library_url}"
    return {httpx.URL(url).netloc.decode("ascii").lower(): token}


def _run(args: argparse.Namespace) -> int:
    from defcheck.pin.engine import Mode, load

    options = _options(args)
    if options.mode is Mode.CHECK:  # offline: httpx is never imported
        from defcheck.pin.engine import offline_report

        _resume_gc()
        files = load(args.paths)
        report = offline_report(files, options)
        return _finish(args, options, files, report, requests=0)
    return _run_online(args, options)


def _run_online(args: argparse.Namespace, options: Options) -> int:
    from defcheck.pin.auth import RegistryAuth
    from defcheck.pin.client import RegistryClient, new_http_client
    from defcheck.pin.credentials import CredentialStore
    from defcheck.pin.engine import load, plan
    from defcheck.pin.library import LibraryClient
    from defcheck.pin.reference import Agent
    from defcheck.pin.resolver import Resolver

    _resume_gc()  # defpin's modules and httpx are loaded (httpcore: on the first request)
    files = load(args.paths)
    auth = RegistryAuth(CredentialStore(args.creds))
    http = new_http_client(timeout=args.timeout, auth=auth, concurrency=args.concurrency)
    registry = RegistryClient(http, insecure_hosts=args.insecure_registry)
    needs_library = any(t.transport is Agent.LIBRARY for f in files for t in f.targets)
    lib_http = None
    library = None
    if needs_library:
        lib_http = new_http_client(timeout=args.timeout, auth=None, concurrency=args.concurrency)
        library = LibraryClient(lib_http, tokens=_library_tokens(args))
    resolver = Resolver(registry, library, concurrency=args.concurrency, retries=args.retries)
    progress = _Progress.create(enabled=not (args.quiet or args.json))
    try:
        report = plan(
            files, options, resolver, progress=progress.advance, on_queries=progress.start
        )
    finally:
        progress.stop()
        http.close()
        if lib_http is not None:
            lib_http.close()
    requests = registry.requests + auth.token_requests + (library.requests if library else 0)
    return _finish(args, options, files, report, requests=requests)


def _finish(
    args: argparse.Namespace,
    options: Options,
    files: Sequence[SourceFile],
    report: PinReport,
    *,
    requests: int,
) -> int:
    from defcheck.pin.engine import Action, check_writable, write_changes

    out = sys.stdout
    preview = args.dry_run or args.diff or args.check
    errors = report.errors
    for o in errors:
        sys.stderr.write(f"{o.target.where}: error: {o.message}\n")
    if not errors and report.new_texts and not preview:
        problems = check_writable(list(report.new_texts))
        if problems:
            for line in problems:
                sys.stderr.write(line + "\n")
            sys.stderr.write("defpin: no file was changed\n")
            return 2
        written = write_changes(report.new_texts)
    else:
        written = []
    if errors and report.new_texts and not preview:
        sys.stderr.write("defpin: no file was changed (fix the errors above first)\n")
    if args.json:
        _write_json(out, report, written=written, requests=requests)
    elif not args.quiet:
        _write_text(out, report, preview=bool(preview), written=written)
    if args.diff:
        import difflib

        texts = {f.path: f.text for f in files}
        for path, new in report.new_texts.items():
            out.writelines(
                difflib.unified_diff(
                    texts[path].splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile=path,
                    tofile=path,
                )
            )
    if errors:
        return 2
    if preview and report.needs_attention:
        return 1
    if any(o.action is Action.UNPINNED for o in report.outcomes):
        return 1
    return 0


_VERB = {
    "pin": ("pinned", "would pin"),
    "update": ("updated", "would update"),
}


def _describe(o: Outcome, preview: bool) -> str:
    t = o.target
    kind = f" ({o.kind.value}{', ' + o.platform if o.platform else ''})" if o.kind else ""
    action = o.action.value
    if action in _VERB:
        verb = _VERB[action][1 if preview else 0]
        old = f" from {t.digest}" if t.digest else ""
        return f"{t.where}: {verb} {t.tag_ref}{old} -> {o.new_digest}{kind}"
    if action == "drift":
        return f"{t.where}: drift: {o.message}{kind}"
    if action == "unchanged":
        return f"{t.where}: up to date: {t.tag_ref} = {o.new_digest}{kind}"
    if action == "pinned":
        detail = f" ({o.message})" if o.message else ""
        return f"{t.where}: pinned: {t.value}{detail}"
    if action == "unpinned":
        return f"{t.where}: unpinned: {o.message} (run `defpin {t.path}`)"
    return f"{t.where}: {action}: {o.message}"


def _write_text(out: TextIO, report: PinReport, *, preview: bool, written: list[str]) -> None:
    for o in report.outcomes:
        if o.action.value != "error":
            out.write(_describe(o, preview) + "\n")
    if written:
        out.write(f"defpin: wrote {len(written)} file(s)\n")


def _write_json(out: TextIO, report: PinReport, *, written: list[str], requests: int) -> None:
    rows = []
    for o in report.outcomes:
        t = o.target
        rows.append(
            {
                "file": t.path,
                "line": t.line,
                "column": t.column,
                "stage": t.stage,
                "agent": t.agent,
                "reference": t.value,
                "tag": t.tag_ref,
                "old_digest": t.digest,
                "new_digest": o.new_digest,
                "kind": o.kind.value if o.kind else None,
                "platform": o.platform,
                "action": o.action.value,
                "message": o.message or None,
            }
        )
    summary: dict[str, int] = {}
    for o in report.outcomes:
        summary[o.action.value] = summary.get(o.action.value, 0) + 1
    doc = {
        "version": 1,
        "results": rows,
        "summary": summary,
        "written": written,
        "requests": requests,
    }
    out.write(json.dumps(doc, indent=2) + "\n")


class _Progress:
    """A rich progress bar on a terminal for runs with many references; else nothing."""

    THRESHOLD = 8

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: object = None
        self._task: object = None

    @classmethod
    def create(cls, *, enabled: bool) -> _Progress:
        return cls(enabled and sys.stderr.isatty())

    def start(self, total: int) -> None:
        if not self.enabled or total < self.THRESHOLD:
            return
        from rich.console import Console
        from rich.progress import Progress

        bar = Progress(console=Console(stderr=True), transient=True)
        bar.start()
        self._task = bar.add_task("resolving", total=total)
        self._bar = bar

    def advance(self, query: object, outcome: object) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()  # type: ignore[attr-defined]
            self._bar = None


#: Set by `main()`: the garbage collector is paused for start-up (see `_resume_gc`).
_gc_paused = False


def _resume_gc() -> None:
    """Re-enable the collector paused by `main()`, exempting what start-up created.

    Importing httpx and the parser allocates ~100k long-lived objects and next to no
    garbage; collecting while importing costs ~7% of that time. `gc.freeze()` moves
    those objects out of the collector's reach before it runs again, so reading the
    files, resolving and big runs are collected as usual.
    """
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.freeze()
        gc.enable()


def _exit(code: int) -> NoReturn:
    """Flush the output and end the process without tearing the interpreter down.

    Finalising the ~270 modules a networked run imports takes 25-40 ms and releases
    nothing the OS would not. Nothing else is pending at this point: files are written
    (atomically) and the HTTP clients closed before `defpin_main` returns, and the
    resolver's daemon threads have finished. Under a tracer or profiler (coverage,
    cProfile), or if flushing fails (a closed pipe), the normal exit path runs.
    """
    if sys.gettrace() is not None or sys.getprofile() is not None:
        sys.exit(code)  # coverage or a profiler writes its data at exit
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    os._exit(code)


def _skip_async_backends() -> None:
    """Keep httpcore from importing anyio and trio in the `defpin` process.

    httpcore imports them at start-up (when installed) for its async locks and events,
    ~4 ms of CPU before the first request; defpin only uses the synchronous client,
    whose code never touches them, and httpcore treats a failed import as "not
    installed". Only the command's own process does this (not `defpin_main`, which the
    tests and the language server call in processes that may need them).
    """
    for name in ("anyio", "trio"):
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def main() -> None:
    """`python -m defcheck.cli.defpin`: `defpin_main` as a process of its own."""
    global _gc_paused
    if gc.isenabled():
        gc.disable()
        _gc_paused = True
    _skip_async_backends()
    _exit(defpin_main())


if __name__ == "__main__":
    main()
