import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSettings } from '../../src/settings/readSettings';
import type { ConfigurationSource, SettingInspection } from '../../src/settings/readSettings';
import { settingsSection, userOnlySettingKeys } from '../../src/settings/schema';

interface ManifestProperty {
  scope?: string;
}
interface Manifest {
  capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: unknown; restrictedConfigurations?: unknown } };
  contributes: { configuration: { properties: Record<string, ManifestProperty> }[] };
}

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as Manifest;
const properties = Object.assign({}, ...manifest.contributes.configuration.map((group) => group.properties)) as Record<string, ManifestProperty>;
const userScopes = new Set(['application', 'machine']);

/** Words of a setting id: `tiered.ollama.baseUrl` → tiered, ollama, base, url. */
function words(id: string): string[] {
  return id
    .split(/[.\-_]|(?=[A-Z])/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

/** A setting that by its name decides where data goes or which key is used. */
function looksLikeConnection(id: string): boolean {
  const w = words(id);
  const connectionWords = new Set(['url', 'urls', 'uri', 'endpoint', 'endpoints', 'host', 'hosts', 'port', 'server', 'proxy', 'apikey', 'token', 'executable', 'binary']);
  return w.some((word, i) => connectionWords.has(word) || (word === 'key' && w[i - 1] === 'api'));
}

const ids = (keys: readonly string[]): string[] => keys.map((k) => `${settingsSection}.${k}`);

suite('settings a workspace cannot set', () => {
  test('the name check flags endpoint-like names and leaves the others', () => {
    for (const id of ['tiered.ollama.baseUrl', 'tiered.openAiEndpoints', 'tiered.tiers.code.endpoint', 'tiered.embeddings.endpoint', 'tiered.engine.host', 'tiered.engine.port', 'tiered.foo.apiKey', 'tiered.proxy']) {
      assert.ok(looksLikeConnection(id), id);
    }
    for (const id of ['tiered.completion.debounceMs', 'tiered.context.maxContextTokens', 'tiered.routing.pins', 'tiered.completion.requestPolicy', 'tiered.keepAlive']) {
      assert.ok(!looksLikeConnection(id), id);
    }
  });

  test('every endpoint-like or user-only setting has application/machine scope and is a restricted configuration', () => {
    const restricted = manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations;
    assert.ok(Array.isArray(restricted), 'capabilities.untrustedWorkspaces.restrictedConfigurations is a list');
    const needed = new Set([...Object.keys(properties).filter(looksLikeConnection), ...ids(userOnlySettingKeys)]);
    assert.ok(needed.size >= 6, `found ${needed.size}`);
    for (const id of needed) {
      assert.ok(id in properties, `${id} is declared in package.json`);
      assert.ok(userScopes.has(properties[id]?.scope ?? ''), `${id} needs "scope": "application" (or "machine") so only user settings count; it has ${String(properties[id]?.scope)}`);
      assert.ok(restricted.includes(id), `${id} is missing from capabilities.untrustedWorkspaces.restrictedConfigurations`);
    }
  });

  test('every application/machine-scoped setting is read from user values only by the reader', () => {
    const scoped = Object.entries(properties)
      .filter(([, p]) => userScopes.has(p.scope ?? ''))
      .map(([id]) => id)
      .sort();
    assert.deepEqual(scoped, ids(userOnlySettingKeys).sort(), 'package.json scopes and userOnlySettingKeys (src/settings/schema.ts) agree');
    const restricted = manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations;
    assert.deepEqual(Array.isArray(restricted) ? [...restricted].sort() : restricted, scoped, 'restrictedConfigurations lists exactly these');
  });

  test('Tiered declares limited support for untrusted workspaces, with a description', () => {
    assert.equal(manifest.capabilities?.untrustedWorkspaces?.supported, 'limited');
    assert.match(String(manifest.capabilities?.untrustedWorkspaces?.description), /^%.+%$/);
  });

  test('the reader ignores workspace and folder values of user-only settings, and says which it ignored', () => {
    const user: Record<string, unknown> = { 'ollama.baseUrl': 'http://127.0.0.1:11434', 'completion.debounceMs': 30 };
    const workspace: Record<string, unknown> = {
      'ollama.baseUrl': 'http://attacker.example:80',
      'ollama.enabled': false,
      'tiers.code.endpoint': 'evil',
      'completion.debounceMs': 5,
    };
    const folder: Record<string, unknown> = { openAiEndpoints: [{ name: 'evil', baseUrl: 'http://attacker.example:8080' }] };
    const asked: string[] = [];
    const source: ConfigurationSource = {
      // What VS Code's get() would give: the workspace wins.
      get: (key) => {
        asked.push(`get ${key}`);
        return folder[key] ?? workspace[key] ?? user[key];
      },
      inspect: (key): SettingInspection => ({ globalValue: user[key], workspaceValue: workspace[key], workspaceFolderValue: folder[key] }),
    };
    const { settings, workspaceIgnored } = readSettings(source);
    assert.equal(settings['ollama.baseUrl'], 'http://127.0.0.1:11434');
    assert.equal(settings['ollama.enabled'], true);
    assert.deepEqual(settings.openAiEndpoints, []);
    assert.equal(settings['tiers.code.endpoint'], '');
    assert.deepEqual([...workspaceIgnored].sort(), ['ollama.baseUrl', 'ollama.enabled', 'openAiEndpoints', 'tiers.code.endpoint']);
    for (const key of userOnlySettingKeys) {
      assert.ok(!asked.includes(`get ${key}`), `${key} is never read through the merged get()`);
    }
    // Other settings still follow VS Code's usual order: a workspace may tune them.
    assert.equal(settings['completion.debounceMs'], 5);
  });

  test('a user-only setting without a user value is its default, not the workspace value', () => {
    const { settings, workspaceIgnored } = readSettings({
      get: () => 'http://attacker.example',
      inspect: () => ({ workspaceValue: 'http://attacker.example' }),
    });
    assert.equal(settings['ollama.baseUrl'], 'http://127.0.0.1:11434');
    assert.ok(workspaceIgnored.includes('ollama.baseUrl'));
  });
});
