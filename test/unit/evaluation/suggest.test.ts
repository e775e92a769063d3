import * as assert from 'node:assert/strict';
import { summarizeCell } from '../../../src/evaluation/results';
import type { EvalRun } from '../../../src/evaluation/results';
import { latestFinishedRuns, scoreModels, suggestMapping } from '../../../src/evaluation/suggest';
import type { TaskKind } from '../../../src/settings/schema';

/** A run: per model, per case, [passes, total ms]. */
function run(suite: string, task: TaskKind | undefined, cells: Record<string, Record<string, readonly [boolean, number]>>, id = 'r1', status: EvalRun['status'] = 'finished'): EvalRun {
  const models = Object.keys(cells);
  const cases = [...new Set(models.flatMap((m) => Object.keys(cells[m] ?? {})))];
  return {
    version: 1,
    id,
    suite,
    ...(task !== undefined ? { task } : {}),
    startedAt: '2026-12-07T10:00:00.000Z',
    status,
    models,
    cases,
    repeats: 1,
    cells: models.flatMap((m) =>
      Object.entries(cells[m] ?? {}).map(([c, [pass, ms]]) =>
        summarizeCell(c, m, [{ answer: 'a', checks: [{ label: 'k', pass, detail: '' }], verdicts: [], timeToFirstTokenMs: ms / 4, totalMs: ms, promptTokens: 1, generatedTokens: 1 }]),
      ),
    ),
  };
}

/** n cases where the first `passes` pass. */
function cases(n: number, passes: number, ms: number): Record<string, readonly [boolean, number]> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`case ${i + 1}`, [i < passes, ms] as const]));
}

const none = { tiers: { small: '', code: '', moe: '' }, pins: {} };

suite('evaluation: suggested tiers and pins', () => {
  test('review: the faster model that is nearly as good is suggested, said with its share of the better one\'s time', () => {
    const r = run('Review', 'review', { 'qwen2.5-coder:7b': cases(25, 23, 2000), 'qwen3:30b-a3b': cases(25, 24, 8000) });
    const s = suggestMapping([r], none);
    const review = s.tasks.find((t) => t.task === 'review');
    assert.equal(review?.model, 'qwen2.5-coder:7b');
    assert.equal(review?.text, "review: qwen2.5-coder:7b passes 92 % of your 25 review cases at 1/4 of qwen3:30b-a3b's time (qwen3:30b-a3b: 96 %)");
    // The code tier takes the everyday pick, the MoE tier the most accurate model; review is pinned to its tier.
    assert.deepEqual(
      s.tiers.map((t) => [t.tier, t.model]),
      [
        ['code', 'qwen2.5-coder:7b'],
        ['moe', 'qwen3:30b-a3b'],
      ],
    );
    assert.deepEqual(s.pins, { review: 'code' });
    assert.equal(s.empty, false);
  });

  test('a faster model clearly worse than the best is not suggested; the best is', () => {
    const r = run('Explain', 'explain', { small: cases(10, 6, 500), big: cases(10, 10, 5000) });
    const s = suggestMapping([r], none);
    assert.equal(s.tasks[0]?.model, 'big');
    assert.match(s.tasks[0]?.text ?? '', /big passes 100 % of your 10 explain cases at 10× small's time/);
  });

  test('no model good enough: no pin, and the reason names the best and the floor', () => {
    const r = run('Review', 'review', { a: cases(10, 5, 500), b: cases(10, 7, 900) });
    const s = suggestMapping([r], none);
    assert.equal(s.tasks.length, 0);
    assert.deepEqual(s.pins, {});
    assert.match(s.unsuggested[0]?.text ?? '', /no model is good enough yet — the best, b, passes 70 % of your review cases \(at least 80 % wanted\)/);
    assert.equal(s.empty, true);
  });

  test('inline completion picks the quick tier; settings already matching give no change', () => {
    const completion = run('Complete', 'inlineCompletion', { 'tiny:1b': cases(20, 18, 120), 'mid:7b': cases(20, 19, 600) });
    const s = suggestMapping([completion], none);
    assert.deepEqual(
      s.tiers.map((t) => [t.tier, t.model]),
      [
        ['small', 'tiny:1b'],
        ['moe', 'mid:7b'],
      ],
    );
    assert.deepEqual(s.pins, { inlineCompletion: 'small' });
    const again = suggestMapping([completion], { tiers: { small: 'tiny:1b', code: '', moe: 'mid:7b' }, pins: { inlineCompletion: 'small' } });
    assert.equal(again.empty, true);
  });

  test('each task is pinned to the tier holding its pick, or to the model by name when no tier does', () => {
    const chat = run('Chat', 'chat', { a: cases(10, 10, 100), b: cases(10, 10, 300), c: cases(10, 0, 50) });
    const explain = run('Explain', 'explain', { a: cases(10, 10, 100), b: cases(10, 10, 300), c: cases(10, 0, 50) });
    const review = run('Review', 'review', { a: cases(10, 0, 100), b: cases(10, 10, 300), c: cases(10, 10, 200) });
    const s = suggestMapping([chat, explain, review], { tiers: { small: '', code: '', moe: '' }, pins: { review: 'moe' } });
    assert.deepEqual(
      s.tasks.map((t) => [t.task, t.model]),
      [
        ['chat', 'a'],
        ['explain', 'a'],
        ['review', 'c'],
      ],
    );
    assert.deepEqual(
      s.tiers.map((t) => [t.tier, t.model]),
      [
        ['code', 'a'],
        ['moe', 'b'],
      ],
    );
    assert.deepEqual(s.pins, { chat: 'code', explain: 'code', review: 'c' });
    // A pin that already says the same is not rewritten.
    const again = suggestMapping([chat, explain, review], { tiers: { small: '', code: 'a', moe: 'b' }, pins: { chat: 'code', explain: 'code', review: 'c' } });
    assert.equal(again.empty, true);
  });

  test('a model that ran fewer cells than the others is not compared; error cells count as failures', () => {
    const r = run('Review', 'review', { a: cases(10, 10, 100), b: cases(4, 4, 10) });
    const scores = scoreModels([r]);
    assert.deepEqual(
      scores.map((x) => x.model),
      ['a'],
    );
    const withError: EvalRun = { ...r, cells: [...r.cells.filter((c) => c.model === 'a'), summarizeCell('case 1', 'c', [{ answer: '', checks: [{ label: 'k', pass: false, detail: '' }], verdicts: [], timeToFirstTokenMs: 0, totalMs: 0, promptTokens: 0, generatedTokens: 0, error: 'down' }])] };
    const s2 = scoreModels([withError]);
    assert.equal(s2.find((x) => x.model === 'a')?.passRate, 1);
  });

  test('runs without a task count as saved prompts; only the latest finished run of each suite counts', () => {
    const old = run('P', undefined, { a: cases(5, 0, 100) }, '2026-12-07T09-00-00-000Z');
    const latest = run('P', undefined, { a: cases(5, 5, 100) }, '2026-12-07T10-00-00-000Z');
    const interrupted = run('P', undefined, { a: cases(5, 1, 100) }, '2026-12-07T11-00-00-000Z', 'running');
    const picked = latestFinishedRuns([latest, interrupted, old]);
    assert.deepEqual(
      picked.map((r) => r.id),
      ['2026-12-07T10-00-00-000Z'],
    );
    const s = suggestMapping(picked, none);
    assert.equal(s.tasks[0]?.task, 'savedPrompt');
    assert.equal(s.tasks[0]?.passRate, 1);
  });
});
