"""textDocument/prepareRename and textDocument/rename for stage and build-argument names."""

from __future__ import annotations

from lsprotocol import types

from defcheck.lsp import names
from defcheck.lsp.convert import Codec
from defcheck.syntax import Document


class InvalidName(ValueError):
    """The new name cannot be written where the old one is."""


def prepare_rename(
    doc: Document, codec: Codec, pos: types.Position
) -> types.PrepareRenamePlaceholder | None:
    """The range and current text of the renameable name under the cursor."""
    found = names.symbol_at(doc, codec.offset(pos))
    if found is None:
        return None
    symbol, span = found
    return types.PrepareRenamePlaceholder(range=codec.range(span), placeholder=symbol.name)


def rename(
    doc: Document, codec: Codec, uri: str, pos: types.Position, new_name: str
) -> types.WorkspaceEdit | None:
    """Edits renaming the name under the cursor everywhere it is used."""
    found = names.symbol_at(doc, codec.offset(pos))
    if found is None:
        return None
    symbol = found[0]
    if not names.valid_new_name(symbol, new_name):
        what = "build-argument" if symbol.kind == names.ARG else "stage"
        raise InvalidName(f"`{new_name}` is not a valid {what} name")
    edits = [
        types.TextEdit(range=codec.range(o.span), new_text=new_name)
        for o in names.occurrences(doc, symbol)
    ]
    return types.WorkspaceEdit(changes={uri: edits})
