/**
 * Entry point the extension host `require()`s (extensionTestsPath): the `@vscode/test-electron` contract, a
 * `run()` that settles when the tests are done. Runs every bundled `*.test.js` next to this file with mocha (TDD).
 * Env: TIERED_TEST_GREP filters tests; TIERED_INTEGRATION_RESULTS names a JSON file that receives the counts.
 * Isolation: before each top-level suite (normally one per file) every `tiered.*` user setting is put back to what
 * it was when the run started, so one file's settings never leak into the next.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

interface Results {
  passed: number;
  failed: number;
  skipped: number;
  failures: { title: string; message: string }[];
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.TIERED_TEST_GREP;
  if (grep) {
    mocha.grep(grep);
  }
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) {
    mocha.addFile(path.join(__dirname, f));
  }
  const restoreSettings = snapshotTieredSettings();
  const results: Results = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const write = (): void => {
    const file = process.env.TIERED_INTEGRATION_RESULTS;
    if (file) {
      fs.writeFileSync(file, JSON.stringify(results, null, 2));
    }
  };
  try {
    await mocha.loadFilesAsync();
  } catch (error) {
    results.failed = 1;
    results.failures.push({ title: 'loading test files', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    write();
    throw error;
  }
  for (const suite of mocha.suite.suites) {
    suite.beforeAll('restore tiered.* user settings', async () => restoreSettings());
  }
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      write();
      if (failures > 0) {
        reject(new Error(`${failures} integration test(s) failed.`));
      } else {
        resolve();
      }
    });
    // Written after every test too, so a run cut short by the harness still reports what finished.
    runner.on('pass', () => {
      results.passed++;
      write();
    });
    runner.on('pending', () => {
      results.skipped++;
      write();
    });
    runner.on('fail', (test, err: Error) => {
      results.failed++;
      results.failures.push({ title: test.fullTitle(), message: err.stack ?? err.message });
      write();
    });
  });
}

/** Records the user (global) value of every `tiered.*` setting; the returned function puts changed ones back. */
function snapshotTieredSettings(): () => Promise<void> {
  const ext = vscode.extensions.getExtension('tiered.tiered');
  const contributes: unknown = ext?.packageJSON?.contributes?.configuration;
  const sections = Array.isArray(contributes) ? contributes : contributes ? [contributes] : [];
  const keys = sections.flatMap((s: { properties?: Record<string, unknown> }) => Object.keys(s.properties ?? {})).filter((k) => k.startsWith('tiered.'));
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration();
  const initial = new Map(keys.map((k) => [k, JSON.stringify(config().inspect(k)?.globalValue)]));
  return async () => {
    for (const key of keys) {
      const before = initial.get(key);
      if (JSON.stringify(config().inspect(key)?.globalValue) !== before) {
        await config().update(key, before === undefined ? undefined : JSON.parse(before), vscode.ConfigurationTarget.Global);
      }
    }
  };
}
