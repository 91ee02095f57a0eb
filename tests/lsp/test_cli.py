"""`defcheck lsp`: stdio by default, `--tcp HOST:PORT`, `--log-file PATH`, and the
position encoding negotiated with the client (UTF-8 / UTF-16)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from tests.lsp.conftest import SERVER

pytestmark = pytest.mark.asyncio(loop_scope="function")

TEXT = "Bootstrap: docker\nFrom: alpine # 😀 é\nStage: s😀\n%files from s😀\n  a b\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _session(client: LanguageClient, encodings: list[str] | None) -> types.InitializeResult:
    general = types.GeneralClientCapabilities(position_encodings=encodings) if encodings else None
    result = await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(general=general))
    )
    client.initialized(types.InitializedParams())
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri="file:///enc.def", language_id="apptainer", version=1, text=TEXT
            )
        )
    )
    return result


async def _definition_of_stage_use(client: LanguageClient, character: int) -> types.Range:
    result = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri="file:///enc.def"),
            position=types.Position(line=3, character=character),
        )
    )
    assert isinstance(result, list) and result
    loc = result[0]
    assert isinstance(loc, types.Location)
    return loc.range


async def test_tcp_and_log_file(tmp_path: Path) -> None:
    port = _free_port()
    log = tmp_path / "lsp.log"
    proc = subprocess.Popen(
        [*SERVER, "--tcp", f"127.0.0.1:{port}", "--log-file", str(log), "--log-level", "debug"]
    )
    client = LanguageClient("test", "1")
    try:
        for _ in range(400):  # the server needs a moment to listen (one connection only)
            try:
                await client.start_tcp("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        result = await _session(client, None)
        assert result.server_info is not None and result.server_info.name == "defcheck"
        assert result.capabilities.position_encoding in (None, types.PositionEncodingKind.Utf16)
        rng = await _definition_of_stage_use(client, 13)
        # "Stage: s😀": the emoji is two UTF-16 code units.
        assert (rng.start.character, rng.end.character) == (7, 10)
        await asyncio.wait_for(client.shutdown_async(None), 10)
        client.exit(None)
    finally:
        await asyncio.wait_for(client.stop(), 10)
        proc.terminate()
        proc.wait(10)
    assert "defcheck" in log.read_text(encoding="utf-8")


async def test_utf8_position_encoding() -> None:
    client = LanguageClient("test", "1")
    await client.start_io(*SERVER)
    try:
        result = await _session(client, ["utf-8", "utf-16"])
        assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
        rng = await _definition_of_stage_use(client, 13)
        assert (rng.start.character, rng.end.character) == (7, 12)  # 😀 is 4 UTF-8 bytes
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()


async def test_bad_arguments() -> None:
    out = subprocess.run(
        [*SERVER, "--tcp", "nonsense"], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 2
    assert "HOST:PORT" in out.stderr
    help_out = subprocess.run(
        [*SERVER, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert help_out.returncode == 0 and "--log-file" in help_out.stdout
    assert sys.executable
