import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { commandIds, viewIds } from '../../src/providers/commands/commandIds';

interface Manifest {
  name: string;
  engines: { vscode: string };
  activationEvents: unknown[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    views: Record<string, { id: string }[]>;
    viewsContainers: { activitybar: { id: string; title: string }[] };
  };
}

const root = path.join(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;

suite('manifest', () => {
  test('the command table and package.json list the same commands', () => {
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(declared, Object.values(commandIds).sort());
  });

  test('every command has the Tiered category and a localised title', () => {
    for (const c of manifest.contributes.commands) {
      assert.equal(c.category, '%category%', c.command);
      const key = c.title.replace(/^%|%$/g, '');
      assert.ok(nls[key], `${c.command}: missing ${key} in package.nls.json`);
    }
    assert.equal(nls.category, 'Tiered');
  });

  test('every %key% used in package.json exists in package.nls.json', () => {
    const text = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
    for (const m of text.matchAll(/"%([\w.]+)%"/g)) {
      assert.ok(m[1] && nls[m[1]] !== undefined, `missing nls key ${m[1]}`);
    }
  });

  test('ids share the tiered. prefix, views live in the Tiered container', () => {
    assert.equal(manifest.name, 'tiered');
    // Commands and views activate implicitly; inline completions need the provider registered before the first
    // keystroke, so the only explicit event is onStartupFinished (after start-up, never slowing it).
    assert.deepEqual(manifest.activationEvents, ['onStartupFinished']);
    assert.deepEqual(manifest.contributes.viewsContainers.activitybar.map((c) => c.id), ['tiered']);
    const views = manifest.contributes.views.tiered?.map((v) => v.id) ?? [];
    assert.deepEqual(views.sort(), Object.values(viewIds).sort());
    for (const id of [...views, ...manifest.contributes.commands.map((c) => c.command)]) {
      assert.match(id, /^tiered\./);
    }
  });

  test('engines.vscode accepts the VS Code the tests run (1.100)', () => {
    const min = /\^?(\d+)\.(\d+)/.exec(manifest.engines.vscode);
    assert.ok(min);
    assert.equal(Number(min[1]), 1);
    assert.ok(Number(min[2]) <= 100);
  });
});
