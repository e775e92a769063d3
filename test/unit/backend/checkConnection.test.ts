import * as assert from 'node:assert/strict';
import { checkEndpoint, formatReport } from '../../../src/backend/checkConnection';
import { OllamaBackend } from '../../../src/backend/ollamaBackend';
import { OpenAiBackend } from '../../../src/backend/openAiBackend';
import { FakeOllamaServer } from '../../fixtures/fakeOllamaServer';
import { FakeOpenAiServer } from '../../fixtures/fakeOpenAiServer';
import { collect, refusedUrl } from './backendTestKit';

suite('checkEndpoint and formatReport', () => {
  let fake: FakeOllamaServer;

  setup(async () => {
    fake = await FakeOllamaServer.start();
  });

  teardown(async () => {
    await fake.close();
  });

  test('a reachable Ollama: version, every model with its details, and which are loaded', async () => {
    const backend = new OllamaBackend({ id: 'ollama', baseUrl: fake.url, timeoutMs: 2000 });
    await collect(backend.generate({ model: 'qwen2.5-coder:7b', prompt: 'x', numCtx: 8192 }));
    const report = await checkEndpoint(backend);
    assert.equal(report.reachable, true);
    assert.equal(report.version, '0.33.0-fake');
    assert.equal(report.error, undefined);
    assert.equal(report.models.length, fake.installed.length);
    assert.deepEqual(
      report.loaded.map((l) => [l.name, l.contextLength]),
      [['qwen2.5-coder:7b', 8192]],
    );
    const text = formatReport([report]);
    for (const m of fake.installed) {
      assert.ok(text.includes(m.name), `lists ${m.name}`);
    }
    assert.match(text, /reachable, server version 0\.33\.0-fake/);
    assert.match(text, /qwen2\.5-coder:7b: family qwen2, 7\.6B parameters, size 4\.4 GB, quantization Q4_K_M, context 32768, FIM yes, .* — loaded \(num_ctx 8192\)/);
    assert.match(text, /deepseek-coder:6\.7b: .*FIM no/);
    assert.match(text, /qwen3:30b-a3b: .*128 experts \(MoE\)/);
    assert.ok(!/qwen2\.5-coder:1\.5b:[^\n]*loaded/.test(text), 'only the loaded model is marked');
  });

  test('a down endpoint gives an honest error and what to do; never throws', async () => {
    const url = await refusedUrl();
    const report = await checkEndpoint(new OllamaBackend({ id: 'ollama', baseUrl: url, timeoutMs: 2000 }));
    assert.equal(report.reachable, false);
    assert.equal(report.error?.kind, 'unreachable');
    assert.deepEqual(report.models, []);
    const text = formatReport([report]);
    assert.match(text, /NOT reachable/);
    assert.ok(text.includes(url));
    assert.match(text, /ollama serve/);
  });

  test('several endpoints: each reported, FIM unknown for llama-server until tried', async () => {
    const llama = await FakeOpenAiServer.start();
    try {
      const reports = await Promise.all([
        checkEndpoint(new OllamaBackend({ id: 'ollama', baseUrl: fake.url, timeoutMs: 2000 })),
        checkEndpoint(new OpenAiBackend({ id: 'llama', baseUrl: llama.url, timeoutMs: 2000 })),
      ]);
      const text = formatReport(reports);
      assert.match(text, /✓ llama \(OpenAI-compatible\)/);
      assert.match(text, /qwen2\.5-coder-1\.5b: .*FIM unknown.* — loaded \(num_ctx 4096\)/);
      assert.match(text, /server version b6500-fake/);
    } finally {
      await llama.close();
    }
  });

  test('no endpoints: says how to configure one', () => {
    assert.match(formatReport([]), /No model server is configured/);
  });

  test('an empty Ollama says how to pull a model', async () => {
    fake.setModels([]);
    const text = formatReport([await checkEndpoint(new OllamaBackend({ id: 'ollama', baseUrl: fake.url, timeoutMs: 2000 }))]);
    assert.match(text, /No models installed\. Pull one/);
  });

  test('an aborted check reports, does not throw', async () => {
    const controller = new AbortController();
    controller.abort();
    const report = await checkEndpoint(new OllamaBackend({ id: 'ollama', baseUrl: fake.url, timeoutMs: 2000 }), controller.signal);
    assert.equal(report.reachable, false);
    assert.equal(report.error?.kind, 'aborted');
  });
});
