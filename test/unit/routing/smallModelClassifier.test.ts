import * as assert from 'node:assert/strict';
import type { EndpointReport } from '../../../src/backend/checkConnection';
import type { ChatRequest, GenerationEvent, LlmBackend } from '../../../src/backend/types';
import { classify, isBorderline } from '../../../src/routing/classify';
import type { BorderlineClassifier } from '../../../src/routing/classify';
import { evaluateRouter, evaluateRouterAdvised } from '../../../src/routing/evaluate';
import type { LabeledRequest } from '../../../src/routing/evaluate';
import { route } from '../../../src/routing/router';
import { RoutingService } from '../../../src/routing/routingService';
import {
  adviseBorderline,
  classifierMaxQuoteChars,
  classifierMessages,
  parseTierAnswer,
  reachesClassifier,
  smallModelClassifier,
} from '../../../src/routing/smallModelClassifier';
import type { ClassifierModelCall } from '../../../src/routing/smallModelClassifier';
import type { RouteInput } from '../../../src/routing/types';
import { defaultSettings } from '../../../src/settings/readSettings';
import type { Settings } from '../../../src/settings/schema';
import { catalog, fullEnv } from '../../fixtures/routing/models';

// Borderline: the heuristic says small (confidence 0.59), runner-up code.
const borderline: RouteInput = { task: 'explain', text: 'Explain this function', code: { lines: 12, chars: 400, fileCount: 1 } };
// Sure: a distributed-systems design question.
const sure: RouteInput = { task: 'chat', text: 'Design a distributed event sourcing architecture for our payment services with exactly-once delivery across regions' };

const answering = (answer: string, seen: { messages: number; maxTokens: number; aborted?: boolean }[] = []): ClassifierModelCall => async (req) => {
  seen.push({ messages: req.messages.length, maxTokens: req.maxTokens });
  return answer;
};

