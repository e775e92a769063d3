/**
 * The built-in engine (node-llama-cpp in its own process, src/engine/) against llama-server (the baseline, same
 * machine, same generated model, 1 thread each): time to first token, tokens per second, KV reuse on a chat
 * follow-up, fill-in-the-middle latency; engine start to first token (cold: new process; warm: next request); and
 * the parent's memory, which must not grow by the model (the engine lives in its own process).
 * Real engines on the project's tiny random-weight models: their answers are noise, the timings are real.
 * Needs the cached llama-server binary (npm run build:llama-server); without it, it prints a notice and exits 0.
 * Writes bench/results/engine.json.
 * ENGINE_BENCH_CPU=avx2 (linux-x64): the engine runs on a copy of node-llama-cpp with only its AVX2-and-older CPU
 * variants (see nodeLlamaCppDir.ts), the instruction set llama-server is built with here, so the two differ only
 * in the code around llama.cpp; writes bench/results/engine-avx2.json.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAverage, runServerBench, writeServerBenchResults } from './serverBenchRun';
import * as esbuild from 'esbuild';
import { OpenAiBackend } from '../src/backend/openAiBackend';
import type { ChatMessage, GenerationEvent, LlmBackend, RequestMetrics } from '../src/backend/types';
import { EngineBackend } from '../src/engine/engineBackend';
import { EngineProcess } from '../src/engine/engineProcess';
import { forkEngine } from '../src/engine/forkEngine';
import { findLlamaServer, killAllServers, startLlamaServer } from '../test/real/llamaServer';
import { writeTinyModel } from '../test/real/makeGguf';
import type { TinyModelName } from '../test/real/makeGguf';
import { retryingFetch } from '../test/real/socketRetry';
import { avx2Only, nodeLlamaCppDir } from './nodeLlamaCppDir';

const repo = join(__dirname, '..');
const cpu = process.env.ENGINE_BENCH_CPU === 'avx2' ? 'avx2' : 'installed';
const resultsFile = join(repo, 'bench', 'results', cpu === 'avx2' ? 'engine-avx2.json' : 'engine.json');
const RUNS = 5;
const CHAT_PREDICT = 48;
const FIM_PREDICT = 16;

interface Sample {
  readonly ttftMs: number;
  readonly tokensPerSecond: number;
  readonly promptTokens: number;
  readonly cachedPromptTokens: number;
}

async function run(stream: AsyncIterable<GenerationEvent>): Promise<RequestMetrics> {
  for await (const e of stream) {
    if (e.type === 'done') {
      return e.result.metrics;
    }
  }
  throw new Error('no done event');
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)];
};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

const question: ChatMessage[] = [
  { role: 'system', content: 'You are a coding assistant. Answer briefly.' },
  { role: 'user', content: `Review this function:\n\n${'export function add(a: number, b: number): number {\n  return a + b;\n}\n'.repeat(12)}` },
];
const fimPrefix = 'import { readFileSync } from "node:fs";\n\nexport function readLines(path: string): string[] {\n  const text = ';
const fimSuffix = '\n  return text.split("\\n");\n}\n';

/** The same requests on any backend: a question, its follow-up (KV reuse), FIM requests. */
async function measure(backend: LlmBackend, model: string): Promise<{ chat: Sample[]; followUp: Sample[]; fim: Sample[] }> {
  const chat: Sample[] = [];
  const followUp: Sample[] = [];
  const fim: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    // A different first line each run, so the first question is never served from the previous run's cache.
    const messages: ChatMessage[] = [{ role: 'system', content: `Run ${i}. ${question[0].content}` }, question[1]];
    const first = await run(backend.chat({ model, messages, numPredict: CHAT_PREDICT, temperature: 0, seed: 1 }));
    chat.push(sample(first));
    const second = await run(backend.chat({ model, messages: [...messages, { role: 'assistant', content: 'It adds two numbers.' }, { role: 'user', content: 'Any bugs?' }], numPredict: CHAT_PREDICT, temperature: 0, seed: 1 }));
    followUp.push(sample(second));
    fim.push(sample(await run(backend.generate({ model, prompt: `// ${i}\n${fimPrefix}`, suffix: fimSuffix, numPredict: FIM_PREDICT, temperature: 0, seed: 1 }))));
  }
  return { chat, followUp, fim };
}

function sample(m: RequestMetrics): Sample {
  return { ttftMs: m.timeToFirstTokenMs, tokensPerSecond: m.tokensPerSecond, promptTokens: m.promptTokens, cachedPromptTokens: m.cachedPromptTokens };
}

