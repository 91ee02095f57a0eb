"""Language-server benchmark: defcheck against the Dockerfile language server, over stdio.

    python benchmarks/lsp.py [--changes N] [--completions N] [--lines N] [--no-docker]

For each server and each file (a typical file, a ~5,000-line file of typical content and
a ~5,000-line file where every line is a finding; the definition files and their
equivalent Dockerfiles are generated the same way), it measures:

* didChange -> publishDiagnostics: an incremental one-character edit in the middle of the
  file (the last letter or digit of a line toggles), timed until the server publishes
  diagnostics for the document again (defcheck: parse + lint findings without ShellCheck,
  its debounce included);
* completion: `textDocument/completion` round trips at the start of an empty line.

`dockerfile-language-server-nodejs` (npm) is installed on first use into
`benchmarks/.cache/npm` (`--npm-prefix` to change; `--no-docker` to skip it). Prints p50/p95
per server and file and the defcheck/Dockerfile ratios. Targets (issue 6): diagnostics p95
< 50 ms on the 5,000-line file (of typical content), completion p95 < 20 ms, no slower than
the Dockerfile server. The every-line-a-finding file is a stress case: there defcheck sends
5,000 diagnostics (about 1.6 MB of JSON) per change, and the Dockerfile server none.
Exits 0 whatever the numbers are (it measures; people decide).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parents[1]
NPM_PACKAGE = "dockerfile-language-server-nodejs@0.15.0"

TYPICAL_DEF = """\
Bootstrap: docker
From: python:3.12-slim

%files
    requirements.txt /opt/app/requirements.txt
    app.py /opt/app/app.py

%environment
    export LC_ALL=C.UTF-8
    export PYTHONUNBUFFERED=1

