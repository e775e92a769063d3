/**
 * Contract tests: OllamaBackend (through ollama-js) against FakeOllamaServer, over real HTTP on
 * loopback, covering the fault matrix of issue 3.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OllamaBackend } from '../../../src/backend/ollamaBackend';
import type { Logger } from '../../../src/util/logger';
import { FakeOllamaServer } from '../../fixtures/fakeOllamaServer';
import { collect, expectFailure, expectRejects, refusedUrl, waitFor } from './backendTestKit';

class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  trace(m: string): void {
    this.lines.push(`trace ${m}`);
  }
  debug(m: string): void {
    this.lines.push(`debug ${m}`);
  }
  info(m: string): void {
    this.lines.push(`info ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`warn ${m}`);
  }
  error(m: string): void {
    this.lines.push(`error ${m}`);
  }
}

suite('OllamaBackend against FakeOllamaServer', () => {
  let fake: FakeOllamaServer;
  let backend: OllamaBackend;
  let logger: RecordingLogger;

  setup(async () => {
    fake = await FakeOllamaServer.start();
    logger = new RecordingLogger();
    backend = new OllamaBackend({ id: 'ollama', baseUrl: fake.url, timeoutMs: 2000, keepAlive: '30m', logger });
  });

  teardown(async () => {
    await fake.close();
  });

  suite('models', () => {
    test('listModels maps tags + show: family, size, quantization, context, capabilities, experts', async () => {
      const models = await backend.listModels();
      assert.equal(models.length, fake.installed.length);
      const qwen = models.find((m) => m.name === 'qwen2.5-coder:1.5b');
      assert.ok(qwen);
      assert.equal(qwen.endpointId, 'ollama');
      assert.equal(qwen.family, 'qwen2');
      assert.equal(qwen.parameterSize, '1.5B');
      assert.equal(qwen.parameterBillions, 1.5);
      assert.equal(qwen.quantization, 'Q4_K_M');
      assert.equal(qwen.sizeBytes, 986_061_892);
      assert.equal(qwen.contextLength, 32_768);
      assert.equal(qwen.capabilities.insert, true);
      assert.equal(qwen.capabilities.completion, true);
      assert.match(qwen.template ?? '', /\.Suffix/);
      const deepseek = models.find((m) => m.name === 'deepseek-coder:6.7b');
      assert.equal(deepseek?.capabilities.insert, false);
      const moe = models.find((m) => m.name === 'qwen3:30b-a3b');
      assert.equal(moe?.expertCount, 128);
      assert.equal(moe?.capabilities.thinking, true);
      assert.equal(models.find((m) => m.name === 'llama3.2:3b')?.contextLength, 131_072);
    });

    test('listModels caches /api/show per digest', async () => {
      await backend.listModels();
      const shows = fake.requestsTo('/api/show').length;
      assert.equal(shows, fake.installed.length);
      await backend.listModels();
      assert.equal(fake.requestsTo('/api/show').length, shows, 'no new /api/show on the second listing');
      assert.equal(fake.requestsTo('/api/tags').length, 2);
    });

    test('without a capabilities list (Ollama < 0.6.4), FIM support comes from the template', async () => {
      const old = await FakeOllamaServer.start({ withoutCapabilities: true });
      try {
        const models = await new OllamaBackend({ id: 'ollama', baseUrl: old.url, timeoutMs: 2000 }).listModels();
        assert.equal(models.find((m) => m.name === 'qwen2.5-coder:7b')?.capabilities.insert, true);
        assert.equal(models.find((m) => m.name === 'llama3.2:3b')?.capabilities.insert, false);
      } finally {
        await old.close();
      }
    });

    test('serverInfo reads /api/version', async () => {
      assert.deepEqual(await backend.serverInfo(), { version: '0.33.0-fake' });
    });

    test('listLoaded reports the num_ctx the model is loaded with', async () => {
      assert.deepEqual(await backend.listLoaded(), []);
      await collect(backend.generate({ model: 'qwen2.5-coder:7b', prompt: 'x = ', numCtx: 8192 }));
      const loaded = await backend.listLoaded();
      assert.equal(loaded.length, 1);
      assert.equal(loaded[0]?.name, 'qwen2.5-coder:7b');
      assert.equal(loaded[0]?.contextLength, 8192);
      assert.ok(loaded[0]?.expiresAt);
    });

    test('deleteModel removes the model; deleting an unknown one is modelNotFound', async () => {
      await backend.deleteModel('starcoder2:3b');
      assert.ok(!(await backend.listModels()).some((m) => m.name === 'starcoder2:3b'));
      const error = await expectRejects(backend.deleteModel('nope:1b'), 'modelNotFound');
      assert.equal(error.action?.kind, 'pullModel');
    });
  });

  suite('generate and chat', () => {
    test('streams tokens then one done event; sends stream, num_ctx, stop array, keep_alive', async () => {
      fake.script({ text: 'return a + b;' });
      const { tokens, result } = await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'def add(a, b):\n    ', numCtx: 8192, numPredict: 64, stop: ['\n\n'], temperature: 0.2 }));
      assert.ok(tokens.length > 1, 'several tokens');
      assert.equal(tokens.join(''), 'return a + b;');
      assert.equal(result.text, 'return a + b;');
      assert.equal(result.doneReason, 'stop');
      const sent = fake.requestsTo('/api/generate')[0];
      assert.ok(sent);
      assert.equal(sent.stream, true);
      assert.equal(sent.numCtx, 8192);
      assert.deepEqual(sent.options, { num_ctx: 8192, num_predict: 64, temperature: 0.2, stop: ['\n\n'] });
      assert.equal((sent.body as { keep_alive?: unknown }).keep_alive, '30m');
      assert.equal(sent.prompt, 'def add(a, b):\n    ');
    });

    test('request keepAlive wins over the backend default', async () => {
      await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'a', keepAlive: -1 }));
      assert.equal((fake.requests[0]?.body as { keep_alive?: unknown }).keep_alive, -1);
    });

    test('num_ctx is sent on every request, and a change is a reload on the server', async () => {
      await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'a', numCtx: 4096 }));
      await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'b', numCtx: 4096 }));
      await collect(backend.chat({ model: 'qwen2.5-coder:1.5b', messages: [{ role: 'user', content: 'c' }], numCtx: 8192 }));
      assert.deepEqual(
        fake.requests.map((r) => r.numCtx),
        [4096, 4096, 8192],
      );
      assert.equal(fake.loads.length, 2);
      assert.equal(fake.reloads.length, 1);
      assert.equal(fake.reloads[0]?.previousNumCtx, 4096);
    });

    test('FIM: suffix goes native; empty prefix and empty suffix become "\\n"; raw drops the suffix', async () => {
      await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'def f(', suffix: '\n    return x' }));
      await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: '', suffix: 'rest' }));
      await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'start', suffix: '' }));
      await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: '<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>', suffix: 'b', raw: true }));
      const sent = fake.requestsTo('/api/generate');
      assert.deepEqual(
        sent.map((r) => [r.prompt, r.suffix]),
        [
          ['def f(', '\n    return x'],
          ['\n', 'rest'],
          ['start', '\n'],
          ['<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>', undefined],
        ],
      );
      assert.equal((sent[3]?.body as { raw?: unknown }).raw, true);
    });

    test('an empty prompt without suffix gets the "load" reply', async () => {
      const { result } = await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: '' }));
      assert.equal(result.doneReason, 'load');
      assert.equal(result.text, '');
    });

    test('num_predict reached → doneReason length', async () => {
      fake.script({ tokens: ['a', 'b', 'c', 'd'] });
      const { result } = await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x', numPredict: 2 }));
      assert.equal(result.text, 'ab');
      assert.equal(result.doneReason, 'length');
    });

    test('metrics: nanoseconds become milliseconds', async () => {
      fake.script({ text: 'ok', metrics: { prompt_eval_count: 42, prompt_eval_duration: 81_234_567, eval_count: 6, eval_duration: 60_000_000, load_duration: 12_345_678 } });
      const { result } = await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }));
      assert.equal(result.metrics.promptTokens, 42);
      assert.equal(result.metrics.generatedTokens, 6);
      assert.equal(result.metrics.loadMs, 12.345678);
      assert.equal(result.metrics.promptEvalMs, 81.234567);
      assert.equal(result.metrics.tokensPerSecond, 100);
      assert.equal(result.metrics.cachedPromptTokens, 0);
      assert.ok(result.metrics.totalMs >= result.metrics.timeToFirstTokenMs);
    });

    test('missing metrics count as zero', async () => {
      fake.script({ text: 'ok', omitMetrics: true });
      const { result } = await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }));
      assert.equal(result.metrics.promptTokens, 0);
      assert.equal(result.metrics.generatedTokens, 0);
      assert.equal(result.metrics.loadMs, 0);
      assert.equal(result.metrics.promptEvalMs, 0);
      assert.ok(Number.isFinite(result.metrics.tokensPerSecond));
    });

    test('chat streams the message content and sends the messages', async () => {
      fake.script({ match: { path: '/api/chat' }, text: 'Hello there, friend.' });
      const { result } = await collect(backend.chat({ model: 'llama3.2:3b', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], numCtx: 4096 }));
      assert.equal(result.text, 'Hello there, friend.');
      const sent = fake.requestsTo('/api/chat')[0];
      assert.deepEqual((sent?.body as { messages: unknown }).messages, [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ]);
      assert.equal(sent?.stream, true);
      assert.equal(sent?.numCtx, 4096);
    });

    test('structured output: the JSON schema is passed through as format', async () => {
      const schema = { type: 'object', properties: { verdict: { type: 'string' } }, required: ['verdict'] };
      fake.script({ text: '{"verdict":"ok"}' });
      const { result } = await collect(backend.chat({ model: 'llama3.2:3b', messages: [{ role: 'user', content: 'review' }], format: schema }));
      assert.deepEqual(JSON.parse(result.text), { verdict: 'ok' });
      assert.deepEqual((fake.requests[0]?.body as { format?: unknown }).format, schema);
      await collect(backend.generate({ model: 'llama3.2:3b', prompt: 'json please', format: 'json' }));
      assert.equal((fake.requests[1]?.body as { format?: unknown }).format, 'json');
    });

    test('huge response arrives whole', async () => {
      const tokens = Array.from({ length: 8_000 }, (_, i) => `t${i} `);
      fake.script({ tokens });
      const { tokens: got, result } = await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }));
      assert.equal(got.length, 8_000);
      assert.equal(result.text, tokens.join(''));
    });

    test('multi-byte characters split across chunks decode intact', async () => {
      const text = 'héllo wörld — 你好 🙂 ok';
      fake.script({ tokens: ['héllo', ' wörld', ' —', ' 你好', ' 🙂', ' ok'], chunkBytes: 7 });
      const { result } = await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }));
      assert.equal(result.text, text);
    });
  });

  suite('fault matrix', () => {
    test('refused connection → unreachable with the URL', async () => {
      const url = await refusedUrl();
      const down = new OllamaBackend({ id: 'ollama', baseUrl: url, timeoutMs: 2000 });
      const error = await expectRejects(down.listModels(), 'unreachable');
      assert.equal(error.details.url, url);
      assert.match(error.message, new RegExp(url.replace(/[.:/]/g, '\\$&')));
      assert.deepEqual(error.action, { kind: 'startServer', url });
      await expectFailure(down.generate({ model: 'm', prompt: 'x' }), 'unreachable');
    });

    test('slow first byte → timeout, and the fake sees the close while reading the prompt', async () => {
      const slow = new OllamaBackend({ id: 'ollama', baseUrl: fake.url, timeoutMs: 100 });
      fake.script({ firstTokenMs: 5000 });
      await expectFailure(slow.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }), 'timeout');
      await waitFor(() => fake.closedEarly.length === 1, 'close recorded');
      assert.equal(fake.closedEarly[0]?.phase, 'prompt');
      assert.equal(fake.closedEarly[0]?.tokensSent, 0);
    });

    test('a slow stream that keeps producing does not time out', async () => {
      const patient = new OllamaBackend({ id: 'ollama', baseUrl: fake.url, timeoutMs: 500 });
      fake.script({ tokens: Array.from({ length: 16 }, (_, i) => `${i} `), tokensPerSecond: 25 });
      const { tokens } = await collect(patient.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }));
      assert.equal(tokens.length, 16);
    });

    test('a stream that stalls after some tokens → timeout with the partial text', async () => {
      const slow = new OllamaBackend({ id: 'ollama', baseUrl: fake.url, timeoutMs: 150 });
      fake.script({ tokens: ['a', 'b', 'c', 'd'], hangAfterTokens: 2 });
      const { error } = await expectFailure(slow.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }), 'timeout');
      assert.equal(error.details.partialText, 'ab');
    });

    test('404 model → modelNotFound offering a pull', async () => {
      const { error } = await expectFailure(backend.generate({ model: 'qwen9:1b', prompt: 'x' }), 'modelNotFound');
      assert.deepEqual(error.action, { kind: 'pullModel', model: 'qwen9:1b' });
      assert.equal(error.details.serverText, "model 'qwen9:1b' not found");
      await expectFailure(backend.chat({ model: 'qwen9:1b', messages: [{ role: 'user', content: 'x' }] }), 'modelNotFound');
    });

    test('400 bad request → server error with the server text', async () => {
      const { error } = await expectFailure(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x', keepAlive: '10' }), 'server');
      assert.equal(error.details.status, 400);
      assert.equal(error.details.serverText, 'time: missing unit in duration "10"');
    });

    test('500 → server error with the server text', async () => {
      fake.script({ fail: { status: 500, error: 'llama runner process has terminated' } });
      const { error } = await expectFailure(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }), 'server');
      assert.equal(error.details.status, 500);
      assert.match(error.message, /llama runner process has terminated/);
    });

    test('503 overloaded → server error', async () => {
      fake.script({ fail: { status: 503, error: 'model is overloaded' } });
      const { error } = await expectFailure(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }), 'server');
      assert.equal(error.details.status, 503);
    });

    test('FIM on a model without insert → fimUnsupported', async () => {
      const { error } = await expectFailure(backend.generate({ model: 'deepseek-coder:6.7b', prompt: 'a', suffix: 'b' }), 'fimUnsupported');
      assert.equal(error.details.serverText, 'registry.ollama.ai/library/deepseek-coder:6.7b does not support insert');
      assert.equal(error.action?.kind, 'chooseCompletionModel');
    });

    test('prompt longer than the context → contextOverflow', async () => {
      fake.script({ fail: { status: 400, error: 'the prompt is longer than the context length currently available to the model; shorten the prompt, adjust the context length in settings, or use a model with a longer context length' } });
      await expectFailure(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }), 'contextOverflow');
    });

    test('error line mid-stream → midStream keeping the partial text', async () => {
      fake.script({ tokens: ['one ', 'two ', 'three ', 'four'], errorAfterTokens: { after: 3, error: 'an error was encountered while running the model' } });
      const { error, tokens } = await expectFailure(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }), 'midStream');
      assert.deepEqual(tokens, ['one ', 'two ', 'three ']);
      assert.equal(error.details.partialText, 'one two three ');
      assert.equal(error.details.serverText, 'an error was encountered while running the model');
    });

    test('a malformed line is logged and skipped; the answer is intact', async () => {
      fake.script({ tokens: ['a', 'b', 'c'], malformedLineAfter: 1 });
      const { result } = await collect(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }));
      assert.equal(result.text, 'abc');
      assert.ok(logger.lines.some((l) => l.startsWith('warn') && l.includes('malformed')));
    });

    test('a stream of garbage only → badResponse, not an empty answer', async () => {
      fake.script({ garbageOnly: true });
      await expectFailure(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }), 'badResponse');
    });

    test('a stream without its done line → midStream with the partial text', async () => {
      fake.script({ tokens: ['a', 'b'], omitDone: true });
      const { error } = await expectFailure(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }), 'midStream');
      assert.equal(error.details.partialText, 'ab');
    });

    test('connection dropped mid-stream → midStream with the partial text', async () => {
      fake.script({ tokens: ['a', 'b', 'c', 'd'], dropAfterTokens: 2 });
      const { error } = await expectFailure(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }), 'midStream');
      assert.equal(error.details.partialText, 'ab');
    });

    test('abort mid-stream → aborted; the fake sees the close after some tokens', async () => {
      fake.script({ tokens: Array.from({ length: 200 }, (_, i) => `${i} `), tokensPerSecond: 200 });
      const controller = new AbortController();
      const seen: string[] = [];
      const error = await expectRejects(
        (async () => {
          for await (const event of backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x', signal: controller.signal })) {
            if (event.type === 'token') {
              seen.push(event.text);
              if (seen.length === 3) {
                controller.abort();
              }
            }
          }
        })(),
        'aborted',
      );
      assert.equal(error.details.partialText, '0 1 2 ');
      await waitFor(() => fake.closedEarly.length === 1, 'close recorded');
      const closed = fake.closedEarly[0];
      assert.equal(closed?.phase, 'streaming');
      assert.ok((closed?.tokensSent ?? 0) >= 3 && (closed?.tokensSent ?? 0) < 200, `tokensSent ${closed?.tokensSent}`);
      assert.equal(fake.requests[0]?.outcome, 'clientClosed');
    });

    test('abort while the server is still reading the prompt → aborted, close seen in phase prompt', async () => {
      fake.script({ firstTokenMs: 10_000 });
      const controller = new AbortController();
      const pending = expectFailure(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x', signal: controller.signal }), 'aborted');
      await waitFor(() => fake.requests.length === 1, 'request received');
      controller.abort();
      await pending;
      await waitFor(() => fake.closedEarly.length === 1, 'close recorded');
      assert.equal(fake.closedEarly[0]?.phase, 'prompt');
    });

    test('breaking out of the loop closes the HTTP stream', async () => {
      fake.script({ tokens: Array.from({ length: 500 }, () => 'x'), tokensPerSecond: 500 });
      for await (const event of backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' })) {
        if (event.type === 'token') {
          break;
        }
      }
      await waitFor(() => fake.closedEarly.length === 1, 'close recorded');
      assert.ok((fake.closedEarly[0]?.tokensSent ?? 500) < 500);
    });

    test('an already aborted signal sends nothing', async () => {
      const controller = new AbortController();
      controller.abort();
      await expectFailure(backend.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x', signal: controller.signal }), 'aborted');
      await expectRejects(backend.listModels(controller.signal), 'aborted');
      assert.equal(fake.requests.length, 0);
    });

    test('non-streaming calls are cancellable too: abort during a slow /api/tags', async () => {
      fake.script({ match: { path: '/api/tags' }, firstTokenMs: 10_000 });
      const controller = new AbortController();
      const listing = backend.listModels(controller.signal);
      await waitFor(() => fake.requests.length === 1, 'request received');
      controller.abort();
      await expectRejects(listing, 'aborted');
      await waitFor(() => fake.closedEarly.length === 1, 'close recorded');
      assert.equal(fake.closedEarly[0]?.path, '/api/tags');
    });

    test('non-streaming calls time out too', async () => {
      const slow = new OllamaBackend({ id: 'ollama', baseUrl: fake.url, timeoutMs: 100 });
      fake.script({ match: { path: '/api/version' }, firstTokenMs: 10_000 });
      await expectRejects(slow.serverInfo(), 'timeout');
    });

    test('a URL that is not a model server → badResponse', async () => {
      const server = http.createServer((req, res) => {
        if (req.url === '/api/tags') {
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end('<html>a web page</html>');
        } else {
          res.writeHead(404, { 'Content-Type': 'text/plain' });
          res.end('404 page not found');
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const web = new OllamaBackend({ id: 'ollama', baseUrl: url, timeoutMs: 2000 });
        await expectRejects(web.listModels(), 'badResponse');
        await expectRejects(web.listLoaded(), 'badResponse');
        await expectFailure(web.generate({ model: 'm', prompt: 'x' }), 'badResponse');
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });

  suite('pull', () => {
    test('streams per-layer progress and installs the model', async () => {
      fake.script({ match: { path: '/api/pull' }, pullIntervalMs: 1 });
      const lines = [];
      for await (const p of backend.pull('qwen2.5-coder:0.5b')) {
        lines.push(p);
      }
      assert.equal(lines[0]?.status, 'pulling manifest');
      assert.equal(lines.at(-1)?.status, 'success');
      const layer = lines.filter((l) => l.digest !== undefined && l.totalBytes !== undefined && l.totalBytes > 1_000_000);
      assert.ok(layer.length >= 3, 'several progress lines for the big layer');
      assert.ok(layer.every((l, i) => i === 0 || (l.completedBytes ?? 0) >= (layer[i - 1]?.completedBytes ?? 0)), 'progress grows');
      assert.equal(layer.at(-1)?.completedBytes, layer.at(-1)?.totalBytes);
      assert.ok(lines.some((l) => l.status === 'verifying sha256 digest'));
      assert.equal((fake.requestsTo('/api/pull')[0]?.body as { stream?: unknown }).stream, true);
      assert.ok((await backend.listModels()).some((m) => m.name === 'qwen2.5-coder:0.5b'));
    });

    test('a failure halfway → server error with the text, after the progress so far', async () => {
      fake.script({ match: { path: '/api/pull' }, pullIntervalMs: 1, errorAfterTokens: { after: 5, error: 'max retries exceeded: unexpected EOF' } });
      const seen: string[] = [];
      const error = await expectRejects(
        (async () => {
          for await (const p of backend.pull('qwen2.5-coder:0.5b')) {
            seen.push(p.status);
          }
        })(),
        'server',
      );
      assert.equal(seen.length, 5);
      assert.equal(error.details.serverText, 'max retries exceeded: unexpected EOF');
      assert.ok(!(await backend.listModels()).some((m) => m.name === 'qwen2.5-coder:0.5b'));
    });

    test('a model the registry does not have → error after "pulling manifest"', async () => {
      const seen: string[] = [];
      const error = await expectRejects(
        (async () => {
          for await (const p of backend.pull('no-such-model:1b')) {
            seen.push(p.status);
          }
        })(),
        'server',
      );
      assert.deepEqual(seen, ['pulling manifest']);
      assert.match(error.message, /file does not exist/);
    });
  });
});
