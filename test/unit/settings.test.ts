import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultSettings, readSettings, userValuesSource } from '../../src/settings/readSettings';
import { settingDefinitions } from '../../src/settings/schema';

interface ManifestProperty {
  default?: unknown;
}
interface Manifest {
  contributes: { configuration: { title: string; properties: Record<string, ManifestProperty> }[]; commands: { command: string; category?: string }[] };
}

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as Manifest;
const manifestProperties = Object.assign({}, ...manifest.contributes.configuration.map((group) => group.properties)) as Record<string, ManifestProperty>;

suite('settings', () => {
  test('every setting in the schema is declared in package.json with the same default', () => {
    const defaults = defaultSettings();
    for (const key of Object.keys(settingDefinitions)) {
      const id = `tiered.${key}`;
      assert.ok(id in manifestProperties, `${id} is missing from package.json`);
      assert.deepEqual(manifestProperties[id]?.default, defaults[key as keyof typeof defaults], `default of ${id}`);
    }
  });

  test('every setting in package.json is read by the schema', () => {
    for (const id of Object.keys(manifestProperties)) {
      assert.ok(id.replace(/^tiered\./, '') in settingDefinitions, `${id} is declared but never read`);
    }
  });

  test('settings groups have titles', () => {
    for (const group of manifest.contributes.configuration) {
      assert.match(group.title, /^%config\..+\.title%$/);
    }
  });

  test('valid values are read and normalised', () => {
    const values: Record<string, unknown> = { 'ollama.baseUrl': 'http://gpu-box:11434/', requestTimeoutSeconds: 30, keepAlive: -1, openAiEndpoints: [{ name: 'llama', baseUrl: 'http://127.0.0.1:8080' }] };
    const { settings, problems } = readSettings(userValuesSource(values));
    assert.deepEqual(problems, []);
    assert.equal(settings['ollama.baseUrl'], 'http://gpu-box:11434');
    assert.equal(settings.requestTimeoutSeconds, 30);
    assert.equal(settings.keepAlive, -1);
    assert.deepEqual(settings.openAiEndpoints, [{ name: 'llama', baseUrl: 'http://127.0.0.1:8080' }]);
  });

  test('an invalid value falls back to the default with a problem naming the setting, and never throws', () => {
    const values: Record<string, unknown> = { 'ollama.baseUrl': 'not a url', requestTimeoutSeconds: 'soon', keepAlive: '10', 'completion.multiline': 'sometimes', openAiEndpoints: [{ name: '' }] };
    const { settings, problems } = readSettings(userValuesSource(values));
    assert.equal(settings['ollama.baseUrl'], 'http://127.0.0.1:11434');
    assert.equal(settings.requestTimeoutSeconds, 120);
    assert.equal(settings.keepAlive, '30m');
    assert.equal(settings['completion.multiline'], 'auto');
    assert.deepEqual(settings.openAiEndpoints, []);
    const named = problems.map((p) => p.setting).sort();
    assert.deepEqual(named, ['tiered.completion.multiline', 'tiered.keepAlive', 'tiered.ollama.baseUrl', 'tiered.openAiEndpoints', 'tiered.requestTimeoutSeconds']);
    for (const p of problems) {
      assert.ok(p.message.includes(p.setting), p.message);
      assert.ok(p.message.includes('using the default'), p.message);
    }
  });

  test('keep-alive accepts Ollama durations and rejects a number-like string without unit', () => {
    for (const ok of ['5m', '1h30m', '300ms', '-1', '0', 60]) {
      assert.deepEqual(readSettings(userValuesSource({ keepAlive: ok })).problems, [], String(ok));
    }
    assert.equal(readSettings(userValuesSource({ keepAlive: '10' })).problems.length, 1);
  });
});
