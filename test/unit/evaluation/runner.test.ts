import * as assert from 'node:assert/strict';
import { errors } from '../../../src/backend/errors';
import { parseCasesFile } from '../../../src/evaluation/cases';
import type { TestCase } from '../../../src/evaluation/cases';
import { runSuite } from '../../../src/evaluation/runner';
import type { SuiteRunDeps } from '../../../src/evaluation/runner';
import { MemoryEvalStore, resumableRun } from '../../../src/evaluation/storage';
import { systemClock } from '../../../src/util/clock';
import { FakeLlmBackend, fakeModel } from '../../doubles/fakeLlmBackend';
import type { ScriptedAnswer } from '../../doubles/fakeLlmBackend';

const small = fakeModel({ name: 'small:1b' });
const big = fakeModel({ name: 'big:7b' });

function cases(): TestCase[] {
  const suite = parseCasesFile(
    `cases:
  - name: greets
    vars: { who: Ada }
    checks: [{ type: contains, value: Hello }]
    rubric: [Greets the person by name]
  - name: json
    checks: [{ type: json }, { type: length, max: 40 }]
`,
    'greet.cases.yaml',
  );
  assert.deepEqual(suite.problems, []);
  return [...suite.cases];
}

const verdictYes = JSON.stringify({ verdicts: [{ criterion: 1, pass: true, reason: 'uses the name' }] });

/** small answers badly, big answers well; whoever judges says yes. */
function responder(request: { model: string; prompt: string }): ScriptedAnswer {
  if (request.prompt.startsWith('You are a strict, impartial judge')) {
    return { tokens: [verdictYes], firstTokenMs: 0, tokenIntervalMs: 0 };
  }
  const good = request.model === big.name;
  if (request.prompt.includes('Answer as JSON')) {
    return { tokens: good ? ['{"ok":', ' true}'] : ['Sure: {"ok": true}'], firstTokenMs: 0, tokenIntervalMs: 0 };
  }
  return { tokens: good ? ['Hello', ' Ada'] : ['Hi there'], firstTokenMs: 0, tokenIntervalMs: 0 };
}

function setup(store = new MemoryEvalStore()): { backend: FakeLlmBackend; deps: SuiteRunDeps; store: MemoryEvalStore } {
  const backend = new FakeLlmBackend(systemClock, { models: [small, big] });
  backend.responder = responder;
  const deps: SuiteRunDeps = {
    backendFor: () => backend,
    installed: [small, big],
    store,
    saveEveryMs: 0,
    promptFor: (c) => (c.name === 'json' ? 'Answer as JSON.' : `Greet ${c.vars['who'] ?? ''}.`),
  };
  return { backend, deps, store };
}

