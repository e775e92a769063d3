// Runs every test tier and ends with one summary line: "N passed, N failed, N skipped" — tests only.
// Steps (build, type check, lint) are not tests: each is reported as ok or FAILED, and a failed step fails the run.
// A tier that exits non-zero without a failing test (it crashed, or could not start) is a failed step too.
// Tiers: unit (mocha, in-process Node), vscode (real VS Code via code-server), real-engine (llama-server).
// A tier that is its own program prints `TIER-RESULT {"tier":…,"passed":N,"failed":N,"skipped":N}`.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const only = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
const tierLines = [];
/** Steps that are not tests: `{ name, ok, detail }`. */
const steps = [];

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

function step(name, code, detail = `exit code ${code}`) {
  steps.push({ name, ok: code === 0, detail: code === 0 ? '' : detail });
}

/** Adds a tier's test counts; a non-zero exit without a failing test is a failed step, not an invented test. */
function add(tier, counts, code, reported = true) {
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  tierLines.push(`${tier}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  if (!reported) {
    step(`${tier} tier`, code === 0 ? 1 : code, `printed no test results (exit code ${code})`);
  } else if (code !== 0 && counts.failed === 0 && !steps.some((s) => s.name === `${tier} tier` && !s.ok)) {
    step(`${tier} tier`, code, `exited with code ${code} without a failing test (crashed or could not start; see its output above)`);
  }
}

function wanted(tier) {
  return only.length === 0 || only.includes(tier);
}

// Build first: the VS Code tiers load dist/.
{
  const build = await run('npm', ['run', '--silent', 'build']);
  step('build', build.code);
}

// Static checks: the type checker (both tsconfigs) and the linter, which also enforces the pure-core layer rule.
if (wanted('static')) {
  for (const [name, script] of [
    ['check-types', 'check-types'],
    ['lint', 'lint'],
  ]) {
    const result = await run('npm', ['run', '--silent', script]);
    step(name, result.code);
  }
}

if (wanted('unit')) {
  const unit = await run('npx', ['mocha', 'test/unit/**/*.test.ts', '--reporter', 'spec']);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  // mocha's spec reporter ends with "N passing", "N failing", "N pending".
  const num = (re) => Number((unit.out.match(re) ?? [])[1] ?? 0);
  counts.passed = num(/(\d+) passing/);
  counts.failed = num(/(\d+) failing/);
  counts.skipped = num(/(\d+) pending/);
  add('unit', counts, unit.code, /\d+ passing/.test(unit.out));
}

for (const [tier, file] of [
  ['vscode', 'test/e2e/run.ts'],
  ['real-engine', 'test/real/run.ts'],
]) {
  if (!wanted(tier)) {
    continue;
  }
  if (!fs.existsSync(path.join(root, file))) {
    console.log(`(tier ${tier}: ${file} not present)`);
    continue;
  }
  const result = await run('npx', ['tsx', file]);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  let reported = false;
  for (const m of result.out.matchAll(/^TIER-RESULT (\{.*\})$/gm)) {
    const r = JSON.parse(m[1]);
    reported = true;
    counts.passed += r.passed ?? 0;
    counts.failed += r.failed ?? 0;
    counts.skipped += r.skipped ?? 0;
    for (const why of r.errors ?? []) {
      steps.push({ name: `${tier} tier`, ok: false, detail: why });
    }
  }
  add(tier, counts, result.code, reported);
}

const failedSteps = steps.filter((s) => !s.ok);
console.log('\nsteps (not counted as tests):');
for (const s of steps) {
  console.log(`  ${s.ok ? 'ok    ' : 'FAILED'} ${s.name}${s.ok ? '' : ` — ${s.detail}`}`);
}
console.log('tests:');
for (const line of tierLines) {
  console.log(`  ${line}`);
}
if (failedSteps.length > 0) {
  console.log(`RUN FAILED: ${failedSteps.map((s) => s.name).join(', ')} failed (the counts below are tests only).`);
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || failedSteps.length > 0 ? 1 : 0);
