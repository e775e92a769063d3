import * as assert from 'node:assert/strict';
import { TieredError } from '../../../src/backend/errors';
import { OllamaBackend } from '../../../src/backend/ollamaBackend';
import { OpenAiBackend } from '../../../src/backend/openAiBackend';

/** A fetch that answers one JSON body and records the request. */
function answering(status: number, body: unknown, seen: { url?: string; body?: unknown }): typeof fetch {
  return (input, init) => {
    seen.url = String(input);
    seen.body = JSON.parse(String(init?.body));
    return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  };
}

suite('index: embed on both backends', () => {
  test('Ollama: POST /api/embed with all inputs, one vector each', async () => {
    const seen: { url?: string; body?: unknown } = {};
    const backend = new OllamaBackend({ id: 'ollama', baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000, fetch: answering(200, { model: 'nomic-embed-text', embeddings: [[1, 0], [0, 1]] }, seen) });
    assert.deepEqual(await backend.embed('nomic-embed-text', ['a', 'b']), [[1, 0], [0, 1]]);
    assert.match(seen.url ?? '', /\/api\/embed$/);
    assert.deepEqual(seen.body, { model: 'nomic-embed-text', input: ['a', 'b'] });
  });

  test('Ollama: a missing model is a TieredError, a short answer is badResponse', async () => {
    const missing = new OllamaBackend({ id: 'ollama', baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000, fetch: answering(404, { error: 'model "x" not found, try pulling it first' }, {}) });
    await assert.rejects(missing.embed('x', ['a']), (e) => e instanceof TieredError);
    const short = new OllamaBackend({ id: 'ollama', baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000, fetch: answering(200, { embeddings: [[1]] }, {}) });
    await assert.rejects(short.embed('m', ['a', 'b']), (e) => e instanceof TieredError && e.kind === 'badResponse');
  });

  test('OpenAI-compatible: POST /v1/embeddings, vectors put back in input order', async () => {
    const seen: { url?: string; body?: unknown } = {};
    const backend = new OpenAiBackend({ id: 'llama', baseUrl: 'http://127.0.0.1:1/v1', timeoutMs: 1000, fetch: answering(200, { data: [{ index: 1, embedding: [0, 1] }, { index: 0, embedding: [1, 0] }] }, seen) });
    assert.deepEqual(await backend.embed('emb', ['first', 'second']), [[1, 0], [0, 1]]);
    assert.equal(seen.url, 'http://127.0.0.1:1/v1/embeddings');
    assert.deepEqual(seen.body, { model: 'emb', input: ['first', 'second'] });
  });

  test('OpenAI-compatible: a server without embeddings (501/404) or a malformed answer rejects with a TieredError', async () => {
    const off = new OpenAiBackend({ id: 'llama', baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000, fetch: answering(501, { error: { message: 'This server does not support embeddings. Start it with `--embeddings`' } }, {}) });
    await assert.rejects(off.embed('emb', ['a']), (e) => e instanceof TieredError);
    const malformed = new OpenAiBackend({ id: 'llama', baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000, fetch: answering(200, { data: [{ embedding: 'nope' }] }, {}) });
    await assert.rejects(malformed.embed('emb', ['a']), (e) => e instanceof TieredError && e.kind === 'badResponse');
  });
});
