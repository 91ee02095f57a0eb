"""textDocument/documentLink: image references to their registry pages."""

from __future__ import annotations

from lsprotocol import types

from defcheck.lsp import images
from defcheck.lsp.convert import Codec
from defcheck.syntax import Document


def document_links(
    doc: Document, codec: Codec, *, tooltips: bool = False
) -> list[types.DocumentLink]:
    """A link on every `From:` value that names an image on a known registry."""
    out: list[types.DocumentLink] = []
    for stage in doc.stages:
        f = stage.field("from")
        if f is None or not f.value or f.value_span.end <= f.value_span.start:
            continue
        info = images.image_info(doc, stage, f)
        if info is None or info.url is None:
            continue
        out.append(
            types.DocumentLink(
                range=codec.range(f.value_span),
                target=info.url,
                tooltip="Open in the registry" if tooltips else None,
            )
        )
    return out
