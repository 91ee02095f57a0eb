"""textDocument/formatting and rangeFormatting through `defcheck.format`.

The formatter checks its own output (Apptainer must read the same definition); when that
safety check fails, or the file has a syntax error, no edits are returned and the reason
is logged to the client.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any

from lsprotocol import types

from defcheck.lsp.convert import Codec, whole_document_edit

log = logging.getLogger(__name__)

Logger = Callable[[str], None]


def _options(
    settings: Mapping[str, Any], lsp: types.FormattingOptions | None, use_editor: bool
) -> Any:
    """`FormatOptions` from the `format.options` setting (and the editor's, if asked)."""
    from defcheck.format import FormatOptions, Preview

    known = {f.name for f in dataclasses.fields(FormatOptions)}
    values: dict[str, Any] = {}
    if use_editor and lsp is not None:
        values["indent"] = " " * max(1, min(lsp.tab_size, 16)) if lsp.insert_spaces else "\t"
    for key, value in settings.items():
        name = key.replace("-", "_")
        if name == "preview" and isinstance(value, (list, tuple)):
            values[name] = frozenset(Preview(v) for v in value)
        elif name in known:
            values[name] = value
    return FormatOptions(**values)


def _run(
    codec: Codec,
    settings: Mapping[str, Any],
    lsp: types.FormattingOptions | None,
    report: Logger,
    call: Callable[[str, Any], str],
    use_editor: bool,
) -> list[types.TextEdit]:
    try:
        from defcheck.format import FormatOptions  # noqa: F401
    except ImportError:
        report("formatting is not available: defcheck.format is not installed")
        return []
    from defcheck.errors import FormatterSafetyError, SourceError

    try:
        options = _options(settings, lsp, use_editor)
    except (ValueError, TypeError) as exc:
        report(f"formatting skipped: invalid `format.options` setting: {exc}")
        return []
    try:
        new_text = call(codec.text, options)
    except FormatterSafetyError as exc:
        report(f"formatting skipped: the formatter's safety check failed: {exc}")
        return []
    except SourceError as exc:
        report(f"formatting skipped: {exc}")
        return []
    return whole_document_edit(codec, new_text)


def format_document(
    codec: Codec,
    settings: Mapping[str, Any],
    lsp: types.FormattingOptions | None,
    report: Logger,
    *,
    use_editor: bool = False,
) -> list[types.TextEdit]:
    """Edits that format the whole document."""

    def call(text: str, options: Any) -> str:
        from defcheck.format import format_text

        return str(format_text(text, options=options))

    return _run(codec, settings, lsp, report, call, use_editor)


def format_range(
    codec: Codec,
    rng: types.Range,
    settings: Mapping[str, Any],
    lsp: types.FormattingOptions | None,
    report: Logger,
    *,
    use_editor: bool = False,
) -> list[types.TextEdit]:
    """Edits that format the lines a range touches."""
    start_line = rng.start.line
    end_line = rng.end.line
    if rng.end.character == 0 and end_line > start_line:
        end_line -= 1

    def call(text: str, options: Any) -> str:
        from defcheck.format import format_range as fmt_range

        return str(fmt_range(text, start_line, end_line, options=options))

    return _run(codec, settings, lsp, report, call, use_editor)
