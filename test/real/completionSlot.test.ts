// The completion pipeline's cache strategy against a real llama-server (tiny "large" model, the slow one):
// requests pinned to one slot reuse its cached prompt; a pinned request made useless while it still reads its
// prompt drains to its first token, so the next request finds that read in the cache (cut short, llama-server may
// drop a partial read: measured once at 12 of 1,553 tokens kept, though not every time, so only the drained side is
// asserted); a zero-token warm-up loads a prompt into the slot.
import * as assert from 'node:assert/strict';
import { OpenAiBackend } from '../../src/backend/openAiBackend';
import type { GenerateRequest, GenerationEvent, LlmBackend, RequestMetrics } from '../../src/backend/types';
import { CompletionPipeline } from '../../src/completion/pipeline';
import type { CompletionRequest } from '../../src/completion/types';
import { defaultSettings } from '../../src/settings/readSettings';
import type { Settings } from '../../src/settings/schema';
import { systemClock } from '../../src/util/clock';
import { nullLogger } from '../../src/util/logger';
import { realEnv } from './realEnv';
import { metrics, tokenize, waitForIdleSlots } from './serverProbe';
import { retryingFetch } from './socketRetry';

interface Sent {
  readonly request: GenerateRequest;
  tokens: number;
  metrics: RequestMetrics | undefined;
}

/** The real backend, recording what each request sent and what the server reported. */
function recording(inner: LlmBackend): { backend: LlmBackend; sent: Sent[] } {
  const sent: Sent[] = [];
  const backend = Object.create(inner) as LlmBackend;
  backend.generate = (request: GenerateRequest): AsyncIterable<GenerationEvent> => {
    const entry: Sent = { request, tokens: 0, metrics: undefined };
    sent.push(entry);
    const stream = inner.generate(request);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of stream) {
          if (event.type === 'token') {
            entry.tokens++;
          } else {
            entry.metrics = event.result.metrics;
          }
          yield event;
        }
      },
    };
  };
  return { backend, sent };
}

/** About `lines` lines of code: a prompt of roughly 10 tokens a line for the tiny models' tokenizer. */
function code(lines: number, seed: string): string {
  const out: string[] = [`// ${seed}`];
  for (let i = 0; i < lines; i++) {
    out.push(`export function ${seed}${i}(value: number): number {`, `  return value * ${i} + ${(i * 7) % 13};`, '}');
  }
  return `${out.join('\n')}\n`;
}

function request(text: string, manual = true): CompletionRequest {
  return { documentUri: 'file:///w/slot.ts', languageId: 'typescript', text, offset: text.length, lineEnding: '\n', indent: { useTabs: false, size: 2 }, fileSizeBytes: text.length, manual };
}

async function pipelineOn(policy: Settings['completion.requestPolicy']): Promise<{ pipeline: CompletionPipeline; sent: Sent[] }> {
  const env = realEnv();
  const inner = new OpenAiBackend({ id: 'large', baseUrl: `${env.large.baseUrl}/v1`, timeoutMs: 60_000, fetch: retryingFetch });
  const [model] = await inner.listModels();
  assert.ok(model, 'the server lists its model');
  const { backend, sent } = recording(inner);
  const settings: Settings = { ...defaultSettings(), 'completion.requestPolicy': policy, 'completion.maxTokens': 16 };
  const pipeline = new CompletionPipeline({
    resolveModel: () => Promise.resolve({ backend, model }),
    clock: systemClock,
    settings: () => settings,
    logger: nullLogger,
    options: { useCache: false },
  });
  return { pipeline, sent };
}

/** Prompt tokens the server read (not served from its cache) while `run` ran, by its own `/metrics` counter. */
async function serverRead(baseUrl: string, run: () => Promise<unknown>): Promise<number> {
  const before = (await metrics(baseUrl)).prompt_tokens_total ?? 0;
  await run();
  await waitForIdleSlots(baseUrl);
  return ((await metrics(baseUrl)).prompt_tokens_total ?? 0) - before;
}