suite('evaluation suite runner', () => {
  test('runs the case × model matrix with repeats; pass rates per check and criterion; the judge is never the model under test', async () => {
    const { backend, deps, store } = setup();
    const progress: number[] = [];
    const run = await runSuite({ suite: 'Greet', cases: cases(), models: [small, big], repeats: 2, onProgress: (p) => progress.push(p.done) }, deps);
    assert.equal(run.status, 'finished');
    assert.deepEqual(progress, [1, 2, 3, 4]);
    assert.deepEqual(run.cells.map((c) => `${c.model}/${c.caseName}/${c.attempts.length}`), ['small:1b/greets/2', 'small:1b/json/2', 'big:7b/greets/2', 'big:7b/json/2']);
    const [smallGreets, smallJson, bigGreets, bigJson] = run.cells;
    assert.equal(bigGreets?.passRate, 1);
    assert.equal(bigJson?.passRate, 1);
    assert.equal(smallJson?.items.find((i) => i.label === 'is JSON')?.fails, 2);
    assert.equal(smallJson?.items.find((i) => i.label.startsWith('length'))?.passes, 2);
    assert.equal(smallJson?.passRate, 0.5);
    // small fails "contains Hello" but the judge said yes: 1 of 2 items per attempt.
    assert.equal(smallGreets?.passRate, 0.5);
    assert.equal(smallGreets?.attempts[0]?.judge, 'big:7b');
    assert.equal(bigGreets?.attempts[0]?.judge, 'small:1b');
    assert.ok((bigGreets?.totalTokens ?? 0) > 0);
    const judged = backend.generations.filter((g) => g.request.prompt.startsWith('You are a strict'));
    assert.equal(judged.length, 4);
    assert.ok(judged.every((g) => g.request.prompt.includes('1. Greets the person by name')));
    const stored = await store.list('Greet');
    assert.equal(stored.runs.length, 1);
    assert.equal(stored.runs[0]?.status, 'finished');
    assert.equal(store.saves, 6, 'saved at the start, after each of the 4 cells, and at the end');
  });

  test('a failing model makes its cells errors and the suite goes on', async () => {
    const { backend, deps } = setup();
    backend.responder = (r) => (r.model === small.name ? { tokens: [], error: errors.modelNotFound(small.name, 'http://fake'), firstTokenMs: 0 } : responder(r));
    const run = await runSuite({ suite: 'Greet', cases: cases(), models: [small, big] }, deps);
    assert.equal(run.status, 'finished');
    assert.deepEqual(run.cells.map((c) => c.status), ['error', 'error', 'done', 'done']);
    assert.match(run.cells[0]?.error ?? '', /small:1b/);
    assert.equal(run.cells[0]?.passRate, 0);
    assert.match(run.cells[0]?.attempts[0]?.checks[0]?.detail ?? '', /^no answer: /);
  });

  test('a prompt that cannot be built fails its cell only', async () => {
    const { deps } = setup();
    const run = await runSuite(
      { suite: 'S', cases: cases(), models: [big] },
      { ...deps, promptFor: (c) => (c.name === 'json' ? 'Answer as JSON.' : assert.fail('the budget is too small for the prompt')) },
    );
    assert.deepEqual(run.cells.map((c) => [c.caseName, c.status]), [['greets', 'error'], ['json', 'done']]);
    assert.match(run.cells[0]?.error ?? '', /budget is too small/);
  });

  test('one cell at a time by default; more when asked', async () => {
    for (const [concurrency, expected] of [[1, 1], [2, 2]] as const) {
      const { backend, deps } = setup();
      let most = 0;
      backend.responder = (r) => {
        most = Math.max(most, backend.running.length); // this request is already recorded
        return { ...responder(r), firstTokenMs: 5 };
      };
      const json = cases().filter((c) => c.name === 'json');
      await runSuite({ suite: 'S', cases: json, models: [small, big], concurrency }, deps);
      assert.equal(most, expected);
    }
  });

  test('cancel keeps finished cells; resume runs only the rest, in the same run', async () => {
    const { backend, deps, store } = setup();
    const controller = new AbortController();
    const first = await runSuite(
      { suite: 'Greet', cases: cases(), models: [small, big], signal: controller.signal, onProgress: (p) => p.done === 1 && controller.abort() },
      deps,
    );
    assert.equal(first.status, 'cancelled');
    assert.equal(first.cells.length, 1);
    const before = backend.generations.length;
    const toResume = resumableRun(await store.list('Greet'));
    assert.equal(toResume?.id, first.id);
    const resumed = await runSuite({ suite: 'Greet', cases: cases(), models: [small, big], ...(toResume !== undefined ? { resume: toResume } : {}) }, deps);
    assert.equal(resumed.id, first.id);
    assert.equal(resumed.status, 'finished');
    assert.equal(resumed.cells.length, 4);
    const rerun = backend.generations.slice(before).filter((g) => !g.request.prompt.startsWith('You are a strict'));
    assert.deepEqual(rerun.map((g) => `${g.request.model}:${g.request.prompt}`), ['small:1b:Answer as JSON.', 'big:7b:Greet Ada.', 'big:7b:Answer as JSON.']);
    assert.equal((await store.list('Greet')).runs.length, 1);
  });

  test('saves are spaced by saveEveryMs, and the end is always saved', async () => {
    const { deps, store } = setup();
    const run = await runSuite({ suite: 'Spaced', cases: cases(), models: [small, big] }, { ...deps, saveEveryMs: 60_000 });
    assert.equal(store.saves, 2, 'the start (empty) and the end');
    assert.equal((await store.list('Spaced')).runs[0]?.cells.length, run.cells.length);
  });

  test('an aborted signal before the start runs nothing', async () => {
    const { backend, deps } = setup();
    const controller = new AbortController();
    controller.abort();
    const run = await runSuite({ suite: 'S', cases: cases(), models: [small], signal: controller.signal }, deps);
    assert.equal(run.status, 'cancelled');
    assert.equal(backend.generations.length, 0);
  });

  test('gibberish from the judge is "judge failed", which counts against the cell', async () => {
    const { backend, deps } = setup();
    backend.responder = (r) => (r.prompt.startsWith('You are a strict') ? { tokens: ['asdf qwerty'], firstTokenMs: 0, tokenIntervalMs: 0 } : responder(r));
    const run = await runSuite({ suite: 'S', cases: cases().filter((c) => c.name === 'greets'), models: [big] }, deps);
    const cell = run.cells[0];
    assert.equal(cell?.attempts[0]?.verdicts[0]?.status, 'judge-failed');
    assert.equal(cell?.items.find((i) => i.kind === 'criterion')?.judgeFailed, 1);
    assert.equal(cell?.passRate, 0.5);
  });

  test('a failing store stops the suite with its error', async () => {
    const { deps } = setup();
    let saves = 0;
    const failing: SuiteRunDeps = { ...deps, store: { list: () => Promise.resolve({ runs: [], unreadable: [] }), save: () => (++saves > 2 ? Promise.reject(new Error('disk full')) : Promise.resolve()) } };
    await assert.rejects(runSuite({ suite: 'S', cases: cases(), models: [small, big] }, failing), /disk full/);
  });
});
