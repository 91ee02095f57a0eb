"""textDocument/definition: from `%files from NAME` to `Stage: NAME`, from `{{ NAME }}` to
its `%arguments` default."""

from __future__ import annotations

from lsprotocol import types

from defcheck.lsp import names
from defcheck.lsp.convert import Codec, location
from defcheck.syntax import Document


def definition(doc: Document, codec: Codec, uri: str, pos: types.Position) -> list[types.Location]:
    """Where the name under the cursor is defined."""
    found = names.symbol_at(doc, codec.offset(pos))
    if found is None:
        return []
    return [location(uri, codec, o.span) for o in names.definitions(doc, found[0])]
