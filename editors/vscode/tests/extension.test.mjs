// Smoke tests of the bundled extension (dist/extension.js, so run `npm run build` first)
// against a minimal stand-in for the `vscode` module: activation registers the commands,
// a missing executable produces the install instructions, and a settings change restarts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'extension.js');
const require = createRequire(import.meta.url);

// Whatever the extension or vscode-languageclient touch at load time and that the tests
// do not care about (classes to extend, enums) is a permissive stub.
function stub(name) {
  const target = class {};
  Object.defineProperty(target, 'name', { value: `Stub${String(name)}` });
  return new Proxy(target, {
    get(t, prop) {
      if (prop in t || typeof prop === 'symbol' || prop === 'then') return t[prop];
      t[prop] = stub(prop);
      return t[prop];
    },
  });
}

function permissive(base) {
  return new Proxy(base, {
    get(t, prop) {
      if (prop in t || typeof prop === 'symbol' || prop === 'then') return t[prop];
      t[prop] = stub(prop);
      return t[prop];
    },
  });
}

function fakeVscode(settings) {
  const calls = { errors: [], commands: new Map(), configListeners: [], lines: [] };
  const disposable = { dispose() {} };
  const vscode = {
    calls,
    workspace: {
      workspaceFolders: undefined,
      getConfiguration: () => ({
        get: (key, fallback) => (key in settings ? settings[key] : fallback),
      }),
      onDidChangeConfiguration: (listener) => {
        calls.configListeners.push(listener);
        return disposable;
      },
    },
    window: {
      createOutputChannel: () => ({
        appendLine: (line) => calls.lines.push(line),
        show() {},
        dispose() {},
      }),
      showErrorMessage: async (message, ...items) => {
        calls.errors.push({ message, items });
        return undefined;
      },
    },
    commands: {
      registerCommand: (name, fn) => {
        calls.commands.set(name, fn);
        return disposable;
      },
      executeCommand: async () => undefined,
    },
    env: { clipboard: { writeText: async () => undefined } },
    extensions: { getExtension: () => undefined },
  };
  return permissive(vscode);
}

function loadExtension(vscode) {
  const originalLoad = Module._load;
  Module._load = function (request, parent, isMain) {
    if (request === 'vscode') return vscode;
    return originalLoad.call(this, request, parent, isMain);
  };
  try {
    delete require.cache[bundle];
    return require(bundle);
  } finally {
    Module._load = originalLoad;
  }
}

function context() {
  return {
    subscriptions: [],
    extension: { packageJSON: require(join(root, 'package.json')) },
  };
}

test('the bundle exists (npm run build)', () => {
  assert.ok(existsSync(bundle), 'dist/extension.js is missing: run `npm run build` first');
});

test('a missing executable produces install instructions and no crash', async () => {
  const missing = join(mkdtempSync(join(tmpdir(), 'defcheck-')), 'no-such-defcheck');
  const vscode = fakeVscode({ path: missing });
  const extension = loadExtension(vscode);
  await extension.activate(context());
  assert.deepEqual(
    [...vscode.calls.commands.keys()].sort(),
    ['defcheck.restartServer', 'defcheck.showOutput'],
  );
  assert.equal(vscode.calls.errors.length, 1);
  const { message, items } = vscode.calls.errors[0];
  assert.match(message, /pip install defcheck/);
  assert.ok(message.includes(missing));
  assert.ok(items.includes('Open Settings'));
  await extension.deactivate();
});

test('a bare name is looked up on PATH', async () => {
  const vscode = fakeVscode({ path: 'defcheck-surely-not-on-path' });
  const extension = loadExtension(vscode);
  await extension.activate(context());
  assert.equal(vscode.calls.errors.length, 1);
  assert.match(vscode.calls.errors[0].message, /defcheck-surely-not-on-path/);
  await extension.deactivate();
});

test('disabled: no server, no error', async () => {
  const vscode = fakeVscode({ enable: false, path: '/nonexistent/defcheck' });
  const extension = loadExtension(vscode);
  await extension.activate(context());
  assert.equal(vscode.calls.errors.length, 0);
  await extension.deactivate();
});

test('a defcheck settings change restarts (and re-resolves the executable)', async () => {
  const settings = { path: '/nonexistent/defcheck-1' };
  const vscode = fakeVscode(settings);
  const extension = loadExtension(vscode);
  await extension.activate(context());
  assert.equal(vscode.calls.errors.length, 1);
  settings.path = '/nonexistent/defcheck-2';
  const [listener] = vscode.calls.configListeners;
  listener({ affectsConfiguration: (section) => section === 'editor' });
  await extension.deactivate();
  assert.equal(vscode.calls.errors.length, 1, 'unrelated settings do not restart');
  listener({ affectsConfiguration: (section) => section === 'defcheck' });
  await extension.deactivate(); // waits for the queued restart
  assert.equal(vscode.calls.errors.length, 2);
  assert.match(vscode.calls.errors[1].message, /defcheck-2/);
});

test('an executable that is not a language server reports a start failure', async () => {
  // A script that exits at once: the client cannot initialise and must show an error.
  const dir = mkdtempSync(join(tmpdir(), 'defcheck-'));
  const fake = join(dir, 'defcheck');
  writeFileSync(fake, '#!/bin/sh\nexit 1\n');
  chmodSync(fake, 0o755);
  const vscode = fakeVscode({ path: fake });
  const extension = loadExtension(vscode);
  // The real LanguageClient needs far more of the vscode API than this stand-in offers; the
  // point here is only that activation never throws.
  await assert.doesNotReject(async () => extension.activate(context()));
  assert.equal(vscode.calls.errors.length, 1);
  assert.match(vscode.calls.errors[0].message, /failed to start/);
  await assert.doesNotReject(async () => extension.deactivate());
});
