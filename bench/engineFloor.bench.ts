/**
 * The floor under the built-in engine's speed: node-llama-cpp used directly (no Tiered code, a 30-line script in a
 * child process) against llama-server, on the same tiny generated models, 1 thread each, greedy, 48 tokens after a
 * 300-token prompt. Three runs of the same script: node-llama-cpp as installed (ggml loads the CPU variant it scores
 * best for this CPU), the same package with only its AVX2-and-older CPU variants (a temporary copy without the
 * AVX-512 ones), and llama-server (built here with GGML_NATIVE=OFF: the x86-64 AVX2 baseline). For each: wall time
 * per generated token (first to last token) and llama.cpp's own `eval time` per token (llama_decode alone, from
 * its perf counters), so the cost inside llama.cpp is told apart from the cost around it (JS, thread hand-offs).
 * A fourth run turns flash attention off (node-llama-cpp's default on the CPU is on).
 * Real engines, not simulated. Needs the cached llama-server (npm run build:llama-server) and linux-x64.
 * Writes bench/results/engineFloor.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAverage, runServerBench, writeServerBenchResults } from './serverBenchRun';
import { execFileSync } from 'node:child_process';
import { findLlamaServer, killAllServers, startLlamaServer } from '../test/real/llamaServer';
import { writeTinyModel } from '../test/real/makeGguf';
import { avx2Only, nodeLlamaCppDir } from './nodeLlamaCppDir';

const repo = join(__dirname, '..');
const resultsFile = join(repo, 'bench', 'results', 'engineFloor.json');
const RUNS = 7;
const PREDICT = 48;
const PROMPT = `Review this function:\n\n${'export function add(a: number, b: number): number {\n  return a + b;\n}\n'.repeat(12)}`;

/** The whole node-llama-cpp side: load, then RUNS greedy generations on a fresh history; prints one JSON line. */
const DIRECT_SCRIPT = `
const lib = await import('node-llama-cpp');
const [modelPath, runs, predict, prompt] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
const logs = [];
const llama = await lib.getLlama({ gpu: false, build: 'never', progressLogs: false, logLevel: lib.LlamaLogLevel.info, logger: (_level, message) => logs.push(message) });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 4096, sequences: 1, threads: 1, performanceTracking: true, ...(process.env.FLOOR_FLASH_ATTENTION === 'off' ? { flashAttention: false } : {}) });
const sequence = context.getSequence();
const perToken = [];
for (let run = 0; run < runs; run++) {
  await sequence.clearHistory();
  const stamps = [];
  for await (const _token of sequence.evaluate(model.tokenize('Run ' + run + '. ' + prompt), { temperature: 0 })) {
    stamps.push(performance.now());
    if (stamps.length >= predict) break;
  }
  perToken.push((stamps[stamps.length - 1] - stamps[0]) / (stamps.length - 1));
}
await context.printTimings();
const evalLine = logs.find((l) => / eval time/.test(l) && !/prompt eval/.test(l)) ?? '';
const m = /=\\s*([\\d.]+) ms \\/\\s*(\\d+) runs/.exec(evalLine);
const promptLine = logs.find((l) => /prompt eval time/.test(l)) ?? '';
const pm = /=\\s*([\\d.]+) ms \\/\\s*(\\d+) tokens/.exec(promptLine);
// The CPU variant ggml kept is the one still mapped into this process (the others were unloaded after scoring).
const { readFileSync } = await import('node:fs');
const variant = [...new Set([...readFileSync('/proc/self/maps', 'utf8').matchAll(/libggml-cpu-([\\w-]+)\\.so/g)].map((x) => x[1]))].join('+') || 'unknown';
console.log(JSON.stringify({ perToken, evalMsPerToken: m ? Number(m[1]) / Number(m[2]) : 0, promptMsPerToken: pm ? Number(pm[1]) / Number(pm[2]) : 0, variant }));
process.exit(0);
`;

