"""textDocument/publishDiagnostics: parser errors and lint findings as LSP diagnostics.

Diagnostics are JSON objects (see `convert.JsonDiagnostic`), sent as they are.

Each lint diagnostic carries its code, a `codeDescription` link to the rule's docs (the
ShellCheck wiki for `SC` codes), related information and deprecated/unnecessary tags.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from defcheck.lsp import engine
from defcheck.lsp.convert import Codec, JsonDiagnostic, finding_diagnostic, parse_diagnostic
from defcheck.syntax import Document

if TYPE_CHECKING:
    from defcheck.lint.model import Finding


def parse_diagnostics(doc: Document, codec: Codec) -> list[JsonDiagnostic]:
    """Why Apptainer would reject the file (empty when it accepts it)."""
    return [parse_diagnostic(codec, d.code, d.message, d.severity, d.span) for d in doc.diagnostics]


def _url(code: str) -> str | None:
    if code.startswith("SC"):
        return engine.shellcheck_url(code)
    meta = engine.rule_meta(code)
    return meta.url if meta is not None else None


def lint_diagnostics(findings: Sequence[Finding], codec: Codec, uri: str) -> list[JsonDiagnostic]:
    """LSP diagnostics for lint findings."""
    urls: dict[str, str | None] = {}
    out: list[JsonDiagnostic] = []
    for f in findings:
        if f.code not in urls:
            urls[f.code] = _url(f.code)
        out.append(
            finding_diagnostic(
                codec,
                uri,
                code=f.code,
                message=f.message,
                level=f.severity,
                span=f.span,
                url=urls[f.code],
                related=[(r.span, r.message) for r in f.related] if f.related else (),
                tags=f.tags,
            )
        )
    return out


def merge(parse: list[JsonDiagnostic], lint: list[JsonDiagnostic]) -> list[JsonDiagnostic]:
    """Parser diagnostics plus lint diagnostics that do not repeat them."""

    def key(d: JsonDiagnostic) -> tuple[str, int, int]:
        start = d["range"]["start"]
        return (d["code"], start["line"], start["character"])

    seen = {key(d) for d in parse}
    return parse + [d for d in lint if key(d) not in seen]
