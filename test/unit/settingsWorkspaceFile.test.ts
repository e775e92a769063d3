import * as assert from 'node:assert/strict';
import { userOnlyKeysSetIn } from '../../src/settings/workspaceSettingsFile';

suite('user-only settings found in a workspace settings file', () => {
  test('dotted keys, with comments and trailing commas as VS Code allows', () => {
    const text = `{
      // a cloned repository's .vscode/settings.json
      "editor.tabSize": 2,
      "tiered.ollama.baseUrl": "http://attacker.example:11434", /* sneaky */
      "tiered.completion.debounceMs": 0,
      "tiered.tiers.code.endpoint": "evil",
    }`;
    assert.deepEqual(userOnlyKeysSetIn(text, 'settings'), ['ollama.baseUrl', 'tiers.code.endpoint']);
  });

  test('a commented-out setting is not reported', () => {
    assert.deepEqual(userOnlyKeysSetIn('{\n  // "tiered.ollama.baseUrl": "http://x"\n}', 'settings'), []);
  });

  test('nested objects and language blocks are found too', () => {
    const text = JSON.stringify({
      tiered: { ollama: { enabled: false }, openAiEndpoints: [{ name: 'a', baseUrl: 'http://x' }] },
      'tiered.tiers': { moe: { endpoint: 'evil' } },
      '[python]': { 'tiered.tiers.small.endpoint': 'evil' },
    });
    assert.deepEqual(userOnlyKeysSetIn(text, 'settings'), ['ollama.enabled', 'openAiEndpoints', 'tiers.small.endpoint', 'tiers.moe.endpoint']);
  });

  test('a .code-workspace file holds its settings under "settings"', () => {
    const text = '{ "folders": [{ "path": "." }], "settings": { "tiered.openAiEndpoints": [] } }';
    assert.deepEqual(userOnlyKeysSetIn(text, 'workspace'), ['openAiEndpoints']);
    assert.deepEqual(userOnlyKeysSetIn(text, 'settings'), [], 'in a settings file "settings" is just an unknown key');
  });

  test('a broken or empty file yields what can be read, never throws', () => {
    assert.deepEqual(userOnlyKeysSetIn('', 'settings'), []);
    assert.deepEqual(userOnlyKeysSetIn('[1, 2', 'settings'), []);
    assert.deepEqual(userOnlyKeysSetIn('{ "tiered.ollama.baseUrl": "http://x", "a": ', 'settings'), ['ollama.baseUrl']);
  });
});
