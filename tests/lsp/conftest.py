"""Shared fixtures for the language-server tests: a real server over stdio (pytest-lsp)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Union

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

DATA = Path(__file__).parent / "data"
SERVER = [sys.executable, "-m", "defcheck", "lsp"]
CONFIG = ClientServerConfig(server_command=SERVER)


def sample(name: str) -> str:
    """Text of a sample file in tests/lsp/data."""
    return (DATA / name).read_text(encoding="utf-8")


def uri_for(name: str) -> str:
    """A file URI in the data directory (the file need not exist)."""
    return (DATA / name).as_uri()


def capabilities(encodings: Sequence[str] | None = None) -> types.ClientCapabilities:
    """Client capabilities with snippets, markdown and (optionally) position encodings."""
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=list(encodings))
        if encodings
        else None,
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True
            ),
            apply_edit=True,
        ),
        text_document=types.TextDocumentClientCapabilities(
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(
                    snippet_support=True, documentation_format=[types.MarkupKind.Markdown]
                )
            ),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                related_information=True, version_support=True
            ),
        ),
    )


def _fix_code_action_structuring(client: LanguageClient) -> None:
    """lsprotocol 2025.0.0 structures a `CodeAction` that has a `command` as a `Command`
    (client side only: the JSON the server sends is right); tell the test client's
    converter to decide on the type of the `command` field instead."""
    converter = client.protocol._converter

    def hook(obj: dict[str, object], _: object) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)  # type: ignore[no-any-return]
        return converter.structure(obj, types.CodeAction)  # type: ignore[no-any-return]

    converter.register_structure_hook(Union[types.Command, types.CodeAction], hook)  # noqa: UP007


async def start(client: LanguageClient, **init: object) -> types.InitializeResult:
    """Initialise a session with the default capabilities."""
    _fix_code_action_structuring(client)
    registrations: list[types.Registration] = []
    client.registrations = registrations  # type: ignore[attr-defined]
    if types.CLIENT_REGISTER_CAPABILITY not in client.protocol.fm.features:

        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def _register(params: types.RegistrationParams) -> None:
            registrations.extend(params.registrations)

    params = types.InitializeParams(
        capabilities=init.pop("capabilities", capabilities()),  # type: ignore[arg-type]
        root_uri=DATA.as_uri(),
        initialization_options=init.pop("options", {"diagnostics": {"shellcheck": False}}),
    )
    result = await client.initialize_session(params)
    client.init_result = result  # type: ignore[attr-defined]
    return result


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    """Send didOpen."""
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="apptainer", version=version, text=text
            )
        )
    )


def change(
    client: LanguageClient,
    uri: str,
    version: int,
    text: str,
    rng: types.Range | None = None,
) -> None:
    """Send didChange: an incremental change when `rng` is given, else the full text."""
    event: types.TextDocumentContentChangeEvent
    if rng is None:
        event = types.TextDocumentContentChangeWholeDocument(text=text)
    else:
        event = types.TextDocumentContentChangePartial(range=rng, text=text)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[event],
        )
    )


def pos(line: int, character: int) -> types.Position:
    """Shorthand."""
    return types.Position(line=line, character=character)


def rng(l1: int, c1: int, l2: int, c2: int) -> types.Range:
    """Shorthand."""
    return types.Range(start=pos(l1, c1), end=pos(l2, c2))


async def wait_diagnostics(
    client: LanguageClient,
    uri: str,
    predicate: Callable[[Sequence[types.Diagnostic]], bool] = lambda d: True,
    timeout: float = 10.0,
) -> Sequence[types.Diagnostic]:
    """Wait until the diagnostics published for `uri` satisfy `predicate`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        diags = client.diagnostics.get(uri)
        if diags is not None and predicate(diags):
            return diags
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"diagnostics for {uri} never matched; last: {diags!r}")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS),
                timeout=min(remaining, 0.5),
            )


@pytest_lsp.fixture(config=CONFIG, scope="session")
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    """One server for the whole session (each test uses its own document URIs)."""
    await start(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def opened(client: LanguageClient, name: str, text: str) -> str:
    """Open `text` under a fresh URI and wait for its first diagnostics; return the URI."""
    uri = uri_for(name)
    open_doc(client, uri, text)
    await wait_diagnostics(client, uri)
    return uri
