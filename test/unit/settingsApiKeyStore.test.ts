import * as assert from 'node:assert/strict';
import { createBackends } from '../../src/backend/createBackends';
import { ApiKeyStore, sameUrl } from '../../src/providers/apiKeyStore';
import type { SecretStore } from '../../src/providers/apiKeyStore';
import { defaultSettings } from '../../src/settings/readSettings';
import { nullLogger } from '../../src/util/logger';
import { FakeOpenAiServer } from '../fixtures/fakeOpenAiServer';
import { collect } from './backend/backendTestKit';

/** SecretStorage in a Map (the store only needs get/store/delete/onDidChange). */
function memorySecrets(initial: Record<string, string> = {}): SecretStore & { readonly map: Map<string, string> } {
  const map = new Map(Object.entries(initial));
  return {
    map,
    get: (key) => Promise.resolve(map.get(key)),
    store: (key, value) => {
      map.set(key, value);
      return Promise.resolve();
    },
    delete: (key) => {
      map.delete(key);
      return Promise.resolve();
    },
    onDidChange: () => ({ dispose: () => undefined }),
  };
}

suite('API keys bound to their URL', () => {
  test('a key is given for the URL it was stored for, and refused for any other', async () => {
    const store = new ApiKeyStore(memorySecrets());
    await store.set('vllm', 'http://gpu-box:8000/v1', 'sk-secret');
    assert.deepEqual(await store.lookup('vllm', 'http://gpu-box:8000/v1'), { kind: 'key', key: 'sk-secret', migrated: false });
    assert.deepEqual(await store.lookup('vllm', 'http://GPU-BOX:8000/v1/'), { kind: 'key', key: 'sk-secret', migrated: false }, 'same URL up to case and slash');
    for (const other of ['http://attacker.example:8000/v1', 'http://gpu-box:8001/v1', 'https://gpu-box:8000/v1', 'http://gpu-box:8000/v2', 'http://gpu-box:8000/v1?x=1']) {
      assert.deepEqual(await store.lookup('vllm', other), { kind: 'otherUrl', storedFor: 'http://gpu-box:8000/v1' }, other);
    }
    assert.deepEqual(await store.lookup('other-name', 'http://gpu-box:8000/v1'), { kind: 'none' }, 'bound to the name as well');
  });

  test('setting the key again for a new URL moves it there', async () => {
    const store = new ApiKeyStore(memorySecrets());
    await store.set('lm', 'http://127.0.0.1:1234', 'old');
    await store.set('lm', 'http://127.0.0.1:5678', 'new');
    assert.equal((await store.lookup('lm', 'http://127.0.0.1:1234')).kind, 'otherUrl');
    assert.deepEqual(await store.lookup('lm', 'http://127.0.0.1:5678'), { kind: 'key', key: 'new', migrated: false });
  });

  test('a key stored by name only (earlier versions) is bound to the URL of its first use, then refused elsewhere', async () => {
    const secrets = memorySecrets({ 'tiered.apiKey.vllm': 'sk-legacy' });
    const store = new ApiKeyStore(secrets);
    assert.deepEqual(await store.lookup('vllm', 'http://gpu-box:8000'), { kind: 'key', key: 'sk-legacy', migrated: true });
    assert.equal(secrets.map.has('tiered.apiKey.vllm'), false, 'the name-only entry is gone once bound');
    assert.deepEqual(await store.lookup('vllm', 'http://gpu-box:8000'), { kind: 'key', key: 'sk-legacy', migrated: false });
    assert.deepEqual(await store.lookup('vllm', 'http://attacker.example'), { kind: 'otherUrl', storedFor: 'http://gpu-box:8000' });
  });

  test('a corrupted entry sends nothing; delete removes bound and name-only keys', async () => {
    const secrets = memorySecrets({ 'tiered.apiKeyFor.a': 'not json', 'tiered.apiKey.b': 'legacy' });
    const store = new ApiKeyStore(secrets);
    assert.deepEqual(await store.lookup('a', 'http://x'), { kind: 'unreadable' });
    await store.set('b', 'http://y', 'k');
    await store.delete('b');
    await store.delete('a');
    assert.deepEqual([...secrets.map.keys()], []);
    assert.deepEqual(await store.lookup('b', 'http://y'), { kind: 'none' });
  });

  test('the stored secret never holds the key under the name alone', async () => {
    const secrets = memorySecrets();
    await new ApiKeyStore(secrets).set('n', 'http://h:1', 'k');
    assert.deepEqual([...secrets.map.keys()], ['tiered.apiKeyFor.n']);
    assert.deepEqual(JSON.parse(secrets.map.get('tiered.apiKeyFor.n') ?? ''), { baseUrl: 'http://h:1', key: 'k' });
  });

  test('on the wire: the key reaches the server it was stored for, and an endpoint re-pointed elsewhere sends none', async () => {
    const mine = await FakeOpenAiServer.start();
    const elsewhere = await FakeOpenAiServer.start();
    try {
      const store = new ApiKeyStore(memorySecrets());
      await store.set('vllm', mine.url, 'sk-secret');
      const lookup = async (name: string, url: string): Promise<string | undefined> => {
        const found = await store.lookup(name, url);
        return found.kind === 'key' ? found.key : undefined;
      };
      for (const server of [mine, elsewhere]) {
        const [backend] = await createBackends({ ...defaultSettings(), 'ollama.enabled': false, openAiEndpoints: [{ name: 'vllm', baseUrl: server.url }] }, lookup, nullLogger);
        assert.ok(backend);
        await collect(backend.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] }));
      }
      assert.equal(mine.requests.at(-1)?.headers.authorization, 'Bearer sk-secret');
      assert.ok(elsewhere.requests.length > 0, 'the re-pointed endpoint was used');
      assert.deepEqual(
        elsewhere.requests.map((r) => r.headers.authorization),
        elsewhere.requests.map(() => undefined),
        'no Authorization header ever reached the other URL',
      );
      assert.ok(!JSON.stringify(elsewhere.requests).includes('sk-secret'), 'the key appears nowhere in what the other server received');
    } finally {
      await mine.close();
      await elsewhere.close();
    }
  });

  test('sameUrl ignores case of scheme and host, default ports and trailing slashes only', () => {
    assert.ok(sameUrl('http://Host:80/', 'http://host'));
    assert.ok(!sameUrl('http://host', 'http://host.evil'));
    assert.ok(!sameUrl('http://host@evil', 'http://evil'));
  });
});