suite('routing/smallModelClassifier', () => {
  test('the fixtures are what the tests assume: one borderline, one sure', () => {
    const b = classify(borderline);
    assert.ok(isBorderline(b), `confidence ${b.confidence}`);
    assert.equal(b.tier, 'small');
    assert.equal(b.runnerUp, 'code');
    assert.ok(!isBorderline(classify(sure)));
  });

  test('answers are read by their first word; anything else is no verdict', () => {
    const cases: [string, string | undefined][] = [
      ['code', 'code'],
      [' Moe.\n', 'moe'],
      ['**small**', 'small'],
      ['"code" because it asks for code', 'code'],
      ['large', 'moe'],
      ['<think>it is about a lock</think>\nmoe', 'moe'],
      ['', undefined],
      ['I cannot help with that.', undefined],
      ['ĠtheĠofĠand', undefined],
      ['tier: code', undefined],
      ['smallish', undefined],
    ];
    for (const [text, want] of cases) {
      assert.equal(parseTierAnswer(text), want, JSON.stringify(text));
    }
  });

  test('the prompt quotes the request (its start when long), its code size and the two tiers in doubt', () => {
    const c = classify(borderline);
    const [system, user] = classifierMessages({ task: 'explain', text: borderline.text, features: c.features, heuristic: c.tier, runnerUp: c.runnerUp });
    assert.equal(system?.role, 'system');
    assert.match(system?.content ?? '', /one word: small, code or moe/);
    assert.match(user?.content ?? '', /Explain this function/);
    assert.match(user?.content ?? '', /code attached: 12 lines/);
    assert.match(user?.content ?? '', /likely tiers: small or code/);
    const long = 'why is this slow '.repeat(500);
    const [, longUser] = classifierMessages({ task: 'chat', text: long, features: classify({ task: 'chat', text: long }).features, heuristic: 'code' });
    assert.ok((longUser?.content.length ?? 0) < classifierMaxQuoteChars + 300, 'long text is cut');
    assert.match(longUser?.content ?? '', /\[…\]/);
  });

  test('a model answer becomes the verdict, with the tight token limit', async () => {
    const seen: { messages: number; maxTokens: number }[] = [];
    const classifier = smallModelClassifier(answering('code', seen), { maxTokens: 3 });
    const c = classify(borderline);
    assert.equal(await classifier({ task: 'explain', text: borderline.text, features: c.features, heuristic: c.tier }), 'code');
    assert.deepEqual(seen, [{ messages: 2, maxTokens: 3 }]);
  });

  test('a failing call, a timeout and a cancel are no verdict, and the call is aborted', async () => {
    const c = classify(borderline);
    const req = { task: 'explain' as const, text: borderline.text, features: c.features, heuristic: c.tier };
    assert.equal(await smallModelClassifier(() => Promise.reject(new Error('server down')))(req), undefined);

    // A call that only ends when aborted: the timeout ends it.
    const signals: AbortSignal[] = [];
    const hanging: ClassifierModelCall = ({ signal }) => {
      signals.push(signal);
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    };
    assert.equal(await smallModelClassifier(hanging, { timeoutMs: 5 })(req), undefined);
    assert.equal(signals[0]?.aborted, true);

    // A call that ignores its signal: the caller's cancel still ends the wait.
    const user = new AbortController();
    let ignoredSignal: AbortSignal | undefined;
    const deaf: ClassifierModelCall = ({ signal }) => {
      ignoredSignal = signal;
      return new Promise(() => undefined);
    };
    const pending = smallModelClassifier(deaf, { timeoutMs: 60_000 })(req, user.signal);
    user.abort();
    assert.equal(await pending, undefined);
    assert.equal(ignoredSignal?.aborted, true);

    // Already cancelled: no call at all.
    let called = false;
    const never: ClassifierModelCall = async () => {
      called = true;
      return 'moe';
    };
    assert.equal(await smallModelClassifier(never)(req, AbortSignal.abort()), undefined);
    assert.equal(called, false);
  });

  test('only a borderline request that the classifier stage decides is asked about', async () => {
    const env = fullEnv();
    let asked = 0;
    const classifier: BorderlineClassifier = async () => {
      asked++;
      return 'code';
    };
    const advised = await adviseBorderline(borderline, env, classifier, 'tiny classifier');
    assert.equal(advised.asked, true);
    assert.deepEqual(advised.input.classifierVerdict, { tier: 'code', source: 'tiny classifier' });
    assert.equal(asked, 1);

    for (const input of [
      sure,
      { ...borderline, task: 'inlineCompletion' as const },
      { ...borderline, tierHint: 'code' as const },
      { ...borderline, modelHint: 'qwen2.5-coder:7b' },
      { ...borderline, override: { tier: 'small' as const } },
    ]) {
      const a = await adviseBorderline(input, env, classifier, 'tiny classifier');
      assert.equal(a.asked, false, JSON.stringify(input));
      assert.equal(a.input, input);
    }
    assert.equal((await adviseBorderline(borderline, fullEnv({ pins: { explain: 'small' } }), classifier, 'x')).asked, false);
    assert.equal(reachesClassifier({ ...borderline, tierHint: 'auto' }, env), true);
    assert.equal(asked, 1);

    // A classifier that throws leaves the input as it was.
    const failing = await adviseBorderline(borderline, env, () => Promise.reject(new Error('boom')), 'x');
    assert.equal(failing.asked, true);
    assert.equal(failing.input, borderline);
  });

  test('the router takes the verdict for the runner-up tier, keeps its tier for a third one, and says so', () => {
    const env = fullEnv();
    const up = route({ ...borderline, classifierVerdict: { tier: 'code', source: 'tiny classifier' } }, env);
    assert.equal(up.tier, 'code');
    const stray = route({ ...borderline, classifierVerdict: { tier: 'moe', source: 'tiny classifier' } }, env);
    assert.equal(stray.tier, 'small');
    assert.ok(stray.reasons.some((r) => /tiny classifier says moe, not small or code → kept small/.test(r)), stray.reasons.join(' | '));
    const agree = route({ ...borderline, classifierVerdict: { tier: 'small', source: 'tiny classifier' } }, env);
    assert.equal(agree.tier, 'small');
    assert.ok(agree.reasons.some((r) => /tiny classifier agrees: small/.test(r)), agree.reasons.join(' | '));
  });

  test('evaluation with a classifier that never answers equals the heuristic alone; a right answer fixes a borderline misroute', async () => {
    const requests: LabeledRequest[] = [
      { id: 'b', task: 'explain', text: borderline.text, code: { lines: 12, chars: 400, fileCount: 1 }, expected: 'code', note: 'borderline' },
      { id: 's', task: 'chat', text: sure.text, expected: 'moe', note: 'sure' },
    ];
    const env = fullEnv();
    const alone = evaluateRouter(requests, env);
    assert.equal(alone.correct, 1);
    const silent = await evaluateRouterAdvised(requests, env, async () => undefined, 'silent');
    assert.equal(silent.correct, alone.correct);
    assert.equal(silent.asked, 1);
    assert.equal(silent.answered, 0);
    const right = await evaluateRouterAdvised(requests, env, async () => 'code', 'right');
    assert.equal(right.correct, 2);
  });
});

