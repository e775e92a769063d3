import * as assert from 'node:assert/strict';
import { parseEngineMessage, parseParentMessage } from '../../../src/engine/protocol';

suite('engine protocol', () => {
  test('accepts each request kind the extension sends', () => {
    const requests = [
      { op: 'load', modelPath: '/m.gguf' },
      { op: 'chat', modelPath: '/m.gguf', messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'q' }], maxTokens: 8, numCtx: 2048, temperature: 0.2, stop: ['\n\n'] },
      { op: 'complete', modelPath: '/m.gguf', prompt: 'function f(', suffix: '}\n', maxTokens: 16 },
      { op: 'complete', modelPath: '/m.gguf', prompt: 'plain' },
      { op: 'tokenize', modelPath: '/m.gguf', text: 'hello' },
      { op: 'embed', modelPath: '/m.gguf', inputs: ['a', 'b'] },
      { op: 'unload' },
      { op: 'status' },
    ];
    for (const request of requests) {
      const r = parseParentMessage({ type: 'request', id: 7, request });
      assert.ok(r.ok, JSON.stringify(request));
      assert.equal(r.message.type, 'request');
    }
    assert.deepEqual(parseParentMessage({ type: 'abort', id: 7 }), { ok: true, message: { type: 'abort', id: 7 } });
  });

  test('rejects malformed requests with a message naming the field', () => {
    const bad: [unknown, string][] = [
      [{ type: 'request', id: 1, request: { op: 'bogus' } }, 'op'],
      [{ type: 'request', id: 1, request: { op: 'chat', modelPath: '/m.gguf', messages: [] } }, 'messages'],
      [{ type: 'request', id: 1, request: { op: 'chat', modelPath: '/m.gguf', messages: [{ role: 'tool', content: 'x' }] } }, 'role'],
      [{ type: 'request', id: 1, request: { op: 'complete', modelPath: '', prompt: 'x' } }, 'modelPath'],
      [{ type: 'request', id: 1, request: { op: 'complete', modelPath: '/m', prompt: 'x', maxTokens: 0 } }, 'maxTokens'],
      [{ type: 'request', id: 1, request: { op: 'complete', modelPath: '/m', prompt: 'x', numCtx: 1.5 } }, 'numCtx'],
      [{ type: 'request', id: -1, request: { op: 'status' } }, 'id'],
      [{ type: 'abort' }, 'id'],
      ['not an object', ''],
    ];
    for (const [value, field] of bad) {
      const r = parseParentMessage(value);
      assert.equal(r.ok, false, JSON.stringify(value));
      if (!r.ok) {
        assert.ok(r.error.includes(field), `${r.error} should name ${field}`);
      }
    }
  });

  test('accepts the engine answers and rejects a result that does not match its kind', () => {
    const gen = { kind: 'generation', text: 'x', doneReason: 'stop', promptTokens: 3, cachedPromptTokens: 0, generatedTokens: 1, timeToFirstTokenMs: 1, totalMs: 2, loadMs: 0, contextSize: 512 };
    for (const m of [
      { type: 'ready', gpu: 'cpu' },
      { type: 'fatal', message: 'no binary' },
      { type: 'token', id: 1, text: 'a' },
      { type: 'result', id: 1, result: gen },
      { type: 'result', id: 2, result: { kind: 'tokens', count: 4 } },
      { type: 'result', id: 3, result: { kind: 'embeddings', vectors: [[0.1, 0.2]] } },
      { type: 'error', id: 4, error: { code: 'contextOverflow', message: 'too long', promptTokens: 9000, contextTokens: 8192 } },
    ]) {
      assert.ok(parseEngineMessage(m).ok, JSON.stringify(m));
    }
    assert.equal(parseEngineMessage({ type: 'result', id: 1, result: { ...gen, doneReason: 'eos' } }).ok, false);
    assert.equal(parseEngineMessage({ type: 'result', id: 1, result: { kind: 'tokens', count: -1 } }).ok, false);
    assert.equal(parseEngineMessage({ type: 'error', id: 1, error: { code: 'weird', message: 'x' } }).ok, false);
    assert.equal(parseEngineMessage({ type: 'token', id: 1 }).ok, false);
  });
});
