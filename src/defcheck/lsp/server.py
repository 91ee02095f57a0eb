"""The defcheck language server: construction, capabilities, document store, diagnostics.

Handlers are thin: fetch the open document, call a `features.<feature>` function, return
its LSP value. Every handler is wrapped so that an internal error is logged to the client
(`window/logMessage`) and answered with a valid empty result, never an error response.

Diagnostics are debounced per document: parser errors and lint findings without ShellCheck
are published `diagnostics.debounceMs` after the last change; the ShellCheck pass runs in
a worker thread after `diagnostics.shellcheckDebounceMs` of quiet and republishes, so
typing never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import inspect
import json
import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from defcheck import __version__
from defcheck.lsp import engine
from defcheck.lsp.convert import UTF8, UTF16, UTF32, Codec, JsonDiagnostic
from defcheck.lsp.documents import DocumentStore, OpenDocument
from defcheck.lsp.features import (
    code_actions,
    completion,
    definition,
    diagnostics,
    folding,
    formatting,
    highlight,
    hover,
    links,
    on_type_formatting,
    references,
    rename,
    semantic_tokens,
    signature_help,
    symbols,
)
from defcheck.lsp.settings import Settings, parse_settings
from defcheck.syntax import Document, parse

if TYPE_CHECKING:
    from collections.abc import Generator

    from defcheck.lint.model import Finding

log = logging.getLogger(__name__)

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_LEVELS = {"error": 1, "warning": 2, "info": 3, "debug": 4}
_MESSAGE_TYPES = {
    "error": types.MessageType.Error,
    "warning": types.MessageType.Warning,
    "info": types.MessageType.Info,
    "debug": types.MessageType.Log,
}


class DefcheckProtocol(LanguageServerProtocol):
    """pygls' protocol without its own text store: `DefcheckServer.store` is the one copy.

    pygls re-splits the whole text on every change (and treats `\\r`, form feeds and
    other separators as line breaks); the store applies changes with the parser's line
    model instead, so one change costs one string splice.
    """

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: types.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Hand the notification to the server's handler only."""
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Hand the notification to the server's handler only."""
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: types.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """Hand the notification to the server's handler only."""
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


