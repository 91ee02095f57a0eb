"""Code actions: lint fixes as quick fixes, "ignore this rule here", "fix all", and
"pin this image" (a command that asks the registry only when the user runs it)."""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import threading
from collections.abc import Iterator

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import change, opened, rng, wait_diagnostics

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _actions(
    client: LanguageClient, uri: str, r: types.Range, only: list[str] | None = None
) -> list[types.CodeAction]:
    diags = list(client.diagnostics.get(uri, []))
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=r,
            context=types.CodeActionContext(diagnostics=diags, only=only),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def test_quick_fix_from_lint_fix(client: LanguageClient) -> None:
    text = "Bootstrap: docker\nFrom: alpine:3.20\n%enviroment\n    export A=1\n"
    uri = await opened(client, "actions-fix.def", text)
    actions = await _actions(client, uri, rng(2, 2, 2, 2))
    fix = next(a for a in actions if "DEF401" in a.title and "Ignore" not in a.title)
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.is_preferred
    assert fix.edit is not None and fix.edit.changes is not None
    (edit,) = fix.edit.changes[uri]
    assert edit.new_text.strip("%") == "environment"
    assert fix.diagnostics and fix.diagnostics[0].code == "DEF401"
    only = await _actions(client, uri, rng(2, 2, 2, 2), only=[types.CodeActionKind.QuickFix])
    assert all(a.kind == types.CodeActionKind.QuickFix for a in only)
    fix_all = await _actions(client, uri, rng(0, 0, 0, 0), only=["source.fixAll"])
    assert [a.kind for a in fix_all] == ["source.fixAll.defcheck"]


async def test_ignore_this_rule_here(client: LanguageClient) -> None:
    text = "Bootstrap: docker\nFrom: alpine:3.20\n"
    uri = await opened(client, "actions-ignore.def", text)
    await wait_diagnostics(client, uri, lambda d: any(x.code == "DEF103" for x in d))
    actions = await _actions(client, uri, rng(1, 8, 1, 8))
    ignore = next(a for a in actions if a.title.startswith("Ignore DEF103"))
    assert ignore.edit is not None and ignore.edit.changes is not None
    (edit,) = ignore.edit.changes[uri]
    assert edit.new_text == "# defcheck: ignore[DEF103]\n"
    assert edit.range == rng(1, 0, 1, 0)
    change(client, uri, 2, edit.new_text, edit.range)
    await wait_diagnostics(client, uri, lambda d: not any(x.code == "DEF103" for x in d))


async def test_ignore_extends_an_existing_comment(client: LanguageClient) -> None:
    text = "Bootstrap: docker\n# defcheck: ignore[DEF999]\nFrom: alpine:3.20\n"
    uri = await opened(client, "actions-ignore2.def", text)
    await wait_diagnostics(client, uri, lambda d: any(x.code == "DEF103" for x in d))
    actions = await _actions(client, uri, rng(2, 8, 2, 8))
    ignore = next(a for a in actions if a.title.startswith("Ignore DEF103"))
    assert ignore.edit is not None and ignore.edit.changes is not None
    (edit,) = ignore.edit.changes[uri]
    assert edit.new_text == "# defcheck: ignore[DEF999, DEF103]"
    assert edit.range.start.line == 1


DIGEST = "sha256:" + hashlib.sha256(b"manifest").hexdigest()


class _Registry(http.server.BaseHTTPRequestHandler):
    """The least a registry must answer for defpin to pin `test/img:1.0`."""

    def _answer(self, body: bool) -> None:
        if self.path == "/v2/":
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/v2/test/img/manifests/1.0":
            payload = b"manifest"
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            self.send_header("Docker-Content-Digest", DIGEST)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if body:
                self.wfile.write(payload)
            return
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self) -> None:
        self._answer(False)

    def do_GET(self) -> None:
        self._answer(True)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def registry() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


async def _run_pin(client: LanguageClient, uri: str, line: int) -> types.CodeAction:
    actions = await _actions(client, uri, rng(line, 8, line, 8))
    pin = next(a for a in actions if a.kind == types.CodeActionKind.RefactorRewrite)
    assert pin.command is not None and pin.command.command == "defcheck.pinImage"
    assert pin.edit is None  # nothing is resolved until the user runs it
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=pin.command.command, arguments=pin.command.arguments)
    )
    return pin


async def test_pin_image(client: LanguageClient, registry: int) -> None:
    applied: list[types.ApplyWorkspaceEditParams] = []
    if types.WORKSPACE_APPLY_EDIT not in client.protocol.fm.features:

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def _apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            applied.append(params)
            return types.ApplyWorkspaceEditResult(applied=True)

    text = f"Bootstrap: docker\nFrom: 127.0.0.1:{registry}/test/img:1.0\n"
    uri = await opened(client, "actions-pin.def", text)
    await _run_pin(client, uri, 1)
    for _ in range(200):
        if applied:
            break
        await asyncio.sleep(0.05)
    assert applied, [m.message for m in client.log_messages]
    changes = applied[0].edit.document_changes
    assert changes is not None
    edit = changes[0].edits[0]  # type: ignore[union-attr]
    assert DIGEST in edit.new_text  # type: ignore[union-attr]


async def test_pin_offline_is_a_clear_error(client: LanguageClient) -> None:
    uri = await opened(
        client, "actions-pin-off.def", "Bootstrap: docker\nFrom: 127.0.0.1:9/x/y:1\n"
    )
    before = len(client.messages)
    await _run_pin(client, uri, 1)
    for _ in range(200):
        if len(client.messages) > before:
            break
        await asyncio.sleep(0.05)
    message = client.messages[-1]
    assert message.type == types.MessageType.Error
    assert "could not pin" in message.message
