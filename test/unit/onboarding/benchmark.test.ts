import * as assert from 'node:assert/strict';
import { errors } from '../../../src/backend/errors';
import type { GenerateRequest, GenerationEvent, RequestMetrics } from '../../../src/backend/types';
import { addRun, parseRuns, renderChart, renderTable, runBenchmark } from '../../../src/onboarding/benchmark';
import type { BenchmarkTarget } from '../../../src/onboarding/benchmark';

function metrics(over: Partial<RequestMetrics>): RequestMetrics {
  return { promptTokens: 20, cachedPromptTokens: 0, generatedTokens: 48, timeToFirstTokenMs: 100, tokensPerSecond: 20, loadMs: 0, promptEvalMs: 10, totalMs: 2000, ...over };
}

function backend(answer: (req: GenerateRequest, n: number) => RequestMetrics | Error): BenchmarkTarget['backend'] & { calls: GenerateRequest[] } {
  const calls: GenerateRequest[] = [];
  return {
    calls,
    generate(req: GenerateRequest): AsyncIterable<GenerationEvent> {
      calls.push(req);
      const a = answer(req, calls.length);
      return (async function* () {
        if (a instanceof Error) {
          throw a;
        }
        yield { type: 'token', text: 'x' };
        yield { type: 'done', result: { text: 'x', doneReason: 'stop', metrics: a } };
      })();
    },
  };
}

suite('onboarding: benchmark', () => {
  test('measures load, short and long prompts per tier and reports every request for the router', async () => {
    const b = backend((req, n) => (req.prompt.length > 1000 ? metrics({ promptTokens: 1500, timeToFirstTokenMs: 900, tokensPerSecond: 15 }) : metrics({ loadMs: n === 1 ? 3000 : 0, timeToFirstTokenMs: n === 1 ? 3200 : 150, tokensPerSecond: 25 })));
    const fed: string[] = [];
    const progress: number[] = [];
    const results = await runBenchmark([{ tier: 'code', endpointId: 'ollama', model: 'm7', backend: b }], {
      onMetrics: (t, _m, size) => fed.push(`${t.model}/${size}`),
      onProgress: (_msg, f) => progress.push(f),
      now: () => 42,
    });
    assert.equal(b.calls.length, 4);
    assert.ok(b.calls.every((c) => c.numPredict === 48 && c.temperature === 0));
    assert.deepEqual(fed, ['m7/short', 'm7/short', 'm7/short', 'm7/long']);
    const r = results[0]!;
    assert.equal(r.loadMs, 3000);
    assert.equal(r.short?.timeToFirstTokenMs, 150, 'steady runs only, load excluded');
    assert.equal(r.short?.tokensPerSecond, 25);
    assert.equal(r.long?.promptTokens, 1500);
    assert.equal(r.long?.timeToFirstTokenMs, 900);
    assert.equal(progress.at(-1), 1);
    for (let i = 1; i < progress.length; i++) {
      assert.ok(progress[i]! >= progress[i - 1]!);
    }
  });

  test('a failing model is reported with its error and the others are still measured', async () => {
    const bad = backend(() => errors.modelNotFound('gone', 'http://x'));
    const good = backend(() => metrics({}));
    const results = await runBenchmark([
      { tier: 'small', endpointId: 'e', model: 'gone', backend: bad },
      { tier: 'code', endpointId: 'e', model: 'ok', backend: good },
    ]);
    assert.match(results[0]?.error ?? '', /not installed/);
    assert.equal(results[1]?.error, undefined);
    assert.equal(results[1]?.short?.tokensPerSecond, 20);
  });

  test('cancelling stops the run', async () => {
    const controller = new AbortController();
    const b = backend((_r, n) => {
      if (n === 2) {
        controller.abort();
        return errors.aborted();
      }
      return metrics({});
    });
    await assert.rejects(runBenchmark([{ tier: 'code', endpointId: 'e', model: 'm', backend: b }, { tier: 'moe', endpointId: 'e', model: 'n', backend: b }], { signal: controller.signal }));
    assert.equal(b.calls.length, 2, 'nothing after the cancel');
  });

  test('table and chart escape model names and show the figures', () => {
    const results = [
      { tier: 'code' as const, endpointId: 'e', model: '<b>evil</b>', loadMs: 1200, short: { timeToFirstTokenMs: 150, tokensPerSecond: 25, promptTokens: 20, generatedTokens: 48 }, long: { timeToFirstTokenMs: 900, tokensPerSecond: 12.5, promptTokens: 1500, generatedTokens: 48 }, at: 1 },
      { tier: 'moe' as const, endpointId: 'e', model: 'broken', loadMs: 0, short: undefined, long: undefined, error: 'not installed', at: 1 },
    ];
    const table = renderTable(results);
    assert.ok(!table.includes('<b>evil'));
    assert.match(table, /&lt;b&gt;evil/);
    assert.match(table, /1\.20 s/);
    assert.match(table, /150 ms/);
    assert.match(table, /not installed/);
    const chart = renderChart(results);
    assert.match(chart, /^<svg id="chart"/);
    assert.ok(!chart.includes('<b>'));
    assert.equal((chart.match(/class="bar short"/g) ?? []).length, 2, 'one bar plus the legend');
    assert.match(chart, /25\.0/);
    assert.match(chart, /12\.5/);
  });

  test('stored runs are bounded and parsed defensively', () => {
    const run = { at: 1, results: [] };
    assert.equal(addRun(Array.from({ length: 10 }, () => run), { at: 2, results: [] }).length, 10);
    assert.deepEqual(parseRuns('junk'), []);
    assert.deepEqual(parseRuns([{ at: 3, results: [{ tier: 'code', model: 'm', endpointId: 'e', loadMs: 1 }, { nope: 1 }] }]).map((r) => r.results.length), [1]);
  });
});
