"""Start and stop a test HTTP server on a free loopback port, in a daemon thread."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


def serve(server: ThreadingHTTPServer) -> ThreadingHTTPServer:
    """Serve `server` in a daemon thread; returns it."""
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def shutdown(server: ThreadingHTTPServer | None) -> None:
    """Stop a server started with `serve` (no-op for None)."""
    if server is not None:
        server.shutdown()
        server.server_close()
