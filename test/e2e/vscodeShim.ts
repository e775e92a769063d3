/**
 * Stands in for a desktop VS Code executable when `@vscode/test-electron`'s runTests() is given
 * `vscodeExecutablePath: test/e2e/bin/code`. Desktop VS Code cannot be downloaded here, so this runs the same
 * contract through code-server: the workbench URL's payload carries extensionDevelopmentPath and extensionTestsPath,
 * the extension host runs the tests' `run()`, and the workbench reports the result to window.codeAutomationExit.
 *
 * Env: TIERED_E2E_SETTINGS (JSON object of user settings), TIERED_E2E_TIMEOUT_MS (default 1200000; each test has its own mocha timeout),
 * TIERED_E2E_SCREENSHOT (a .png path written when the run fails or times out). Everything else in the environment
 * reaches the extension host (runTests' extensionTestsEnv ends up there).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { launchBrowser } from './harness/browser';
import { startCodeServer } from './harness/codeServer';
import { Workbench } from './harness/workbench';

const verbose = process.env.TIERED_E2E_VERBOSE === '1';
/** Workbench chatter that is expected here (no marketplace, web lifecycle); TIERED_E2E_VERBOSE=1 shows it. */
const noise = [
  /open-vsx\.org|marketplace/i,
  /^(Resolving|Resolved) connection token/,
  /^Creating a socket/,
  /^\[Service Worker\]/,
  /^Updating additional builtin extensions cache/,
  /^ChatSessionStore:/,
  /^Creation of workbench contribution/,
  /^\[lifecycle\] Long running operations during shutdown/,
];

interface Args {
  developmentPaths: string[];
  testsPath: string | undefined;
  userDataDir: string | undefined;
  extensionsDir: string | undefined;
  folders: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { developmentPaths: [], testsPath: undefined, userDataDir: undefined, extensionsDir: undefined, folders: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const m = /^--([\w-]+)(?:=(.*))?$/s.exec(a);
    if (!m) {
      args.folders.push(path.resolve(a));
      continue;
    }
    const name = m[1];
    const takesValue = ['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir'].includes(name ?? '');
    const value = m[2] ?? (takesValue ? argv[++i] : undefined);
    switch (name) {
      case 'extensionDevelopmentPath':
        args.developmentPaths.push(path.resolve(value ?? ''));
        break;
      case 'extensionTestsPath':
        args.testsPath = path.resolve(value ?? '');
        break;
      case 'user-data-dir':
        args.userDataDir = path.resolve(value ?? '');
        break;
      case 'extensions-dir':
        args.extensionsDir = path.resolve(value ?? '');
        break;
      default:
        // Desktop-only flags (--no-sandbox, --disable-gpu-sandbox, --disable-updates, --skip-welcome, ...) mean
        // nothing to code-server.
        break;
    }
  }
  return args;
}

/** The extension tests' entry as a file: runTests passes a folder or a file without extension. */
function testsEntry(testsPath: string): string {
  if (fs.existsSync(testsPath) && fs.statSync(testsPath).isDirectory()) {
    return path.join(testsPath, 'index.js');
  }
  if (!testsPath.endsWith('.js') && fs.existsSync(`${testsPath}.js`)) {
    return `${testsPath}.js`;
  }
  return testsPath;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.testsPath) {
    console.error('vscodeShim: only test runs are supported (--extensionTestsPath is required); use `npm start` to use VS Code.');
    return 2;
  }
  const settings = process.env.TIERED_E2E_SETTINGS ? (JSON.parse(process.env.TIERED_E2E_SETTINGS) as Record<string, unknown>) : {};
  const timeoutMs = Number(process.env.TIERED_E2E_TIMEOUT_MS ?? 1_200_000);
  const userDataDir = args.userDataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-ud-'));
  const folder = args.folders[0] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-empty-ws-'));
  const started = Date.now();
  const server = await startCodeServer({
    settings,
    userDataDir,
    ...(args.extensionsDir ? { extensionsDir: args.extensionsDir } : {}),
    env: { TIERED_E2E_LOGS_DIR: path.join(userDataDir, 'logs') },
  });
  const browser = await launchBrowser();
  let wb: Workbench | undefined;
  try {
    const exit = new Promise<number>((resolve) => {
      const timer = setTimeout(() => {
        console.error(`vscodeShim: the extension tests did not finish within ${timeoutMs} ms`);
        resolve(124);
      }, timeoutMs);
      void Workbench.open(browser, server, {
        folder,
        payload: [
          ...args.developmentPaths.map((p) => ['extensionDevelopmentPath', server.remoteUri(p)] as const),
          ['extensionTestsPath', server.remoteUri(testsEntry(args.testsPath ?? ''))],
        ],
        onAutomationExit: (code) => {
          clearTimeout(timer);
          resolve(code);
        },
        onAutomationLog: (type, message) => {
          // The extension host's console arrives as the console call's arguments (format string first).
          const text = Array.isArray(message) ? util.format(...(message as unknown[])) : String(message);
          if (!verbose && noise.some((re) => re.test(text))) {
            return;
          }
          (type === 'error' ? process.stderr : process.stdout).write(text.endsWith('\n') ? text : `${text}\n`);
        },
      }).then(
        (w) => (wb = w),
        (error: unknown) => {
          clearTimeout(timer);
          console.error(`vscodeShim: the workbench did not open: ${error instanceof Error ? error.message : String(error)}`);
          resolve(1);
        },
      );
    });
    const code = await exit;
    const shot = process.env.TIERED_E2E_SCREENSHOT;
    if (code !== 0 && shot && wb) {
      await wb.page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
      fs.writeFileSync(shot.replace(/\.png$/, '') + '.console.txt', wb.consoleLines.join('\n') + '\n');
    }
    console.log(`vscodeShim: extension tests exited with ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s (code-server ${server.url})`);
    return code;
  } finally {
    await wb?.close();
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`vscodeShim: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
