/**
 * Evaluation suite overhead per case, excluding model time: a 100-case × 3-model suite (checks of every kind,
 * a rubric on every third case) against an instant in-process backend (SIMULATED: it answers at once, so what is
 * timed is the suite itself — prompt layout, checks, judge prompt and parsing, bookkeeping, saving). Baseline in
 * the same process: the same generate calls consumed bare. Stores: in memory, and the real file store (atomic,
 * fsynced writes, spaced by the runner's default 200 ms, and, for comparison, after every cell). Then resume: the file-store suite is cancelled half way, a fresh store (as
 * after a window reload) finds the interrupted run, and the resumed run must not rerun a finished cell.
 * Then the results view of that 300-cell run (suggestion, comparison with the earlier run, the page with every
 * answer), against the baseline of serialising the run to JSON (what storing it costs).
 * Target: ≤ 5 ms overhead per cell. Writes bench/results/evaluation.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GenerateRequest, GenerationEvent, LlmBackend } from '../src/backend/types';
import { parseCasesFile, stringifyCases } from '../src/evaluation/cases';
import type { CaseSpec, TestCase } from '../src/evaluation/cases';
import { runSuite } from '../src/evaluation/runner';
import { FileEvalStore, MemoryEvalStore, resumableRun } from '../src/evaluation/storage';
import type { EvalStore } from '../src/evaluation/storage';
import { fakeModel } from '../test/doubles/fakeLlmBackend';
import { compareRuns } from '../src/evaluation/compare';
import type { EvalRun } from '../src/evaluation/results';
import { suggestMapping } from '../src/evaluation/suggest';
import { resultsHtml } from '../src/providers/evaluation/resultsHtml';

const models = [fakeModel({ name: 'small:1.5b' }), fakeModel({ name: 'code:7b' }), fakeModel({ name: 'moe:30b-a3b' })];
const review = JSON.stringify({ summary: 's', findings: [{ severity: 'high', category: 'bug', startLine: 4, endLine: 4, quote: 'i <= n', explanation: 'off by one', replacement: 'i < n' }] });
const answer = `Here is the fix:\n\`\`\`ts\n${'const total = items.reduce((a, b) => a + b, 0);\n'.repeat(8)}\`\`\`\n${review}`;
const verdicts = JSON.stringify({ verdicts: [{ criterion: 1, pass: true, reason: 'ok' }, { criterion: 2, pass: false, reason: 'no' }] });

/** SIMULATED: answers at once with a fixed text; counts calls. */
class InstantBackend implements LlmBackend {
  readonly id = 'instant';
  readonly kind = 'ollama' as const;
  readonly baseUrl = 'http://instant.invalid';
  calls = 0;
  modelCalls = 0;
  serverInfo = () => Promise.resolve({ version: 'bench' });
  listModels = () => Promise.resolve(models);
  listLoaded = () => Promise.resolve([]);
  async *generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    this.calls++;
    const judge = request.prompt.startsWith('You are a strict');
    this.modelCalls += judge ? 0 : 1;
    const text = judge ? verdicts : answer;
    yield { type: 'token', text };
    yield { type: 'done', result: { text, doneReason: 'stop', metrics: { promptTokens: 100, cachedPromptTokens: 0, generatedTokens: 50, timeToFirstTokenMs: 1, tokensPerSecond: 0, loadMs: 0, promptEvalMs: 0, totalMs: 2 } } };
  }
  chat = (): AsyncIterable<GenerationEvent> => this.generate({ model: '', prompt: '' });
  async *pull() {
    yield { status: 'success' };
  }
  deleteModel = () => Promise.resolve();
  countTokens = () => Promise.resolve(undefined);
  embed = () => Promise.resolve([]);
}

function suiteCases(): TestCase[] {
  const specs: CaseSpec[] = Array.from({ length: 100 }, (_, i) => ({
    name: `case ${i}`,
    vars: { audience: 'a newcomer' },
    selection: `function sum(items) {\n  let t = 0;\n  for (let i = 0; i <= items.length; i++) {\n    t += items[i];\n  }\n  return t;\n}\n// ${i}`,
    language: 'javascript',
    checks: [
      { type: 'contains', value: 'reduce' },
      { type: 'regex', pattern: '\\bconst\\s+\\w+\\s*=' },
      { type: 'code-block', language: 'ts' },
      { type: 'length', max: 4000 },
      { type: 'finding-at-line', line: 4 },
      { type: 'similar', expected: 'const total = items.reduce((a, b) => a + b, 0);', min: 0.5 },
      { type: 'json', embedded: true, schema: { type: 'object', required: ['findings'] } },
    ],
    ...(i % 3 === 0 ? { rubric: ['Names the off-by-one', 'Explains why'] } : {}),
  }));
  const suite = parseCasesFile(stringifyCases(specs), 'bench.cases.yaml');
  if (suite.problems.length > 0 || suite.cases.length !== 100) {
    throw new Error(`bench cases did not parse: ${suite.problems.map((p) => p.message).join('; ')}`);
  }
  return [...suite.cases];
}

const promptFor = (c: TestCase): string => `Explain this code to ${c.vars['audience'] ?? ''}.\n\n${c.selection ?? ''}`;

async function baselineMs(backend: InstantBackend, calls: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    for await (const event of backend.generate({ model: 'code:7b', prompt: `Explain ${i}` })) {
      void event;
    }
  }
  return performance.now() - start;
}

