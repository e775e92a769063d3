/**
 * What the sensitive-file check costs: it runs on every completion request (before anything else) and on every
 * file of the `@` picker and of the index. Paths are real: every file under this repository's node_modules,
 * made relative (tens of thousands of path shapes: deep, dotted, long). Measured in the same process:
 *   baseline  — splitting and normalising the path only (what any check must do);
 *   built-ins — the ~45 built-in patterns;
 *   full      — built-ins plus 10 user globs and a 30-line `.tieredignore` (gitignore rules, with negations).
 * Also: compiling the full rules (done once per settings or `.tieredignore` change). Figures are CPU time on
 * this machine (2 shared cores), not a model or a clock simulation. Writes bench/results/sensitiveFiles.json.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import * as path from 'node:path';
import { compileExclusions, splitPath } from '../src/context/sensitiveFiles';

const root = path.resolve(__dirname, '..');

function listFiles(dir: string, limit: number): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (out.length >= limit) {
      return;
    }
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        walk(full);
      } else if (out.length < limit) {
        out.push(path.relative(root, full));
      }
    }
  };
  walk(dir);
  return out;
}

const real = listFiles(path.join(root, 'node_modules'), 60_000);
// node_modules holds no secrets: one path in 50 gets a sensitive sibling, so the (rarer) matching path is timed too.
const planted = ['.env.local', 'id_ed25519', 'certs/server.pem', '.aws/credentials', 'data3/dump.csv', 'x.confidential'];
const paths = real.flatMap((p, i) => (i % 50 === 0 ? [p, path.join(path.dirname(p), planted[(i / 50) % planted.length] ?? '.env')] : [p]));
const userGlobs = ['**/*.confidential', 'config/prod/**', '/local.json', '*.dump', 'private/', '**/fixtures/*.{sql,csv}', 'secrets-*', '**/*.bak', 'vault/**', '*.sqlite'];
const ignoreFile = Array.from({ length: 10 }, (_, i) => [`data${i}/`, `*.tmp${i}`, `!keep${i}.tmp${i}`]).flat().join('\n');

function timeChecks(label: string, check: (p: string) => unknown, rounds: number): { label: string; nsPerCheck: number; excluded: number } {
  let excluded = 0;
  for (const p of paths) {
    // Warm-up pass (JIT), counted once.
    if (check(p) !== undefined) {
      excluded++;
    }
  }
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (const p of paths) {
      check(p);
    }
  }
  const ns = Number(process.hrtime.bigint() - start);
  return { label, nsPerCheck: ns / (rounds * paths.length), excluded };
}

const rounds = 3;
const baseline = timeChecks('baseline (split + normalise only)', (p) => (splitPath(p).segments.length < 0 ? p : undefined), rounds);
const builtIns = compileExclusions();
const builtInResult = timeChecks('built-in patterns', builtIns.check, rounds);

const compileStart = process.hrtime.bigint();
const compiles = 200;
let full = compileExclusions({ settingValues: [userGlobs], ignoreFileText: ignoreFile });
for (let i = 1; i < compiles; i++) {
  full = compileExclusions({ settingValues: [userGlobs], ignoreFileText: ignoreFile });
}
const compileUs = Number(process.hrtime.bigint() - compileStart) / compiles / 1000;
const fullResult = timeChecks('built-ins + 10 globs + 30-line .tieredignore', full.check, rounds);

console.log(`${paths.length} paths (${real.length} real ones from this repository's node_modules, one in 50 with a planted sensitive sibling), ${rounds} timed rounds each, same process:`);
for (const r of [baseline, builtInResult, fullResult]) {
  console.log(`  ${r.label.padEnd(48)} ${(r.nsPerCheck / 1000).toFixed(2).padStart(7)} µs per path   (${r.excluded} excluded)`);
}
console.log(`  compiling the full rules: ${compileUs.toFixed(0)} µs (once per setting or .tieredignore change)`);
console.log(`  per completion request: one check, ${((fullResult.nsPerCheck - baseline.nsPerCheck) / 1000).toFixed(2)} µs over the baseline`);

mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench', 'results', 'sensitiveFiles.json'),
  `${JSON.stringify({ paths: paths.length, rounds, results: [baseline, builtInResult, fullResult], compileMicroseconds: compileUs, simulated: false }, null, 2)}\n`,
);
