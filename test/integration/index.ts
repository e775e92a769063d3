/**
 * Entry point the extension host `require()`s (extensionTestsPath): the `@vscode/test-electron` contract, a
 * `run()` that settles when the tests are done. Runs every bundled `*.test.js` next to this file with mocha (TDD).
 * Env: TIERED_TEST_GREP filters tests; TIERED_INTEGRATION_RESULTS names a JSON file that receives the counts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

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
