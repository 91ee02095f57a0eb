"""textDocument/documentHighlight: the definition (write) and uses (read) of a name."""

from __future__ import annotations

from lsprotocol import types

from defcheck.lsp import names
from defcheck.lsp.convert import Codec
from defcheck.syntax import Document


def highlights(doc: Document, codec: Codec, pos: types.Position) -> list[types.DocumentHighlight]:
    """Highlights for the name under the cursor."""
    found = names.symbol_at(doc, codec.offset(pos))
    if found is None:
        return []
    return [
        types.DocumentHighlight(
            range=codec.range(o.span),
            kind=types.DocumentHighlightKind.Write
            if o.is_definition
            else types.DocumentHighlightKind.Read,
        )
        for o in names.occurrences(doc, found[0])
    ]
