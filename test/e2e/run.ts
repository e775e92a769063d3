/**
 * The "vscode" test tier: integration tests inside the real extension host, then UI tests on the packaged .vsix,
 * both in code-server (installed on first use into .vscode-test/) with Debian's chromium.
 * Ends with one line `TIER-RESULT {"tier":"vscode",...}` and exits non-zero when a test failed.
 *
 *   npx tsx test/e2e/run.ts [--only integration|ui] [--grep <text>] [--no-package]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codeServerEntry } from './harness/codeServer';
import { repoRoot } from './harness/paths';
import { findVsix } from './harness/session';
import { runIntegrationTests } from './integration';
import type { TierCounts } from './integration';
import { runUiTests } from './ui';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const started = Date.now();
  const only = arg('--only');
  const grep = arg('--grep');
  const total: TierCounts = { passed: 0, failed: 0, skipped: 0, errors: [] };
  const add = (c: TierCounts): void => {
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
    total.errors = [...(total.errors ?? []), ...(c.errors ?? [])];
  };
  // A failure outside any test is a failed step (scripts/test.mjs shows it and fails the run), not a test.
  const stepFailed = (why: string): number => {
    console.log(`TIER-RESULT ${JSON.stringify({ tier: 'vscode', passed: 0, failed: 0, skipped: 0, errors: [why] })}`);
    return 1;
  };
  try {
    const t0 = Date.now();
    await codeServerEntry();
    console.log(`vscode tier: code-server ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (error) {
    console.error(`vscode tier: cannot install code-server: ${error instanceof Error ? error.message : String(error)}`);
    return stepFailed('cannot install code-server');
  }
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) {
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
    if (build.status !== 0) {
      return stepFailed('the build failed');
    }
  }

  if (!only || only === 'integration') {
    console.log('\n== vscode tier: integration tests in the extension host (development mode) ==');
    add(await runIntegrationTests(grep ? { grep } : {}));
  }

  if (!only || only === 'ui') {
    console.log('\n== vscode tier: UI tests on the packaged .vsix ==');
    let packaged = true;
    if (!process.argv.includes('--no-package')) {
      const t0 = Date.now();
      // Packaging rebuilds dist/ for production; rebuild the development bundle afterwards so F5/npm start keep source maps.
      const pack = spawnSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: 'inherit' });
      spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
      if (pack.status !== 0) {
        console.error('vscode tier: `npm run package` failed; the UI tests need the .vsix.');
        packaged = false;
        add({ passed: 0, failed: 0, skipped: 0, errors: ['`npm run package` failed, so the UI tests did not run'] });
      } else {
        console.log(`vscode tier: packaged ${path.basename(findVsix())} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
    }
    if (packaged) {
      add(await runUiTests(grep ? { grep } : {}));
    }
  }

  console.log(`vscode tier: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const e of total.errors ?? []) {
    console.log(`vscode tier: FAILED STEP: ${e}`);
  }
  console.log(`TIER-RESULT ${JSON.stringify({ tier: 'vscode', ...total })}`);
  return total.failed > 0 || (total.errors ?? []).length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`vscode tier: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    console.log(`TIER-RESULT ${JSON.stringify({ tier: 'vscode', passed: 0, failed: 0, skipped: 0, errors: [`the tier crashed: ${error instanceof Error ? error.message : String(error)}`] })}`);
    process.exit(1);
  },
);