suite('routing/RoutingService: the small model on borderline requests', () => {
  const small = catalog.llama32_3b;

  function service(options: { ask: boolean; loaded: boolean; answer: string }): { svc: RoutingService; chats: ChatRequest[] } {
    const chats: ChatRequest[] = [];
    const backend: LlmBackend = {
      id: 'ollama',
      kind: 'ollama',
      baseUrl: 'http://ollama',
      serverInfo: async () => ({ version: '0.9.0' }),
      listModels: async () => fullEnv().installed.slice(),
      listLoaded: async () => [],
      generate: () => {
        throw new Error('not used');
      },
      chat: (request): AsyncIterable<GenerationEvent> => {
        chats.push(request);
        return (async function* () {
          yield { type: 'token', text: options.answer };
          yield {
            type: 'done',
            result: {
              text: options.answer,
              doneReason: 'stop',
              metrics: { promptTokens: 80, cachedPromptTokens: 0, generatedTokens: 1, timeToFirstTokenMs: 40, tokensPerSecond: 50, loadMs: 0, promptEvalMs: 30, totalMs: 60 },
            },
          } satisfies GenerationEvent;
        })();
      },
      pull: () => {
        throw new Error('not used');
      },
      deleteModel: async () => undefined,
      countTokens: async () => undefined,
      embed: async () => [],
    };
    const report: EndpointReport = {
      id: 'ollama',
      kind: 'ollama',
      baseUrl: 'http://ollama',
      reachable: true,
      models: fullEnv().installed.slice(),
      loaded: options.loaded ? [{ name: small.name, sizeBytes: 1, sizeVramBytes: 1, contextLength: 4096, expiresAt: undefined }] : [],
    };
    const settings: Settings = { ...defaultSettings(), 'tiers.small.model': small.name, 'tiers.code.model': 'qwen2.5-coder:7b', 'tiers.moe.model': 'qwen3:30b-a3b' };
    const svc = new RoutingService({
      settings: () => settings,
      reports: () => [report],
      check: async () => [report],
      backendById: async () => backend,
      askSmallModel: () => options.ask,
    });
    return { svc, chats };
  }

  const tierOf = (r: Awaited<ReturnType<RoutingService['route']>>): string => ('decision' in r ? r.decision.tier : `error ${r.message}`);

  test('asks the loaded small model once, with a tight token limit at temperature 0, and routes by its answer', async () => {
    const { svc, chats } = service({ ask: true, loaded: true, answer: 'code' });
    const routed = await svc.route(borderline);
    assert.equal(tierOf(routed), 'code');
    assert.equal(chats.length, 1);
    assert.equal(chats[0]?.model, small.name);
    assert.equal(chats[0]?.temperature, 0);
    assert.ok((chats[0]?.numPredict ?? 99) <= 8);
    assert.ok('decision' in routed && routed.decision.reasons.some((r) => r.includes(`${small.name} classifier says code`)));
  });

  test('never asks when off, when the small model is not loaded, for inline completion or a sure request', async () => {
    for (const [opts, input] of [
      [{ ask: false, loaded: true, answer: 'code' }, borderline],
      [{ ask: true, loaded: false, answer: 'code' }, borderline],
      [{ ask: true, loaded: true, answer: 'code' }, { task: 'inlineCompletion', text: '' }],
      [{ ask: true, loaded: true, answer: 'code' }, sure],
    ] as const) {
      const { svc, chats } = service(opts);
      await svc.route(input);
      assert.equal(chats.length, 0, JSON.stringify({ opts, input }));
    }
    // Off: the heuristic's tier.
    assert.equal(tierOf(await service({ ask: false, loaded: true, answer: 'code' }).svc.route(borderline)), 'small');
  });

  test('a garbage answer falls back to the heuristic (what the tiny random-weight test models do)', async () => {
    const { svc, chats } = service({ ask: true, loaded: true, answer: 'ĠtheĠofĠand export const' });
    assert.equal(tierOf(await svc.route(borderline)), 'small');
    assert.equal(chats.length, 1);
  });
});
