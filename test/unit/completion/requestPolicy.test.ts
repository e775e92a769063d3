/**
 * The cost-aware request policy: the key rhythm, the send-time decision, the server-busy meter, and the
 * pipeline on a SIMULATED clock (FakeClock) with a SIMULATED model (FakeLlmBackend) that never agrees with
 * the typist (the worst case): a seeded, human-timed typing session with pauses. These show mechanics, not
 * real latencies (the real-editor figures come from bench/typing.bench.ts).
 */
import * as assert from 'node:assert/strict';
import { KeyRhythm } from '../../../src/completion/keyRhythm';
import { CompletionPipeline } from '../../../src/completion/pipeline';
import { pauseFallbackMs, requestTiming } from '../../../src/completion/requestCost';
import { ServerBusyMeter } from '../../../src/completion/serverBusy';
import { RequestPolicy, positionKindOf } from '../../../src/completion/stages/requestPolicy';
import type { CompletionOutcome, CompletionRequest } from '../../../src/completion/types';
import { defaultSettings } from '../../../src/settings/readSettings';
import type { Settings } from '../../../src/settings/schema';
import { nullLogger } from '../../../src/util/logger';
import { FakeClock, FakeLlmBackend, fakeModel, flush } from '../../doubles/fakeLlmBackend';
import { seededRandom } from '../../doubles/seededRandom';

/** A rhythm of `n` keystrokes inside lines (gaps 80–200 ms) and `pauses` pauses of 1.5 s at boundaries. */
function learnedRhythm(random: () => number, n = 200, pauseEvery = 20): KeyRhythm {
  const rhythm = new KeyRhythm();
  let t = 0;
  for (let i = 0; i < n; i++) {
    const boundary = i % pauseEvery === pauseEvery - 1;
    rhythm.record(t, boundary ? 'boundary' : 'inside');
    t += boundary && i % (pauseEvery * 2) === pauseEvery * 2 - 1 ? 1500 : 80 + random() * 120;
  }
  return rhythm;
}

