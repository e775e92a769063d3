// Tiered's OpenAI-compatible backend against a real llama-server: streaming, /infill, errors, abort, token counts.
import * as assert from 'node:assert/strict';
import { OpenAiBackend } from '../../src/backend/openAiBackend';
import { TieredError } from '../../src/backend/errors';
import type { GenerationEvent, GenerationResult } from '../../src/backend/types';
import { realEnv } from './realEnv';
import type { RealServer } from './realEnv';
import { metrics, postJson, slots, tokenize, waitForIdleSlots } from './serverProbe';
import { retryingFetch } from './socketRetry';

function backendFor(s: RealServer, id = s.name): OpenAiBackend {
  return new OpenAiBackend({ id, baseUrl: `${s.baseUrl}/v1`, timeoutMs: 60_000, fetch: retryingFetch });
}

async function collect(stream: AsyncIterable<GenerationEvent>): Promise<{ tokens: string[]; result: GenerationResult }> {
  const tokens: string[] = [];
  let result: GenerationResult | undefined;
  for await (const ev of stream) {
    if (ev.type === 'token') {
      tokens.push(ev.text);
    } else {
      assert.equal(result, undefined, 'two done events');
      result = ev.result;
    }
  }
  assert.ok(result, 'no done event');
  return { tokens, result };
}

