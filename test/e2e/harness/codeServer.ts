/**
 * Starts code-server (the real VS Code 1.100 workbench and Node extension host, installed by
 * scripts/installCodeServer.mjs) in throwaway folders, for one test file or one integration run.
 * Recipe and its reasons: ../shared/reference/vscode-e2e.md §3-§4.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { filesUnder } from '../../support/files';
import { freePort } from '../../support/net';
import { repoRoot } from './paths';

/** Settings that keep the workbench quiet and deterministic for tests (merged under the caller's settings). */
export const quietSettings: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  // The suggest widget would take the Tab meant for ghost text.
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
  'editor.parameterHints.enabled': false,
  'editor.inlineSuggest.enabled': true,
  'editor.minimap.enabled': false,
  // Sticky-scroll lines would sit on top of the text that tests read and click.
  'editor.stickyScroll.enabled': false,
  'editor.hover.enabled': false,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'git.openRepositoryInParentFolders': 'never',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'files.hotExit': 'off',
  'window.restoreWindows': 'none',
  'chat.commandCenter.enabled': false,
};

export interface CodeServerOptions {
  /** Settings written to the user settings.json (over {@link quietSettings}). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Extra environment for code-server; it reaches the extension host. */
  readonly env?: Readonly<Record<string, string>>;
  /** A .vsix to install before starting (the packaged extension, as a user gets it). */
  readonly vsix?: string;
  /** Defaults to fresh temp folders. */
  readonly userDataDir?: string;
  readonly extensionsDir?: string;
  /** Port to listen on (default: a free one). */
  readonly port?: number;
  /** Bind address (default 127.0.0.1). */
  readonly host?: string;
  /** Where code-server's stdout/stderr go (default: a file in the temp folder). 'inherit' shows them. */
  readonly output?: 'file' | 'inherit';
  /** Keep Workspace Trust on (default off: `--disable-workspace-trust`), for Restricted Mode tests. */
  readonly workspaceTrust?: boolean;
}

/** A running code-server. */
export interface CodeServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** code-server's own stdout/stderr (when output is 'file'). */
  readonly outputFile: string | undefined;
  /** The workbench URL for a folder, with an optional workspace payload (e.g. extensionDevelopmentPath). */
  workbenchUrl(folder: string, payload?: ReadonlyArray<readonly [string, string]>): string;
  /** `vscode-remote://` URI of a path on this server, for payload entries. */
  remoteUri(absPath: string): string;
  /** Files under the user-data logs folder whose name matches. */
  findLogs(name: RegExp): string[];
  /** Stops code-server and its extension host / pty host (signals the whole process group). */
  stop(): Promise<void>;
}

interface Installer {
  ensureCodeServer(): Promise<string>;
  codeServerServeArgs(where: { config: string; userDataDir: string; extensionsDir: string; host: string; port: number }): string[];
}

// The installer is plain ESM so that .ci/run and npm start can use it without tsx.
function loadInstaller(): Promise<Installer> {
  return import(path.join(repoRoot, 'scripts', 'installCodeServer.mjs'));
}

/** Path of code-server's entry script; throws with the fix if it is not installed. */
export async function codeServerEntry(): Promise<string> {
  return (await loadInstaller()).ensureCodeServer();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(0);
    });
  });
}

function commonArgs(configFile: string, userDataDir: string, extensionsDir: string): string[] {
  return ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
}

function runToEnd(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Starts code-server and waits until /healthz answers. */
export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const installer = await loadInstaller();
  const entry = await installer.ensureCodeServer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-cs-'));
  const userDataDir = options.userDataDir ?? path.join(tmp, 'user-data');
  const extensionsDir = options.extensionsDir ?? path.join(tmp, 'extensions');
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  let existing: Record<string, unknown> = {};
  if (fs.existsSync(settingsFile)) {
    try {
      existing = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    } catch {
      existing = {};
    }
  }
  fs.writeFileSync(settingsFile, JSON.stringify({ ...quietSettings, ...existing, ...options.settings }, null, 2));
  // Without --config code-server writes ~/.config/code-server/config.yaml on first run.
  const configFile = path.join(tmp, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: ${host}:${port}\nauth: none\ncert: false\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  // These would leak the test runner's state into VS Code's own processes.
  delete env.ELECTRON_RUN_AS_NODE;
  delete env.VSCODE_IPC_HOOK_CLI;

  if (options.vsix) {
    const r = await runToEnd(process.execPath, [entry, ...commonArgs(configFile, userDataDir, extensionsDir), '--install-extension', options.vsix, '--force'], env);
    if (r.code !== 0 || !/successfully installed|already installed/i.test(r.out)) {
      throw new Error(`code-server --install-extension ${options.vsix} failed (exit ${r.code}):\n${r.out}`);
    }
  }

  const outputFile = options.output === 'inherit' ? undefined : path.join(tmp, 'code-server.log');
  const out = outputFile ? fs.openSync(outputFile, 'a') : 'inherit';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      entry,
      ...installer.codeServerServeArgs({ config: configFile, userDataDir, extensionsDir, host, port }).filter((a) => !(options.workspaceTrust === true && a === '--disable-workspace-trust')),
      '--ignore-last-opened',
    ],
    // Own process group, so stop() can signal the extension host and pty host too.
    { env, detached: true, stdio: ['ignore', out, out] },
  );
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `http://${host}:${port}`;
  const deadline = Date.now() + 60_000;
  while ((await get(`${url}/healthz`)) !== 200) {
    if (exited || Date.now() > deadline) {
      const log = outputFile && fs.existsSync(outputFile) ? fs.readFileSync(outputFile, 'utf8') : '';
      if (!exited && child.pid) {
        process.kill(-child.pid, 'SIGKILL');
      }
      throw new Error(`code-server did not come up on ${url}${exited ? ' (it exited)' : ''}\n${log.slice(-4000)}`);
    }
    await sleep(200);
  }

  const stop = async (): Promise<void> => {
    if (exited || !child.pid) {
      return;
    }
    const pid = child.pid;
    const signal = (s: NodeJS.Signals): void => {
      try {
        process.kill(-pid, s);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const until = Date.now() + 5000;
    while (!exited && Date.now() < until) {
      await sleep(100);
    }
    // The group may still hold the extension host after the main process left.
    signal('SIGKILL');
    if (typeof out === 'number') {
      fs.closeSync(out);
    }
  };

  return {
    port,
    url,
    userDataDir,
    extensionsDir,
    outputFile,
    workbenchUrl(folder, payload) {
      // A .code-workspace file opens as a (multi-root) workspace, anything else as a folder.
      let u = `${url}/?${folder.endsWith('.code-workspace') ? 'workspace' : 'folder'}=${encodeURIComponent(folder)}`;
      if (payload && payload.length > 0) {
        u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      }
      return u;
    },
    remoteUri(absPath) {
      return `vscode-remote://${host}:${port}${absPath}`;
    },
    findLogs(name) {
      return filesUnder(path.join(userDataDir, 'logs')).filter((f) => name.test(path.basename(f)));
    },
    stop,
  };
}