interface Figures {
  readonly wallMsPerToken: number;
  readonly tokensPerSecond: number;
  readonly decodeMsPerToken: number;
  /** Prompt reading per token (one 300-token batch per run): what time to first token is made of. */
  readonly promptMsPerToken: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

function runDirect(dir: string, modelPath: string, flashAttention: 'default' | 'off' = 'default'): Figures & { variant: string } {
  const env = { ...process.env, FLOOR_FLASH_ATTENTION: flashAttention };
  const out = execFileSync(process.execPath, ['floor.mjs', modelPath, String(RUNS), String(PREDICT), PROMPT], { cwd: dir, encoding: 'utf8', timeout: 300_000, env });
  const line = out.trim().split('\n').pop() ?? '{}';
  const r: { perToken: number[]; evalMsPerToken: number; promptMsPerToken: number; variant: string } = JSON.parse(line);
  const wall = median(r.perToken);
  return { wallMsPerToken: round(wall), tokensPerSecond: round(1000 / wall, 1), decodeMsPerToken: round(r.evalMsPerToken), promptMsPerToken: round(r.promptMsPerToken), variant: r.variant };
}

async function runLlamaServer(bin: string, modelPath: string, logFile: string): Promise<Figures> {
  const server = await startLlamaServer({ bin, model: modelPath, alias: 'm', ctx: 4096, parallel: 1, threads: 1, logFile });
  try {
    const perToken: number[] = [];
    const promptPerToken: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const res = await fetch(`${server.baseUrl}/completion`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `Run ${run}. ${PROMPT}`, n_predict: PREDICT, temperature: 0, stream: false, cache_prompt: true }),
      });
      const body: { timings?: { predicted_ms?: number; predicted_n?: number; prompt_ms?: number; prompt_n?: number } } = await res.json();
      perToken.push((body.timings?.predicted_ms ?? 0) / Math.max(1, body.timings?.predicted_n ?? 1));
      promptPerToken.push((body.timings?.prompt_ms ?? 0) / Math.max(1, body.timings?.prompt_n ?? 1));
    }
    // llama-server's `eval time` is its whole generation loop (decode + sampling), the same figure as predicted_ms.
    const wall = median(perToken);
    return { wallMsPerToken: round(wall), tokensPerSecond: round(1000 / wall, 1), decodeMsPerToken: round(wall), promptMsPerToken: round(median(promptPerToken)) };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const bin = findLlamaServer();
  if (bin === undefined || process.platform !== 'linux' || process.arch !== 'x64') {
    console.log('engine floor bench SKIPPED: needs linux-x64 and the cached llama-server (npm run build:llama-server).');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'tiered-engine-floor-'));
  const results: Record<string, unknown> = { when: new Date().toISOString(), runs: RUNS, predict: PREDICT, threads: 1, simulated: false, loadAverageBefore: loadAverage() };
  try {
    const installed = nodeLlamaCppDir(join(work, 'installed'), undefined);
    const avx2 = nodeLlamaCppDir(join(work, 'avx2'), avx2Only);
    for (const dir of [installed, avx2]) {
      writeFileSync(join(dir, 'floor.mjs'), DIRECT_SCRIPT);
    }
    for (const name of ['small', 'large'] as const) {
      const m = writeTinyModel(name, join(work, 'models'));
      const row = {
        llamaServer: await runLlamaServer(bin, m.path, join(work, `${name}.log`)),
        nodeLlamaCpp: runDirect(installed, m.path),
        // node-llama-cpp turns flash attention on for the CPU ("auto"); its decode cost differs by CPU variant and head size.
        nodeLlamaCppNoFlashAttention: runDirect(installed, m.path, 'off'),
        nodeLlamaCppAvx2Only: runDirect(avx2, m.path),
      };
      results[name] = row;
      for (const [label, f] of Object.entries(row)) {
        const variant = 'variant' in f ? ` (CPU variant ${f.variant})` : '';
        console.log(`${name} ${label.padEnd(28)} ${String(f.tokensPerSecond).padStart(7)} tok/s, ${f.wallMsPerToken} ms/token, of which llama_decode ${f.decodeMsPerToken} ms; prompt ${f.promptMsPerToken} ms/token${variant}`);
      }
    }
    writeServerBenchResults(resultsFile, results);
  } finally {
    killAllServers();
    rmSync(work, { recursive: true, force: true });
  }
}

runServerBench(main);
