import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareRuns } from '../../../src/evaluation/compare';
import { summarizeCell } from '../../../src/evaluation/results';
import type { AttemptResult, EvalRun } from '../../../src/evaluation/results';
import { FileEvalStore, previousFinishedRun, resumableRun, runIdFor } from '../../../src/evaluation/storage';

function attempt(passes: readonly boolean[]): AttemptResult {
  return { answer: 'a', checks: passes.map((pass, i) => ({ label: `c${i}`, pass, detail: '' })), verdicts: [], timeToFirstTokenMs: 10, totalMs: 50, promptTokens: 5, generatedTokens: 3 };
}

function run(id: string, status: EvalRun['status'], rates: Record<string, readonly boolean[]>): EvalRun {
  return {
    version: 1,
    id,
    suite: 'Review My Code!',
    startedAt: '2026-12-07T10:00:00.000Z',
    status,
    models: ['m:7b'],
    cases: Object.keys(rates),
    repeats: 1,
    cells: Object.entries(rates).map(([name, passes]) => summarizeCell(name, 'm:7b', [attempt(passes)])),
  };
}

suite('evaluation storage and comparison', () => {
  let dir: string;
  setup(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tiered-evals-'));
  });
  teardown(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('runs are plain JSON files per suite, read back in start order', async () => {
    const store = new FileEvalStore(path.join(dir, '.tiered', 'evals'));
    const older = run(runIdFor(new Date('2026-12-07T10:00:00Z')), 'finished', { a: [true, false] });
    const newer = run(runIdFor(new Date('2026-12-07T11:00:00Z')), 'running', { a: [true, true] });
    await store.save(newer);
    await store.save(older);
    const file = path.join(dir, '.tiered', 'evals', 'review-my-code', '2026-12-07T10-00-00.000Z.json');
    assert.equal(JSON.parse(await fs.readFile(file, 'utf8')).cells[0].passRate, 0.5);
    const stored = await store.list('Review My Code!');
    assert.deepEqual(stored.runs.map((r) => r.id), [older.id, newer.id]);
    assert.equal(resumableRun(stored)?.id, newer.id);
    assert.equal(previousFinishedRun(stored)?.id, older.id);
    assert.equal(previousFinishedRun(stored, older.id), undefined);
    assert.deepEqual(await store.list('never run'), { runs: [], unreadable: [] });
  });

  test('a cut, hand-broken or foreign file is reported and skipped; the others still read', async () => {
    const store = new FileEvalStore(dir);
    const good = run('2026-12-07T10-00-00.000Z', 'finished', { a: [true] });
    await store.save(good);
    const folder = path.join(dir, 'review-my-code');
    const text = await fs.readFile(path.join(folder, `${good.id}.json`), 'utf8');
    await fs.writeFile(path.join(folder, 'cut.json'), text.slice(0, text.length / 2));
    await fs.writeFile(path.join(folder, 'foreign.json'), JSON.stringify({ version: 1, id: '../../etc', cells: 'x' }));
    const stored = await store.list('Review My Code!');
    assert.deepEqual(stored.runs.map((r) => r.id), [good.id]);
    assert.deepEqual(stored.unreadable.map((u) => u.id).sort(), ['cut', 'foreign']);
    assert.match(stored.unreadable.find((u) => u.id === 'foreign')?.message ?? '', /not a Tiered evaluation run/);
    assert.equal(resumableRun(stored), undefined, 'a finished run is not resumed');
  });

  test('comparison with the previous run shows regressions and improvements per cell', () => {
    const before = run('1', 'finished', { a: [true, true], b: [false, false], c: [true, false] });
    const after = run('2', 'finished', { a: [true, false], b: [true, true], c: [false, true], d: [true] });
    const cmp = compareRuns(before, after);
    assert.equal(cmp.previousId, '1');
    assert.deepEqual(cmp.regressions.map((c) => [c.caseName, c.before, c.after]), [['a', 1, 0.5]]);
    assert.deepEqual(cmp.improvements.map((c) => [c.caseName, c.delta]), [['b', 1]]);
    assert.equal(cmp.changes.find((c) => c.caseName === 'd')?.before, undefined);
    assert.equal(cmp.changes.find((c) => c.caseName === 'c')?.delta, 0);
  });

  test('the results view finds every suite folder and reads its runs (a folder of cases only holds none)', async () => {
    const root = path.join(dir, '.tiered', 'evals');
    const store = new FileEvalStore(root);
    assert.deepEqual(await store.folders(), [], 'no evals folder yet');
    await store.save(run(runIdFor(new Date('2026-12-07T10:00:00Z')), 'finished', { a: [true] }));
    await store.save({ ...run(runIdFor(new Date('2026-12-07T10:00:00Z')), 'finished', { b: [false] }), suite: 'Explain' });
    await fs.mkdir(path.join(root, 'cases'), { recursive: true });
    await fs.writeFile(path.join(root, 'cases', 'chat-answers.cases.yaml'), 'cases: []\n');
    assert.deepEqual(await store.folders(), ['cases', 'explain', 'review-my-code']);
    assert.equal((await store.listFolder('cases')).runs.length, 0);
    assert.deepEqual((await store.listFolder('explain')).runs.map((r) => r.cases), [['b']]);
  });
});
