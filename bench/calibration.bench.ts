/**
 * Calibration error of the token estimate on mixed source code, before and after calibration.
 *
 * No local model's tokenizer is available offline (Ollama/llama-server are not installed here and the
 * models' SentencePiece/BPE vocabularies are not on the npm registry), so the "model's tokenizer" is a
 * deterministic stand-in that differs from our cl100k_base estimate: other tiktoken encodings,
 * `p50k_base` (a ~50k vocabulary, like StarCoder's 49k or other small-vocabulary code models) and
 * `o200k_base` (a ~200k vocabulary, like Qwen2's 151k or Llama 3's 128k). The server's reported prompt
 * count is simulated as that reference count. This measures the calibration mechanism (does learning a
 * per-model factor from reported counts bring the estimate within 5 %?), not any real model's ratio.
 *
 * Protocol: the corpus (TypeScript/JavaScript/CSS/SCSS/Markdown/JSON from node_modules, plus Python and C
 * from /usr when present) is cut into "requests" that mix several files, 1k–8k tokens each. The first
 * 30 train TokenCalibration.observe(); the other requests are held out and scored with the learned
 * factor. "Before" is the raw count (factor 1) and the family default. Target: ≤ 5 % mean absolute
 * error after calibration. Writes bench/results/calibration.json.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { get_encoding } from 'tiktoken';
import type { TiktokenEncoding } from 'tiktoken';
import { TokenCalibration, defaultFactorForFamily } from '../src/context/calibration';
import { approximateCounter, tiktokenCounter } from '../src/context/tokenCounter';
import type { TokenCounter } from '../src/context/tokenCounter';
import { seededRandom as seeded } from '../test/doubles/seededRandom';

const root = path.resolve(__dirname, '..');


/** Files of one extension under a folder, sorted, at most `limit`, each at least 2 KB. */
function filesOf(dir: string, ext: string, limit: number): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (out.length >= limit * 4 || depth > 6 || !existsSync(d)) {
      return;
    }
    let entries: string[];
    try {
      entries = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const name of entries) {
      const full = path.join(d, name);
      let st;
      try {
        st = statSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        walk(full, depth + 1);
      } else if (name.endsWith(ext) && st.size >= 2048 && st.size <= 400_000) {
        out.push(full);
      }
    }
  };
  walk(dir, 0);
  // Spread the picks over the sorted list so one package does not dominate.
  const step = Math.max(1, Math.floor(out.length / limit));
  return out.filter((_, i) => i % step === 0).slice(0, limit);
}

const nm = path.join(root, 'node_modules');
const sources: { kind: string; files: string[] }[] = [
  { kind: 'typescript', files: filesOf(nm, '.ts', 12) },
  { kind: 'javascript', files: [...filesOf(nm, '.mjs', 6), ...filesOf(nm, '.cjs', 6)] },
  { kind: 'css', files: [...filesOf(path.join(nm, 'highlight.js'), '.css', 4), ...filesOf(nm, '.scss', 4)] },
  { kind: 'markdown', files: filesOf(nm, '.md', 8) },
  { kind: 'json', files: filesOf(nm, '.json', 4) },
  { kind: 'python', files: filesOf('/usr/lib/python3.11', '.py', 10) },
  { kind: 'c', files: filesOf('/usr/include', '.h', 8) },
];

const exact = tiktokenCounter();
const approx = approximateCounter();

// Cut each file into chunks of ~2–6 KB on line boundaries, then build requests from several chunks.
interface Chunk {
  readonly kind: string;
  readonly text: string;
}
const chunks: Chunk[] = [];
for (const { kind, files } of sources) {
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    let current: string[] = [];
    let size = 0;
    for (const line of lines) {
      current.push(line);
      size += line.length + 1;
      if (size >= 4000) {
        chunks.push({ kind, text: current.join('\n') });
        current = [];
        size = 0;
        if (chunks.filter((c) => c.kind === kind).length >= 60) {
          break;
        }
      }
    }
  }
}

const rand = seeded(2024);
interface Request {
  readonly text: string;
  readonly kinds: string;
}
const requests: Request[] = [];
for (let i = 0; i < 130; i++) {
  const parts: Chunk[] = [];
  const n = 1 + Math.floor(rand() * 6);
  for (let k = 0; k < n; k++) {
    const c = chunks[Math.floor(rand() * chunks.length)];
    if (c !== undefined) {
      parts.push(c);
    }
  }
  requests.push({ text: parts.map((p) => p.text).join('\n\n'), kinds: [...new Set(parts.map((p) => p.kind))].sort().join('+') });
}
const train = requests.slice(0, 30);
const test = requests.slice(30);

