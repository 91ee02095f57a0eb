"""defpin's value classes (no dataclasses, for start-up time) keep value semantics."""

from __future__ import annotations

from pathlib import Path

from defcheck.pin.credentials import Credentials
from defcheck.pin.engine import Action, Outcome, PinReport, load
from defcheck.pin.query import Kind, LibraryQuery, OciQuery, Platform, Resolution
from defcheck.pin.targets import Status, _replace
from helpers import python_output


def test_queries_are_values() -> None:
    a = OciQuery("r.io", "a/b", "1", platform=Platform("linux", "arm64", "v8"))
    b = OciQuery("r.io", "a/b", "1", Platform.parse("linux/arm64/v8"))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != OciQuery("r.io", "a/b", "1") and a != OciQuery("r.io", "a/b", "2")
    assert a != LibraryQuery("r.io", "a/b", "1", "arm64")
    assert OciQuery("h", "r", "t") != ("h", "r", "t", None, None)
    assert repr(OciQuery("h", "r", "t", previous="d")) == (
        "OciQuery(host='h', repository='r', tag='t', platform=None, previous='d')"
    )
    lib = LibraryQuery("https://l/", "e/c/i", "1", "amd64")
    assert (
        lib == LibraryQuery("https://l/", "e/c/i", "1", "amd64") and str(lib) == "https://l/e/c/i:1"
    )
    assert {lib: 1}[LibraryQuery("https://l/", "e/c/i", "1", "amd64")] == 1
    assert Resolution("d", Kind.INDEX) == Resolution("d", Kind.INDEX, None)


def test_credentials_value_hides_the_secret() -> None:
    a = Credentials("me", "s3cret", "cli")
    same = Credentials("me", "s3cret", "cli")
    assert a == same and hash(a) == hash(same)
    assert a != Credentials("me", "other", "cli") and Credentials("me", "s3cret").source == ""
    assert "s3cret" not in repr(a) and "me" in repr(a)


def test_pin_report_defaults_are_not_shared() -> None:
    one, two = PinReport(), PinReport()
    one.outcomes.append(Outcome(None, Action.ERROR))  # type: ignore[arg-type]
    one.new_texts["a"] = "b"
    assert two.outcomes == [] and two.new_texts == {} and one != two
    assert PinReport([], {}) == PinReport()


def test_target_copies_change_only_the_given_fields(tmp_path: Path) -> None:
    path = str(tmp_path / "a.def")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Bootstrap: docker\nFrom: ubuntu:24.04  # base\n")
    target = load([path])[0].targets[0]
    assert target.status is Status.UNPINNED and target.comment == "# base"
    copy = _replace(target, reason="x")
    assert copy.reason == "x" and target.reason == ""
    assert _replace(copy, reason="") == target and hash(_replace(copy, reason="")) == hash(target)
    assert Outcome(target, Action.PIN) == Outcome(target, Action.PIN, message="")


def test_sync_client_works_without_async_backends() -> None:
    """`main()` keeps anyio and trio out; httpx's synchronous client must not need them."""
    code = (
        "import sys, threading, http.server\n"
        "import defcheck.cli.defpin as d\n"
        "d._skip_async_backends()\n"
        "from defcheck.pin.client import new_http_client\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_HEAD(self):\n"
        "        self.send_response(200); self.send_header('Content-Length', '0')\n"
        "        self.end_headers()\n"
        "    def log_message(self, *a): pass\n"
        "srv = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
        "threading.Thread(target=srv.serve_forever, daemon=True).start()\n"
        "http = new_http_client(timeout=5, auth=None, concurrency=1)\n"
        "r = http.head(f'http://127.0.0.1:{srv.server_port}/')\n"
        "print(r.status_code, sys.modules.get('anyio', 0) is None)\n"
    )
    assert python_output(code) == ["200", "True"]