suite('real engine: completion requests pinned to a llama-server slot', () => {
  test('consecutive completions pinned to slot 0 reuse its cached prompt', async () => {
    const env = realEnv();
    await waitForIdleSlots(env.large.baseUrl);
    const { pipeline, sent } = await pipelineOn('costAware');
    const text = code(40, 'pinned');
    // The server's own count of prompt tokens it read (not served from its cache): the client's metrics are lost
    // whenever the pipeline stops reading early (a single-line completion ends at the first line break, and the
    // random model may write one), so the evidence of reuse is taken from the server.
    const first = await serverRead(env.large.baseUrl, () => pipeline.complete(request(text), new AbortController().signal));
    const second = await serverRead(env.large.baseUrl, () => pipeline.complete(request(`${text}export const next = `), new AbortController().signal));
    assert.equal(sent.length, 2);
    assert.deepEqual(
      sent.map((s) => s.request.slot),
      [0, 0],
      'id_slot sent',
    );
    assert.ok(first > 500, `the first request read its whole prompt (${first} tokens)`);
    assert.ok(second <= first * 0.1, `the second request read ${second} prompt tokens after the first read ${first}: it reused the slot's cache`);
    pipeline.dispose();
  });

  test('a pinned request made useless while reading its prompt drains to its first token, and the next one reuses its read', async () => {
    const env = realEnv();
    const shares: Record<string, number> = {};
    for (const policy of ['costAware', 'classic'] as const) {
      await waitForIdleSlots(env.large.baseUrl);
      const { pipeline, sent } = await pipelineOn(policy);
      // A prompt never seen by the server (~1,100 tokens: about a second to read for this model).
      const text = code(60, `drain${policy}`);
      const edited = `${text.slice(0, -1)}  \n`;
      // What reading a prompt like it costs from scratch: one alone, of the same shape, never seen by the server.
      const promptTokens = await serverRead(env.large.baseUrl, () => pipeline.complete(request(code(60, `fresh${policy}`)), new AbortController().signal));
      sent.length = 0;
      const read = await serverRead(env.large.baseUrl, async () => {
        const first = pipeline.complete(request(text), new AbortController().signal);
        await new Promise((r) => setTimeout(r, 150));
        assert.equal(sent[0]?.tokens, 0, `${policy}: still reading the prompt when the user moves on`);
        // The user edits just before the cursor (not typing through): the first answer is useless now.
        const second = await pipeline.complete(request(edited), new AbortController().signal);
        assert.equal((await first).kind, 'cancelled');
        assert.notEqual(second.kind, 'error', JSON.stringify(second));
      });
      assert.equal(sent.length, 2, `${policy}: one new request`);
      // Both requests together read this many prompts' worth: ~1 when the second built on the first's read,
      // ~2 when the first's read was thrown away. (Taken from the server: the client's metrics are lost whenever
      // the pipeline stops reading early.)
      shares[policy] = 2 - read / Math.max(1, promptTokens);
      if (policy === 'costAware') {
        assert.ok((sent[0]?.tokens ?? 0) <= 1, 'the drained request stopped at its first token');
      }
      pipeline.dispose();
    }
    assert.ok((shares.costAware ?? 0) >= 0.8, `drained: the next request reused ${((shares.costAware ?? 0) * 100).toFixed(0)} % of its prompt`);
    console.log(`      reuse after the useless request: drained ${((shares.costAware ?? 0) * 100).toFixed(0)} %, cut short (classic) ${((shares.classic ?? 0) * 100).toFixed(0)} %`);
  });

  test('a zero-token warm-up loads the prompt into the slot: the next completion reads only what changed', async () => {
    const env = realEnv();
    await waitForIdleSlots(env.large.baseUrl);
    const { pipeline, sent } = await pipelineOn('costAware');
    const text = code(40, 'warm');
    const warmed = await pipeline.warmUp(request(text, false));
    assert.equal(warmed, true, 'the warm-up was read');
    assert.equal(sent[0]?.request.numPredict, 0, 'zero tokens to predict');
    // llama-server answers n_predict 0 with at most the one token it samples after reading the prompt.
    assert.ok((sent[0]?.tokens ?? 0) <= 1, `at most one token (got ${sent[0]?.tokens})`);
    const read = await serverRead(env.large.baseUrl, () => pipeline.complete(request(`${text}const x = `), new AbortController().signal));
    const promptTokens = (await tokenize(env.large.baseUrl, text)).length;
    assert.ok(read <= promptTokens * 0.1, `after the warm-up, the completion read ${read} of its ~${promptTokens} prompt tokens (the rest came from the cache)`);
    pipeline.dispose();
  });
});