async function rejection(promise: Promise<unknown>): Promise<TieredError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof TieredError, `not a TieredError: ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

/** A text of about `n` tokens for the self-made tokenizer (checked by the caller). */
function longCode(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    out.push(`export function helper${i}(value: number): number {\n  return value * ${i} + ${(i * 7) % 13};\n}\n`);
  }
  return out.join('');
}

suite('real engine: OpenAiBackend against llama-server', () => {
  test('lists the served model with its trained context, per-slot context as loaded, and a server version', async () => {
    const env = realEnv();
    const b = backendFor(env.small);
    const models = await b.listModels();
    assert.deepEqual(
      models.map((m) => m.name),
      [env.small.alias],
    );
    assert.equal(models[0].contextLength, 8192);
    assert.equal(models[0].endpointId, 'small');
    const loaded = await b.listLoaded();
    assert.equal(loaded[0].contextLength, env.small.slotContext);
    const info = await b.serverInfo();
    assert.ok(info.version !== undefined && info.version.length > 0);
  });

  test('streams a chat answer token by token up to numPredict, with server metrics', async () => {
    const env = realEnv();
    const b = backendFor(env.small);
    const { tokens, result } = await collect(
      b.chat({ model: env.small.alias, messages: [{ role: 'user', content: 'Write a function that adds two numbers.' }], numPredict: 24, temperature: 0.8, seed: 1 }),
    );
    assert.ok(tokens.length > 1, `only ${tokens.length} token event(s)`);
    assert.equal(tokens.join(''), result.text);
    assert.ok(result.text.length > 0);
    assert.equal(result.doneReason, 'length');
    assert.equal(result.metrics.generatedTokens, 24);
    // The rendered ChatML prompt: BOS + "<|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n".
    const rendered = await tokenize(env.small.baseUrl, '<|im_start|>user\nWrite a function that adds two numbers.<|im_end|>\n<|im_start|>assistant\n', true);
    assert.equal(result.metrics.promptTokens, rendered.length + 1);
    assert.ok(result.metrics.tokensPerSecond > 0);
  });

  test('streams a plain completion from /v1/completions', async () => {
    const env = realEnv();
    const b = backendFor(env.large);
    const { tokens, result } = await collect(b.generate({ model: env.large.alias, prompt: 'def parse_config(path):\n', numPredict: 12, seed: 3 }));
    assert.ok(tokens.length > 1);
    assert.equal(result.doneReason, 'length');
    assert.equal(result.metrics.generatedTokens, 12);
    assert.equal(result.metrics.promptTokens, (await tokenize(env.large.baseUrl, 'def parse_config(path):\n')).length + 1);
  });

  test('a stop sequence ends the stream early with doneReason stop, and the stop text is not included', async () => {
    const env = realEnv();
    const b = backendFor(env.small);
    // Find a seeded run that contains some character, then stop on it.
    const probe = await collect(b.generate({ model: env.small.alias, prompt: 'const x = ', numPredict: 40, seed: 11, temperature: 0.8 }));
    const stopChar = [...probe.result.text].find((c) => /[a-z]/.test(c));
    assert.ok(stopChar, `no letter in ${JSON.stringify(probe.result.text)}`);
    const { result } = await collect(b.generate({ model: env.small.alias, prompt: 'const x = ', numPredict: 40, seed: 11, temperature: 0.8, stop: [stopChar] }));
    assert.equal(result.doneReason, 'stop');
    assert.equal(result.text, probe.result.text.slice(0, probe.result.text.indexOf(stopChar)));
  });

  test('fill-in-the-middle goes to /infill: prefix, suffix and extra files all reach the prompt', async () => {
    const env = realEnv();
    const b = backendFor(env.small);
    const prefix = 'function fibonacci(n: number): number {\n  if (n < 2) {\n';
    const suffix = '  }\n  return fibonacci(n - 1) + fibonacci(n - 2);\n}\n';
    const extra = { filename: 'src/cache.ts', text: 'export class Cache<K, V> {\n  private readonly map = new Map<K, V>();\n}\n' };
    const plain = await collect(b.generate({ model: env.small.alias, prompt: prefix, suffix, numPredict: 8, seed: 5 }));
    assert.ok(plain.tokens.length > 0);
    assert.equal(plain.result.doneReason, 'length');
    assert.equal(plain.result.metrics.generatedTokens, 8);
    // [BOS] <fim_prefix> prefix <fim_suffix> suffix <fim_middle>: the server inserts the model's own FIM tokens.
    const p = (await tokenize(env.small.baseUrl, prefix)).length;
    const s = (await tokenize(env.small.baseUrl, suffix)).length;
    assert.ok(plain.result.metrics.promptTokens >= p + s + 3, `${plain.result.metrics.promptTokens} < ${p + s + 3}`);
    const withExtra = await collect(b.generate({ model: env.small.alias, prompt: prefix, suffix, extraFiles: [extra], numPredict: 8, seed: 5 }));
    const extraTokens = (await tokenize(env.small.baseUrl, extra.text)).length;
    assert.ok(
      withExtra.result.metrics.promptTokens >= plain.result.metrics.promptTokens + extraTokens,
      `extra file not in the prompt: ${withExtra.result.metrics.promptTokens} vs ${plain.result.metrics.promptTokens} + ${extraTokens}`,
    );
    // The backend learned that this model can infill.
    assert.equal((await b.listModels())[0].capabilities.insert, true);
  });

  test("the nofim model's 501 on /infill becomes fimUnsupported, and the model is then known to lack FIM", async () => {
    const env = realEnv();
    const b = backendFor(env.nofim);
    assert.equal((await b.listModels())[0].capabilities.insert, undefined);
    const err = await rejection(collect(b.generate({ model: env.nofim.alias, prompt: 'let a = ', suffix: ';\n', numPredict: 4 })));
    assert.equal(err.kind, 'fimUnsupported');
    assert.match(err.details.serverText ?? '', /Infill is not supported/);
    assert.equal(err.action?.kind, 'chooseCompletionModel');
    assert.equal((await b.listModels())[0].capabilities.insert, false);
    // The same model still chats.
    const { result } = await collect(b.chat({ model: env.nofim.alias, messages: [{ role: 'user', content: 'hi' }], numPredict: 4 }));
    assert.equal(result.metrics.generatedTokens, 4);
  });

  test('a prompt over the slot context becomes contextOverflow with the token counts', async () => {
    const env = realEnv();
    const b = backendFor(env.small);
    const prompt = longCode(260);
    const n = (await tokenize(env.small.baseUrl, prompt)).length;
    assert.ok(n > env.small.slotContext, `test prompt too short: ${n} tokens`);
    for (const request of [
      () => collect(b.generate({ model: env.small.alias, prompt, numPredict: 4 })),
      () => collect(b.chat({ model: env.small.alias, messages: [{ role: 'user', content: prompt }], numPredict: 4 })),
    ]) {
      const err = await rejection(request());
      assert.equal(err.kind, 'contextOverflow');
      assert.equal(err.details.contextTokens, env.small.slotContext);
      assert.ok((err.details.promptTokens ?? 0) >= n, `promptTokens ${err.details.promptTokens}`);
    }
  });

  test('aborting mid-stream rejects with aborted, frees the server slot and stops the generation before numPredict', async () => {
    const env = realEnv();
    const s = env.large;
    const b = backendFor(s);
    const before = await metrics(s.baseUrl);
    const controller = new AbortController();
    const seen: string[] = [];
    const err = await rejection(
      (async () => {
        for await (const ev of b.chat({ model: s.alias, messages: [{ role: 'user', content: 'Tell me a long story.' }], numPredict: 4000, signal: controller.signal })) {
          if (ev.type === 'token') {
            seen.push(ev.text);
            if (seen.length === 3) {
              controller.abort();
            }
          }
        }
      })(),
    );
    assert.equal(err.kind, 'aborted');
    assert.equal(err.details.partialText, seen.join(''));
    await waitForIdleSlots(s.baseUrl);
    const [slot] = await slots(s.baseUrl);
    assert.equal(slot.is_processing, false);
    // The server stopped generating: uncancelled it would have predicted exactly 4000 tokens (several
    // seconds even on a fast machine). How many fewer depends on scheduling, so only "fewer" is asserted.
    const after = await metrics(s.baseUrl);
    const predicted = (after.tokens_predicted_total ?? 0) - (before.tokens_predicted_total ?? 0);
    assert.ok(predicted >= 3 && predicted < 4000, `predicted ${predicted} tokens after abort`);
    assert.equal(after.requests_processing, 0);
    // And it serves the next request normally.
    const { result } = await collect(b.generate({ model: s.alias, prompt: 'x', numPredict: 2 }));
    assert.equal(result.metrics.generatedTokens, 2);
  });

  test('a follow-up that extends the same prompt is served from the KV cache (cachedPromptTokens)', async () => {
    const env = realEnv();
    const s = env.large;
    const b = backendFor(s);
    const context = longCode(20);
    const first = await collect(b.generate({ model: s.alias, prompt: `${context}// first question`, numPredict: 2 }));
    const second = await collect(b.generate({ model: s.alias, prompt: `${context}// second question, a little longer`, numPredict: 2 }));
    const shared = (await tokenize(s.baseUrl, context)).length;
    assert.ok(first.result.metrics.promptTokens > shared);
    assert.ok(second.result.metrics.cachedPromptTokens >= shared, `cached ${second.result.metrics.cachedPromptTokens} < shared ${shared}`);
    assert.ok(second.result.metrics.cachedPromptTokens < second.result.metrics.promptTokens);
  });

  test('countTokens is the exact /tokenize count', async () => {
    const env = realEnv();
    const b = backendFor(env.small);
    for (const text of ['', 'hello world', longCode(3), 'naïve café → ok']) {
      const { json } = await postJson(`${env.small.baseUrl}/tokenize`, { content: text });
      assert.equal(await b.countTokens(env.small.alias, text), (json as { tokens: number[] }).tokens.length, JSON.stringify(text));
    }
  });

  test('two concurrent requests on a two-slot server both complete', async () => {
    const env = realEnv();
    const b = backendFor(env.small);
    const [a, c] = await Promise.all([
      collect(b.chat({ model: env.small.alias, messages: [{ role: 'user', content: 'one' }], numPredict: 16 })),
      collect(b.chat({ model: env.small.alias, messages: [{ role: 'user', content: 'two' }], numPredict: 16 })),
    ]);
    assert.equal(a.result.metrics.generatedTokens, 16);
    assert.equal(c.result.metrics.generatedTokens, 16);
  });
});