class DefcheckServer(LanguageServer):
    """The server: open documents, settings, and the diagnostics scheduler."""

    def __init__(self) -> None:
        super().__init__("defcheck", __version__, protocol_cls=DefcheckProtocol, max_workers=2)
        self.store = DocumentStore()
        self.settings = Settings()
        self.findings: dict[str, tuple[int | None, list[Finding]]] = {}
        self._fast: dict[str, asyncio.Task[None]] = {}
        self._slow: dict[str, asyncio.Task[None]] = {}
        self._config_errors: set[str] = set()
        self._inflight: dict[str, asyncio.Future[Any]] = {}

    # -- logging --------------------------------------------------------------------
    def log(self, level: str, message: str) -> None:
        """Log to the client (window/logMessage) and to the Python log."""
        getattr(log, "debug" if level == "debug" else level, log.info)(message)
        if _LEVELS.get(level, 3) > _LEVELS.get(self.settings.log_level, 3):
            return
        try:
            self.window_log_message(
                types.LogMessageParams(
                    type=_MESSAGE_TYPES.get(level, types.MessageType.Info), message=message
                )
            )
        except Exception:  # no client connected (unit use)
            log.debug("could not send a log message", exc_info=True)

    def log_exception(self, what: str, exc: BaseException) -> None:
        """Log an internal error with its traceback."""
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.log("error", f"defcheck: internal error in {what}: {exc!r}\n{tb}")

    # -- documents ------------------------------------------------------------------
    def open_document(self, uri: str) -> OpenDocument | None:
        """The open document for `uri` (None if the client never opened it)."""
        return self.store.get(uri)

    def lint_config(self, od: OpenDocument) -> Any:
        """The lint configuration for a document, logging an invalid config file once."""
        config, error = engine.load_lint_config(od.path, self.settings)
        if error and error not in self._config_errors:
            self._config_errors.add(error)
            self.log("error", error)
            try:
                self.window_show_message(
                    types.ShowMessageParams(type=types.MessageType.Error, message=error)
                )
            except Exception:
                log.debug("could not show a message", exc_info=True)
        return config

    def current_findings(self, od: OpenDocument) -> list[Finding]:
        """Lint findings of the current version (cached from the last diagnostics run)."""
        cached = self.findings.get(od.uri)
        if cached is not None and cached[0] == od.version:
            return cached[1]
        found = engine.lint(od.doc, path=od.path, config=self.lint_config(od), shellcheck=False)
        self.findings[od.uri] = (od.version, found)
        return found

    # -- diagnostics ------------------------------------------------------------------
    def schedule_diagnostics(self, uri: str, *, immediate: bool = False) -> None:
        """(Re)start the debounced diagnostics of one document."""
        for tasks in (self._fast, self._slow):
            task = tasks.pop(uri, None)
            if task is not None:
                task.cancel()
        if not self.settings.diagnostics.enable:
            self._publish(uri, None, [])
            return
        delay = 0.0 if immediate else self.settings.diagnostics.debounce_ms / 1000
        self._fast[uri] = asyncio.ensure_future(self._diagnose(uri, delay))

    async def _in_thread(self, key: str, job: Callable[[], T]) -> T:
        """Run `job` in the worker pool, at most one job per key at a time.

        A cancelled caller does not cancel a job that already runs (threads cannot be
        stopped); the next caller waits for it instead of queueing more work behind it.
        """
        previous = self._inflight.get(key)
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        future = asyncio.get_running_loop().run_in_executor(self.thread_pool, job)
        self._inflight[key] = future
        return await future

    def _publish(self, uri: str, version: int | None, diags: list[JsonDiagnostic] | str) -> None:
        """Send `textDocument/publishDiagnostics`; `diags` is a list of JSON diagnostics or
        that list serialised already (`_parse_and_lint` does it in its worker thread).

        The message is written as JSON text, not through lsprotocol's classes and
        converter: a 5,000-line file can have thousands of diagnostics.
        """
        listed = diags if isinstance(diags, str) else json.dumps(diags)
        version_part = "" if version is None else f',"version":{int(version)}'
        body = (
            '{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics",'
            f'"params":{{"uri":{json.dumps(uri)}{version_part},"diagnostics":{listed}}}}}'
        )
        _write_message(self.protocol, body)

    async def _diagnose(self, uri: str, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            od = self.store.get(uri)
            if od is None:
                return
            version, text, path = od.version, od.text, od.path
            config = self.lint_config(od)
            # Parse and lint in a worker thread: requests stay answered on big files.
            doc, found, parse_diags, diags = await self._in_thread(
                uri, functools.partial(_parse_and_lint, uri, text, od.encoding, path, config)
            )
            od = self.store.get(uri)
            if od is None or od.version != version:
                return
            od.adopt(doc, text)
            self.findings[uri] = (version, found)
            self._publish(uri, version, diags)
            if not (
                self.settings.diagnostics.shellcheck
                and getattr(config, "shellcheck", True)
                and engine.lint_available()
            ):
                return
            self._slow[uri] = asyncio.ensure_future(
                self._shellcheck(uri, version, parse_diags, config)
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.log_exception("diagnostics", exc)
        finally:
            if self._fast.get(uri) is asyncio.current_task():
                self._fast.pop(uri, None)

    async def _shellcheck(
        self, uri: str, version: int | None, parse_diags: list[JsonDiagnostic], config: Any
    ) -> None:
        try:
            await asyncio.sleep(self.settings.diagnostics.shellcheck_debounce_ms / 1000)
            od = self.store.get(uri)
            if od is None or od.version != version:
                return
            doc, path, codec = od.doc, od.path, od.codec
            found = await self._in_thread(
                "shellcheck:" + uri,
                functools.partial(engine.lint, doc, path=path, config=config, shellcheck=True),
            )
            od = self.store.get(uri)
            if od is None or od.version != version:
                return
            self.findings[uri] = (version, found)
            lint_diags = diagnostics.lint_diagnostics(found, codec, uri)
            self._publish(uri, version, diagnostics.merge(parse_diags, lint_diags))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.log_exception("ShellCheck diagnostics", exc)
        finally:
            if self._slow.get(uri) is asyncio.current_task():
                self._slow.pop(uri, None)

    def refresh_all(self) -> None:
        """Re-run diagnostics of every open document (after a settings or config change)."""
        self.findings.clear()
        for od in self.store.all():
            self.schedule_diagnostics(od.uri, immediate=True)

    def apply_settings(self, data: object) -> None:
        """Replace settings from a client's JSON value."""
        settings, problems = parse_settings(data)
        self.settings = settings
        for problem in problems:
            self.log("warning", f"defcheck: {problem}")


def _parse_and_lint(
    uri: str, text: str, encoding: str, path: str | None, config: Any
) -> tuple[Document, list[Finding], list[JsonDiagnostic], str]:
    """Parse `text`, lint it without ShellCheck and convert the results (in a worker
    thread): the document, the findings, the parser's diagnostics and all diagnostics as
    JSON text."""
    doc = parse(text)
    found = engine.lint(doc, path=path, config=config, shellcheck=False)
    codec = Codec(text, doc.lines, encoding)
    # Thousands of small dicts on a big file, none of them cyclic: they are made,
    # serialised and freed before the collector runs again (it would walk them all).
    with _no_cyclic_gc():
        parse_diags = diagnostics.parse_diagnostics(doc, codec)
        lint_diags = diagnostics.lint_diagnostics(found, codec, uri)
        listed = json.dumps(diagnostics.merge(parse_diags, lint_diags))
        del lint_diags
    return doc, found, parse_diags, listed


def _write_message(protocol: Any, body: str) -> None:
    """Write one JSON-RPC message (JSON text) the way pygls' `_send_data` does."""
    writer = protocol.writer
    if writer is None:
        log.error("cannot send a message: no transport")
        return
    data = body.encode("utf-8")
    if getattr(protocol, "_include_headers", True):  # stdio and TCP; not WebSockets
        data = f"Content-Length: {len(data)}\r\n\r\n".encode("ascii") + data
    res = writer.write(data)
    if inspect.isawaitable(res):
        task = asyncio.ensure_future(res)
        _writes.add(task)
        task.add_done_callback(_writes.discard)


_writes: set[asyncio.Future[Any]] = set()  # asynchronous writes in flight


@contextlib.contextmanager
def _no_cyclic_gc() -> Generator[None, None, None]:
    """Pause the cyclic garbage collector (it would walk the whole server meanwhile)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _safe(server: DefcheckServer, what: str, default: Callable[[], Any]) -> Callable[[F], F]:
    """Wrap a handler: log any exception to the client and return `default()` instead."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def handler(params: Any) -> Any:
            try:
                return fn(params)
            except Exception as exc:
                server.log_exception(what, exc)
                return default()

        return cast(F, handler)

    return wrap


def _none() -> None:
    return None


def build_server() -> DefcheckServer:
    """A server with every capability registered."""
    server = DefcheckServer()

    def doc_of(uri: str) -> OpenDocument | None:
        return server.store.get(uri)

    # -- lifecycle ------------------------------------------------------------------
    @server.feature(types.INITIALIZE)
    @_safe(server, "initialize", _none)
    def initialize(params: types.InitializeParams) -> None:
        encoding = str(server.workspace.position_encoding or UTF16)
        server.store.encoding = encoding if encoding in (UTF8, UTF16, UTF32) else UTF16
        server.apply_settings(params.initialization_options)

    @server.feature(types.INITIALIZED)
    @_safe(server, "initialized", _none)
    def initialized(params: types.InitializedParams) -> None:
        caps = server.client_capabilities.workspace
        watch = caps.did_change_watched_files if caps else None
        if watch is not None and watch.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[
                    types.FileSystemWatcher(glob_pattern=f"**/{name}")
                    for name in engine.CONFIG_FILE_NAMES
                ]
            )
            server.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="defcheck-config-watch",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=options,
                        )
                    ]
                ),
                callback=lambda *_: None,
            )
        server.log("info", f"defcheck {__version__} language server ready")

    # -- text synchronisation ---------------------------------------------------------
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @_safe(server, "didOpen", _none)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        server.store.open(params.text_document)
        server.schedule_diagnostics(params.text_document.uri, immediate=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @_safe(server, "didChange", _none)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        if server.store.change(params) is not None:
            server.schedule_diagnostics(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @_safe(server, "didClose", _none)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        server.store.close(uri)
        server.findings.pop(uri, None)
        for tasks in (server._fast, server._slow):
            task = tasks.pop(uri, None)
            if task is not None:
                task.cancel()
        server._publish(uri, None, [])

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @_safe(server, "didSave", _none)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        del params

    # -- configuration ----------------------------------------------------------------
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(params: types.DidChangeConfigurationParams) -> None:
        try:
            data: object = params.settings
            if not data:
                caps = server.client_capabilities.workspace
                if caps is not None and caps.configuration:
                    result = await server.workspace_configuration_async(
                        types.ConfigurationParams(
                            items=[types.ConfigurationItem(section="defcheck")]
                        )
                    )
                    data = result[0] if result else None
            server.apply_settings(data)
            engine.clear_config_cache()
            server._config_errors.clear()
            server.log("info", "defcheck: settings reloaded")
            server.refresh_all()
        except Exception as exc:
            server.log_exception("didChangeConfiguration", exc)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @_safe(server, "didChangeWatchedFiles", _none)
    def did_change_watched_files(params: types.DidChangeWatchedFilesParams) -> None:
        names = engine.CONFIG_FILE_NAMES
        if any(ch.uri.rsplit("/", 1)[-1] in names for ch in params.changes):
            engine.clear_config_cache()
            server._config_errors.clear()
            server.log("info", "defcheck: configuration file changed; reloaded")
            server.refresh_all()

    # -- language features --------------------------------------------------------------
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @_safe(server, "hover", _none)
    def on_hover(params: types.HoverParams) -> types.Hover | None:
        od = doc_of(params.text_document.uri)
        if od is None:
            return None
        found = server.findings.get(od.uri)
        current = found[1] if found is not None and found[0] == od.version else []
        caps = server.client_capabilities.text_document
        formats = caps.hover.content_format if caps and caps.hover else None
        markdown = bool(formats) and types.MarkupKind.Markdown in (formats or [])
        return hover.hover(od.doc, od.codec, params.position, current, markdown=markdown)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=["%", "{", ":", " "]),
    )
    @_safe(server, "completion", lambda: types.CompletionList(is_incomplete=False, items=[]))
    def on_completion(params: types.CompletionParams) -> types.CompletionList:
        od = doc_of(params.text_document.uri)
        if od is None:
            return types.CompletionList(is_incomplete=False, items=[])
        caps = server.client_capabilities.text_document
        item_caps = caps.completion.completion_item if caps and caps.completion else None
        snippets = bool(item_caps and item_caps.snippet_support)
        formats = item_caps.documentation_format if item_caps else None
        markdown = bool(formats) and types.MarkupKind.Markdown in (formats or [])
        return completion.completion(
            od.doc, od.codec, params.position, snippets=snippets, markdown=markdown
        )

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @_safe(server, "documentSymbol", list)
    def on_symbols(params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        od = doc_of(params.text_document.uri)
        return [] if od is None else symbols.document_symbols(od.doc, od.codec)

    @server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    @_safe(server, "foldingRange", list)
    def on_folding(params: types.FoldingRangeParams) -> list[types.FoldingRange]:
        od = doc_of(params.text_document.uri)
        return [] if od is None else folding.folding_ranges(od.doc)

    @server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, semantic_tokens.LEGEND)
    @_safe(server, "semanticTokens", lambda: types.SemanticTokens(data=[]))
    def on_tokens(params: types.SemanticTokensParams) -> types.SemanticTokens:
        od = doc_of(params.text_document.uri)
        if od is None:
            return types.SemanticTokens(data=[])
        return semantic_tokens.semantic_tokens(od.doc, od.codec)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)
    @_safe(server, "documentLink", list)
    def on_links(params: types.DocumentLinkParams) -> list[types.DocumentLink]:
        od = doc_of(params.text_document.uri)
        if od is None:
            return []
        caps = server.client_capabilities.text_document
        link_caps = caps.document_link if caps else None
        tooltips = bool(link_caps and link_caps.tooltip_support)
        return links.document_links(od.doc, od.codec, tooltips=tooltips)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @_safe(server, "definition", list)
    def on_definition(params: types.DefinitionParams) -> list[types.Location]:
        od = doc_of(params.text_document.uri)
        if od is None:
            return []
        return definition.definition(od.doc, od.codec, od.uri, params.position)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    @_safe(server, "references", list)
    def on_references(params: types.ReferenceParams) -> list[types.Location]:
        od = doc_of(params.text_document.uri)
        if od is None:
            return []
        return references.references(
            od.doc, od.codec, od.uri, params.position, params.context.include_declaration
        )

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    @_safe(server, "documentHighlight", list)
    def on_highlight(params: types.DocumentHighlightParams) -> list[types.DocumentHighlight]:
        od = doc_of(params.text_document.uri)
        return [] if od is None else highlight.highlights(od.doc, od.codec, params.position)

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    @_safe(server, "prepareRename", _none)
    def on_prepare_rename(
        params: types.PrepareRenameParams,
    ) -> types.PrepareRenamePlaceholder | None:
        od = doc_of(params.text_document.uri)
        return None if od is None else rename.prepare_rename(od.doc, od.codec, params.position)

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    @_safe(server, "rename", _none)
    def on_rename(params: types.RenameParams) -> types.WorkspaceEdit | None:
        od = doc_of(params.text_document.uri)
        if od is None:
            return None
        try:
            return rename.rename(od.doc, od.codec, od.uri, params.position, params.new_name)
        except rename.InvalidName as exc:
            server.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=str(exc))
            )
            return None

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    @_safe(server, "formatting", list)
    def on_format(params: types.DocumentFormattingParams) -> list[types.TextEdit]:
        od = doc_of(params.text_document.uri)
        if od is None or not server.settings.format.enable:
            return []
        return formatting.format_document(
            od.codec,
            server.settings.format.options,
            params.options,
            lambda m: server.log("warning", m),
        )

    @server.feature(types.TEXT_DOCUMENT_RANGE_FORMATTING)
    @_safe(server, "rangeFormatting", list)
    def on_range_format(params: types.DocumentRangeFormattingParams) -> list[types.TextEdit]:
        od = doc_of(params.text_document.uri)
        if od is None or not server.settings.format.enable:
            return []
        return formatting.format_range(
            od.codec,
            params.range,
            server.settings.format.options,
            params.options,
            lambda m: server.log("warning", m),
        )

    @server.feature(
        types.TEXT_DOCUMENT_ON_TYPE_FORMATTING,
        types.DocumentOnTypeFormattingOptions(first_trigger_character=on_type_formatting.TRIGGER),
    )
    @_safe(server, "onTypeFormatting", list)
    def on_type(params: types.DocumentOnTypeFormattingParams) -> list[types.TextEdit]:
        od = doc_of(params.text_document.uri)
        if od is None or not server.settings.format.enable:
            return []
        indent = str(server.settings.format.options.get("indent", "    "))
        return on_type_formatting.on_type(od.doc, od.codec, params.position, params.ch, indent)

    @server.feature(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        types.SignatureHelpOptions(trigger_characters=[" ", ":"]),
    )
    @_safe(server, "signatureHelp", _none)
    def on_signature(params: types.SignatureHelpParams) -> types.SignatureHelp | None:
        od = doc_of(params.text_document.uri)
        if od is None:
            return None
        return signature_help.signature_help(od.doc, od.codec, params.position)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.QuickFix,
                types.CodeActionKind.RefactorRewrite,
                code_actions.FIX_ALL_KIND,
            ]
        ),
    )
    @_safe(server, "codeAction", list)
    def on_code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        od = doc_of(params.text_document.uri)
        if od is None:
            return []
        return code_actions.code_actions(
            od.doc,
            od.codec,
            od.uri,
            params,
            server.current_findings(od),
            pin_enabled=server.settings.pin.enable,
        )

    @server.command(code_actions.PIN_COMMAND)
    async def pin_image(*args: Any) -> None:
        try:
            await _pin(server, list(args))
        except Exception as exc:
            server.log_exception("pinImage", exc)

    return server


