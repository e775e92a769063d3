/**
 * Contract tests: OpenAiBackend against FakeOpenAiServer (a llama-server test double), over real HTTP
 * on loopback, covering the fault matrix of issue 3 plus llama-server's `/infill`, `/tokenize` and timings.
 */
import * as assert from 'node:assert/strict';
import { OpenAiBackend } from '../../../src/backend/openAiBackend';
import type { Logger } from '../../../src/util/logger';
import { FakeOpenAiServer } from '../../fixtures/fakeOpenAiServer';
import { collect, expectFailure, expectRejects, refusedUrl, waitFor } from './backendTestKit';

function recordingLogger(lines: string[]): Logger {
  const push = (level: string) => (m: string) => {
    lines.push(`${level} ${m}`);
  };
  return { trace: push('trace'), debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

suite('OpenAiBackend against FakeOpenAiServer (llama-server)', () => {
  let fake: FakeOpenAiServer;
  let backend: OpenAiBackend;
  let logLines: string[];

  setup(async () => {
    fake = await FakeOpenAiServer.start();
    logLines = [];
    backend = new OpenAiBackend({ id: 'llama', baseUrl: `${fake.url}/v1`, timeoutMs: 2000, logger: recordingLogger(logLines) });
  });

  teardown(async () => {
    await fake.close();
  });

  suite('models and server', () => {
    test('listModels reads /v1/models with llama-server meta', async () => {
      const models = await backend.listModels();
      assert.equal(models.length, 1);
      const m = models[0]!;
      assert.equal(m.name, 'qwen2.5-coder-1.5b');
      assert.equal(m.endpointId, 'llama');
      assert.equal(m.contextLength, 32_768, 'n_ctx_train');
      assert.equal(m.sizeBytes, 986_061_892);
      assert.equal(m.parameterSize, '1.5B');
      assert.ok(Math.abs((m.parameterBillions ?? 0) - 1.54) < 0.01);
      assert.equal(m.capabilities.insert, undefined, 'unknown until /infill is tried');
      assert.equal(m.capabilities.completion, true);
    });

    test('listLoaded reports the per-slot n_ctx', async () => {
      const loaded = await backend.listLoaded();
      assert.deepEqual(
        loaded.map((l) => [l.name, l.contextLength]),
        [['qwen2.5-coder-1.5b', 4096]],
      );
    });

    test('serverInfo reads build_info from /props; undefined on a plain OpenAI server', async () => {
      assert.deepEqual(await backend.serverInfo(), { version: 'b6500-fake' });
      const plain = await FakeOpenAiServer.start({ llamaServer: false });
      try {
        const other = new OpenAiBackend({ id: 'vllm', baseUrl: plain.url, timeoutMs: 2000 });
        assert.deepEqual(await other.serverInfo(), { version: undefined });
        const models = await other.listModels();
        assert.equal(models[0]?.contextLength, undefined);
        assert.deepEqual(await other.listLoaded(), []);
      } finally {
        await plain.close();
      }
    });

    test('baseUrl with or without /v1 reaches the same endpoints', async () => {
      const bare = new OpenAiBackend({ id: 'llama', baseUrl: fake.url, timeoutMs: 2000 });
      await bare.listModels();
      await backend.listModels();
      assert.deepEqual(
        fake.requests.map((r) => r.path),
        ['/v1/models', '/v1/models'],
      );
    });

    test('health: ok, or loading while the model loads (503)', async () => {
      assert.equal(await backend.health(), 'ok');
      fake.setLoading(true);
      assert.equal(await backend.health(), 'loading');
      await expectRejects(backend.listModels(), 'server');
    });

    test('countTokens uses /tokenize; undefined where the server has none', async () => {
      assert.equal(await backend.countTokens('m', 'hello world'), 2);
      const plain = await FakeOpenAiServer.start({ llamaServer: false });
      try {
        assert.equal(await new OpenAiBackend({ id: 'x', baseUrl: plain.url, timeoutMs: 2000 }).countTokens('m', 'hello'), undefined);
      } finally {
        await plain.close();
      }
    });

    test('pull and delete are refused clearly', async () => {
      const error = await expectRejects(
        (async () => {
          for await (const _ of backend.pull('x')) {
            // nothing
          }
        })(),
        'server',
      );
      assert.match(error.message, /cannot download models/);
      await expectRejects(backend.deleteModel('x'), 'server');
      assert.equal(fake.requests.length, 0);
    });

    test('the API key is sent as a Bearer token and never logged', async () => {
      const locked = await FakeOpenAiServer.start({ apiKey: 'sk-secret-123' });
      try {
        const lines: string[] = [];
        const withKey = new OpenAiBackend({ id: 'lm', baseUrl: locked.url, apiKey: 'sk-secret-123', timeoutMs: 2000, logger: recordingLogger(lines) });
        await collect(withKey.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
        assert.equal(locked.requests[0]?.headers.authorization, 'Bearer sk-secret-123');
        const without = new OpenAiBackend({ id: 'lm', baseUrl: locked.url, timeoutMs: 2000, logger: recordingLogger(lines) });
        const error = await expectRejects(without.listModels(), 'server');
        assert.equal(error.details.status, 401);
        assert.match(error.message, /API key/);
        assert.ok(!lines.some((l) => l.includes('sk-secret')));
      } finally {
        await locked.close();
      }
    });
  });

  suite('generation', () => {
    test('chat streams over SSE with include_usage; usage and timings become metrics', async () => {
      fake.script({ text: 'Hello there, friend.' });
      const { tokens, result } = await collect(backend.chat({ model: 'qwen2.5-coder-1.5b', messages: [{ role: 'user', content: 'hi' }], numPredict: 100, stop: ['\n\n'], temperature: 0.3 }));
      assert.ok(tokens.length > 1);
      assert.equal(result.text, 'Hello there, friend.');
      assert.equal(result.doneReason, 'stop');
      const body = fake.requests[0]?.body as Record<string, unknown>;
      assert.equal(body.stream, true);
      assert.deepEqual(body.stream_options, { include_usage: true });
      assert.equal(body.max_tokens, 100);
      assert.deepEqual(body.stop, ['\n\n']);
      assert.equal(body.temperature, 0.3);
      assert.equal(result.metrics.generatedTokens, tokens.length);
      assert.ok(result.metrics.promptTokens > 0);
    });

    test('completions stream over /v1/completions', async () => {
      fake.script({ text: 'return a + b' });
      const { result } = await collect(backend.generate({ model: 'qwen2.5-coder-1.5b', prompt: 'def add(a, b):\n    ', numPredict: 16 }));
      assert.equal(result.text, 'return a + b');
      assert.equal(fake.requests[0]?.path, '/v1/completions');
      assert.equal((fake.requests[0]?.body as Record<string, unknown>).max_tokens, 16);
    });

    test('the prefix cache shows as cachedPromptTokens (timings.cache_n)', async () => {
      const messages = [{ role: 'user' as const, content: 'Explain this long piece of code that does many things in many lines of text.' }];
      const first = await collect(backend.chat({ model: 'm', messages }));
      const second = await collect(backend.chat({ model: 'm', messages: [...messages, { role: 'assistant', content: first.result.text }, { role: 'user', content: 'and more?' }] }));
      assert.equal(first.result.metrics.cachedPromptTokens, 0);
      assert.ok(second.result.metrics.cachedPromptTokens > 10, `cache_n ${second.result.metrics.cachedPromptTokens}`);
      assert.ok(second.result.metrics.promptTokens > second.result.metrics.cachedPromptTokens);
    });

    test('max tokens reached → doneReason length', async () => {
      fake.script({ tokens: ['a', 'b', 'c'] });
      const { result } = await collect(backend.generate({ model: 'm', prompt: 'x', numPredict: 2 }));
      assert.equal(result.text, 'ab');
      assert.equal(result.doneReason, 'length');
    });

    test('missing metrics count as zero', async () => {
      fake.script({ text: 'ok', omitMetrics: true });
      const { result } = await collect(backend.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }));
      assert.equal(result.metrics.promptTokens, 0);
      assert.equal(result.metrics.cachedPromptTokens, 0);
      assert.equal(result.metrics.generatedTokens, 0);
      assert.equal(result.metrics.loadMs, 0);
    });

    test('structured output: the schema goes out as response_format', async () => {
      const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
      fake.script({ text: '{"ok":true}' });
      const { result } = await collect(backend.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], format: schema }));
      assert.deepEqual(JSON.parse(result.text), { ok: true });
      assert.deepEqual((fake.requests[0]?.body as Record<string, unknown>).response_format, { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema } });
    });

    test('SSE comment lines (keep-alives) are ignored', async () => {
      fake.script({ text: 'fine', commentBeforeFirstToken: true });
      const { result } = await collect(backend.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }));
      assert.equal(result.text, 'fine');
    });

    test('multi-byte characters split across chunks decode intact', async () => {
      fake.script({ tokens: ['héllo', ' 你好', ' 🙂'], chunkBytes: 5 });
      const { result } = await collect(backend.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }));
      assert.equal(result.text, 'héllo 你好 🙂');
    });

    test('huge response arrives whole', async () => {
      const tokens = Array.from({ length: 3_000 }, (_, i) => `w${i} `);
      fake.script({ tokens });
      const { result } = await collect(backend.generate({ model: 'm', prompt: 'x' }));
      assert.equal(result.text, tokens.join(''));
    });
  });

  suite('fill-in-the-middle', () => {
    test('a suffix goes to /infill with input_prefix, input_suffix and input_extra', async () => {
      fake.script({ text: 'a + b' });
      const { result } = await collect(
        backend.generate({ model: 'qwen2.5-coder-1.5b', prompt: 'def add(a, b):\n    return ', suffix: '\n\nprint(add(1, 2))', extraFiles: [{ filename: 'util.py', text: 'X = 1' }], numPredict: 32, stop: ['\n'] }),
      );
      assert.equal(result.text, 'a + b');
      assert.equal(result.doneReason, 'stop');
      const sent = fake.requestsTo('/infill')[0];
      assert.ok(sent);
      assert.deepEqual(sent.body, {
        input_prefix: 'def add(a, b):\n    return ',
        input_suffix: '\n\nprint(add(1, 2))',
        input_extra: [{ filename: 'util.py', text: 'X = 1' }],
        n_predict: 32,
        stop: ['\n'],
        cache_prompt: true,
        stream: true,
      });
      assert.equal((await backend.listModels())[0]?.capabilities.insert, true, 'learned from the successful /infill');
    });

    test('a model without FIM tokens (501) → fimUnsupported', async () => {
      fake.setModels([{ id: 'chat-only', fim: false, nCtx: 4096, nCtxTrain: 8192, nParams: 1e9, sizeBytes: 1e9 }]);
      const { error } = await expectFailure(backend.generate({ model: 'chat-only', prompt: 'a', suffix: 'b' }), 'fimUnsupported');
      assert.match(error.details.serverText ?? '', /Infill is not supported/);
      assert.equal((await backend.listModels())[0]?.capabilities.insert, false);
    });

    test('a server without /infill (404) → fimUnsupported', async () => {
      const plain = await FakeOpenAiServer.start({ llamaServer: false });
      try {
        const other = new OpenAiBackend({ id: 'lm', baseUrl: plain.url, timeoutMs: 2000 });
        await expectFailure(other.generate({ model: 'm', prompt: 'a', suffix: 'b' }), 'fimUnsupported');
      } finally {
        await plain.close();
      }
    });

    test('infill timings carry cache_n across edits of the suffix', async () => {
      const prefix = 'import os\n'.repeat(40);
      await collect(backend.generate({ model: 'm', prompt: prefix, suffix: 'tail one' }));
      const { result } = await collect(backend.generate({ model: 'm', prompt: prefix, suffix: 'tail two' }));
      assert.ok(result.metrics.cachedPromptTokens >= 80, `cache_n ${result.metrics.cachedPromptTokens}`);
    });
  });

  suite('fault matrix', () => {
    test('refused connection → unreachable with the URL', async () => {
      const url = await refusedUrl();
      const down = new OpenAiBackend({ id: 'llama', baseUrl: url, timeoutMs: 2000 });
      const error = await expectRejects(down.listModels(), 'unreachable');
      assert.equal(error.details.url, url);
      await expectFailure(down.chat({ model: 'm', messages: [] }), 'unreachable');
    });

    test('slow first byte → timeout; the fake sees the close while reading the prompt', async () => {
      const slow = new OpenAiBackend({ id: 'llama', baseUrl: fake.url, timeoutMs: 100 });
      fake.script({ firstTokenMs: 5000 });
      await expectFailure(slow.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), 'timeout');
      await waitFor(() => fake.closedEarly.length === 1, 'close recorded');
      assert.equal(fake.closedEarly[0]?.phase, 'prompt');
    });

    test('404 on an unknown model (vLLM/LM Studio style) → modelNotFound', async () => {
      const strict = await FakeOpenAiServer.start({ strictModels: true });
      try {
        const other = new OpenAiBackend({ id: 'vllm', baseUrl: strict.url, timeoutMs: 2000 });
        const { error } = await expectFailure(other.chat({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }), 'modelNotFound');
        assert.equal(error.action?.kind, 'pullModel');
      } finally {
        await strict.close();
      }
    });

    test('400 bad request → server error with the message', async () => {
      fake.script({ fail: { status: 400, error: "'messages' is required" } });
      const { error } = await expectFailure(backend.chat({ model: 'm', messages: [] }), 'server');
      assert.equal(error.details.status, 400);
      assert.equal(error.details.serverText, "'messages' is required");
    });

    test('500 → server error with the message', async () => {
      fake.script({ fail: { status: 500, error: 'slot unavailable' } });
      const { error } = await expectFailure(backend.generate({ model: 'm', prompt: 'x' }), 'server');
      assert.equal(error.details.status, 500);
      assert.match(error.message, /slot unavailable/);
    });

    test('prompt over the context → contextOverflow with n_prompt_tokens and n_ctx (plain JSON despite stream)', async () => {
      fake.setModels([{ id: 'tiny', fim: true, nCtx: 64, nCtxTrain: 64, nParams: 1e8, sizeBytes: 1e8 }]);
      const { error } = await expectFailure(backend.generate({ model: 'tiny', prompt: Array.from({ length: 200 }, () => 'word').join(' ') }), 'contextOverflow');
      assert.equal(error.details.contextTokens, 64);
      assert.equal(error.details.promptTokens, 200);
    });

    test('error event mid-stream → midStream keeping the partial text', async () => {
      fake.script({ tokens: ['one ', 'two ', 'three'], errorAfterTokens: { after: 2, error: 'decode failed' } });
      const { error, tokens } = await expectFailure(backend.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), 'midStream');
      assert.deepEqual(tokens, ['one ', 'two ']);
      assert.equal(error.details.partialText, 'one two ');
      assert.equal(error.details.serverText, 'decode failed');
    });

    test('a malformed event is logged and skipped; the answer is intact', async () => {
      fake.script({ tokens: ['a', 'b', 'c'], malformedLineAfter: 2 });
      const { result } = await collect(backend.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }));
      assert.equal(result.text, 'abc');
      assert.ok(logLines.some((l) => l.startsWith('warn') && l.includes('malformed')));
    });

    test('a stream of garbage only → badResponse', async () => {
      fake.script({ garbageOnly: true });
      await expectFailure(backend.generate({ model: 'm', prompt: 'x' }), 'badResponse');
    });

    test('a stream without its end marker → midStream', async () => {
      fake.script({ tokens: ['a', 'b'], omitDone: true });
      const { error } = await expectFailure(backend.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }), 'midStream');
      assert.equal(error.details.partialText, 'ab');
    });

    test('connection dropped mid-stream → midStream with the partial text', async () => {
      fake.script({ tokens: ['a', 'b', 'c', 'd'], dropAfterTokens: 3 });
      const { error } = await expectFailure(backend.generate({ model: 'm', prompt: 'a', suffix: 'b' }), 'midStream');
      assert.equal(error.details.partialText, 'abc');
    });

    test('abort mid-stream → aborted; the fake sees the close', async () => {
      fake.script({ tokens: Array.from({ length: 300 }, (_, i) => `${i} `), tokensPerSecond: 200 });
      const controller = new AbortController();
      let count = 0;
      const error = await expectRejects(
        (async () => {
          for await (const event of backend.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], signal: controller.signal })) {
            if (event.type === 'token' && ++count === 2) {
              controller.abort();
            }
          }
        })(),
        'aborted',
      );
      assert.equal(error.details.partialText, '0 1 ');
      await waitFor(() => fake.closedEarly.length === 1, 'close recorded');
      assert.equal(fake.closedEarly[0]?.phase, 'streaming');
      assert.ok((fake.closedEarly[0]?.tokensSent ?? 300) < 300);
    });

    test('abort while the server reads the prompt → aborted; close seen in phase prompt', async () => {
      fake.script({ firstTokenMs: 10_000 });
      const controller = new AbortController();
      const pending = expectFailure(backend.generate({ model: 'm', prompt: 'a', suffix: 'b', signal: controller.signal }), 'aborted');
      await waitFor(() => fake.requests.length === 1, 'request received');
      controller.abort();
      await pending;
      await waitFor(() => fake.closedEarly.length === 1, 'close recorded');
      assert.equal(fake.closedEarly[0]?.phase, 'prompt');
      assert.equal(fake.closedEarly[0]?.path, '/infill');
    });

    test('a URL that is not a model server → badResponse', async () => {
      fake.script({ match: { path: '/v1/models' }, garbageOnly: true });
      await expectRejects(backend.listModels(), 'badResponse');
    });
  });
});
