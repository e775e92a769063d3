import * as assert from 'node:assert/strict';
import { SpeedStats, speedBudgets, speedKey, tooSlowFor, minSpeedSamples } from '../../../src/routing/speedStats';
import type { RequestMetrics } from '../../../src/backend/types';

function m(timeToFirstTokenMs: number, tokensPerSecond: number, loadMs = 0): RequestMetrics {
  return { promptTokens: 10, cachedPromptTokens: 0, generatedTokens: 20, timeToFirstTokenMs, tokensPerSecond, loadMs, promptEvalMs: 0, totalMs: 0 };
}

suite('routing/speedStats', () => {
  test('exponential moving average per endpoint/model', () => {
    const s = new SpeedStats({ alpha: 0.5 });
    s.record('ollama', 'a', m(1000, 10));
    s.record('ollama', 'a', m(2000, 20));
    assert.deepEqual(s.get('ollama', 'a'), { timeToFirstTokenMs: 1500, tokensPerSecond: 15, samples: 2 });
    assert.equal(s.get('other', 'a'), undefined);
    assert.deepEqual([...s.snapshot().keys()], [speedKey('ollama', 'a')]);
  });

  test('model load time is not counted as slowness; unknown (zero) metrics leave averages alone', () => {
    const s = new SpeedStats({ alpha: 0.5 });
    s.record('ollama', 'a', m(9000, 30, 8500));
    assert.equal(s.get('ollama', 'a')?.timeToFirstTokenMs, 500);
    s.record('ollama', 'a', m(0, 0));
    assert.deepEqual(s.get('ollama', 'a'), { timeToFirstTokenMs: 500, tokensPerSecond: 30, samples: 1 });
  });

  test('too slow only with enough samples, and says why', () => {
    const s = new SpeedStats();
    for (let i = 0; i < minSpeedSamples - 1; i++) {
      s.record('ollama', 'big', m(4000, 3));
    }
    assert.equal(s.tooSlowFor('ollama', 'big', 'inlineCompletion'), undefined);
    s.record('ollama', 'big', m(4000, 3));
    assert.match(s.tooSlowFor('ollama', 'big', 'inlineCompletion') ?? '', /first token after 4\.0 s on average \(limit 1\.5 s\)/);
    assert.equal(tooSlowFor({ timeToFirstTokenMs: 300, tokensPerSecond: 2, samples: 5 }, speedBudgets.inlineCompletion), '2.0 tokens/s on average (needs 8)');
    assert.equal(tooSlowFor({ timeToFirstTokenMs: 300, tokensPerSecond: 40, samples: 5 }, speedBudgets.inlineCompletion), undefined);
  });

  test('persists through toJSON/fromJSON and skips garbage', () => {
    const s = new SpeedStats();
    s.record('ollama', 'a', m(800, 25));
    const restored = SpeedStats.fromJSON(JSON.parse(JSON.stringify({ ...s.toJSON(), bad: { samples: 'x' }, worse: null })));
    assert.deepEqual(restored.snapshot(), s.snapshot());
    assert.equal(SpeedStats.fromJSON('nope').snapshot().size, 0);
  });

  test('clear one model or everything', () => {
    const s = new SpeedStats();
    s.record('ollama', 'a', m(800, 25));
    s.record('ollama', 'b', m(800, 25));
    s.clear('ollama', 'a');
    assert.deepEqual([...s.snapshot().keys()], ['ollama/b']);
    s.clear();
    assert.equal(s.snapshot().size, 0);
  });
});
