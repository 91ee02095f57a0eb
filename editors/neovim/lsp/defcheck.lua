-- Neovim 0.11+ configuration for the defcheck language server.
--
-- With this directory on 'runtimepath', enable the server with:
--     vim.lsp.enable('defcheck')
-- and override any field with vim.lsp.config('defcheck', { ... }), e.g. a different cmd.

---@type vim.lsp.Config
return {
  cmd = { 'defcheck', 'lsp' },
  filetypes = { 'apptainer' },
  root_markers = { '.defcheck.toml', 'pyproject.toml', '.git' },
  -- Server settings (docs/editors.md), e.g.
  --   settings = { defcheck = { diagnostics = { shellcheck = false } } },
  -- are sent with workspace/didChangeConfiguration after start-up;
  --   init_options = { ... }
  -- become initializationOptions.
}
