// VS Code client for the defcheck language server (`defcheck lsp`, stdio).
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
} from 'vscode-languageclient/node';
import { expandPath, findExecutable } from './executable';

const SECTION = 'defcheck';
const LANGUAGE_ID = 'apptainer';
const INSTALL_HINT = 'Install it with `pip install defcheck` (or `pipx install defcheck`)';
/** Settings that only affect how the server is started; everything else is passed to the server. */
const LAUNCH_SETTINGS = new Set(['path', 'args', 'enable', 'trace']);

let client: LanguageClient | undefined;
let extensionPackage: unknown;
let outputChannel: vscode.OutputChannel | undefined;
let starting: Promise<void> = Promise.resolve();

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** The `defcheck.*` settings the server understands (everything except the launch settings). */
function serverSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const settings: Record<string, unknown> = {};
  const pkg = extensionPackage as
    | { contributes?: { configuration?: { properties?: Record<string, unknown> } } }
    | undefined;
  const keys = Object.keys(pkg?.contributes?.configuration?.properties ?? {});
  for (const fullKey of keys) {
    const key = fullKey.slice(SECTION.length + 1);
    if (LAUNCH_SETTINGS.has(key.split('.')[0])) {
      continue;
    }
    // Nest dotted keys: `diagnostics.shellcheck` -> { diagnostics: { shellcheck: ... } }.
    const parts = key.split('.');
    let node = settings;
    for (const part of parts.slice(0, -1)) {
      node = (node[part] ??= {}) as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = config.get(key);
  }
  return settings;
}

async function showNotFound(configured: string): Promise<void> {
  const openSettings = 'Open Settings';
  const copy = 'Copy Install Command';
  const choice = await vscode.window.showErrorMessage(
    `defcheck: the language server executable "${configured}" was not found. ` +
      `${INSTALL_HINT}, then restart the server, or set "defcheck.path" to the full path of ` +
      'the defcheck executable (for example the one in your virtual environment).',
    openSettings,
    copy,
  );
  if (choice === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'defcheck.path');
  } else if (choice === copy) {
    await vscode.env.clipboard.writeText('pip install defcheck');
  }
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  if (!config.get<boolean>('enable', true)) {
    outputChannel?.appendLine('defcheck.enable is false: the language server is not started.');
    return;
  }
  const root = workspaceRoot();
  const configured = config.get<string>('path', 'defcheck') || 'defcheck';
  const args = config.get<string[]>('args', ['lsp']).map((arg) => expandPath(arg, root));
  const command = findExecutable(expandPath(configured, root), root);
  if (command === undefined) {
    outputChannel?.appendLine(`defcheck executable not found: ${configured}`);
    void showNotFound(configured);
    return;
  }

  const serverOptions: ServerOptions = {
    run: { command, args, options: { cwd: root } },
    debug: { command, args, options: { cwd: root } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: LANGUAGE_ID },
      { scheme: 'untitled', language: LANGUAGE_ID },
    ],
    // The server reads its settings object from initializationOptions and, when it asks,
    // from workspace/configuration (section "defcheck"); both get the same object without the
    // launch settings. Changes restart the server, so no didChangeConfiguration is needed.
    initializationOptions: serverSettings(),
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const answer = await next(params, token);
          if (!Array.isArray(answer)) {
            return answer;
          }
          return params.items.map((item, index) =>
            item.section === SECTION ? serverSettings() : answer[index],
          );
        },
      },
    },
    outputChannel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
  };
  let next: LanguageClient | undefined;
  try {
    outputChannel?.appendLine(`Starting ${command} ${args.join(' ')}`);
    next = new LanguageClient('defcheck', 'defcheck', serverOptions, clientOptions);
    client = next;
    await next.start();
  } catch (error) {
    client = undefined;
    const message = error instanceof Error ? error.message : String(error);
    outputChannel?.appendLine(`Failed to start the defcheck language server: ${message}`);
    if (/ENOENT|EACCES/.test(message)) {
      void showNotFound(configured);
    } else {
      void vscode.window.showErrorMessage(
        `defcheck: the language server failed to start (${message}). ` +
          `Check that "${command} ${args.join(' ')}" works in a terminal; ${INSTALL_HINT}.`,
      );
    }
  }
  const started = next;
  if (started !== undefined) {
    context.subscriptions.push({ dispose: () => void started.stop().catch(() => undefined) });
  }
}

async function stopClient(): Promise<void> {
  const current = client;
  client = undefined;
  if (current !== undefined) {
    try {
      await current.stop();
    } catch (error) {
      outputChannel?.appendLine(`Error while stopping the server: ${String(error)}`);
    }
  }
}

/** Restarts are serialised so that quick successive setting changes cannot start two servers. */
function restart(context: vscode.ExtensionContext): Promise<void> {
  starting = starting.then(async () => {
    await stopClient();
    await startClient(context);
  });
  return starting;
}

export function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPackage = context.extension.packageJSON;
  outputChannel = vscode.window.createOutputChannel('defcheck');
  context.subscriptions.push(
    outputChannel,
    vscode.commands.registerCommand('defcheck.restartServer', () => restart(context)),
    vscode.commands.registerCommand('defcheck.showOutput', () => outputChannel?.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(SECTION)) {
        outputChannel?.appendLine('defcheck settings changed: restarting the language server.');
        void restart(context);
      }
    }),
  );
  return restart(context);
}

export function deactivate(): Promise<void> {
  return starting.then(stopClient);
}