suite('completion request policy: key rhythm and cost', () => {
  test('the probability of a pause rises with the silence, and is higher where the user stops', () => {
    const rhythm = learnedRhythm(seededRandom(1));
    const inside = [50, 150, 250].map((t) => rhythm.pauseProbability('inside', t));
    assert.ok(inside[0]! < inside[1]! && inside[1]! < inside[2]!, `rises with the silence: ${inside.join(', ')}`);
    assert.ok(rhythm.pauseProbability('inside', 50) < 0.05, 'a 50 ms silence inside a line is almost never a pause');
    assert.ok(rhythm.pauseProbability('boundary', 150) > rhythm.pauseProbability('inside', 150), 'line ends are where pauses happen');
    assert.equal(rhythm.pauseProbability('inside', rhythm.pauseThresholdMs), 1);
    const median = rhythm.medianGapMs ?? 0;
    assert.ok(median > 100 && median < 180, `median gap ${median}`);
  });

  test('the figures follow every new keystroke (computed once per keystroke, not stale)', () => {
    const rhythm = new KeyRhythm();
    let t = 0;
    for (let i = 0; i < 20; i++) {
      rhythm.record(t, 'inside');
      t += 100;
    }
    assert.equal(rhythm.medianGapMs, 100);
    assert.equal(rhythm.gapSurvival('inside', 150), 0.5 / 20);
    for (let i = 0; i < 40; i++) {
      rhythm.record(t, 'inside');
      t += 200;
    }
    assert.equal(rhythm.medianGapMs, 200, 'the median moved with the new gaps');
    assert.ok(rhythm.gapSurvival('inside', 150) > 0.6, `most gaps now last past 150 ms (${rhythm.gapSurvival('inside', 150)})`);
    assert.equal(rhythm.remainingGapMs('inside', 150), 50);
  });

  test('where a statement or item ends (`;`, `}`, `,`) is a kind of its own: a user who pauses there, and not after other boundaries, gets an earlier request there', () => {
    const lines = (prefix: string): { languageId: string; linePrefix: string; lineSuffix: string } => ({ languageId: 'typescript', linePrefix: prefix, lineSuffix: '' });
    assert.equal(positionKindOf(lines('  let a = 1;')), 'end');
    assert.equal(positionKindOf(lines('  }')), 'end');
    assert.equal(positionKindOf(lines('  name: x,')), 'end');
    assert.equal(positionKindOf(lines('  f(a)')), 'boundary');
    assert.equal(positionKindOf(lines('if (a) {')), 'boundary');
    assert.equal(positionKindOf(lines('  ')), 'indent');
    assert.equal(positionKindOf(lines('  let a')), 'inside');
    const random = seededRandom(5);
    const rhythm = new KeyRhythm();
    let t = 0;
    for (let i = 0; i < 600; i++) {
      // Every 15th key ends a statement (a pause after one in three), every 15th (offset) is a `)` (never a pause).
      const kind = i % 15 === 7 ? 'end' : i % 15 === 3 ? 'boundary' : 'inside';
      rhythm.record(t, kind);
      t += kind === 'end' && i % 45 === 7 ? 2000 : Math.min(900, 135 * Math.exp(0.35 * (random() * 2 - 1) * 1.7));
    }
    const end = requestTiming({ rhythm, kind: 'end', agreement: 0.05, serviceMs: 200, floorMs: 60, maxWaitMs: 1200 });
    const boundary = requestTiming({ rhythm, kind: 'boundary', agreement: 0.05, serviceMs: 200, floorMs: 60, maxWaitMs: 1200 });
    assert.ok(end.waitMs < boundary.waitMs, `end ${end.waitMs} ms, other boundary ${boundary.waitMs} ms`);
    assert.equal(end.reason, 'early');
  });

  test('low agreement inside a line: ask at the pause (the fallback), never early', () => {
    const rhythm = learnedRhythm(seededRandom(2));
    const timing = requestTiming({ rhythm, kind: 'inside', agreement: 0.05, serviceMs: 300, floorMs: 60, maxWaitMs: 1200 });
    assert.equal(timing.reason, 'pause');
    assert.ok(timing.waitMs >= pauseFallbackMs(rhythm, 60, 1200), `the fallback waits past the user's slow gaps (${timing.waitMs} ms)`);
    assert.ok(rhythm.gapSurvival('inside', timing.waitMs) * rhythm.kindShare('inside') <= 0.005 + 0.005, 'within the budget of wasted requests');
  });

  test('high agreement: a request while typing pays off, so it goes out early', () => {
    const rhythm = learnedRhythm(seededRandom(3));
    const timing = requestTiming({ rhythm, kind: 'inside', agreement: 0.9, serviceMs: 300, floorMs: 60, maxWaitMs: 1200 });
    assert.equal(timing.reason, 'early');
    assert.equal(timing.waitMs, 60);
  });

  test('a cheap server makes an early request worth it sooner than a dear one', () => {
    const rhythm = learnedRhythm(seededRandom(4), 200, 5);
    const cheap = requestTiming({ rhythm, kind: 'boundary', agreement: 0.05, serviceMs: 20, floorMs: 20, maxWaitMs: 1200 });
    const dear = requestTiming({ rhythm, kind: 'boundary', agreement: 0.05, serviceMs: 2000, floorMs: 20, maxWaitMs: 1200, costWeight: 20 });
    assert.ok(cheap.waitMs < dear.waitMs, `cheap ${cheap.waitMs} ms, dear ${dear.waitMs} ms`);
  });

  test('agreement is measured per model', () => {
    const policy = new RequestPolicy(new FakeClock(), { maxPendingWaitMs: 200, minAgreementWhileTyping: 0.5, prefetchOverTypingGaps: 0.5, useReuse: true });
    policy.useModel('fast-but-wrong');
    for (let i = 0; i < 5; i++) {
      policy.agreement.record(false);
    }
    policy.useModel('other');
    assert.equal(policy.agreement.samples, 0, 'another model starts unmeasured');
    policy.agreement.record(true);
    policy.useModel('fast-but-wrong');
    assert.equal(policy.agreement.samples, 5);
    assert.ok(policy.agreement.probability < 0.2);
  });

  test('server busy meter: only the time the server worked while the user typed counts', () => {
    const meter = new ServerBusyMeter();
    for (const at of [0, 100, 200, 300, 2000, 2100]) {
      meter.keystroke(at);
    }
    // Typing: 0–300 and 2000–2100 (400 ms). A request 250–1000 overlaps 50 ms of typing; one 1500–2050 overlaps 50.
    const a = meter.start(250);
    meter.end(a, 1000, false);
    const b = meter.start(1500);
    meter.end(b, 2050, true);
    const figures = meter.figures(2100, 500);
    assert.equal(figures.typingMs, 400);
    assert.equal(figures.busyWhileTypingMs, 100);
    assert.equal(figures.busyWhileTypingShare, 0.25);
    assert.equal(figures.requests, 2);
    assert.equal(figures.wasted, 1);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The pipeline on a simulated typing session.

const code = [
  'export function total(items: Item[]): number {',
  '  let sum = 0;',
  '  for (const item of items) {',
  '    sum += item.price * item.quantity;',
  '  }',
  '  return sum;',
  '}',
  '',
  'export function average(values: number[]): number {',
  '  if (values.length === 0) {',
  '    return 0;',
  '  }',
  '  return total(values.map((v) => ({ price: v, quantity: 1 }))) / values.length;',
  '}',
  '',
].join('\n');

interface SessionFigures {
  requests: number;
  chars: number;
  pauses: number;
  pausesWithSuggestion: number;
  maxConcurrent: number;
  busyWhileTyping: number;
  latencies: number[];
}

function request(text: string, offset: number, uri = 'file:///w/total.ts'): CompletionRequest {
  return { documentUri: uri, languageId: 'typescript', text, offset, lineEnding: '\n', indent: { useTabs: false, size: 2 }, fileSizeBytes: text.length, manual: false };
}

function simulatedPipeline(policy: Settings['completion.requestPolicy'], kind: 'ollama' | 'openai' = 'ollama'): { clock: FakeClock; backend: FakeLlmBackend; pipeline: CompletionPipeline; settings: Settings } {
  const clock = new FakeClock();
  const backend = new FakeLlmBackend(clock, { kind });
  const model = fakeModel({ name: 'qwen2.5-coder:1.5b' });
  const settings: Settings = { ...defaultSettings(), 'completion.requestPolicy': policy };
  const pipeline = new CompletionPipeline({ resolveModel: () => Promise.resolve({ backend, model }), clock, settings: () => settings, logger: nullLogger });
  return { clock, backend, pipeline, settings };
}

/** Types `code` (twice over) with seeded human gaps and a 1.5 s pause at every third line end; the model never agrees. */
async function typingSession(policy: Settings['completion.requestPolicy'], seed: number): Promise<SessionFigures> {
  const { clock, backend, pipeline } = simulatedPipeline(policy);
  // Never what the typist types: a fast model (60 ms to first token) that always says something else.
  backend.responder = () => ({ tokens: ['zq', 'xv', 'w();'], firstTokenMs: 60, tokenIntervalMs: 15 });
  const random = seededRandom(seed);
  const truth = code + code.replace(/total/g, 'sumOf').replace(/average/g, 'mean');
  let previous: AbortController | undefined;
  let maxConcurrent = 0;
  const figures: SessionFigures = { requests: 0, chars: 0, pauses: 0, pausesWithSuggestion: 0, maxConcurrent: 0, busyWhileTyping: 0, latencies: [] };
  let lineEnds = 0;
  for (let i = 1; i <= truth.length; i++) {
    previous?.abort();
    const controller = new AbortController();
    previous = controller;
    const keyAt = clock.now();
    let shownAt: number | undefined;
    void pipeline.complete(request(truth.slice(0, i), i), controller.signal).then((outcome: CompletionOutcome) => {
      if (outcome.kind === 'shown') {
        shownAt = clock.now();
      }
    });
    figures.chars++;
    const atLineEnd = truth[i] === '\n' && truth[i - 1] !== '\n';
    const pause = atLineEnd && lineEnds++ % 3 === 2;
    const gap = pause ? 1500 : 70 + Math.round(random() * 130) + (random() < 0.05 ? 150 : 0);
    // Step through the gap in 10 ms slices to watch concurrency.
    for (let t = 0; t < gap; t += 10) {
      await clock.advance(Math.min(10, gap - t));
      maxConcurrent = Math.max(maxConcurrent, backend.running.length);
    }
    if (pause) {
      figures.pauses++;
      if (shownAt !== undefined) {
        figures.pausesWithSuggestion++;
        figures.latencies.push(shownAt - keyAt);
      }
    }
  }
  figures.requests = backend.generations.length;
  figures.maxConcurrent = maxConcurrent;
  figures.busyWhileTyping = pipeline.policy.busyWhileTyping().busyWhileTypingShare;
  return figures;
}

suite('completion request policy: simulated typing session (simulated clock and model)', () => {
  test('with a model that never agrees, the cost-aware policy sends far fewer requests than the classic one, keeps the server mostly idle while typing, and still suggests at every pause', async function () {
    this.timeout(60_000);
    const costAware = await typingSession('costAware', 7);
    const classic = await typingSession('classic', 7);
    const per100 = (f: SessionFigures): number => (100 * f.requests) / f.chars;
    assert.ok(per100(costAware) <= 3, `cost-aware: ${per100(costAware).toFixed(2)} requests per 100 chars (classic ${per100(classic).toFixed(2)})`);
    assert.ok(per100(costAware) < per100(classic) / 2, `cost-aware ${per100(costAware).toFixed(2)} vs classic ${per100(classic).toFixed(2)} per 100 chars`);
    assert.ok(costAware.busyWhileTyping <= 0.05, `busy while typing ${(costAware.busyWhileTyping * 100).toFixed(1)} % (classic ${(classic.busyWhileTyping * 100).toFixed(1)} %)`);
    assert.equal(costAware.pausesWithSuggestion, costAware.pauses, `a suggestion at every pause (${costAware.pausesWithSuggestion}/${costAware.pauses})`);
    assert.equal(costAware.maxConcurrent, 1, 'never two generations at once');
  });
});

suite('completion request policy: slot pinning, continuation, warm-up, one generation at a time', () => {
  test('keys reported by the editor drive the key rhythm (the editor asks late and skips keys), and the wait counts from the key, not the call', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware');
    backend.responder = () => ({ tokens: ['zz'], firstTokenMs: 50 });
    const line = (prefix: string): { languageId: string; linePrefix: string; lineSuffix: string } => ({ languageId: 'typescript', linePrefix: prefix, lineSuffix: '' });
    let text = 'let x = 1;\n';
    for (let i = 0; i < 60; i++) {
      text += 'a';
      pipeline.typed(clock.now(), line(text.slice(text.lastIndexOf('\n') + 1)));
      if (i % 3 === 0) {
        // The editor asks for one key in three, 50 ms after it.
        await clock.advance(50);
        const c = new AbortController();
        void pipeline.complete(request(text, text.length), c.signal);
        await clock.advance(85);
        c.abort();
      } else {
        await clock.advance(135);
      }
    }
    assert.equal(pipeline.policy.rhythm.medianGapMs, 135, 'the typist\'s gap, not the calls\' 405 ms');
    // A pause after a key: the editor asks 50 ms later; the request goes out `delay` after the key.
    text += ';';
    const keyAt = clock.now();
    pipeline.typed(keyAt, line(text.slice(text.lastIndexOf('\n') + 1)));
    await clock.advance(50);
    void pipeline.complete(request(text, text.length), new AbortController().signal);
    await clock.advance(3000);
    const sent = backend.generations.at(-1);
    const wait = pipeline.policy.lastTiming?.waitMs ?? -1;
    assert.ok(sent !== undefined && wait > 50, `a wait past the call's lag (${wait} ms)`);
    assert.equal(sent.startedAt - keyAt, wait, 'sent `wait` after the key');
  });

  test('llama-server requests are pinned to slot 0 under the cost-aware policy, and not under the classic one', async () => {
    for (const [policy, expected] of [['costAware', 0], ['classic', undefined]] as const) {
      const { clock, backend, pipeline } = simulatedPipeline(policy, 'openai');
      void pipeline.complete(request('const a = ', 10), new AbortController().signal);
      await clock.advance(2000);
      assert.equal(backend.generations[0]?.request.slot, expected, `${policy}: id_slot`);
    }
    const { clock, backend, pipeline } = simulatedPipeline('costAware', 'ollama');
    void pipeline.complete(request('const a = ', 10), new AbortController().signal);
    await clock.advance(2000);
    assert.equal(backend.generations[0]?.request.slot, undefined, 'Ollama has no slots');
  });

  test('a pinned request still reading its prompt is not cut short when the typing moves on: it drains to its first token (its read stays in the slot cache), then stops', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware', 'openai');
    backend.responder = () => ({ tokens: ['zz', 'zz', 'zz'], firstTokenMs: 800, tokenIntervalMs: 20 });
    void pipeline.complete(request('const a = ', 10), new AbortController().signal);
    await clock.advance(300);
    assert.equal(backend.generations.length, 1);
    // The user types on (and the request policy does not keep a request nobody expects to agree).
    for (let i = 0; i < 6; i++) {
      pipeline.agreement.record(false);
    }
    void pipeline.complete(request('const a = b', 11), new AbortController().signal);
    await clock.advance(10);
    assert.equal(backend.generations[0]?.outcome, 'running', 'still reading its prompt on the server');
    assert.equal(pipeline.runningGenerations, 0, 'but no longer the document\'s generation');
    await clock.advance(600);
    assert.notEqual(backend.generations[0]?.outcome, 'running', 'stopped once its first token came');
    assert.ok((backend.generations[0]?.tokensSent ?? 0) <= 1, 'nothing generated past the first token');
    assert.equal(pipeline.stats.abortedGenerations, 1);
  });

  test('a pinned request whose prompt start the server already holds is stopped at once when typed past (draining it would only cost server time)', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware', 'openai');
    backend.responder = () => ({ tokens: ['zz'], firstTokenMs: 800, tokenIntervalMs: 20 });
    for (let i = 0; i < 6; i++) {
      pipeline.agreement.record(false);
    }
    // The first request in the file reads the whole prompt; the next one (same file, same context) only what was typed.
    void pipeline.complete(request('const a = ', 10), new AbortController().signal);
    await clock.advance(3000);
    assert.equal(backend.generations[0]?.outcome, 'done');
    void pipeline.complete(request('const a = b;', 12), new AbortController().signal);
    await clock.advance(300);
    assert.equal(backend.generations.length, 2);
    void pipeline.complete(request('const a = b; ', 13), new AbortController().signal);
    await clock.advance(10);
    assert.equal(backend.generations[1]?.outcome, 'aborted', 'stopped at once, not drained');
  });

  test('answers measured to rarely agree: a request still before its first token is stopped at the next key under the cost-aware policy, even when its first token is due soon (the classic policy keeps it)', async () => {
    for (const [policy, expected] of [['costAware', 'aborted'], ['classic', 'running']] as const) {
      const { clock, backend, pipeline } = simulatedPipeline(policy, 'ollama');
      backend.responder = () => ({ tokens: ['zz'], firstTokenMs: 400, tokenIntervalMs: 20 });
      // A first request measures the time to first token.
      void pipeline.complete(request('const a = ', 10), new AbortController().signal);
      await clock.advance(3000);
      for (let i = 0; i < 8; i++) {
        pipeline.agreement.record(false);
      }
      const outcome = pipeline.complete({ ...request('const b = ', 10), manual: true }, new AbortController().signal);
      void outcome;
      await clock.advance(300);
      assert.equal(backend.generations.length, 2);
      // 300 ms in, the first token is due within 100 ms: the typing-case rule would keep it.
      void pipeline.complete(request('const b = c', 11), new AbortController().signal);
      await clock.advance(5);
      assert.equal(backend.generations[1]?.outcome, expected, policy);
    }
  });

  test('a long first line still streaming is shown as far as it got (to a word boundary) after 80 ms; the rest serves typing through', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware');
    backend.responder = () => ({ tokens: ['total', ' = ', 'price', ' * ', 'quantity', ' + ', 'shipping', ';'], firstTokenMs: 50, tokenIntervalMs: 30 });
    const call = pipeline.complete(request('const a = 1;\nlet ', 17), new AbortController().signal);
    await clock.advance(60 + 50 + 90);
    const outcome = await Promise.race([call, Promise.resolve(undefined)]);
    assert.ok(outcome?.kind === 'shown', 'shown before the line is complete');
    assert.equal(outcome.text, 'total = price *', 'what streamed in the first 80 ms, cut at a word boundary');
    assert.equal(backend.generations[0]?.outcome, 'running', 'the stream goes on');
  });

  test('after an accept, the continuation\'s first whole words are shown at once (no 80 ms wait): the user is waiting on it', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware');
    backend.responder = () => ({ tokens: ['total', ' = ', 'price', ' * ', 'quantity', ';'], firstTokenMs: 50, tokenIntervalMs: 30 });
    const text = 'function f() {\n  a();\n  ';
    let shown = false;
    void pipeline.prepareContinuation(request(text, text.length)).then((ready) => (shown = ready));
    await clock.advance(60);
    assert.equal(shown, false, 'one token, no whole word yet');
    const editor = pipeline.complete(request(text, text.length), new AbortController().signal);
    await clock.advance(30);
    const outcome = await Promise.race([editor, Promise.resolve(undefined)]);
    assert.ok(outcome?.kind === 'shown', '30 ms after the first token, a word is complete');
    assert.equal(outcome.text, 'total =');
  });

  test('the same on Ollama (no slots): the request is aborted at once', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware', 'ollama');
    backend.responder = () => ({ tokens: ['zz'], firstTokenMs: 800 });
    for (let i = 0; i < 6; i++) {
      pipeline.agreement.record(false);
    }
    void pipeline.complete(request('const a = ', 10), new AbortController().signal);
    await clock.advance(300);
    void pipeline.complete(request('const a = b', 11), new AbortController().signal);
    await clock.advance(10);
    assert.equal(backend.generations[0]?.outcome, 'aborted');
  });

  test('after the user takes a whole suggestion, the next request goes out at once (no pause wait)', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware');
    backend.responder = () => ({ tokens: ['foo();'], firstTokenMs: 40 });
    // Teach a rhythm first, so that the policy would otherwise wait for a pause.
    let text = 'let x = 1;\n';
    for (let i = 0; i < 20; i++) {
      text += 'a';
      const c = new AbortController();
      void pipeline.complete(request(text, text.length), c.signal);
      await clock.advance(120);
      c.abort();
    }
    text += '\nconst a = ';
    const first = pipeline.complete(request(text, text.length), new AbortController().signal);
    await clock.advance(3000);
    const outcome = await first;
    assert.equal(outcome.kind, 'shown');
    const before = backend.generations.length;
    // Tab: the editor inserts the suggestion and asks again.
    pipeline.accepted('file:///w/total.ts', 'typescript');
    text += 'foo();';
    const at = clock.now();
    void pipeline.complete(request(text, text.length), new AbortController().signal);
    await clock.advance(5);
    assert.equal(backend.generations.length, before + 1, 'a request right after the accept');
    assert.equal(backend.generations.at(-1)?.startedAt, at, 'sent with no wait');
  });

  test('prepareContinuation starts the request before the editor asks; the editor call attaches to it', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware');
    backend.responder = () => ({ tokens: ['next();'], firstTokenMs: 40 });
    const text = 'function f() {\n  a();';
    void pipeline.prepareContinuation(request(text, text.length));
    await flush();
    assert.equal(backend.generations.length, 1, 'requested at once');
    await clock.advance(10);
    const editor = pipeline.complete(request(text, text.length), new AbortController().signal);
    await clock.advance(200);
    const outcome = await editor;
    assert.equal(outcome.kind, 'shown');
    assert.equal(backend.generations.length, 1, 'the editor call used the request already in flight');
  });

  test('a continuation that the typing contradicts is not kept', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware');
    backend.responder = () => ({ tokens: ['next', '();'], firstTokenMs: 40, tokenIntervalMs: 200 });
    const text = 'function f() {\n  a();\n  ';
    void pipeline.prepareContinuation(request(text, text.length));
    await clock.advance(50);
    const typed = `${text}z`;
    void pipeline.complete(request(typed, typed.length), new AbortController().signal);
    await flush();
    assert.equal(backend.generations[0]?.outcome, 'aborted', 'the typing went another way: aborted');
  });

  test('never two generations at once: a request for another document aborts the one in flight', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware');
    backend.responder = () => ({ tokens: ['x'], firstTokenMs: 5000 });
    void pipeline.complete(request('const a = ', 10, 'file:///w/a.ts'), new AbortController().signal);
    await clock.advance(1000);
    assert.equal(backend.running.length, 1);
    void pipeline.complete(request('const b = ', 10, 'file:///w/b.ts'), new AbortController().signal);
    await clock.advance(1000);
    assert.equal(backend.generations.length, 2);
    assert.equal(backend.generations[0]?.outcome, 'aborted');
    assert.equal(backend.running.length, 1);
  });

  test('warm-up: a zero-token, slot-pinned request when the prompt\'s stable part changed; not repeated; a real request queues behind it instead of cutting its read short', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware', 'openai');
    backend.responder = (r) => ({ tokens: r.numPredict === 0 ? [] : ['y'], firstTokenMs: 300 });
    const warmed = pipeline.warmUp(request('const a = 1;\n', 13, 'file:///w/a.ts'));
    await flush();
    assert.equal(backend.generations.length, 1);
    assert.equal(backend.generations[0]?.request.numPredict, 0, 'zero tokens to predict');
    assert.equal(backend.generations[0]?.request.slot, 0, 'into the pinned slot');
    await clock.advance(400);
    assert.equal(await warmed, true);
    assert.equal(await pipeline.warmUp(request('const a = 1;\n', 13, 'file:///w/a.ts')), false, 'same file and context: nothing to warm');
    const second = pipeline.warmUp(request('let b = 2;\n', 11, 'file:///w/b.ts'));
    await flush();
    assert.equal(backend.generations.length, 2, 'another file: warmed');
    void pipeline.complete(request('let b = 2;\n', 11, 'file:///w/b.ts'), new AbortController().signal);
    await clock.advance(100);
    assert.equal(backend.generations[1]?.outcome, 'running', 'the warm-up reads on: the real request reuses its read');
    assert.equal(backend.generations.length, 2, 'the real request waits for the warm-up to leave the server (never two at once)');
    await clock.advance(300);
    assert.equal(await second, true);
    assert.equal(backend.generations.length, 3, 'sent once the warm-up is done');
    assert.equal(pipeline.warmUps.sent, 2);
  });

  test('never two requests on the server at once: the next request waits for a drained one to end, and one aborted while it waits is never sent', async () => {
    const { clock, backend, pipeline } = simulatedPipeline('costAware', 'openai');
    backend.responder = () => ({ tokens: ['zz', 'zz'], firstTokenMs: 600, tokenIntervalMs: 20 });
    for (let i = 0; i < 6; i++) {
      pipeline.agreement.record(false);
    }
    let maxRunning = 0;
    const step = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 5) {
        await clock.advance(5);
        maxRunning = Math.max(maxRunning, backend.running.length);
      }
    };
    void pipeline.complete({ ...request('const a = ', 10), manual: true }, new AbortController().signal);
    await step(200);
    assert.equal(backend.generations.length, 1);
    // A new request while the first still reads its prompt (a fresh read: it drains to its first token).
    void pipeline.complete({ ...request('const a = b', 11), manual: true }, new AbortController().signal);
    await step(100);
    assert.equal(backend.generations.length, 1, 'waits: the drained request is still on the server');
    // Another keystroke while it waits: the waiting request is dropped unsent, the newest one waits in turn.
    void pipeline.complete({ ...request('const a = bc', 12), manual: true }, new AbortController().signal);
    await step(1500);
    assert.equal(backend.generations.length, 2, 'only the newest request was sent, after the drained one ended');
    assert.equal(backend.generations[1]?.request.prompt.endsWith('const a = bc'), true);
    assert.equal(maxRunning, 1, 'never two at once');
  });
});
