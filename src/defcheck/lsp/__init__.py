"""`defcheck lsp`: the language server (pygls). Import `defcheck.lsp.server` to build it."""
