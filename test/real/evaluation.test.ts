// The evaluation suite runner against real llama-servers with the project's tiny random-weight models (their
// answers are nonsense: the worst case). Two models through the real OpenAI-compatible backend; then a server
// killed mid-suite: the remaining cells become errors and the finished ones are kept.
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { OpenAiBackend } from '../../src/backend/openAiBackend';
import type { LlmBackend, ModelInfo } from '../../src/backend/types';
import { parseCasesFile } from '../../src/evaluation/cases';
import { runSuite } from '../../src/evaluation/runner';
import { MemoryEvalStore } from '../../src/evaluation/storage';
import { findLlamaServer, startLlamaServer } from './llamaServer';
import { realEnv } from './realEnv';
import { retryingFetch } from './socketRetry';

const suiteCases = parseCasesFile(
  `cases:
  - name: add
    checks: [{ type: contains, value: "+" }, { type: length, max: 4000 }]
    rubric: [Defines a function that adds two numbers]
  - name: json
    checks: [{ type: json }]
  - name: code
    checks: [{ type: code-block }]
`,
  'real.cases.yaml',
).cases;

function backend(id: string, baseUrl: string): OpenAiBackend {
  return new OpenAiBackend({ id, baseUrl: `${baseUrl}/v1`, timeoutMs: 60_000, fetch: retryingFetch });
}

suite('real engine: evaluation suite on llama-server', () => {
  test('runs 3 cases on two real models, judged by the other, with real timings and tokens', async () => {
    const env = realEnv();
    const backends = new Map<string, LlmBackend>([
      ['small', backend('small', env.small.baseUrl)],
      ['nofim', backend('nofim', env.nofim.baseUrl)],
    ]);
    const models: ModelInfo[] = [];
    for (const b of backends.values()) {
      models.push(...(await b.listModels()));
    }
    const run = await runSuite(
      { suite: 'Real', cases: suiteCases, models },
      {
        backendFor: (m) => backends.get(m.endpointId) ?? assert.fail(`no backend ${m.endpointId}`),
        installed: models,
        store: new MemoryEvalStore(),
        promptFor: (c) => `Task ${c.name}: write a function that adds two numbers.`,
        generation: { numPredict: 24, temperature: 0, seed: 1 },
      },
    );
    assert.equal(run.status, 'finished');
    assert.equal(run.cells.length, 6);
    for (const cell of run.cells) {
      assert.equal(cell.status, 'done', `${cell.model}/${cell.caseName}: ${cell.error ?? ''}`);
      assert.ok(cell.meanTimeToFirstTokenMs > 0 && cell.meanTotalMs >= cell.meanTimeToFirstTokenMs);
      assert.ok(cell.totalTokens > 0);
      console.log(`      ${cell.model} · ${cell.caseName}: pass ${Math.round(cell.passRate * 100)} %, first token ${Math.round(cell.meanTimeToFirstTokenMs)} ms, total ${Math.round(cell.meanTotalMs)} ms, ${cell.totalTokens} tokens`);
    }
    const judged = run.cells.find((c) => c.caseName === 'add' && c.model === env.small.alias)?.attempts[0];
    assert.equal(judged?.judge, env.nofim.alias, 'the other model judges');
    // A random-weight judge writes nonsense: its verdict must be "judge failed" or a real yes/no, never a silent pass.
    assert.ok(judged?.verdicts.every((v) => v.status !== 'pass' || v.reason !== ''));
  });

  test('a server killed mid-suite: the finished cells are kept, the remaining ones are errors', async () => {
    const env = realEnv();
    const bin = findLlamaServer();
    assert.ok(bin, 'llama-server is built');
    const server = await startLlamaServer({ bin, model: env.nofim.modelPath, alias: 'doomed', ctx: 2048, parallel: 1, threads: 1, logFile: path.join(os.tmpdir(), 'tiered-eval-doomed.log') });
    const doomed = backend('doomed', server.baseUrl);
    try {
      const models = await doomed.listModels();
      const run = await runSuite(
        { suite: 'Doomed', cases: suiteCases.filter((c) => c.rubric.length === 0), models, onProgress: (p) => p.done === 1 && void server.stop() },
        { backendFor: () => doomed, installed: models, store: new MemoryEvalStore(), promptFor: (c) => `Task ${c.name}.`, generation: { numPredict: 8 }, saveEveryMs: 0 },
      );
      assert.equal(run.status, 'finished');
      assert.deepEqual(run.cells.map((c) => c.status), ['done', 'error']);
      assert.ok((run.cells[0]?.totalTokens ?? 0) > 0, 'the finished cell keeps its figures');
      assert.match(run.cells[1]?.error ?? '', /.+/);
      console.log(`      after the kill: ${run.cells[1]?.error ?? ''}`);
    } finally {
      await server.stop();
    }
  });
});
