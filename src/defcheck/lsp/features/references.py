"""textDocument/references: every use of a stage name or build-argument name."""

from __future__ import annotations

from lsprotocol import types

from defcheck.lsp import names
from defcheck.lsp.convert import Codec, location
from defcheck.syntax import Document


def references(
    doc: Document, codec: Codec, uri: str, pos: types.Position, include_declaration: bool
) -> list[types.Location]:
    """Occurrences of the name under the cursor."""
    found = names.symbol_at(doc, codec.offset(pos))
    if found is None:
        return []
    return [
        location(uri, codec, o.span)
        for o in names.occurrences(doc, found[0])
        if include_declaration or not o.is_definition
    ]
