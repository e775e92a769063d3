/** Runs inside the real VS Code extension host (code-server), against the fake Ollama server (TEST DOUBLE). */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EndpointReport } from '../../src/backend/checkConnection';
import { activateTiered, closedPort, eventually, fakeOllamaUrl, setSetting, tieredLogText } from './helpers';

suite('Tiered in VS Code: activation and Check Connection', () => {
  suiteSetup(async () => {
    await setSetting('ollama.baseUrl', fakeOllamaUrl());
    await setSetting('openAiEndpoints', undefined);
  });

  suiteTeardown(async () => {
    await setSetting('openAiEndpoints', undefined);
    await setSetting('requestTimeoutSeconds', undefined);
  });

  test('the extension activates without errors and registers its commands', async () => {
    const ext = await activateTiered();
    assert.equal(ext.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['tiered.checkConnection', 'tiered.showLog', 'tiered.openSettings']) {
      assert.ok(commands.includes(id), `command ${id} is registered`);
    }
  });

  test('Check Connection lists the fake server models', async () => {
    await activateTiered();
    const reports = await vscode.commands.executeCommand<EndpointReport[]>('tiered.checkConnection');
    assert.ok(Array.isArray(reports), 'the command returns the reports');
    const ollama = reports.find((r) => r.kind === 'ollama');
    assert.ok(ollama, `an Ollama report among ${JSON.stringify(reports.map((r) => r.id))}`);
    assert.equal(ollama.reachable, true, `reachable: ${ollama.error?.message ?? ''}`);
    assert.equal(ollama.baseUrl.replace(/\/+$/, ''), fakeOllamaUrl());
    const names = ollama.models.map((m) => m.name);
    assert.ok(names.includes('qwen2.5-coder:1.5b'), `models: ${names.join(', ')}`);
    assert.ok(names.includes('qwen3:30b-a3b'), `models: ${names.join(', ')}`);
    assert.equal(ollama.version, '0.33.0-fake');
  });

  test('an OpenAI-compatible endpoint that is down gets an honest "unreachable" error', async () => {
    await activateTiered();
    const port = await closedPort();
    const downUrl = `http://127.0.0.1:${port}`;
    await setSetting('openAiEndpoints', [{ name: 'down', baseUrl: downUrl }]);
    const reports = await vscode.commands.executeCommand<EndpointReport[]>('tiered.checkConnection');
    const down = reports.find((r) => r.baseUrl.replace(/\/+$/, '') === downUrl);
    assert.ok(down, `a report for ${downUrl} among ${JSON.stringify(reports.map((r) => [r.id, r.baseUrl]))}`);
    assert.equal(down.kind, 'openai');
    assert.equal(down.reachable, false);
    assert.equal(down.models.length, 0);
    assert.equal(down.error?.kind, 'unreachable');
    assert.match(down.error?.message ?? '', new RegExp(String(port)), 'the message names the address');
    // Ollama is still checked and still fine.
    const ollama = reports.find((r) => r.kind === 'ollama');
    assert.equal(ollama?.reachable, true);
  });

  test('an invalid setting is logged as a warning naming it, and the extension falls back and keeps working', async () => {
    await activateTiered();
    await setSetting('requestTimeoutSeconds', -5);
    const reports = await vscode.commands.executeCommand<EndpointReport[]>('tiered.checkConnection');
    assert.equal(reports.find((r) => r.kind === 'ollama')?.reachable, true, 'Check Connection still works');
    // The Tiered log is our own output channel: no log file is a failure, never a reason to skip.
    const log = await eventually(() => {
      const text = tieredLogText() ?? '';
      return /warn.*tiered\.requestTimeoutSeconds/i.test(text) ? text : false;
    });
    assert.ok(log, `the Tiered log names the invalid setting:\n${(tieredLogText() ?? '').slice(-2000)}`);
  });
});