async function timedSuite(store: EvalStore, cases: readonly TestCase[], saveEveryMs?: number): Promise<{ ms: number; calls: number }> {
  const backend = new InstantBackend();
  const start = performance.now();
  await runSuite({ suite: 'Bench', cases, models }, { backendFor: () => backend, installed: models, store, promptFor, ...(saveEveryMs !== undefined ? { saveEveryMs } : {}) });
  return { ms: performance.now() - start, calls: backend.calls };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Times the results view of a run (median of 5) next to serialising it. */
function resultsView(run: EvalRun): { renderMs: number; baselineJsonMs: number; pageKb: number } {
  const previous: EvalRun = { ...run, id: 'earlier', cells: run.cells.map((c, i) => (i % 7 === 0 ? { ...c, passRate: Math.min(1, c.passRate + 0.2) } : c)) };
  const render: number[] = [];
  const json: number[] = [];
  let html = '';
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const suggestion = suggestMapping([run], { tiers: { small: '', code: '', moe: '' }, pins: {} });
    html = resultsHtml({ suites: [{ run, comparison: compareRuns(previous, run) }], suggestion, applyToken: 'bench-token', unreadable: [], nonce: 'n' });
    render.push(performance.now() - t0);
    const t1 = performance.now();
    JSON.stringify(run);
    json.push(performance.now() - t1);
  }
  return { renderMs: Math.round(median(render) * 10) / 10, baselineJsonMs: Math.round(median(json) * 10) / 10, pageKb: Math.round(html.length / 1024) };
}

async function main(): Promise<void> {
  const cases = suiteCases();
  const cells = cases.length * models.length;
  await timedSuite(new MemoryEvalStore(), cases.slice(0, 10)); // warm-up (JIT, Ajv, zod)
  const memory = await timedSuite(new MemoryEvalStore(), cases);
  const base = await baselineMs(new InstantBackend(), memory.calls);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tiered-eval-bench-'));
  let file: { ms: number; calls: number };
  let everyCell: { ms: number; calls: number };
  let resume: { firstCells: number; resumedModelCalls: number; rerunCells: number; finalCells: number; sameRun: boolean };
  let finishedRun: EvalRun | undefined;
  try {
    file = await timedSuite(new FileEvalStore(path.join(dir, 'a')), cases);
    everyCell = await timedSuite(new FileEvalStore(path.join(dir, 'c')), cases, 0);
    // Resume after a "window reload": cancel half way, then a fresh store finds the run and resumes it.
    const root = path.join(dir, 'b');
    const backend = new InstantBackend();
    const controller = new AbortController();
    const first = await runSuite(
      { suite: 'Bench', cases, models, signal: controller.signal, onProgress: (p) => p.done === cells / 2 && controller.abort() },
      { backendFor: () => backend, installed: models, store: new FileEvalStore(root), promptFor },
    );
    const reloaded = new FileEvalStore(root);
    const interrupted = resumableRun(await reloaded.list('Bench'));
    const backend2 = new InstantBackend();
    const resumed = await runSuite(
      { suite: 'Bench', cases, models, ...(interrupted !== undefined ? { resume: interrupted } : {}) },
      { backendFor: () => backend2, installed: models, store: reloaded, promptFor },
    );
    finishedRun = resumed;
    resume = {
      firstCells: first.cells.length,
      resumedModelCalls: backend2.modelCalls,
      rerunCells: backend2.modelCalls - (cells - first.cells.length),
      finalCells: resumed.cells.length,
      sameRun: resumed.id === first.id,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The results view of the 300-cell run: median of 5, baseline JSON.stringify of the same run.
  const view = finishedRun === undefined ? undefined : resultsView(finishedRun);
  const perCell = (ms: number): number => Math.round(((ms - base) / cells) * 1000) / 1000;
  const result = {
    simulated: 'instant in-process backend: model time excluded by design; not a figure users see end to end',
    cases: cases.length,
    models: models.length,
    cells,
    generateCalls: memory.calls,
    baselineMs: Math.round(base),
    memoryStore: { totalMs: Math.round(memory.ms), overheadPerCellMs: perCell(memory.ms) },
    fileStore: { totalMs: Math.round(file.ms), overheadPerCellMs: perCell(file.ms) },
    fileStoreSavingEveryCell: { totalMs: Math.round(everyCell.ms), overheadPerCellMs: perCell(everyCell.ms) },
    targetPerCellMs: 5,
    meetsTarget: perCell(file.ms) <= 5,
    resume,
    resultsView: view,
  };
  console.log(`suite of ${cases.length} cases × ${models.length} models (${memory.calls} generate calls incl. judge; SIMULATED instant backend)`);
  console.log(`baseline (bare generate calls):      ${result.baselineMs} ms`);
  console.log(`suite, memory store:                 ${result.memoryStore.totalMs} ms → ${result.memoryStore.overheadPerCellMs} ms overhead per cell`);
  console.log(`suite, file store (atomic, fsync):   ${result.fileStore.totalMs} ms → ${result.fileStore.overheadPerCellMs} ms overhead per cell (target ≤ 5)`);
  console.log(`suite, file store saving every cell:  ${result.fileStoreSavingEveryCell.totalMs} ms → ${result.fileStoreSavingEveryCell.overheadPerCellMs} ms per cell (the whole run rewritten each time: grows with the run)`);
  console.log(`resume after reload: ${resume.firstCells} cells kept, ${resume.resumedModelCalls} model calls on resume, ${resume.rerunCells} finished cells rerun, ${resume.finalCells} cells in the end, same run: ${resume.sameRun}`);
  if (view !== undefined) {
    console.log(`results view of ${cells} cells: ${view.renderMs} ms for the suggestion, comparison and page (${view.pageKb} KB) vs ${view.baselineJsonMs} ms to serialise the run (baseline)`);
  }
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'evaluation.json'), `${JSON.stringify(result, null, 2)}\n`);
  if (resume.rerunCells !== 0 || resume.finalCells !== cells || !resume.sameRun) {
    throw new Error('resume reran finished cells or lost some');
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
