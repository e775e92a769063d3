import * as assert from 'node:assert/strict';
import { buildRouterEnvironment, loadedOn } from '../../../src/routing/environment';
import { route, isRouted } from '../../../src/routing/router';
import { catalog } from '../../fixtures/routing/models';

suite('routing/environment', () => {
  test('settings, installed and loaded models become a router environment the router uses', () => {
    const env = buildRouterEnvironment(
      {
        'tiers.small.model': 'llama3.2:3b',
        'tiers.small.endpoint': '',
        'tiers.code.model': 'qwen2.5-coder:7b',
        'tiers.code.endpoint': 'ollama',
        'tiers.moe.model': '',
        'tiers.moe.endpoint': '',
        'routing.pins': { review: 'moe' },
        'routing.preferLoaded': false,
      },
      {
        installed: [catalog.llama32_3b, catalog.qwenCoder7b, catalog.qwen3Moe],
        loaded: loadedOn('ollama', [{ name: 'qwen2.5-coder:7b', sizeBytes: 1, sizeVramBytes: 0, contextLength: 8192, expiresAt: undefined }]),
      },
    );
    assert.deepEqual(env.tiers.code, { model: 'qwen2.5-coder:7b', endpoint: 'ollama' });
    assert.deepEqual(env.loaded, [{ endpointId: 'ollama', name: 'qwen2.5-coder:7b' }]);
    assert.equal(env.preferLoaded, false);
    assert.equal('speeds' in env, false);
    const d = route({ task: 'review', text: 'Review this', code: { lines: 40, chars: 1200, fileCount: 1 } }, env);
    assert.ok(isRouted(d));
    assert.equal(d.model, 'qwen3:30b-a3b'); // pinned to moe; the empty moe setting uses the suggestion
  });
});
