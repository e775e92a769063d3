// Issue 16: num_ctx must hold the real prompt. The chat sized it from a raw estimate; a model whose tokenizer
// spends twice the estimated tokens got a window smaller than its prompt.
import * as assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChatRequest, GenerationEvent, LlmBackend } from '../../../src/backend/types';
import { ChatController, type ChatEnvironment } from '../../../src/chat/chatController';
import { HistoryStore } from '../../../src/chat/historyStore';
import { TokenCalibration } from '../../../src/context/calibration';
import { PromptSizer } from '../../../src/context/promptSizer';
import { approximateCounter } from '../../../src/context/tokenCounter';
import { nullLogger } from '../../../src/util/logger';
import { fakeModel } from '../../doubles/fakeLlmBackend';

/** Tokenizes at `ratio` × the estimate (an OpenAI-compatible llama-server with /tokenize) and reports whole-prompt counts. */
class TokenizingBackend implements Partial<LlmBackend> {
  readonly id = 'fake';
  readonly kind = 'openai' as const;
  readonly baseUrl = 'http://fake.invalid';
  readonly requests: ChatRequest[] = [];
  constructor(private readonly ratio: number) {}

  async countTokens(_model: string, text: string): Promise<number> {
    return Math.ceil(approximateCounter().count(text) * this.ratio);
  }

  async *chat(request: ChatRequest): AsyncIterable<GenerationEvent> {
    this.requests.push(request);
    const promptTokens = await this.countTokens('', request.messages.map((m) => m.content).join('\n'));
    yield { type: 'token', text: 'ok' };
    yield { type: 'done', result: { text: 'ok', doneReason: 'stop', metrics: { promptTokens, cachedPromptTokens: 0, generatedTokens: 1, timeToFirstTokenMs: 1, tokensPerSecond: 1, loadMs: 0, promptEvalMs: 0, totalMs: 1 } } };
  }
}

async function ask(sizer: PromptSizer | undefined, backend: TokenizingBackend, question: string): Promise<ChatRequest> {
  const store = await HistoryStore.open({ folder: await fsp.mkdtemp(path.join(os.tmpdir(), 'tiered-chatsizing-')), durable: false });
  const model = fakeModel({ name: 'tiny', parameterBillions: 1.5, parameterSize: '1.5B', family: 'llama', contextLength: 32768 });
  const env: ChatEnvironment = {
    router: { tiers: { small: { model: 'tiny', endpoint: '' }, code: { model: 'tiny', endpoint: '' }, moe: { model: 'tiny', endpoint: '' } }, pins: {}, installed: [model], loaded: [], preferLoaded: true },
    answerReserveTokens: 512,
    maxContextTokens: 0,
    keepAlive: '30m',
  };
  const controller = new ChatController({
    store,
    post: () => undefined,
    backends: async () => [backend as unknown as LlmBackend],
    environment: async () => env,
    counter: approximateCounter(),
    ...(sizer !== undefined ? { sizer } : {}),
    context: () => [],
    logger: nullLogger,
    clock: () => 0,
    rememberActive: () => undefined,
    initialActiveId: undefined,
  });
  await controller.handle({ type: 'ready' });
  await controller.handle({ type: 'send', text: question });
  await controller.streaming;
  const request = backend.requests.at(-1);
  assert.ok(request, 'a request was sent');
  return request;
}

suite('chat: num_ctx holds the model\'s own count of the prompt', () => {
  const question = `Why does this fail?\n\n\`\`\`ts\n${Array.from({ length: 120 }, (_, i) => `const value${i} = compute(${i}, "label ${i}") + offset;`).join('\n')}\n\`\`\``;

  test('sized by the calibrated upper bound (measured with the server tokenizer), the window holds the prompt; learned from the answer', async () => {
    const ratio = 2.2;
    const calibration = new TokenCalibration(undefined);
    const backend = new TokenizingBackend(ratio);
    const request = await ask(new PromptSizer(calibration, approximateCounter()), backend, question);
    const real = await backend.countTokens('', request.messages.map((m) => m.content).join('\n'));
    assert.ok((request.numCtx ?? 0) >= real, `num_ctx ${request.numCtx} for a prompt of ${real} tokens`);
    // One exact measurement before the request, one whole-prompt count after it.
    assert.equal(calibration.errorFor('tiny').samples, 2);
  });

  test('without it (the old sizing), the same prompt overflows its window', async () => {
    const backend = new TokenizingBackend(2.2);
    const request = await ask(undefined, backend, question);
    const real = await backend.countTokens('', request.messages.map((m) => m.content).join('\n'));
    assert.ok((request.numCtx ?? 0) < real, `the old sizing held it: num_ctx ${request.numCtx}, ${real} tokens (the first test would not catch the bug)`);
  });
});
