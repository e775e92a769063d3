import * as assert from 'node:assert/strict';
import { describeError, errorCode, isAbortError, isConnectionFailure, isTransportTimeout } from '../../../src/backend/httpFailure';
import { LineSplitter } from '../../../src/backend/lineSplitter';
import { buildMetrics, nsToMs, num } from '../../../src/backend/metrics';
import { capabilitiesFrom, parseParameterBillions, toLoadedModels, toModelInfo } from '../../../src/backend/ollamaParse';
import { isClosedPooledSocket, RequestGuard } from '../../../src/backend/requestGuard';

suite('backend parsing units', () => {
  suite('LineSplitter', () => {
    test('joins lines across chunks and multi-byte characters split anywhere', () => {
      const bytes = Buffer.from('{"a":"é你"}\n{"b":"🙂"}\r\n{"c":1}', 'utf8');
      for (let size = 1; size <= 5; size++) {
        const splitter = new LineSplitter();
        const out: string[] = [];
        for (let i = 0; i < bytes.length; i += size) {
          out.push(...splitter.push(bytes.subarray(i, i + size)));
        }
        out.push(...splitter.end());
        assert.deepEqual(out, ['{"a":"é你"}', '{"b":"🙂"}', '{"c":1}'], `chunk size ${size}`);
      }
    });

    test('blank lines are dropped', () => {
      const splitter = new LineSplitter();
      assert.deepEqual(splitter.push(Buffer.from('\n\na\n \n')), ['a']);
      assert.deepEqual(splitter.end(), []);
    });
  });

  suite('metrics', () => {
    test('num and nsToMs treat anything missing or odd as zero', () => {
      assert.equal(num(undefined), 0);
      assert.equal(num('5'), 0);
      assert.equal(num(-1), 0);
      assert.equal(num(Number.NaN), 0);
      assert.equal(num(7), 7);
      assert.equal(nsToMs(1_500_000), 1.5);
      assert.equal(nsToMs(undefined), 0);
    });

    test('server speed wins; client estimate otherwise; TTFT and total from client timing', () => {
      const server = { promptTokens: 10, cachedPromptTokens: 2, generatedTokens: 50, generationMs: 500, loadMs: 3, promptEvalMs: 4 };
      const timing = { startedAt: 1000, firstTokenAt: 1200, endedAt: 2200, pieces: 11 };
      const m = buildMetrics(server, timing);
      assert.deepEqual(m, { promptTokens: 10, cachedPromptTokens: 2, generatedTokens: 50, timeToFirstTokenMs: 200, tokensPerSecond: 100, loadMs: 3, promptEvalMs: 4, totalMs: 1200 });
      assert.equal(buildMetrics({ ...server, tokensPerSecond: 42 }, timing).tokensPerSecond, 42);
      const none = buildMetrics({ promptTokens: 0, cachedPromptTokens: 0, generatedTokens: 0, generationMs: 0, loadMs: 0, promptEvalMs: 0 }, timing);
      assert.equal(none.tokensPerSecond, 10, '10 pieces after the first in 1000 ms');
      const noTokens = buildMetrics({ promptTokens: 0, cachedPromptTokens: 0, generatedTokens: 0, generationMs: 0, loadMs: 0, promptEvalMs: 0 }, { startedAt: 0, firstTokenAt: undefined, endedAt: 5, pieces: 0 });
      assert.equal(noTokens.timeToFirstTokenMs, 0);
      assert.equal(noTokens.tokensPerSecond, 0);
    });
  });

  suite('ollamaParse', () => {
    test('parameter sizes', () => {
      assert.equal(parseParameterBillions('7.6B'), 7.6);
      assert.ok(Math.abs((parseParameterBillions('494.03M') ?? 0) - 0.49403) < 1e-9);
      assert.equal(parseParameterBillions('1.2T'), 1200);
      assert.equal(parseParameterBillions('7'), 7);
      assert.equal(parseParameterBillions(''), undefined);
      assert.equal(parseParameterBillions('big'), undefined);
    });

    test('capabilities: the list when present; else the template (.Suffix) and embedding from pooling_type', () => {
      const tag = { name: 'm' };
      assert.equal(capabilitiesFrom({ capabilities: ['completion', 'insert'] }, tag).insert, true);
      assert.equal(capabilitiesFrom({ capabilities: ['completion'] }, tag).insert, false);
      assert.equal(capabilitiesFrom({ template: '{{ .Prompt }}<SUF>{{ .Suffix }}' }, tag).insert, true);
      assert.equal(capabilitiesFrom({ template: '{{ .Prompt }}' }, tag).insert, false);
      assert.equal(capabilitiesFrom(undefined, tag).insert, undefined);
      const embed = capabilitiesFrom({ model_info: { 'general.architecture': 'bert', 'bert.pooling_type': 1 } }, tag);
      assert.deepEqual([embed.embedding, embed.completion], [true, false]);
      assert.equal(capabilitiesFrom(undefined, { name: 'm', capabilities: ['completion', 'insert'] }).insert, true, 'v0.30 tags carry capabilities');
    });

    test('model info: context and experts from model_info["<arch>.*"], fallbacks from tags', () => {
      const info = toModelInfo(
        'ollama',
        { name: 'qwen3:30b-a3b', size: 18e9, details: { family: 'qwen3moe', parameter_size: '30.5B', quantization_level: 'Q4_K_M' } },
        { model_info: { 'general.architecture': 'qwen3moe', 'qwen3moe.context_length': 40960, 'qwen3moe.expert_count': 128 }, capabilities: ['completion'] },
      );
      assert.equal(info.contextLength, 40960);
      assert.equal(info.expertCount, 128);
      assert.equal(info.parameterBillions, 30.5);
      assert.deepEqual(info.families, ['qwen3moe']);
      const bare = toModelInfo('ollama', { name: 'x', details: { context_length: 8192, parameter_size: '' } }, { model_info: { 'general.architecture': 'llama', 'general.parameter_count': 3e9 } });
      assert.equal(bare.contextLength, 8192);
      assert.equal(bare.parameterBillions, 3);
      assert.equal(bare.family, 'llama');
      assert.equal(bare.sizeBytes, 0);
    });

    test('loaded models', () => {
      assert.deepEqual(toLoadedModels({ models: null }), []);
      assert.deepEqual(toLoadedModels({ models: [{ name: 'a', size: 10, size_vram: 5, context_length: 4096, expires_at: '2026-01-01T00:00:00Z' }] }), [
        { name: 'a', sizeBytes: 10, sizeVramBytes: 5, contextLength: 4096, expiresAt: '2026-01-01T00:00:00Z' },
      ]);
    });
  });

  suite('httpFailure', () => {
    test('connection failures are recognised through the cause chain', () => {
      const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
      assert.equal(errorCode(refused), 'ECONNREFUSED');
      assert.equal(isConnectionFailure(refused), true);
      assert.equal(isConnectionFailure(new Error('other')), false);
      assert.match(describeError(refused), /fetch failed: connect ECONNREFUSED/);
      assert.equal(isAbortError(Object.assign(new Error('x'), { name: 'AbortError' })), true);
      const slow = new TypeError('fetch failed', { cause: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }) });
      assert.equal(isConnectionFailure(slow), false, 'undici header timeout is not "unreachable"');
      assert.equal(isTransportTimeout(slow), true);
    });
  });

  suite('RequestGuard', () => {
    test('times out when nothing arrives, and aborts the fetch it handed out', async () => {
      let seen: AbortSignal | undefined;
      const hanging: typeof fetch = (_input, init) =>
        new Promise((_resolve, reject) => {
          seen = init?.signal ?? undefined;
          init?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
        });
      const guard = new RequestGuard(20, undefined, hanging);
      await assert.rejects(guard.fetch('http://x/'), /aborted/);
      assert.equal(guard.timedOut, true);
      assert.equal(seen?.aborted, true);
      guard.dispose();
    });

    test('the caller signal aborts; dispose after success is harmless', async () => {
      const controller = new AbortController();
      const guard = new RequestGuard(10_000, controller.signal, () => Promise.resolve(new Response('ok')));
      const response = await guard.fetch('http://x/');
      assert.equal(await response.text(), 'ok');
      assert.equal(guard.responded, true);
      assert.equal(guard.bytesReceived, 2);
      controller.abort();
      assert.equal(guard.callerAborted, true);
      guard.dispose();
      assert.equal(guard.stopped, 'caller');
    });
  });
});

suite('RequestGuard socket retry', () => {
  test('a request whose pooled socket was closed before any response is sent once more', async () => {
    let calls = 0;
    const closed = new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    assert.equal(isClosedPooledSocket(closed), true);
    assert.equal(isClosedPooledSocket(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })), false);
    const flaky: typeof fetch = () => {
      calls++;
      return calls === 1 ? Promise.reject(closed) : Promise.resolve(new Response('ok'));
    };
    const guard = new RequestGuard(5000, undefined, flaky);
    const response = await guard.fetch('http://127.0.0.1:1/x');
    assert.equal(await response.text(), 'ok');
    assert.equal(calls, 2);
    guard.dispose();
  });

  test('a refused connection is not retried', async () => {
    let calls = 0;
    const refused: typeof fetch = () => {
      calls++;
      return Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    };
    const guard = new RequestGuard(5000, undefined, refused);
    await assert.rejects(guard.fetch('http://127.0.0.1:1/x'));
    assert.equal(calls, 1);
    guard.dispose();
  });
});
