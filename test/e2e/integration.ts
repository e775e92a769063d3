/**
 * The integration part of the VS Code tier: bundles test/integration/*.ts into out/test/integration/ and runs
 * them inside the real extension host through `@vscode/test-electron`'s runTests(), whose executable is our
 * code-server shim (test/e2e/bin/code). With a desktop VS Code elsewhere, the same call works with
 * `vscodeExecutablePath` left out (runTests downloads VS Code).
 */
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeOllamaServer } from '../fixtures/fakeOllamaServer';
import { integrationOutDir, repoRoot, resultsDir, sampleWorkspace } from './harness/paths';

export interface TierCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** What went wrong outside any test (could not start, crashed): a failed step, never counted as a test. */
  errors?: string[];
}

/** Bundles each test/integration/*.ts (vscode and mocha stay external: the host provides vscode, mocha is in node_modules). */
export async function buildIntegrationTests(): Promise<string> {
  const srcDir = path.join(repoRoot, 'test', 'integration');
  const entries = fs
    .readdirSync(srcDir)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => path.join(srcDir, f));
  fs.rmSync(integrationOutDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries,
    outdir: integrationOutDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return path.join(integrationOutDir, 'index.js');
}

/** Runs the integration tests in code-server; never throws (a harness failure is reported in `errors`, not as a test). */
export async function runIntegrationTests(options: { grep?: string } = {}): Promise<TierCounts> {
  const started = Date.now();
  const entry = await buildIntegrationTests();
  const fake = await FakeOllamaServer.start();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-int-'));
  const workspace = path.join(tmp, 'workspace');
  fs.cpSync(sampleWorkspace, workspace, { recursive: true });
  const resultsFile = path.join(tmp, 'results.json');
  fs.mkdirSync(resultsDir, { recursive: true });
  let exitCode = 0;
  try {
    exitCode = await runTests({
      vscodeExecutablePath: path.join(repoRoot, 'test', 'e2e', 'bin', 'code'),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: entry,
      launchArgs: [workspace, `--user-data-dir=${path.join(tmp, 'user-data')}`, `--extensions-dir=${path.join(tmp, 'extensions')}`],
      extensionTestsEnv: {
        TIERED_FAKE_OLLAMA_URL: fake.url,
        TIERED_INTEGRATION_RESULTS: resultsFile,
        TIERED_E2E_SETTINGS: JSON.stringify({ 'tiered.ollama.baseUrl': fake.url }),
        TIERED_E2E_SCREENSHOT: path.join(resultsDir, 'integration-failure.png'),
        ...(options.grep ? { TIERED_TEST_GREP: options.grep } : {}),
      },
    });
  } catch (error) {
    // runTests rejects with TestRunFailedError on a non-zero exit code.
    const code = (error as { code?: number }).code;
    exitCode = typeof code === 'number' ? code : 1;
    if (typeof code !== 'number') {
      console.error(`integration: ${error instanceof Error ? error.message : String(error)}`);
    }
  } finally {
    await fake.close();
  }
  let counts: TierCounts = { passed: 0, failed: 0, skipped: 0 };
  if (fs.existsSync(resultsFile)) {
    const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as TierCounts;
    counts = { passed: r.passed, failed: r.failed, skipped: r.skipped };
  }
  if (exitCode !== 0 && counts.failed === 0) {
    const why = `integration: the run exited with ${exitCode} without a failed test (harness or workbench problem)`;
    console.error(why);
    counts.errors = [why];
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`integration: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return counts;
}
