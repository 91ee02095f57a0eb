"""The document store: one text and one lazily parsed `Document` per open file.

Incremental changes are applied with the same line model the parser uses (lines end at
`\\n`), so positions the server sends and receives always agree with its own spans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

from lsprotocol import types

from defcheck.lsp.convert import UTF16, Codec
from defcheck.syntax import Document, LineIndex, parse


def uri_to_path(uri: str) -> str | None:
    """Local file-system path of a `file:` URI, else None."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if parsed.netloc and parsed.netloc != "localhost":
        path = f"//{parsed.netloc}{path}"
    return path


@dataclass
class OpenDocument:
    """One open file: its current text and version, parsed on demand."""

    uri: str
    text: str
    version: int | None = None
    language_id: str = ""
    encoding: str = UTF16
    _doc: Document | None = field(default=None, repr=False)
    _lines: LineIndex | None = field(default=None, repr=False)

    @property
    def path(self) -> str | None:
        """Local path of the file, if it has one."""
        return uri_to_path(self.uri)

    @property
    def doc(self) -> Document:
        """The parsed document of the current text (parsed once per version)."""
        if self._doc is None:
            self._doc = parse(self.text)
            self._lines = self._doc.lines
        return self._doc

    @property
    def lines(self) -> LineIndex:
        """Line index of the current text."""
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    @property
    def codec(self) -> Codec:
        """Position conversion for the current text."""
        return Codec(self.text, self.lines, self.encoding)

    def adopt(self, doc: Document, text: str) -> None:
        """Use a document parsed elsewhere (a worker thread) if it is of the current text."""
        if self._doc is None and text is self.text:
            self._doc = doc
            self._lines = doc.lines

    def set_text(self, text: str, version: int | None) -> None:
        """Replace the whole text."""
        self.text = text
        self.version = version
        self._doc = None
        self._lines = None

    def apply(self, change: types.TextDocumentContentChangeEvent, version: int | None) -> None:
        """Apply one content change (incremental with a range, or the full text)."""
        if isinstance(change, types.TextDocumentContentChangePartial):
            span = self.codec.span(change.range)
            self.set_text(self.text[: span.start] + change.text + self.text[span.end :], version)
        else:
            self.set_text(change.text, version)


class DocumentStore:
    """Open documents by URI."""

    def __init__(self) -> None:
        self._docs: dict[str, OpenDocument] = {}
        self.encoding = UTF16

    def open(self, item: types.TextDocumentItem) -> OpenDocument:
        """Register an opened document (replacing any previous one)."""
        od = OpenDocument(
            uri=item.uri,
            text=item.text,
            version=item.version,
            language_id=item.language_id,
            encoding=self.encoding,
        )
        self._docs[item.uri] = od
        return od

    def change(self, params: types.DidChangeTextDocumentParams) -> OpenDocument | None:
        """Apply the changes of a didChange notification; None if the file is not open."""
        od = self._docs.get(params.text_document.uri)
        if od is None:
            return None
        for change in params.content_changes:
            od.apply(change, params.text_document.version)
        return od

    def close(self, uri: str) -> None:
        """Forget a closed document."""
        self._docs.pop(uri, None)

    def get(self, uri: str) -> OpenDocument | None:
        """The open document for `uri`, or None."""
        return self._docs.get(uri)

    def all(self) -> list[OpenDocument]:
        """All open documents."""
        return list(self._docs.values())
