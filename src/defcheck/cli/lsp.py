"""`defcheck lsp`: run the language server on stdio (default) or TCP."""

from __future__ import annotations

import argparse
import logging
import sys


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="defcheck lsp",
        description="Run the defcheck language server (stdio by default).",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--stdio", action="store_true", help="speak LSP on stdin/stdout (default)")
    mode.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP address instead")
    p.add_argument("--log-file", metavar="PATH", help="write the server's log to PATH")
    p.add_argument(
        "--log-level",
        default="info",
        choices=["error", "warning", "info", "debug"],
        help="level for --log-file (default: info)",
    )
    return p


def _address(text: str) -> tuple[str, int] | None:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        return None
    return host.strip("[]") or "127.0.0.1", int(port)


def run(argv: list[str]) -> int:
    """Entry point of `defcheck lsp`."""
    args = _parser().parse_args(argv)
    address = None
    if args.tcp:
        address = _address(args.tcp)
        if address is None:
            sys.stderr.write(f"defcheck lsp: error: --tcp wants HOST:PORT, got {args.tcp!r}\n")
            return 2
    if args.log_file:
        try:
            handler: logging.Handler = logging.FileHandler(args.log_file, encoding="utf-8")
        except OSError as exc:
            sys.stderr.write(f"defcheck lsp: error: cannot open log file: {exc.strerror}\n")
            return 2
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(args.log_level.upper())
    else:
        logging.getLogger().addHandler(logging.NullHandler())
        logging.getLogger("pygls").setLevel(logging.CRITICAL)

    from defcheck.lsp.server import build_server

    # Lint runs in a worker thread; a short GIL switch interval lets requests in between.
    sys.setswitchinterval(0.0005)
    server = build_server()
    if address is not None:
        server.start_tcp(*address)
    else:
        server.start_io()
    return 0
