// Tiers on separate real servers, routed by Tiered's router; FIM support learned from a real 501 changes the route.
import * as assert from 'node:assert/strict';
import { OpenAiBackend } from '../../src/backend/openAiBackend';
import { TieredError } from '../../src/backend/errors';
import type { GenerationEvent, GenerationResult, ModelInfo } from '../../src/backend/types';
import { route } from '../../src/routing/router';
import type { RouteDecision, RoutedDecision, RouterEnvironment } from '../../src/routing/types';
import { realEnv } from './realEnv';
import type { RealEnv, RealServer } from './realEnv';
import { metrics } from './serverProbe';
import { retryingFetch } from './socketRetry';

type EndpointId = 'fast' | 'big' | 'plain';

function backends(env: RealEnv): Record<EndpointId, { backend: OpenAiBackend; server: RealServer }> {
  const make = (id: EndpointId, server: RealServer) => ({ backend: new OpenAiBackend({ id, baseUrl: server.baseUrl, timeoutMs: 60_000, fetch: retryingFetch }), server });
  return { fast: make('fast', env.small), big: make('big', env.large), plain: make('plain', env.nofim) };
}

async function machine(env: RealEnv, b: ReturnType<typeof backends>): Promise<RouterEnvironment> {
  const installed: ModelInfo[] = [];
  const loaded: { endpointId: string; name: string }[] = [];
  for (const id of ['fast', 'big', 'plain'] as const) {
    installed.push(...(await b[id].backend.listModels()));
    loaded.push(...(await b[id].backend.listLoaded()).map((m) => ({ endpointId: id, name: m.name })));
  }
  return {
    tiers: {
      small: { model: env.small.alias, endpoint: 'fast' },
      // A chat model without FIM as the code tier: inline completion must learn to avoid it.
      code: { model: env.nofim.alias, endpoint: 'plain' },
      moe: { model: env.large.alias, endpoint: 'big' },
    },
    pins: {},
    installed,
    loaded,
    preferLoaded: true,
  };
}

function routed(d: RouteDecision): RoutedDecision {
  assert.equal(d.kind, 'routed', JSON.stringify(d));
  return d as RoutedDecision;
}

async function finish(stream: AsyncIterable<GenerationEvent>): Promise<GenerationResult> {
  for await (const ev of stream) {
    if (ev.type === 'done') {
      return ev.result;
    }
  }
  assert.fail('no done event');
}

async function predictedOn(b: ReturnType<typeof backends>): Promise<Record<EndpointId, number>> {
  const out = { fast: 0, big: 0, plain: 0 };
  for (const id of ['fast', 'big', 'plain'] as const) {
    out[id] = (await metrics(b[id].server.baseUrl)).tokens_predicted_total ?? 0;
  }
  return out;
}

/** Sends a routed chat and returns which server generated the tokens. */
async function chatVia(b: ReturnType<typeof backends>, d: RoutedDecision, text: string): Promise<EndpointId[]> {
  const before = await predictedOn(b);
  const target = b[d.endpointId as EndpointId];
  assert.ok(target, `unknown endpoint ${d.endpointId}`);
  const result = await finish(target.backend.chat({ model: d.model, messages: [{ role: 'user', content: text }], numPredict: 6 }));
  assert.equal(result.metrics.generatedTokens, 6);
  const after = await predictedOn(b);
  return (['fast', 'big', 'plain'] as const).filter((id) => after[id] > before[id]);
}

suite('real engine: two tiers on two servers, routed by the router', () => {
  test('a quick question goes to the small tier server, a hard problem to the large one; only that server generates', async () => {
    const env = realEnv();
    const b = backends(env);
    const m = await machine(env, b);
    assert.equal(m.installed.length, 3);

    const quickText = 'how do I reverse a list in python';
    const quick = routed(route({ task: 'chat', text: quickText }, m));
    assert.equal(quick.tier, 'small');
    assert.equal(quick.endpointId, 'fast');
    assert.equal(quick.model, env.small.alias);
    assert.deepEqual(await chatVia(b, quick, quickText), ['fast']);

    const hardText = "Our Go service occasionally returns another user's data under load. We suspect a race condition in the session cache. How do we find it?";
    const hard = routed(route({ task: 'chat', text: hardText }, m));
    assert.equal(hard.tier, 'moe');
    assert.equal(hard.endpointId, 'big');
    assert.equal(hard.model, env.large.alias);
    assert.deepEqual(await chatVia(b, hard, hardText), ['big']);
  });

  test('inline completion: the real 501 teaches the backend that the code-tier model lacks FIM, and the router then picks a FIM model that completes', async () => {
    const env = realEnv();
    const b = backends(env);
    const inline = { task: 'inlineCompletion' as const, text: '', code: { lines: 300, chars: 10_000, languageId: 'typescript', fileCount: 1 } };

    // Earlier in the session the small tier's model completed once: its FIM support is known.
    await finish(b.fast.backend.generate({ model: env.small.alias, prompt: 'let a = ', suffix: ';\n', numPredict: 2 }));

    const first = routed(route(inline, await machine(env, b)));
    assert.equal(first.endpointId, 'plain');
    assert.ok(first.reasons.some((r) => /fill-in-the-middle support unknown/.test(r)), first.reasons.join(' | '));
    let failure: unknown;
    try {
      await finish(b.plain.backend.generate({ model: first.model, prompt: 'const total = ', suffix: ';\n', numPredict: 4 }));
    } catch (err) {
      failure = err;
    }
    assert.ok(failure instanceof TieredError && failure.kind === 'fimUnsupported', String(failure));

    const second = routed(route(inline, await machine(env, b)));
    assert.notEqual(second.endpointId, 'plain');
    assert.equal(second.fallback, true);
    assert.ok(second.reasons.some((r) => /has no fill-in-the-middle support → using/.test(r)), second.reasons.join(' | '));
    const target = b[second.endpointId as EndpointId];
    const result = await finish(target.backend.generate({ model: second.model, prompt: 'const total = ', suffix: ';\n', numPredict: 4 }));
    assert.equal(result.metrics.generatedTokens, 4);
  });
});
