/**
 * Token counting speed: encoder load time, and counting 1 MB of source once the encoder is loaded
 * (target ≤ 100 ms), against plain tiktoken `encode_ordinary` on the same text as the baseline in the
 * same process. Our counter splits with cl100k's pre-tokenizer in JavaScript and memoises the counts of
 * repeated pieces and (for long texts) of whole lines; "cold" means both memos were emptied first (JIT
 * warmed on other text), "warm" means a second count of the same text (every line remembered). The counts
 * must equal tiktoken's exactly.
 * Writes bench/results/tokens.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import type * as Tiktoken from 'tiktoken';
import { approximateCounter, clearTiktokenCache, isTiktokenLoaded, tiktokenCounter, tiktokenLoadMs } from '../src/context/tokenCounter';

const root = path.resolve(__dirname, '..');
const MB = 1_000_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Wall and CPU time (user + system of this process) of one call. On a busy machine wall time includes waiting for a core. */
function time<T>(fn: () => T): { ms: number; cpuMs: number; value: T } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = fn();
  const ms = performance.now() - started;
  const d = process.cpuUsage(cpu);
  return { ms, cpuMs: (d.user + d.system) / 1000, value };
}

const load = loadavg()[0] ?? 0;
console.log(`load average (1 min) at start: ${load.toFixed(2)} (2 cores here; timings scale with contention)`);

// Two different megabytes of real source: TypeScript's compiler (JS) and its lib .d.ts files.
const tsJs = readFileSync(path.join(root, 'node_modules/typescript/lib/typescript.js'), 'utf8');
const sourceA = tsJs.slice(0, MB);
const sourceB = tsJs.slice(2 * MB, 3 * MB);
const dts = ['lib.dom.d.ts', 'lib.es5.d.ts', 'lib.webworker.d.ts']
  .map((f) => readFileSync(path.join(root, 'node_modules/typescript/lib', f), 'utf8'))
  .join('\n')
  .slice(0, MB);
const warmUpText = tsJs.slice(4 * MB, 4 * MB + 200_000);

const counter = tiktokenCounter();
if (isTiktokenLoaded()) {
  throw new Error('the encoder must not be loaded before the first count');
}
const first = time(() => counter.count('x'));
const loadMs = tiktokenLoadMs() ?? first.ms;
console.log(`encoder load (require tiktoken + cl100k_base): ${loadMs.toFixed(1)} ms wall (first count ${first.ms.toFixed(1)} ms wall, ${first.cpuMs.toFixed(1)} ms CPU)`);

// Baseline: tiktoken's own encode_ordinary.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { get_encoding } = require('tiktoken') as typeof Tiktoken;
const enc = get_encoding('cl100k_base');
enc.encode_ordinary(warmUpText);
counter.count(warmUpText);

const rows: Record<string, number | string | boolean>[] = [];
for (const [name, text] of [
  ['typescript.js [0, 1 MB)', sourceA],
  ['typescript.js [2, 3 MB)', sourceB],
  ['lib.*.d.ts (1 MB)', dts],
] as const) {
  const baselineRuns = [0, 1, 2].map(() => time(() => enc.encode_ordinary(text).length));
  const baseline = median(baselineRuns.map((r) => r.ms));
  const baselineCpu = median(baselineRuns.map((r) => r.cpuMs));
  const reference = baselineRuns[0]?.value ?? -1;
  clearTiktokenCache();
  const cold = time(() => counter.count(text));
  const warmRuns = [0, 1, 2].map(() => time(() => counter.count(text)));
  const warm = median(warmRuns.map((r) => r.ms));
  const warmCpu = median(warmRuns.map((r) => r.cpuMs));
  const approx = approximateCounter();
  approx.count(warmUpText);
  const approxMs = median([0, 1, 2].map(() => time(() => approx.count(text)).ms));
  const approxTokens = approx.count(text);
  if (cold.value !== reference) {
    throw new Error(`count mismatch on ${name}: ${cold.value} vs tiktoken ${reference}`);
  }
  const row = {
    text: name,
    chars: text.length,
    tokens: reference,
    tiktokenEncodeOrdinaryMs: Number(baseline.toFixed(1)),
    tiktokenEncodeOrdinaryCpuMs: Number(baselineCpu.toFixed(1)),
    coldMs: Number(cold.ms.toFixed(1)),
    coldCpuMs: Number(cold.cpuMs.toFixed(1)),
    warmMs: Number(warm.toFixed(1)),
    warmCpuMs: Number(warmCpu.toFixed(1)),
    speedupColdVsBaseline: Number((baseline / cold.ms).toFixed(2)),
    approximateMs: Number(approxMs.toFixed(1)),
    approximateTokens: approxTokens,
    approximateRatio: Number((approxTokens / reference).toFixed(3)),
    exact: cold.value === reference,
    targetMetWall: cold.ms <= 100,
    targetMetCpu: cold.cpuMs <= 100,
  };
  rows.push(row);
  console.log(
    `${name.padEnd(24)} ${reference} tokens: tiktoken encode_ordinary ${baseline.toFixed(1)} ms (${baselineCpu.toFixed(1)} CPU) | ours cold ${cold.ms.toFixed(1)} ms (${cold.cpuMs.toFixed(1)} CPU, ` +
      `×${row.speedupColdVsBaseline} faster), warm ${warm.toFixed(1)} ms (${warmCpu.toFixed(1)} CPU) | approximate ${approxMs.toFixed(1)} ms (${row.approximateRatio}× the count) ` +
      `| target ≤ 100 ms cold: wall ${row.targetMetWall ? 'met' : 'MISSED'}, CPU ${row.targetMetCpu ? 'met' : 'MISSED'}`,
  );
}

// Pathological input: a 1 MB single line of minified code and 300 KB of one repeated letter.
const minified = sourceA.replace(/\s+/g, ' ');
const minifiedMs = time(() => counter.count(minified)).ms;
const letters = 'a'.repeat(300_000);
const lettersMs = time(() => counter.count(letters)).ms;
console.log(`1 MB single minified line: ${minifiedMs.toFixed(1)} ms; 300 KB of "a" (one huge piece, chunked): ${lettersMs.toFixed(1)} ms`);

enc.free();
counter.dispose();
mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench', 'results', 'tokens.json'),
  `${JSON.stringify({ loadAverage1m: Number(load.toFixed(2)), encoderLoadMs: Number(loadMs.toFixed(1)), firstCountMs: Number(first.ms.toFixed(1)), firstCountCpuMs: Number(first.cpuMs.toFixed(1)), megabyte: rows, minifiedLineMs: Number(minifiedMs.toFixed(1)), repeatedLetterMs: Number(lettersMs.toFixed(1)) }, null, 2)}\n`,
);
console.log('wrote bench/results/tokens.json');
