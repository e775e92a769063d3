// Runs every bench/*.bench.ts with tsx, one after another, and exits non-zero if any fails.
// Usage: node scripts/bench.mjs [filter]   (filter: a substring of the bench file name)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const filter = process.argv[2] ?? '';
const files = existsSync(benchDir)
  ? readdirSync(benchDir)
      .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
      .sort()
  : [];
if (files.length === 0) {
  console.error(`no bench/*.bench.ts files${filter ? ` matching "${filter}"` : ''}`);
  process.exit(1);
}

// Run tsx's CLI through node directly (no shell, no npx lookup).
const require = createRequire(import.meta.url);
const tsxCli = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');

const failed = [];
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsxCli, path.join('bench', file)], { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    failed.push(file);
    console.log(`=== ${file}: FAILED (exit ${result.status ?? result.signal}) after ${seconds} s ===`);
  } else {
    console.log(`=== ${file}: ok in ${seconds} s ===`);
  }
}
console.log(`\n${files.length - failed.length}/${files.length} benchmarks passed${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}`);
process.exit(failed.length > 0 ? 1 : 0);