function summarize(samples: readonly Sample[]): { ttftMs: number; tokensPerSecond: number; promptTokens: number; reusedShare: number } {
  return {
    ttftMs: round(median(samples.map((s) => s.ttftMs))),
    tokensPerSecond: round(median(samples.map((s) => s.tokensPerSecond))),
    promptTokens: median(samples.map((s) => s.promptTokens)),
    reusedShare: round(median(samples.map((s) => (s.promptTokens > 0 ? s.cachedPromptTokens / s.promptTokens : 0))), 3),
  };
}

async function main(): Promise<void> {
  const bin = findLlamaServer();
  if (bin === undefined) {
    console.log('engine bench SKIPPED: no llama-server binary (npm run build:llama-server) for the baseline.');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'tiered-engine-bench-'));
  // The bundled engine resolves node-llama-cpp from its own folder: the repo's, or the AVX2-only copy.
  const script = cpu === 'avx2' ? join(nodeLlamaCppDir(join(work, 'engine'), avx2Only), 'engineHost.js') : join(repo, 'out', 'bench-engine', 'engineHost.js');
  mkdirSync(join(repo, 'out', 'bench-engine'), { recursive: true });
  await esbuild.build({ entryPoints: [join(repo, 'src/engine/host/engineMain.ts')], outfile: script, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['node-llama-cpp'], logLevel: 'silent' });
  const results: Record<string, unknown> = { when: new Date().toISOString(), runs: RUNS, threads: 1, llamaServer: bin, simulated: false, engineCpuVariants: cpu, loadAverageBefore: loadAverage() };
  try {
    for (const name of ['small', 'large'] as const satisfies readonly TinyModelName[]) {
      const m = writeTinyModel(name, join(work, 'models'));
      const server = await startLlamaServer({ bin, model: m.path, alias: name, ctx: 4096, parallel: 1, threads: 1, logFile: join(work, `${name}.log`) });
      const baseline = await measure(new OpenAiBackend({ id: 'llama-server', baseUrl: server.baseUrl, timeoutMs: 120_000, fetch: retryingFetch }), name);
      await server.stop();

      const rssBefore = process.memoryUsage().rss;
      const spawnedAt = Date.now();
      const engine = new EngineProcess({ spawn: () => forkEngine({ script, gpu: 'off', threads: 1 }) });
      const backend = new EngineBackend({ process: engine, models: () => [{ name, path: m.path }] });
      let firstTokenAt = 0;
      for await (const e of backend.generate({ model: name, prompt: fimPrefix, suffix: fimSuffix, numPredict: 4, temperature: 0 })) {
        if (e.type === 'token' && firstTokenAt === 0) {
          firstTokenAt = Date.now();
        }
      }
      const coldStartToFirstTokenMs = firstTokenAt - spawnedAt;
      const warm = await run(backend.generate({ model: name, prompt: `${fimPrefix}x`, suffix: fimSuffix, numPredict: 4, temperature: 0 }));
      const built = await measure(backend, name);
      const parentRssDeltaMB = (process.memoryUsage().rss - rssBefore) / 1e6;
      engine.dispose();

      const row = {
        modelMB: round(m.sizeBytes / 1e6, 2),
        llamaServer: { chat: summarize(baseline.chat), followUp: summarize(baseline.followUp), fim: summarize(baseline.fim) },
        engine: {
          chat: summarize(built.chat),
          followUp: summarize(built.followUp),
          fim: summarize(built.fim),
          coldStartToFirstTokenMs,
          warmTimeToFirstTokenMs: round(warm.timeToFirstTokenMs),
          parentRssDeltaMB: round(parentRssDeltaMB),
        },
      };
      results[name] = row;
      for (const kind of ['chat', 'followUp', 'fim'] as const) {
        const b = row.llamaServer[kind];
        const e = row.engine[kind];
        console.log(
          `${name} ${kind.padEnd(8)}  TTFT ${String(e.ttftMs).padStart(7)} ms (llama-server ${b.ttftMs})  ` +
            `${String(e.tokensPerSecond).padStart(7)} tok/s (llama-server ${b.tokensPerSecond})  reused ${e.reusedShare} (llama-server ${b.reusedShare}) of ${e.promptTokens}/${b.promptTokens} prompt tokens`,
        );
      }
      console.log(`${name} engine: cold start (spawn → first token) ${coldStartToFirstTokenMs} ms, warm TTFT ${row.engine.warmTimeToFirstTokenMs} ms, parent RSS change ${row.engine.parentRssDeltaMB} MB (model ${row.modelMB} MB)`);
    }
    writeServerBenchResults(resultsFile, results);
  } finally {
    killAllServers();
    rmSync(work, { recursive: true, force: true });
  }
}

runServerBench(main);
