import * as assert from 'node:assert/strict';
import { AttemptLog, explainAttempts } from '../../../src/completion/attemptLog';
import { LatencyHealth, describeLatency, latencyAdvice, slowFirstTokenMs } from '../../../src/completion/latencyHealth';
import { CompletionPipeline } from '../../../src/completion/pipeline';
import { defaultSettings } from '../../../src/settings/readSettings';
import { nullLogger } from '../../../src/util/logger';
import { FakeClock, FakeLlmBackend, fakeModel } from '../../doubles/fakeLlmBackend';

suite('completion latency health', () => {
  test('unknown before any request; fast answers are healthy', () => {
    const health = new LatencyHealth();
    assert.equal(health.verdict().kind, 'unknown');
    assert.equal(describeLatency(health.verdict(), 'm'), undefined);
    health.recordFirstToken(200);
    health.recordFirstToken(400);
    const verdict = health.verdict();
    assert.deepEqual(verdict, { kind: 'healthy', averageMs: 300, samples: 2, timeouts: 0 });
    assert.equal(latencyAdvice(verdict), undefined);
    assert.match(describeLatency(verdict, 'qwen2.5-coder:1.5b') ?? '', /qwen2\.5-coder:1\.5b: first token after 300 ms on average over the last 2 request\(s\) \(fast enough\)/);
  });

  test('a mean time to first token over the limit is slow, with advice naming the setting', () => {
    const health = new LatencyHealth();
    health.recordFirstToken(slowFirstTokenMs);
    assert.equal(health.verdict().kind, 'healthy', 'at the limit is still fine');
    health.recordFirstToken(slowFirstTokenMs + 200);
    const verdict = health.verdict();
    assert.equal(verdict.kind, 'slow');
    assert.match(latencyAdvice(verdict) ?? '', /1\.6 s to the first token.*tiered\.completion\.model/);
  });

  test('more than half timed out: timing out; only the last requests count', () => {
    const health = new LatencyHealth(4);
    health.recordFirstToken(100);
    health.recordTimeout();
    health.recordTimeout();
    assert.equal(health.verdict().kind, 'timingOut');
    assert.match(latencyAdvice(health.verdict()) ?? '', /2 of 3/);
    for (let i = 0; i < 4; i++) {
      health.recordFirstToken(100);
    }
    assert.deepEqual(health.verdict(), { kind: 'healthy', averageMs: 100, samples: 4, timeouts: 0 }, 'older samples dropped');
  });

  test('"Why No Completion?" shows the speed and, for a slow model, what to do', () => {
    const log = new AttemptLog();
    log.record({ at: 0, durationMs: 3000, documentUri: 'file:///w/a.ts', languageId: 'typescript', outcome: 'shown', detail: '1 line(s)', model: 'big' });
    const health = new LatencyHealth();
    health.recordFirstToken(2900);
    const text = explainAttempts(log.recent(), 10, { latency: health.verdict(), model: 'big' });
    assert.match(text, /Model speed: big: first token after 2\.9 s/);
    assert.match(text, /What to fix:\n- The completion model answers slowly/);
    assert.doesNotMatch(explainAttempts(log.recent(), 10), /Model speed/, 'nothing said before a measurement');
  });

  test('the pipeline measures its generations: a slow model is reported as slow, a new model starts afresh', async () => {
    const clock = new FakeClock();
    const backend = new FakeLlmBackend(clock);
    backend.responder = () => ({ tokens: ['1;'], firstTokenMs: 2500 });
    let model = fakeModel({ name: 'qwen2.5-coder:32b' });
    const pipeline = new CompletionPipeline({ resolveModel: () => Promise.resolve({ backend, model }), clock, settings: defaultSettings, logger: nullLogger });
    const request = { documentUri: 'u', languageId: 'typescript', text: 'const a = ', offset: 10, lineEnding: '\n' as const, indent: { useTabs: false, size: 2 }, fileSizeBytes: 10, manual: true };
    const first = pipeline.complete(request, new AbortController().signal);
    await clock.advance(5000);
    assert.equal((await first).kind, 'shown');
    const verdict = pipeline.latency.verdict();
    assert.equal(verdict.kind, 'slow');
    assert.equal(verdict.kind === 'slow' && verdict.averageMs, 2500);
    model = fakeModel({ name: 'qwen2.5-coder:1.5b' });
    backend.responder = () => ({ tokens: ['2;'], firstTokenMs: 100 });
    const second = pipeline.complete({ ...request, text: 'const b = ' }, new AbortController().signal);
    await clock.advance(1000);
    assert.equal((await second).kind, 'shown');
    assert.deepEqual(pipeline.latency.verdict(), { kind: 'healthy', averageMs: 100, samples: 1, timeouts: 0 });
  });
});
