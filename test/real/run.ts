/**
 * The real-engine tier: Tiered's backend, router and context engine against a real llama.cpp
 * `llama-server` serving tiny self-made models.
 *
 *   npx tsx test/real/run.ts            (npm run test:real)
 *
 * With CI=true the server binary is built when not cached (scripts/build-llama-server.mjs, ~7 min on
 * 2 cores) and the tier must run. Elsewhere a missing binary skips the tier with a message saying how
 * to build it. Ends with one `TIER-RESULT {...}` line; exits non-zero on failure.
 * Env: TIERED_REAL_GREP (mocha grep), TIERED_LLAMA_SERVER (a binary to use instead of the cache).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Mocha from 'mocha';
import { ensureLlamaServer, killAllServers, missingBuildTools, tieredCacheDir } from './llamaServer';
import { startRealServers } from './realEnv';
import { socketRetries } from './socketRetry';

const TIER = 'real-engine';
const here = __dirname;

function testFiles(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(here, f));
}

/** Tests in the tier, counted from the sources (for the skip line). */
function countTests(files: readonly string[]): number {
  return files.reduce((n, f) => n + (readFileSync(f, 'utf8').match(/^\s*test\(/gm) ?? []).length, 0);
}

function result(passed: number, failed: number, skipped: number, errors: readonly string[] = []): void {
  // `errors`: what failed outside any test (a failed step for scripts/test.mjs, never counted as a test).
  console.log(`TIER-RESULT ${JSON.stringify({ tier: TIER, passed, failed, skipped, ...(errors.length > 0 ? { errors } : {}) })}`);
}

async function main(): Promise<number> {
  const files = testFiles();
  const ci = process.env.CI === 'true';
  const buildLog = join(tieredCacheDir(), 'llama-server-build.log');
  const missing = missingBuildTools();
  let bin: string | undefined;
  if (ci && missing.length > 0) {
    console.log(`real-engine tier: CI=true but the build tools are missing: ${missing.join(', ')} (apt packages: cmake g++ make git)`);
  } else {
    if (ci) {
      console.log('real-engine tier: CI=true → building llama-server if it is not cached (about 7 minutes the first time)...');
    }
    const started = Date.now();
    bin = ensureLlamaServer({ build: ci, logFile: buildLog });
    if (ci && bin !== undefined && Date.now() - started > 5000) {
      console.log(`real-engine tier: built ${bin} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  }
  if (bin === undefined) {
    if (ci) {
      console.log(`real-engine tier: FAILED to build llama-server; see ${buildLog}`);
      result(0, 0, 0, [`could not build llama-server (see ${buildLog})`]);
      return 1;
    }
    const n = countTests(files);
    console.log(
      `real-engine tier SKIPPED: no llama-server binary in ${tieredCacheDir()}.\n` +
        (missing.length > 0 ? `  Missing build tools: ${missing.join(', ')} (Debian: apt-get install cmake g++ make git).\n` : '') +
        `  Build it once with \`npm run build:llama-server\` (about 7 minutes on 2 cores), or run with CI=true to build and run.`,
    );
    result(0, 0, n);
    return 0;
  }

  const workDir = mkdtempSync(join(tmpdir(), 'tiered-real-'));
  // Also on Ctrl-C (llamaServer.ts kills the servers, then exits): the models are tens of MB.
  process.on('exit', () => rmSync(join(workDir, 'models'), { recursive: true, force: true }));
  let servers: Awaited<ReturnType<typeof startRealServers>> | undefined;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const errors: string[] = [];
  try {
    servers = await startRealServers(bin, workDir);
    for (const s of Object.values(servers.env)) {
      console.log(`real-engine tier: ${s.alias} (${(s.modelBytes / 1e6).toFixed(1)} MB) at ${s.baseUrl}, ${s.parallel} slot(s) of ${s.slotContext} tokens, healthy after ${s.startMs} ms`);
    }
    const mocha = new Mocha({ ui: 'tdd', timeout: 120_000, reporter: 'spec', color: false, grep: process.env.TIERED_REAL_GREP });
    for (const f of files) {
      mocha.addFile(f);
    }
    await mocha.loadFilesAsync();
    const stats = await new Promise<Mocha.Stats | undefined>((resolve) => {
      const runner = mocha.run(() => resolve(runner.stats));
    });
    passed = stats?.passes ?? 0;
    failed = stats?.failures ?? 0;
    skipped = stats?.pending ?? 0;
  } catch (err) {
    console.error(`real-engine tier: ${err instanceof Error ? err.stack : String(err)}`);
    errors.push(`the tier stopped outside a test: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await servers?.stop();
    killAllServers();
    if (failed === 0 && errors.length === 0) {
      rmSync(workDir, { recursive: true, force: true });
    } else {
      console.log(`real-engine tier: server logs kept in ${join(workDir, 'logs')}`);
      rmSync(join(workDir, 'models'), { recursive: true, force: true });
    }
  }
  if (socketRetries() > 0) {
    console.log(`real-engine tier: ${socketRetries()} request(s) re-sent after llama-server closed a pooled keep-alive socket (see test/real/socketRetry.ts)`);
  }
  result(passed, failed, skipped, errors);
  return failed > 0 || errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    killAllServers();
    result(0, 0, 0, [`the tier crashed: ${err instanceof Error ? err.message : String(err)}`]);
    process.exit(1);
  },
);
