import * as assert from 'node:assert/strict';
import { errors } from '../../../src/backend/errors';
import type { ModelInfo } from '../../../src/backend/types';
import { explainAttempts } from '../../../src/completion/attemptLog';
import { CompletionPipeline } from '../../../src/completion/pipeline';
import type { CompletionPipelineOptions } from '../../../src/completion/pipeline';
import { fimTemplates, knownSpecialTokens } from '../../../src/completion/templates';
import type { FimFamily } from '../../../src/completion/templates';
import type { CompletionOutcome, CompletionRequest } from '../../../src/completion/types';
import { defaultSettings } from '../../../src/settings/readSettings';
import type { Settings } from '../../../src/settings/schema';
import { nullLogger } from '../../../src/util/logger';
import { FakeClock, FakeLlmBackend, fakeModel, flush } from '../../doubles/fakeLlmBackend';

interface Harness {
  clock: FakeClock;
  backend: FakeLlmBackend;
  pipeline: CompletionPipeline;
  settings: { current: Settings };
  resolveCalls: () => number;
  /** Calls the pipeline like VS Code does: the previous call's token is cancelled first. */
  call(text: string, options?: Partial<CompletionRequest>): { outcome: Promise<CompletionOutcome>; settled: () => CompletionOutcome | undefined };
}

function harness(options: { model?: ModelInfo; kind?: 'ollama' | 'openai'; pipeline?: CompletionPipelineOptions; settings?: Partial<Settings> } = {}): Harness {
  const clock = new FakeClock();
  const backend = new FakeLlmBackend(clock, { kind: options.kind ?? 'ollama' });
  const model = options.model ?? fakeModel({ name: 'qwen2.5-coder:1.5b' });
  const settings = { current: { ...defaultSettings(), ...options.settings } };
  let resolveCalls = 0;
  const pipeline = new CompletionPipeline({
    resolveModel: () => {
      resolveCalls++;
      return Promise.resolve({ backend, model });
    },
    clock,
    settings: () => settings.current,
    logger: nullLogger,
    options: options.pipeline,
  });
  let previous: AbortController | undefined;
  return {
    clock,
    backend,
    pipeline,
    settings,
    resolveCalls: () => resolveCalls,
    call(text, extra = {}) {
      previous?.abort();
      const controller = new AbortController();
      previous = controller;
      const cursor = text.indexOf('|');
      const doc = cursor >= 0 ? text.slice(0, cursor) + text.slice(cursor + 1) : text;
      const request: CompletionRequest = {
        documentUri: 'file:///w/a.ts',
        languageId: 'typescript',
        text: doc,
        offset: cursor >= 0 ? cursor : doc.length,
        lineEnding: '\n',
        indent: { useTabs: false, size: 2 },
        fileSizeBytes: doc.length,
        manual: false,
        ...extra,
      };
      let result: CompletionOutcome | undefined;
      const outcome = pipeline.complete(request, controller.signal).then((r) => (result = r));
      return { outcome, settled: () => result };
    },
  };
}

const modelOf: Record<FimFamily, string> = {
  qwen: 'qwen2.5-coder:1.5b',
  codellama: 'codellama:7b-code',
  deepseek: 'deepseek-coder-v2:16b',
  starcoder: 'starcoder2:3b',
  codegemma: 'codegemma:2b',
  codestral: 'codestral:22b',
};

function shown(outcome: CompletionOutcome | undefined): { text: string; source: string } | undefined {
  return outcome?.kind === 'shown' ? { text: outcome.text, source: outcome.source } : undefined;
}