interface Scenario {
  readonly reference: TiktokenEncoding;
  readonly family: string;
  readonly model: string;
  readonly like: string;
}
const scenarios: Scenario[] = [
  { reference: 'p50k_base', family: 'starcoder2', model: 'reference-p50k', like: '~50k vocabulary (StarCoder-like)' },
  { reference: 'o200k_base', family: 'qwen2', model: 'reference-o200k', like: '~200k vocabulary (Qwen2/Llama 3-like)' },
];

function stats(errors: number[]): { meanAbsPct: number; p95AbsPct: number; maxAbsPct: number } {
  const sorted = errors.map((e) => Math.abs(e) * 100).sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return {
    meanAbsPct: Number(mean.toFixed(2)),
    p95AbsPct: Number((sorted[Math.floor(sorted.length * 0.95)] ?? 0).toFixed(2)),
    maxAbsPct: Number((sorted.at(-1) ?? 0).toFixed(2)),
  };
}

const results: Record<string, unknown>[] = [];
let allMet = true;
for (const scenario of scenarios) {
  const enc = get_encoding(scenario.reference);
  const reference = (text: string): number => enc.encode_ordinary(text).length;
  for (const [baseName, base] of [
    ['cl100k (tiktoken)', exact],
    ['approximate', approx],
  ] as [string, TokenCounter][]) {
    const calibration = new TokenCalibration(undefined);
    const defaultFactor = defaultFactorForFamily(scenario.family);
    for (const r of train) {
      calibration.observe(scenario.model, scenario.family, base.count(r.text), reference(r.text));
    }
    const factor = calibration.factorFor(scenario.model, scenario.family);
    const raw: number[] = [];
    const withDefault: number[] = [];
    const after: number[] = [];
    for (const r of test) {
      const ref = reference(r.text);
      const est = base.count(r.text);
      raw.push((est - ref) / ref);
      withDefault.push((est * defaultFactor - ref) / ref);
      after.push((calibration.estimate(scenario.model, scenario.family, r.text, base).tokens - ref) / ref);
    }
    const row = {
      reference: scenario.reference,
      standsFor: scenario.like,
      base: baseName,
      learnedFactor: Number(factor.toFixed(4)),
      familyDefault: defaultFactor,
      trainRequests: train.length,
      testRequests: test.length,
      rawError: stats(raw),
      familyDefaultError: stats(withDefault),
      calibratedError: stats(after),
      onlineErrorAfterTraining: calibration.errorFor(scenario.model),
    };
    const met = row.calibratedError.meanAbsPct <= 5;
    if (baseName.startsWith('cl100k')) {
      allMet &&= met;
    }
    results.push({ ...row, targetMet: met });
    console.log(
      `${scenario.reference.padEnd(10)} ${baseName.padEnd(18)} factor ${row.learnedFactor.toFixed(3)}  mean |error|: raw ${row.rawError.meanAbsPct.toFixed(2)} %, ` +
        `family default ${row.familyDefaultError.meanAbsPct.toFixed(2)} % → calibrated ${row.calibratedError.meanAbsPct.toFixed(2)} % ` +
        `(p95 ${row.calibratedError.p95AbsPct.toFixed(2)} %, max ${row.calibratedError.maxAbsPct.toFixed(2)} %)${met ? '' : '  [target 5 % missed]'}`,
    );
  }
  enc.free();
}

const corpus = sources.map((s) => ({ kind: s.kind, files: s.files.length }));
console.log(`corpus: ${corpus.map((c) => `${c.kind} ${c.files}`).join(', ')}; ${chunks.length} chunks, ${requests.length} requests (${train.length} train / ${test.length} held out)`);
console.log(`target ≤ 5 % mean absolute error after calibration (tiktoken base): ${allMet ? 'met' : 'MISSED'}`);

mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench', 'results', 'calibration.json'),
  `${JSON.stringify({ note: 'reference tokenizers are other tiktoken encodings standing in for local models (none available offline)', corpus, results, targetMet: allMet }, null, 2)}\n`,
);
console.log('wrote bench/results/calibration.json');
exact.dispose();