async def _pin(server: DefcheckServer, args: list[Any]) -> None:
    """Run the pin command: resolve in a thread, then ask the client to apply the edit."""
    from defcheck.lsp import pinning
    from defcheck.lsp.convert import whole_document_edit

    if len(args) < 2 or not isinstance(args[0], str) or not isinstance(args[1], int):
        server.log("error", "defcheck.pinImage: expected arguments [uri, offset]")
        return
    uri, offset = args[0], args[1]
    od = server.store.get(uri)
    if od is None:
        return
    version, doc, codec = od.version, od.doc, od.codec
    path = od.path or uri
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(
        server.thread_pool,
        functools.partial(
            pinning.pin_stage, doc, path, offset, timeout=server.settings.pin.timeout_s
        ),
    )
    if result.new_text is None:
        server.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=result.message)
        )
        server.log("warning", f"defcheck.pinImage: {result.message}")
        return
    current = server.store.get(uri)
    if current is None or current.version != version:
        server.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message="the file changed while pinning; run the action again",
            )
        )
        return
    edits = whole_document_edit(codec, result.new_text)
    server.workspace_apply_edit(
        types.ApplyWorkspaceEditParams(
            edit=types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(
                            uri=uri, version=version
                        ),
                        edits=list(edits),
                    )
                ]
            ),
            label="Pin image",
        )
    )
    server.log("info", f"defcheck.pinImage: {result.message}")