suite('completion pipeline', () => {
  test('shows a model completion and stops the stream early at the end of the line', async () => {
    const h = harness({ pipeline: { hotStreakLines: 0 } });
    h.backend.responder = () => ({ tokens: ['foo', '();', '\n', 'bar', '();', '\n', 'baz'], firstTokenMs: 100, tokenIntervalMs: 10 });
    const call = h.call('const a = |');
    await h.clock.advance(1000);
    assert.deepEqual(shown(await call.outcome), { text: 'foo();', source: 'model' });
    const [generation] = h.backend.generations;
    assert.equal(generation?.outcome, 'closedEarly');
    assert.ok((generation?.tokensSent ?? 0) < 7, 'stopped before the model finished');
    assert.equal(h.pipeline.stats.earlyStops, 1);
  });

  test('hot streak: at the end of a finished line, one line is shown at once and the next ones need no new request', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['\n', '  b();', '\n', '  c();', '\n', '  d();', '\n', '  e();', '\n', '  f();'], firstTokenMs: 100, tokenIntervalMs: 50 });
    const call = h.call('function f() {\n  a();|\n}\n');
    await h.clock.advance(60 + 100 + 2 * 50 + 1); // debounce, first token, then '\n' and 'b();' lines
    assert.deepEqual(shown(call.settled()), { text: '\n  b();', source: 'model' }, 'shown before the stream ends');
    assert.equal(h.backend.generations[0]?.outcome, 'running', 'the stream goes on for the next lines');
    await h.clock.advance(1000);
    const next = h.call('function f() {\n  a();\n  b();|\n}\n');
    await flush();
    assert.deepEqual(shown(next.settled()), { text: '\n  c();', source: 'reused' });
    const mid = h.call('function f() {\n  a();\n  b();\n  c|\n}\n');
    await flush();
    assert.deepEqual(shown(mid.settled()), { text: '();', source: 'reused' });
    assert.equal(h.backend.generations.length, 1);
    assert.equal(h.backend.generations[0]?.outcome, 'closedEarly', 'the streak is bounded');
  });

  test('a slow multiline answer is shown up to its last complete line, the rest served as the user types through', async () => {
    const h = harness({ pipeline: { showPartialAfterMs: 100 } });
    h.backend.responder = () => ({ tokens: ['\n  a();', '\n', '  b();', '\n', '  c();', '\n', '}'], firstTokenMs: 100, tokenIntervalMs: 80 });
    const call = h.call('function f() {|');
    await h.clock.advance(60 + 100 + 80 * 2 + 1); // first token at 160 ms, then 2 more: 100 ms after the first
    assert.deepEqual(shown(call.settled()), { text: '\n  a();', source: 'model' });
    await h.clock.advance(2000);
    const typed = h.call('function f() {\n  a();|');
    await flush();
    assert.deepEqual(shown(typed.settled()), { text: '\n  b();\n  c();\n}', source: 'reused' });
    assert.equal(h.backend.generations.length, 1);
  });

  test('a keystroke while a model still reads the prompt keeps the request (nothing says its answer disagrees), and its answer serves what was typed', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['foo', '();'], firstTokenMs: 1000 });
    h.call('let a = |');
    await h.clock.advance(100); // sent at 60 ms; the model was never measured
    assert.equal(h.backend.generations.length, 1);
    const typed = h.call('let a = f|');
    await flush();
    assert.equal(h.backend.generations[0]?.outcome, 'running', 'kept through the keystroke');
    assert.equal(h.pipeline.stats.keptPending, 1);
    await h.clock.advance(1000);
    assert.deepEqual(shown(await typed.outcome), { text: 'oo();', source: 'reused' });
    assert.equal(h.backend.generations.length, 1);
    assert.equal(h.pipeline.agreement.samples, 1, 'the answer agreed with the typing: one verdict');
    assert.ok(h.pipeline.agreement.probability > 0.5);
  });

  test('once answers are seen to disagree with the typing, a keystroke aborts a request still reading the prompt at once', async () => {
    const h = harness();
    for (let i = 0; i < 6; i++) {
      h.pipeline.agreement.record(false);
    }
    h.backend.responder = () => ({ tokens: ['foo();'], firstTokenMs: 1000 });
    h.call('let a = |');
    await h.clock.advance(100);
    h.call('let a = f|');
    await flush();
    assert.equal(h.backend.generations[0]?.outcome, 'aborted');
    assert.equal(h.backend.generations[0]?.endedAt, 100, 'aborted without any time passing');
    assert.equal(h.pipeline.debounce.timeToFirstTokenAtLeastMs, 40, 'the wait is remembered as a lower bound');
  });

  test('a kept request whose answer disagrees is aborted at its first token, and the new request is not debounced again', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['bar', '();'], firstTokenMs: 1000 });
    h.call('let a = |');
    await h.clock.advance(100);
    const typed = h.call('let a = f|');
    await h.clock.advance(960); // first token at 1060 ms: 'bar' contradicts 'f'
    assert.equal(h.backend.generations[0]?.outcome, 'aborted');
    assert.equal(h.backend.generations[0]?.endedAt, 1060);
    assert.equal(h.backend.generations.length, 2);
    assert.equal(h.backend.generations[1]?.startedAt, 1060, 'the debounce counts from the keystroke, long past');
    assert.ok(h.pipeline.agreement.probability < 0.5, 'the verdict lowers the estimate');
    await h.clock.advance(2000);
    assert.equal((await typed.outcome).kind, 'shown');
  });

  test('where the user may pause, a request just sent to a slow model is restarted for the current position; an older one is kept', async () => {
    const young = harness();
    young.pipeline.debounce.recordTimeToFirstToken(1000);
    young.backend.responder = () => ({ tokens: ['b);'], firstTokenMs: 1000 });
    young.call('f(a|');
    await young.clock.advance(100); // sent at 60 ms: 40 ms old
    young.call('f(a)|'); // ')' ends a statement: the user may pause here
    await young.clock.advance(100);
    assert.equal(young.backend.generations[0]?.outcome, 'aborted');
    assert.equal(young.backend.generations[0]?.endedAt, 100);
    assert.equal(young.backend.generations[1]?.startedAt, 160, 'a new request for the current position, after the floor');

    const old = harness();
    old.pipeline.debounce.recordTimeToFirstToken(1000);
    old.backend.responder = () => ({ tokens: [')', ';'], firstTokenMs: 1000 });
    old.call('f(a|');
    await old.clock.advance(560); // 500 ms old: its answer comes 560 ms before a new one would
    const paused = old.call('f(a)|');
    await old.clock.advance(100);
    assert.equal(old.backend.generations[0]?.outcome, 'running');
    assert.equal(old.backend.generations.length, 1);
    await old.clock.advance(1000);
    assert.deepEqual(shown(await paused.outcome), { text: ';', source: 'reused' });
  });

  test('a model slower than half a keystroke gap gets its request while the user types; a faster one only when the typing stops', async () => {
    const sent = async (ttft: number, options: CompletionPipelineOptions = {}): Promise<number[]> => {
      const h = harness({ pipeline: options });
      h.pipeline.debounce.recordTimeToFirstToken(ttft);
      h.backend.responder = () => ({ tokens: ['zzz'], firstTokenMs: 5000 });
      await h.clock.advance(1000);
      for (const t of [400, 550, 700, 850]) {
        h.pipeline.debounce.recordKeystroke(t); // the user types a key every 150 ms
      }
      let text = 'let v = ';
      for (let i = 0; i < 8; i++) {
        text += 'abcdefgh'[i];
        h.call(`${text}|`);
        await h.clock.advance(150);
      }
      return h.backend.generations.map((g) => g.startedAt);
    };
    assert.deepEqual(await sent(1000), [1060], 'sent at the floor mid-typing, then kept through it');
    assert.equal((await sent(100))[0], 1060, '100 ms is more than half of the 150 ms gap');
    assert.deepEqual(await sent(50), [], 'the debounce waits longer than the typing gap');
    assert.deepEqual(await sent(1000, { useReuse: false }), [], 'nothing could keep it through the typing');
  });

  test('a measured fast model is waited for while it reads the prompt', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['foo', '();'], firstTokenMs: 100 });
    const first = h.call('let a = |');
    await h.clock.advance(1000);
    await first.outcome; // measures 100 ms to first token
    h.call('let b = |');
    await h.clock.advance(100); // sent at 60 ms, first token due at 160 ms
    const typed = h.call('let b = f|');
    await h.clock.advance(1000);
    assert.deepEqual(shown(await typed.outcome), { text: 'oo();', source: 'reused' });
    assert.equal(h.backend.generations.length, 2);
  });

  test('the model time to first token can be seeded by the caller (router speed statistics)', async () => {
    const clock = new FakeClock();
    const backend = new FakeLlmBackend(clock);
    const pipeline = new CompletionPipeline({
      resolveModel: () => Promise.resolve({ backend, model: fakeModel({ name: 'qwen2.5-coder:1.5b' }), timeToFirstTokenMs: 120 }),
      clock,
      settings: defaultSettings,
      logger: nullLogger,
    });
    void pipeline.complete({ documentUri: 'u', languageId: 'typescript', text: 'a = 1;', offset: 6, lineEnding: '\n', indent: { useTabs: false, size: 2 }, fileSizeBytes: 6, manual: false }, new AbortController().signal);
    await flush();
    assert.equal(pipeline.debounce.timeToFirstTokenMs, 120);
  });

  test('sends num_predict from the setting and a stable num_ctx; Ollama native FIM gets a non-empty suffix', async () => {
    const h = harness({ settings: { 'completion.maxTokens': 64 } });
    h.backend.responder = () => ({ tokens: ['1;'] });
    const first = h.call('const a = |');
    await h.clock.advance(1000);
    await first.outcome;
    const second = h.call('const a = 1;\nconst b = |');
    await h.clock.advance(1000);
    await second.outcome;
    const [r1, r2] = h.backend.generations.map((g) => g.request);
    assert.equal(r1?.numPredict, 64);
    assert.ok((r1?.numCtx ?? 0) >= 2048);
    assert.equal(r1?.numCtx, r2?.numCtx);
    assert.equal(r1?.suffix, '\n');
    assert.equal(r1?.prompt, 'const a = ');
    assert.equal(r1?.raw, undefined);
    assert.ok(r1?.stop?.includes('<|endoftext|>'));
  });

  test('a model without insert of a known family gets a raw prompt with its sentinels', async () => {
    const model = fakeModel({ name: 'starcoder2:3b', capabilities: { completion: true, insert: false, tools: false, thinking: false, vision: false, embedding: false } });
    const h = harness({ model });
    h.backend.responder = () => ({ tokens: ['x;'] });
    const call = h.call('let a = |;\n');
    await h.clock.advance(1000);
    await call.outcome;
    const request = h.backend.generations[0]?.request;
    assert.equal(request?.raw, true);
    assert.equal(request?.suffix, undefined);
    assert.equal(request?.prompt, '<fim_prefix>let a = <fim_suffix>;\n<fim_middle>');
  });

  test('a chat-only model gives a clear error naming a completion model, and sends nothing', async () => {
    const model = fakeModel({ name: 'llama3.2:3b', capabilities: { completion: true, insert: false, tools: true, thinking: false, vision: false, embedding: false } });
    const h = harness({ model });
    const call = h.call('const a = |');
    await h.clock.advance(1000);
    const outcome = await call.outcome;
    assert.equal(outcome.kind, 'error');
    assert.ok(outcome.kind === 'error' && outcome.error.kind === 'fimUnsupported' && /qwen2\.5-coder/.test(outcome.error.message));
    assert.equal(h.backend.generations.length, 0);
  });

  test('resolveModel errors surface as error outcomes; the pipeline never lists models', async () => {
    const clock = new FakeClock();
    const backend = new FakeLlmBackend(clock);
    const pipeline = new CompletionPipeline({
      resolveModel: () => Promise.resolve(errors.unreachable('http://127.0.0.1:11434')),
      clock,
      settings: defaultSettings,
      logger: nullLogger,
    });
    const outcome = await pipeline.complete(
      { documentUri: 'u', languageId: 'typescript', text: 'x', offset: 1, lineEnding: '\n', indent: { useTabs: false, size: 2 }, fileSizeBytes: 1, manual: false },
      new AbortController().signal,
    );
    assert.equal(outcome.kind === 'error' && outcome.error.kind, 'unreachable');
    assert.equal(backend.listModelsCalls, 0);
    assert.match(pipeline.attempts.recent()[0]?.detail ?? '', /Cannot reach/);
  });

  test('a resolveModel that throws still gives an error outcome, never a rejection', async () => {
    const clock = new FakeClock();
    const pipeline = new CompletionPipeline({
      resolveModel: () => Promise.reject(errors.modelNotFound('qwen2.5-coder:1.5b', 'http://127.0.0.1:11434')),
      clock,
      settings: defaultSettings,
      logger: nullLogger,
    });
    const outcome = await pipeline.complete(
      { documentUri: 'u', languageId: 'typescript', text: 'x', offset: 1, lineEnding: '\n', indent: { useTabs: false, size: 2 }, fileSizeBytes: 1, manual: false },
      new AbortController().signal,
    );
    assert.equal(outcome.kind === 'error' && outcome.error.kind, 'modelNotFound');
  });

  test('an attempt in progress shows with its stage (a hang is explained), and leaves the list when it ends', async () => {
    const clock = new FakeClock();
    const backend = new FakeLlmBackend(clock);
    backend.responder = () => ({ tokens: ['1;'], firstTokenMs: 30_000 });
    let release: (() => void) | undefined;
    const pipeline = new CompletionPipeline({
      resolveModel: () => new Promise((resolve) => (release = () => resolve({ backend, model: fakeModel({ name: 'qwen2.5-coder:1.5b' }) }))),
      clock,
      settings: defaultSettings,
      logger: nullLogger,
    });
    const request: CompletionRequest = { documentUri: 'file:///w/a.py', languageId: 'python', text: 'x = ', offset: 4, lineEnding: '\n', indent: { useTabs: false, size: 4 }, fileSizeBytes: 4, manual: false };
    const outcome = pipeline.complete(request, new AbortController().signal);
    await flush();
    assert.deepEqual(pipeline.attempts.inFlight().map((a) => a.stage), ['choosingModel']);
    assert.equal(pipeline.attempts.size, 0, 'no outcome yet');
    await clock.advance(12_000);
    const stuck = explainAttempts(pipeline.attempts.recent(), clock.now(), { inFlight: pipeline.attempts.inFlight() });
    assert.match(stuck, /In progress.*\n- started 12\.0 s ago: a\.py \(python\) — choosing the completion model/);
    assert.match(stuck, /Check Connection/);
    assert.doesNotMatch(stuck, /never asked/);
    release?.();
    await clock.advance(1000);
    assert.deepEqual(pipeline.attempts.inFlight().map((a) => [a.stage, a.model]), [['waitingForModel', 'qwen2.5-coder:1.5b']]);
    await clock.advance(30_000);
    assert.equal((await outcome).kind, 'error', 'the generation timeout ends it');
    assert.equal(pipeline.latency.verdict().kind, 'timingOut', 'a timeout before the first token counts against the model');
    assert.deepEqual(pipeline.attempts.inFlight(), [], 'an ended attempt is no longer in progress');
    assert.equal(pipeline.attempts.recent().length, 1);
    assert.equal(pipeline.attempts.recent()[0]?.id, 1, 'recorded under the id it began with');
  });

  test("VS Code's suggest widget with an item selected: skipped and logged, no request", async () => {
    const h = harness();
    const outcome = await h.call('const a = |', { suggestWidgetItem: true }).outcome;
    assert.equal(outcome.kind === 'skipped' && outcome.reason, 'suggestWidget');
    assert.equal(h.backend.generations.length, 0);
    assert.match(h.pipeline.attempts.recent()[0]?.detail ?? '', /suggestion list/);
  });

  test('a superseded request is aborted at once, even while the server is still reading the prompt, and its result discarded', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['foo();'], firstTokenMs: 1000 });
    const first = h.call('const a = |');
    await h.clock.advance(200); // debounce over, request sent, server still reading the prompt
    assert.equal(h.backend.generations.length, 1);
    assert.equal(h.backend.generations[0]?.outcome, 'running');
    const second = h.call('const b = |'); // not a continuation: the old request is useless
    await flush();
    assert.equal(h.backend.generations[0]?.outcome, 'aborted');
    assert.equal(h.backend.generations[0]?.endedAt, 200, 'aborted without any time passing');
    assert.equal((await first.outcome).kind, 'cancelled');
    await h.clock.advance(2000);
    assert.deepEqual(shown(await second.outcome), { text: 'foo();', source: 'model' });
    assert.equal(h.backend.generations.length, 2);
  });

  test('at most one generation in flight per document', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['zzz'], firstTokenMs: 300 });
    let maxRunning = 0;
    let text = 'let v = ';
    for (let i = 0; i < 20; i++) {
      text = i % 2 === 0 ? `${text}a` : text.slice(0, -1) + 'b';
      h.call(`${text}|`);
      await h.clock.advance(250);
      maxRunning = Math.max(maxRunning, h.backend.running.length);
    }
    assert.equal(maxRunning, 1);
  });

  test('typing the start of a shown suggestion serves the rest without a request', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['items', '.length;'] });
    const first = h.call('const n = |');
    await h.clock.advance(1000);
    assert.deepEqual(shown(await first.outcome), { text: 'items.length;', source: 'model' });
    for (const [typed, rest] of [
      ['i', 'tems.length;'],
      ['it', 'ems.length;'],
      ['items.', 'length;'],
    ]) {
      const call = h.call(`const n = ${typed}|`);
      await flush();
      assert.deepEqual(shown(call.settled()), { text: rest, source: 'reused' });
    }
    assert.equal(h.backend.generations.length, 1);
    assert.equal(h.pipeline.attempts.recent().filter((a) => a.outcome === 'reused').length, 3);
  });

  test('typing while the suggestion still streams attaches to the stream instead of starting a new one', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['items', '.len', 'gth;', '\n'], firstTokenMs: 100, tokenIntervalMs: 40 });
    const first = h.call('const n = |');
    await h.clock.advance(170); // request sent at 60 ms, first token at 160 ms
    assert.equal(h.backend.generations.length, 1);
    const second = h.call('const n = it|');
    await flush();
    assert.equal((await first.outcome).kind, 'cancelled');
    assert.equal(h.backend.generations[0]?.outcome, 'running', 'the stream goes on');
    await h.clock.advance(1000);
    assert.deepEqual(shown(await second.outcome), { text: 'ems.length;', source: 'reused' });
    assert.equal(h.backend.generations.length, 1);
  });

  test('typing against the stream aborts it and starts anew', async () => {
    const h = harness();
    h.backend.responder = (r) => ({ tokens: r.prompt.endsWith('x') ? ['yz;'] : ['ite', 'ms;'], firstTokenMs: 100, tokenIntervalMs: 40 });
    h.call('const n = |');
    await h.clock.advance(170);
    const second = h.call('const n = x|');
    await flush();
    assert.equal(h.backend.generations[0]?.outcome, 'aborted');
    await h.clock.advance(1000);
    assert.deepEqual(shown(await second.outcome), { text: 'yz;', source: 'model' });
  });

  test('a repeated position is served from the cache', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['42;'] });
    const first = h.call('const n = |');
    await h.clock.advance(1000);
    await first.outcome;
    const away = h.call('const m = |');
    await h.clock.advance(1000);
    await away.outcome;
    const back = h.call('const n = |');
    await flush();
    assert.deepEqual(shown(back.settled()), { text: '42;', source: 'cache' });
    assert.equal(h.backend.generations.length, 2);
    assert.equal(h.pipeline.attempts.recent().at(-1)?.outcome, 'cached');
  });

  test('quick keystrokes are debounced: one request for a burst of typing', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['x;'] });
    const outcomes: Array<Promise<CompletionOutcome>> = [];
    let text = 'const value = someFunction';
    for (let i = 0; i < 8; i++) {
      text += 'a';
      outcomes.push(h.call(`${text}|`).outcome);
      await h.clock.advance(30);
    }
    await h.clock.advance(2000);
    const kinds = (await Promise.all(outcomes)).map((o) => o.kind);
    assert.deepEqual(kinds.slice(0, 7), Array(7).fill('debounced'));
    assert.equal(kinds[7], 'shown');
    assert.equal(h.backend.generations.length, 1);
  });

  test('no special token ever reaches the editor', async () => {
    for (const token of knownSpecialTokens) {
      const family = (Object.keys(fimTemplates) as FimFamily[]).find((f) => fimTemplates[f].specialTokens.includes(token)) ?? 'qwen';
      const h = harness({ model: fakeModel({ name: modelOf[family] }) });
      h.backend.responder = () => ({ tokens: ['foo', token.slice(0, 3), token.slice(3), 'bar'] });
      const call = h.call('const a = |');
      await h.clock.advance(1000);
      const outcome = await call.outcome;
      const text = outcome.kind === 'shown' ? outcome.text : '';
      assert.equal(text, 'foo', `token ${token}`);
    }
  });

  test('an answer that only repeats the code below ends as "empty", and the log says why', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['\n  return a;'] });
    const call = h.call('function f() {\n  const a = 1;|\n  return a;\n}');
    await h.clock.advance(1000);
    const outcome = await call.outcome;
    assert.equal(outcome.kind, 'empty');
    assert.match(h.pipeline.attempts.recent().at(-1)?.detail ?? '', /line below/);
  });

  test('skips a file over the size limit, with the reason in the log', async () => {
    const h = harness({ settings: { 'completion.maxFileSizeKb': 1 } });
    const call = h.call('x|', { fileSizeBytes: 5000 });
    const outcome = await call.outcome;
    assert.equal(outcome.kind === 'skipped' && outcome.reason, 'fileTooLarge');
    assert.equal(h.resolveCalls(), 0);
    assert.match(h.pipeline.attempts.recent()[0]?.detail ?? '', /maxFileSizeKb/);
  });

  test('a generation nobody waits for any more is aborted after the grace period', async () => {
    const h = harness({ pipeline: { orphanGraceMs: 100 } });
    h.backend.responder = () => ({ tokens: ['x;'], firstTokenMs: 5000 });
    const controller = new AbortController();
    void h.pipeline.complete(
      { documentUri: 'u', languageId: 'typescript', text: 'a = ', offset: 4, lineEnding: '\n', indent: { useTabs: false, size: 2 }, fileSizeBytes: 4, manual: false },
      controller.signal,
    );
    await h.clock.advance(100);
    controller.abort();
    await h.clock.advance(99);
    assert.equal(h.backend.generations[0]?.outcome, 'running');
    await h.clock.advance(2);
    assert.equal(h.backend.generations[0]?.outcome, 'aborted');
  });

  test('CRLF documents get CRLF completions, reused as typed', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: ['\r\n  a();\r\n  b();\r\n}'] });
    const call = h.call('function f() {|', { lineEnding: '\r\n' });
    await h.clock.advance(1000);
    assert.deepEqual(shown(await call.outcome), { text: '\r\n  a();\r\n  b();\r\n}', source: 'model' });
    const typed = h.call('function f() {\r\n  a|', { lineEnding: '\r\n' });
    await flush();
    assert.deepEqual(shown(typed.settled()), { text: '();\r\n  b();\r\n}', source: 'reused' });
  });

  test('manual trigger skips the debounce', async () => {
    const h = harness({ settings: { 'completion.debounceMs': 500 } });
    h.backend.responder = () => ({ tokens: ['x;'], firstTokenMs: 10 });
    const call = h.call('const a = |', { manual: true });
    await h.clock.advance(20);
    assert.deepEqual(shown(await call.outcome), { text: 'x;', source: 'model' });
  });

  test('server errors are reported once per attempt, as errors', async () => {
    const h = harness();
    h.backend.responder = () => ({ tokens: [], error: errors.modelNotFound('qwen2.5-coder:1.5b', 'http://x') });
    const call = h.call('const a = |');
    await h.clock.advance(1000);
    const outcome = await call.outcome;
    assert.equal(outcome.kind === 'error' && outcome.error.kind, 'modelNotFound');
  });
});
