// Runs every test tier and ends with one summary line: "N passed, N failed, N skipped".
// Tiers: build, unit (mocha, in-process Node), vscode (real VS Code via code-server), real-engine (llama-server).
// A tier that is its own program prints `TIER-RESULT {"tier":…,"passed":N,"failed":N,"skipped":N}`.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const only = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
const tierLines = [];

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

function add(tier, counts, code) {
  const failed = counts.failed + (code !== 0 && counts.failed === 0 ? 1 : 0);
  totals.passed += counts.passed;
  totals.failed += failed;
  totals.skipped += counts.skipped;
  tierLines.push(`${tier}: ${counts.passed} passed, ${failed} failed, ${counts.skipped} skipped`);
}

function wanted(tier) {
  return only.length === 0 || only.includes(tier);
}

// Build first: the VS Code tiers load dist/.
{
  const build = await run('npm', ['run', '--silent', 'build']);
  add('build', { passed: build.code === 0 ? 1 : 0, failed: 0, skipped: 0 }, build.code);
}

// Static checks: the type checker (both tsconfigs) and the linter, which also enforces the pure-core layer rule.
if (wanted('static')) {
  for (const [name, script] of [
    ['check-types', 'check-types'],
    ['lint', 'lint'],
  ]) {
    const result = await run('npm', ['run', '--silent', script]);
    add(name, { passed: result.code === 0 ? 1 : 0, failed: 0, skipped: 0 }, result.code);
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
  add('unit', counts, unit.code);
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
  for (const m of result.out.matchAll(/^TIER-RESULT (\{.*\})$/gm)) {
    const r = JSON.parse(m[1]);
    counts.passed += r.passed ?? 0;
    counts.failed += r.failed ?? 0;
    counts.skipped += r.skipped ?? 0;
  }
  add(tier, counts, result.code);
}

console.log('\n' + tierLines.join('\n'));
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
