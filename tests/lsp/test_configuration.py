"""Configuration: discovered like the CLI, reloaded on didChangeConfiguration and when a
watched config file changes; invalid settings are reported, never fatal."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient
from tests.lsp.conftest import CONFIG, open_doc, start, wait_diagnostics

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = "Bootstrap: docker\nFrom: alpine:3.20\n"


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def cfg_client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    await start(lsp_client)
    yield
    await lsp_client.shutdown_session()


def _codes(diags: object) -> set[str]:
    return {str(d.code) for d in diags}  # type: ignore[attr-defined]


def _changed(client: LanguageClient, path: Path) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Changed)]
        )
    )


async def test_registers_config_watchers(cfg_client: LanguageClient) -> None:
    regs = cfg_client.registrations  # type: ignore[attr-defined]
    for _ in range(100):
        if regs:
            break
        await asyncio.sleep(0.05)
    methods = [r.method for r in regs]
    assert types.WORKSPACE_DID_CHANGE_WATCHED_FILES in methods


async def test_project_config_and_reload(
    cfg_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("project")
    config = root / ".defcheck.toml"
    config.write_text('ignore = ["DEF103"]\n', encoding="utf-8")
    (root / "sub").mkdir()
    uri = (root / "sub" / "image.def").as_uri()
    open_doc(cfg_client, uri, TEXT)
    diags = await wait_diagnostics(cfg_client, uri)
    assert "DEF103" not in _codes(diags)
    # The config file changes: the server reloads it.
    config.write_text("ignore = []\n", encoding="utf-8")
    _changed(cfg_client, config)
    await wait_diagnostics(cfg_client, uri, lambda d: "DEF103" in _codes(d))
    # Settings from the client extend the file's `ignore`.
    cfg_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"defcheck": {"ignore": ["DEF103"]}})
    )
    await wait_diagnostics(cfg_client, uri, lambda d: "DEF103" not in _codes(d))
    # Empty settings: the server asks for `workspace/configuration` (section "defcheck").
    cfg_client.set_configuration({"ignore": []}, section="defcheck")
    cfg_client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    await wait_diagnostics(cfg_client, uri, lambda d: "DEF103" in _codes(d))


async def test_invalid_config_is_reported(
    cfg_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("bad")
    (root / ".defcheck.toml").write_text('fail-on = "never"\n', encoding="utf-8")
    uri = (root / "image.def").as_uri()
    open_doc(cfg_client, uri, TEXT)
    diags = await wait_diagnostics(cfg_client, uri)
    assert "DEF103" in _codes(diags)  # defaults are used
    assert any("invalid config" in m.message for m in cfg_client.log_messages)


async def test_bad_settings_are_logged(cfg_client: LanguageClient) -> None:
    cfg_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"defcheck": {"diagnostics": {"debounceMs": "soon"}, "nope": 1}}
        )
    )
    uri = (Path("/tmp") / "defcheck-lsp-bad-settings.def").as_uri()
    open_doc(cfg_client, uri, TEXT)
    await wait_diagnostics(cfg_client, uri)
    messages = " ".join(m.message for m in cfg_client.log_messages)
    assert "unknown setting `nope`" in messages
    assert "diagnostics.debounceMs" in messages
