// Locating the defcheck executable. Kept free of the vscode API so it is easy to reason about.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Expands `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` in a configured path. */
export function expandPath(value: string, workspaceFolder: string | undefined): string {
  let out = value.trim();
  out = out.replace(/\$\{userHome\}/g, os.homedir());
  out = out.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => process.env[name] ?? '');
  if (workspaceFolder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  }
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
    out = path.join(os.homedir(), out.slice(1));
  }
  return out;
}

function isExecutableFile(candidate: string): boolean {
  try {
    const stat = fs.statSync(candidate);
    if (!stat.isFile()) {
      return false;
    }
    if (process.platform === 'win32') {
      return true;
    }
    fs.accessSync(candidate, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves a command name or path to an executable file.
 * A value containing a path separator is checked as a path (relative to `cwd`);
 * a bare name is searched on PATH (with PATHEXT on Windows). Returns undefined if not found.
 */
export function findExecutable(command: string, cwd: string | undefined): string | undefined {
  if (command.length === 0) {
    return undefined;
  }
  const extensions =
    process.platform === 'win32'
      ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)]
      : [''];
  if (command.includes('/') || command.includes('\\')) {
    const absolute = path.resolve(cwd ?? process.cwd(), command);
    return extensions.map((ext) => absolute + ext).find(isExecutableFile);
  }
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    for (const ext of extensions) {
      const candidate = path.join(dir, command + ext);
      if (isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}
