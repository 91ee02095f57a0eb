-- Filetype detection for Apptainer/Singularity definition files (defcheck).
--
-- By name: Singularity, Singularity.*, Apptainer, Apptainer.*
-- By content: *.def files whose first line that is neither blank nor a '#' comment is a
-- `Bootstrap:` header line (any case). Other *.def files (Modula-2, module-definition files, ...)
-- fall through to Neovim's own detection.

--- @param bufnr integer?
--- @return string?
local function detect_def(_, bufnr)
  if bufnr == nil or not vim.api.nvim_buf_is_valid(bufnr) then
    return nil
  end
  for _, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, 100, false)) do
    if not line:match('^%s*$') and not line:match('^%s*#') then
      if line:lower():match('^%s*bootstrap%s*:') then
        return 'apptainer'
      end
      return nil
    end
  end
  return nil
end

vim.filetype.add({
  filename = {
    Singularity = 'apptainer',
    Apptainer = 'apptainer',
  },
  pattern = {
    ['Singularity%..+'] = 'apptainer',
    ['Apptainer%..+'] = 'apptainer',
    -- A positive priority runs this before the `def` extension rule, which still applies
    -- when detect_def returns nil.
    ['.*%.def'] = { detect_def, { priority = 10 } },
  },
})
