import * as assert from 'node:assert/strict';
import { createBackends, ollamaEndpointId } from '../../../src/backend/createBackends';
import { OllamaBackend } from '../../../src/backend/ollamaBackend';
import { OpenAiBackend } from '../../../src/backend/openAiBackend';
import { defaultSettings } from '../../../src/settings/readSettings';
import type { Settings } from '../../../src/settings/schema';
import { nullLogger } from '../../../src/util/logger';
import { FakeOllamaServer } from '../../fixtures/fakeOllamaServer';
import { FakeOpenAiServer } from '../../fixtures/fakeOpenAiServer';
import { collect } from './backendTestKit';

function settingsWith(overrides: Partial<Record<keyof Settings, unknown>>): Settings {
  return { ...defaultSettings(), ...overrides } as Settings;
}

suite('createBackends', () => {
  test('defaults: one Ollama backend with id "ollama" at the default URL', async () => {
    const backends = await createBackends(defaultSettings(), () => Promise.resolve(undefined), nullLogger);
    assert.equal(backends.length, 1);
    assert.ok(backends[0] instanceof OllamaBackend);
    assert.equal(backends[0]?.id, ollamaEndpointId);
    assert.equal(backends[0]?.baseUrl, 'http://127.0.0.1:11434');
    assert.equal(backends[0]?.kind, 'ollama');
  });

  test('Ollama disabled + two OpenAI endpoints → two OpenAI backends named after the endpoints', async () => {
    const asked: string[] = [];
    const backends = await createBackends(
      settingsWith({ 'ollama.enabled': false, openAiEndpoints: [{ name: 'llama', baseUrl: 'http://127.0.0.1:8080' }, { name: 'lmstudio', baseUrl: 'http://127.0.0.1:1234/v1' }] }),
      (name, url) => {
        asked.push(`${name} ${url}`);
        return Promise.resolve(name === 'lmstudio' ? 'key' : undefined);
      },
      nullLogger,
    );
    assert.deepEqual(
      backends.map((b) => [b.id, b.kind, b.baseUrl, b instanceof OpenAiBackend]),
      [
        ['llama', 'openai', 'http://127.0.0.1:8080', true],
        ['lmstudio', 'openai', 'http://127.0.0.1:1234/v1', true],
      ],
    );
    // The key is asked for with the URL it would be sent to (keys are bound to it).
    assert.deepEqual(asked, ['llama http://127.0.0.1:8080', 'lmstudio http://127.0.0.1:1234/v1']);
  });

  test('a duplicate endpoint name is skipped with a warning', async () => {
    const warnings: string[] = [];
    const backends = await createBackends(
      settingsWith({ openAiEndpoints: [{ name: 'ollama', baseUrl: 'http://127.0.0.1:8080' }, { name: 'a', baseUrl: 'http://h:1' }, { name: 'a', baseUrl: 'http://h:2' }] }),
      () => Promise.resolve(undefined),
      { ...nullLogger, warn: (m) => warnings.push(m) },
    );
    assert.deepEqual(
      backends.map((b) => b.id),
      ['ollama', 'a'],
    );
    assert.equal(warnings.length, 2);
  });

  test('keepAlive, timeout, API key and fetch reach the wire', async () => {
    const ollama = await FakeOllamaServer.start();
    const llama = await FakeOpenAiServer.start({ apiKey: 'k1' });
    try {
      let fetches = 0;
      const counting: typeof fetch = (input, init) => {
        fetches++;
        return fetch(input, init);
      };
      const backends = await createBackends(
        settingsWith({ 'ollama.baseUrl': ollama.url, keepAlive: '10m', requestTimeoutSeconds: 5, openAiEndpoints: [{ name: 'llama', baseUrl: llama.url }] }),
        (name) => Promise.resolve(name === 'llama' ? 'k1' : undefined),
        nullLogger,
        counting,
      );
      await collect(backends[0]!.generate({ model: 'qwen2.5-coder:1.5b', prompt: 'x' }));
      await collect(backends[1]!.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }));
      assert.equal((ollama.requests[0]?.body as { keep_alive?: unknown }).keep_alive, '10m');
      assert.equal(llama.requests[0]?.headers.authorization, 'Bearer k1');
      assert.equal(fetches, 2);
    } finally {
      await ollama.close();
      await llama.close();
    }
  });

  test('a failing key store does not prevent the endpoint', async () => {
    const backends = await createBackends(settingsWith({ 'ollama.enabled': false, openAiEndpoints: [{ name: 'x', baseUrl: 'http://h:1' }] }), () => Promise.reject(new Error('keychain locked')), nullLogger);
    assert.equal(backends.length, 1);
  });
});
