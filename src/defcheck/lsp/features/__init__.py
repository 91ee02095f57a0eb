"""One module per LSP capability: pure functions from an open document to LSP values."""
