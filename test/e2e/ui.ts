/**
 * The UI part of the VS Code tier: mocha (TDD) in this Node process runs test/e2e/ui/*.ui.ts, each driving a real
 * VS Code (code-server) in chromium through playwright-core. Failed tests leave screenshots in test-results/.
 */
import Mocha from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TierCounts } from './integration';
import { repoRoot } from './harness/paths';

export async function runUiTests(options: { grep?: string } = {}): Promise<TierCounts> {
  const started = Date.now();
  const mocha = new Mocha({ ui: 'tdd', timeout: 180_000, slow: 20_000, reporter: 'spec', forbidOnly: true });
  if (options.grep) {
    mocha.grep(options.grep);
  }
  const dir = path.join(repoRoot, 'test', 'e2e', 'ui');
  for (const f of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ui.ts'))
    .sort()) {
    mocha.addFile(path.join(dir, f));
  }
  const counts: TierCounts = { passed: 0, failed: 0, skipped: 0 };
  try {
    await mocha.loadFilesAsync();
  } catch (error) {
    console.error(`ui: could not load the UI tests: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return { passed: 0, failed: 0, skipped: 0, errors: [`ui: could not load the UI tests (${error instanceof Error ? error.message : String(error)})`] };
  }
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', () => counts.passed++);
    runner.on('fail', () => counts.failed++);
    runner.on('pending', () => counts.skipped++);
  });
  console.log(`ui: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return counts;
}
