-- defcheck for nvim-lspconfig users (Neovim 0.10, or 0.11+ with lspconfig's setup API).
-- Copy into your config after the filetype detection (ftdetect/apptainer.lua) is loaded.
local configs = require('lspconfig.configs')
local util = require('lspconfig.util')

if not configs.defcheck then
  configs.defcheck = {
    default_config = {
      cmd = { 'defcheck', 'lsp' },
      filetypes = { 'apptainer' },
      root_dir = util.root_pattern('.defcheck.toml', 'pyproject.toml', '.git'),
      single_file_support = true,
    },
    docs = {
      description = 'defcheck: linter, formatter and language server for Apptainer/Singularity definition files. `pip install defcheck`',
    },
  }
end

require('lspconfig').defcheck.setup({})
