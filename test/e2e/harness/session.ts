/**
 * One real VS Code for a UI test file: the fake Ollama server, code-server with Tiered (packaged .vsix or
 * development mode), chromium and a Workbench page on a scratch copy of sample-workspace/.
 *
 *   suite('My feature (UI)', () => {
 *     const vs = useVscode({ mode: 'packaged' });
 *     test('does the thing', async () => {
 *       await vs().wb.openFile('src/cart.ts');
 *       ...
 *     });
 *   });
 *
 * A failed test leaves test-results/<suite>--<test>.png, its browser console and code-server's log.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { FakeOllamaServer } from '../../fixtures/fakeOllamaServer';
import type { FakeModel } from '../../fixtures/fakeOllamaServer';
import { launchBrowser } from './browser';
import { startCodeServer } from './codeServer';
import type { CodeServer } from './codeServer';
import { repoRoot, resultsDir, sampleWorkspace } from './paths';
import { Workbench } from './workbench';

export interface SessionOptions {
  /** 'packaged' installs the .vsix (what users get); 'development' loads the repo via extensionDevelopmentPath. */
  readonly mode: 'packaged' | 'development';
  /** Extra user settings (tiered.ollama.baseUrl is set to the fake unless given here). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Models the fake Ollama has (default: its default set). */
  readonly models?: readonly FakeModel[];
  /** Folder copied to a scratch workspace (default sample-workspace/). */
  readonly workspaceTemplate?: string;
  /** Wait for the "Tiered" activity-bar item before tests run (default true). */
  readonly waitForExtension?: boolean;
  /** Called with the scratch workspace before the window opens (e.g. to write its .vscode/settings.json). */
  readonly prepareWorkspace?: (workspace: string) => void;
  /** What the window opens, given the scratch workspace: by default the folder itself; e.g. a .code-workspace file in it (a multi-root workspace). */
  readonly openPath?: (workspace: string) => string;
  /** 'untrusted': Workspace Trust on and the folder not trusted, so the window opens in Restricted Mode. Default: trust off. */
  readonly workspaceTrust?: 'off' | 'untrusted';
}

export interface Session {
  readonly fake: FakeOllamaServer;
  readonly server: CodeServer;
  readonly browser: Browser;
  readonly wb: Workbench;
  /** The scratch workspace folder (a copy; tests may edit it). */
  readonly workspace: string;
  /** Text of Tiered's log channel file(s) on the server side ('' before the extension wrote any). */
  tieredLog(): string;
  stop(): Promise<void>;
}

/** The packaged extension: $TIERED_VSIX, else the newest tiered-*.vsix at the repo root. */
export function findVsix(): string {
  const fromEnv = process.env.TIERED_VSIX;
  if (fromEnv) {
    return path.resolve(fromEnv);
  }
  const files = fs
    .readdirSync(repoRoot)
    .filter((f) => /^tiered-.*\.vsix$/.test(f))
    .map((f) => path.join(repoRoot, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (files.length === 0) {
    throw new Error('No tiered-*.vsix at the repo root: run `npm run package` first (test/e2e/run.ts does).');
  }
  return files[0];
}

/** Starts everything for one test file. */
export async function startSession(options: SessionOptions): Promise<Session> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) {
      await Promise.resolve(c()).catch(() => undefined);
    }
  };
  try {
    const fake = await FakeOllamaServer.start(options.models ? { models: options.models } : {});
    cleanups.push(() => fake.close());
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-ws-'));
    fs.cpSync(options.workspaceTemplate ?? sampleWorkspace, workspace, { recursive: true });
    cleanups.push(() => fs.rmSync(workspace, { recursive: true, force: true }));
    options.prepareWorkspace?.(workspace);
    const untrusted = options.workspaceTrust === 'untrusted';
    const server = await startCodeServer({
      // Untrusted: never asked at startup, so the folder opens in Restricted Mode as a user who said "No" sees it.
      settings: { 'tiered.ollama.baseUrl': fake.url, ...(untrusted ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {}), ...options.settings },
      workspaceTrust: untrusted,
      env: { TIERED_FAKE_OLLAMA_URL: fake.url },
      ...(options.mode === 'packaged' ? { vsix: findVsix() } : {}),
    });
    cleanups.push(() => server.stop());
    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    const payload: Array<readonly [string, string]> = options.mode === 'development' ? [['extensionDevelopmentPath', server.remoteUri(repoRoot)]] : [];
    const wb = await Workbench.open(browser, server, { folder: options.openPath?.(workspace) ?? workspace, payload });
    cleanups.push(() => wb.close());
    if (options.waitForExtension ?? true) {
      await wb.waitForActivityBarItem('Tiered');
    }
    return {
      fake,
      server,
      browser,
      wb,
      workspace,
      tieredLog: () =>
        server
          .findLogs(/Tiered\.log$/)
          .map((f) => fs.readFileSync(f, 'utf8'))
          .join('\n'),
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Saves a screenshot, the browser console and code-server's logs for a failed test. */
export async function saveFailureArtifacts(session: Session | undefined, name: string): Promise<string[]> {
  const saved: string[] = [];
  if (!session) {
    return saved;
  }
  try {
    saved.push(await session.wb.screenshot(name));
  } catch (error) {
    saved.push(`(screenshot failed: ${error instanceof Error ? error.message : String(error)})`);
  }
  saved.push(session.wb.saveConsole(name));
  const logs = path.join(resultsDir, `${name.replace(/[^\w.-]+/g, '_').slice(0, 150)}.logs`);
  fs.mkdirSync(logs, { recursive: true });
  for (const f of session.server.findLogs(/\.log$/)) {
    fs.copyFileSync(f, path.join(logs, path.relative(path.join(session.server.userDataDir, 'logs'), f).replace(/[\\/]/g, '__')));
  }
  if (session.server.outputFile && fs.existsSync(session.server.outputFile)) {
    fs.copyFileSync(session.server.outputFile, path.join(logs, 'code-server.out.log'));
  }
  saved.push(logs);
  return saved;
}

/**
 * Mocha TDD hook-up: starts a session in suiteSetup, stops it in suiteTeardown, and saves failure artifacts
 * after every failed test. Returns a getter for the session.
 */
export function useVscode(options: SessionOptions): () => Session {
  let session: Session | undefined;
  suiteSetup(async function () {
    this.timeout(180_000);
    try {
      session = await startSession(options);
    } catch (error) {
      throw new Error(`Could not start VS Code for this suite: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  teardown(async function () {
    const t = this.currentTest;
    if (t && t.state === 'failed') {
      const saved = await saveFailureArtifacts(session, `${t.parent?.title ?? 'suite'}--${t.title}`);
      console.log(`      failure artifacts: ${saved.join(', ')}`);
    }
  });
  suiteTeardown(async function () {
    this.timeout(30_000);
    await session?.stop();
    session = undefined;
  });
  return () => {
    if (!session) {
      throw new Error('VS Code session not started (suiteSetup failed?)');
    }
    return session;
  };
}