%post
    apt-get update
    apt-get install -y --no-install-recommends curl ca-certificates
    rm -rf /var/lib/apt/lists/*
    pip install --no-cache-dir -r /opt/app/requirements.txt
    useradd --create-home app

%runscript
    exec python /opt/app/app.py "$@"

%labels
    Author someone@example.org
    Version 1.0

%help
    Runs the example app.
"""

TYPICAL_DOCKERFILE = """\
FROM python:3.12-slim

COPY requirements.txt /opt/app/requirements.txt
COPY app.py /opt/app/app.py

ENV LC_ALL=C.UTF-8 \\
    PYTHONUNBUFFERED=1

RUN apt-get update \\
    && apt-get install -y --no-install-recommends curl ca-certificates \\
    && rm -rf /var/lib/apt/lists/* \\
    && pip install --no-cache-dir -r /opt/app/requirements.txt \\
    && useradd --create-home app

LABEL Author="someone@example.org" Version="1.0"

ENTRYPOINT ["python", "/opt/app/app.py"]
"""


_BLOCK_DEF = """\
    apt-get update
    apt-get install -y --no-install-recommends \\
        curl ca-certificates libpkg{i}-dev
    rm -rf /var/lib/apt/lists/*
    pip install --no-cache-dir "package{i}==1.{i}"
    echo "step {i}" >> /opt/build.log
    if [ -d /opt/src{i} ]; then
        cd /opt/src{i} && make -j4 && make install
    fi
"""
_BLOCK_DOCKERFILE = """\
    && apt-get update \\
    && apt-get install -y --no-install-recommends \\
        curl ca-certificates libpkg{i}-dev \\
    && rm -rf /var/lib/apt/lists/* \\
    && pip install --no-cache-dir "package{i}==1.{i}" \\
    && echo "step {i}" >> /opt/build.log \\
    && if [ -d /opt/src{i} ]; then \\
        cd /opt/src{i} && make -j4 && make install; \\
    fi \\
"""


def typical_big_def(lines: int) -> str:
    """A definition file of about `lines` lines: a long `%post` of typical, clean steps."""
    body = "".join(_BLOCK_DEF.format(i=i) for i in range((lines - 8) // 9))
    return (
        "Bootstrap: docker\nFrom: ubuntu:24.04\n\n%post\n" + body + '\n%runscript\n    exec "$@"\n'
    )


def typical_big_dockerfile(lines: int) -> str:
    """The equivalent Dockerfile: one long `RUN` with the same steps."""
    body = "".join(_BLOCK_DOCKERFILE.format(i=i) for i in range((lines - 8) // 9))
    return (
        "FROM ubuntu:24.04\n\nRUN set -e \\\n" + body + "    && true\n\n"
        'ENTRYPOINT ["/bin/sh", "-c", "exec \\"$@\\""]\n'
    )


def big_def(lines: int) -> str:
    """A definition file of about `lines` lines: a header and a long `%post`."""
    body = "".join(f"    apt-get install -y package{i}\n" for i in range(lines - 8))
    return (
        "Bootstrap: docker\nFrom: ubuntu:24.04\n\n%post\n" + body + '\n%runscript\n    exec "$@"\n'
    )


def big_dockerfile(lines: int) -> str:
    """The equivalent Dockerfile: one long `RUN` with continuation lines."""
    body = "".join(f"    && apt-get install -y package{i} \\\n" for i in range(lines - 8))
    return (
        "FROM ubuntu:24.04\n\nRUN set -e \\\n" + body + "    && true\n\n"
        'ENTRYPOINT ["/bin/sh", "-c", "exec \\"$@\\""]\n'
    )


@dataclass
class Result:
    """Latencies (milliseconds) of one server on one file."""

    diagnostics: list[float]
    completion: list[float]
    busy_completion: list[float]  # completion sent right after a change, while it is linted


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


class Driver:
    """One server process and a client that records publishDiagnostics arrivals."""

    def __init__(self, name: str, cmd: list[str], options: object = None) -> None:
        self.name = name
        self.cmd = cmd
        self.options = options
        self.client = LanguageClient("defcheck-benchmark", "1")
        self.event = asyncio.Event()
        self.published: dict[str, int] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _diags(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = self.published.get(params.uri, 0) + 1
            self.event.set()

        @self.client.feature(types.WORKSPACE_CONFIGURATION)
        def _config(params: types.ConfigurationParams) -> list[object]:
            return [None for _ in params.items]

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def _register(params: types.RegistrationParams) -> None:
            return None

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def _log(params: types.LogMessageParams) -> None:
            return None

    async def start(self) -> None:
        await self.client.start_io(*self.cmd)
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    text_document=types.TextDocumentClientCapabilities(
                        completion=types.CompletionClientCapabilities(
                            completion_item=types.ClientCompletionItemOptions(snippet_support=True)
                        )
                    )
                ),
                root_uri=(REPO / "benchmarks").as_uri(),
                initialization_options=self.options,
            )
        )
        self.client.initialized(types.InitializedParams())

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 10)
            self.client.exit(None)
        except Exception:  # the benchmark reports numbers; a slow exit is not one
            pass
        await self.client.stop()

    async def _next_publish(self, uri: str, count: int, timeout: float = 60) -> None:
        deadline = time.perf_counter() + timeout
        while self.published.get(uri, 0) <= count:
            self.event.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: no diagnostics for {uri}")
            try:
                await asyncio.wait_for(self.event.wait(), remaining)
            except asyncio.TimeoutError:
                continue

    async def measure(
        self, uri: str, text: str, edit_line: int, completion_line: int, changes: int, comps: int
    ) -> Result:
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="plaintext", version=1, text=text
                )
            )
        )
        await self._next_publish(uri, 0)
        await asyncio.sleep(0.3)  # let any follow-up publication pass
        lines = text.split("\n")
        col = max(i for i, ch in enumerate(lines[edit_line]) if ch.isalnum())
        diag: list[float] = []
        version = 1
        for i in range(changes):
            version += 1
            count = self.published.get(uri, 0)
            # Toggle the last letter or digit of a line.
            new = "8" if i % 2 == 0 else lines[edit_line][col]
            rng = types.Range(
                start=types.Position(line=edit_line, character=col),
                end=types.Position(line=edit_line, character=col + 1),
            )
            start = time.perf_counter()
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangePartial(range=rng, text=new)],
                )
            )
            await self._next_publish(uri, count)
            diag.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.02)
        busy: list[float] = []
        for i in range(max(comps // 2, 1)):
            version += 1
            count = self.published.get(uri, 0)
            new = "7" if i % 2 == 0 else lines[edit_line][col]
            rng = types.Range(
                start=types.Position(line=edit_line, character=col),
                end=types.Position(line=edit_line, character=col + 1),
            )
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangePartial(range=rng, text=new)],
                )
            )
            start = time.perf_counter()
            await self.client.text_document_completion_async(
                types.CompletionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    position=types.Position(line=completion_line, character=0),
                )
            )
            busy.append((time.perf_counter() - start) * 1000)
            await self._next_publish(uri, count)
            await asyncio.sleep(0.02)
        comp: list[float] = []
        for _ in range(comps):
            start = time.perf_counter()
            await self.client.text_document_completion_async(
                types.CompletionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    position=types.Position(line=completion_line, character=0),
                )
            )
            comp.append((time.perf_counter() - start) * 1000)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        await asyncio.sleep(0.2)
        return Result(diag, comp, busy)


def docker_langserver(prefix: Path) -> list[str] | None:
    """The Dockerfile language server command, installing it with npm if needed."""
    binary = prefix / "node_modules" / ".bin" / "docker-langserver"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            print("npm not found: skipping the Dockerfile language server", file=sys.stderr)
            return None
        prefix.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", NPM_PACKAGE],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not binary.exists():
            print(f"npm install failed:\n{done.stderr}", file=sys.stderr)
            return None
    return [str(binary), "--stdio"]


def _middle_line(text: str, needle: str) -> int:
    """The line containing `needle` nearest the middle of `text` (the line edited)."""
    lines = text.split("\n")
    matches = [i for i, line in enumerate(lines) if needle in line]
    return min(matches, key=lambda i: abs(i - len(lines) // 2))


async def run(args: argparse.Namespace) -> dict[tuple[str, str], Result]:
    files = {
        "typical": (TYPICAL_DEF, TYPICAL_DOCKERFILE, "pip install"),
        f"{args.lines} lines": (
            typical_big_def(args.lines),
            typical_big_dockerfile(args.lines),
            "libpkg",
        ),
        f"{args.lines} dense": (
            big_def(args.lines),
            big_dockerfile(args.lines),
            "install -y package",
        ),
    }
    servers: list[tuple[str, list[str], object, int]] = [
        (
            "defcheck",
            [sys.executable, "-m", "defcheck", "lsp"],
            {"diagnostics": {"shellcheck": False}},
            0,
        )
    ]
    if not args.no_docker:
        cmd = docker_langserver(Path(args.npm_prefix))
        if cmd is not None:
            servers.append(("dockerfile", cmd, None, 1))
    results: dict[tuple[str, str], Result] = {}
    for name, cmd, options, which in servers:
        driver = Driver(name, cmd, options)
        await driver.start()
        try:
            for label, (def_text, dockerfile, needle) in files.items():
                text = dockerfile if which else def_text
                ext = "Dockerfile" if which else "image.def"
                uri = (REPO / "benchmarks" / f"bench-{label.replace(' ', '-')}-{ext}").as_uri()
                edit_line = _middle_line(text, needle)
                results[(name, label)] = await driver.measure(
                    uri, text, edit_line, 1, args.changes, args.completions
                )
        finally:
            await driver.stop()
    return results


def report(results: dict[tuple[str, str], Result]) -> None:
    print(
        f"{'server':<11} {'file':<12} {'diag p50':>9} {'diag p95':>9} {'compl p50':>10} "
        f"{'compl p95':>10} {'busy p95':>9}   (ms; busy = completion right after a change)"
    )
    for (name, label), r in results.items():
        print(
            f"{name:<11} {label:<12} {pct(r.diagnostics, 0.5):9.1f} {pct(r.diagnostics, 0.95):9.1f}"
            f" {pct(r.completion, 0.5):10.2f} {pct(r.completion, 0.95):10.2f}"
            f" {pct(r.busy_completion, 0.95):9.1f}"
        )
    labels = sorted({label for _, label in results})
    for label in labels:
        ours, theirs = results.get(("defcheck", label)), results.get(("dockerfile", label))
        if ours is None or theirs is None:
            continue
        d = pct(ours.diagnostics, 0.95) / pct(theirs.diagnostics, 0.95)
        c = pct(ours.completion, 0.95) / pct(theirs.completion, 0.95)
        print(
            f"ratio defcheck/dockerfile ({label}): diagnostics p95 {d:.2f}x, "
            f"completion p95 {c:.2f}x"
        )
    big = [r for (n, label), r in results.items() if n == "defcheck" and label.endswith("lines")]
    if big:
        print(
            f"targets (5,000 lines of typical content): diagnostics p95 < 50 ms: "
            f"{'met' if pct(big[0].diagnostics, 0.95) < 50 else 'NOT met'}; "
            f"completion p95 < 20 ms: "
            f"{'met' if pct(big[0].completion, 0.95) < 20 else 'NOT met'}"
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--changes", type=int, default=30, help="didChange samples per file")
    p.add_argument("--completions", type=int, default=50, help="completion samples per file")
    p.add_argument("--lines", type=int, default=5000, help="size of the big file")
    p.add_argument("--no-docker", action="store_true", help="skip the Dockerfile server")
    p.add_argument(
        "--npm-prefix",
        default=str(REPO / "benchmarks" / ".cache" / "npm"),
        help="where to install dockerfile-language-server-nodejs",
    )
    args = p.parse_args(argv)
    results = asyncio.run(run(args))
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
