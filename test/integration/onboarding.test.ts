/** Runs inside the real VS Code extension host, against the fake Ollama server (TEST DOUBLE). */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { EndpointReport } from '../../src/backend/checkConnection';
import type { BenchmarkCommandResult } from '../../src/providers/onboarding/benchmarkPanel';
import type { PullOutcome } from '../../src/providers/onboarding/pullModel';
import { activateTiered, closedPort, eventually, fakeOllamaUrl, setSetting } from './helpers';

async function script(rules: unknown): Promise<void> {
  const res = await fetch(`${fakeOllamaUrl()}/__fake/script`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rules) });
  assert.equal(res.status, 200);
}

async function installed(): Promise<string[]> {
  const res = await fetch(`${fakeOllamaUrl()}/api/tags`);
  const body = (await res.json()) as { models: { name: string }[] };
  return body.models.map((m) => m.name);
}

function tieredSetting(key: string): unknown {
  return vscode.workspace.getConfiguration('tiered').get(key);
}

suite('Tiered in VS Code: models and onboarding', () => {
  suiteSetup(async () => {
    await setSetting('ollama.baseUrl', fakeOllamaUrl());
    await setSetting('openAiEndpoints', undefined);
    await activateTiered();
    await vscode.commands.executeCommand<EndpointReport[]>('tiered.checkConnection');
  });

  suiteTeardown(async () => {
    for (const tier of ['small', 'code', 'moe']) {
      await setSetting(`tiers.${tier}.model`, undefined);
      await setSetting(`tiers.${tier}.endpoint`, undefined);
    }
    await setSetting('ollama.baseUrl', fakeOllamaUrl());
    if ((await installed()).includes('qwen2.5-coder:0.5b')) {
      await vscode.commands.executeCommand('tiered.removeModel', { model: 'qwen2.5-coder:0.5b', confirm: false });
    }
  });

  test('the onboarding commands and the walkthrough are registered', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['tiered.pullModel', 'tiered.removeModel', 'tiered.configureTiers', 'tiered.benchmarkModels', 'tiered.statusMenu', 'tiered.connectServer', 'tiered.openWalkthrough', 'tiered.tryCompletion', 'tiered.openChat']) {
      assert.ok(commands.includes(id), id);
    }
    const ext = vscode.extensions.getExtension('tiered.tiered');
    const walkthroughs = (ext?.packageJSON as { contributes: { walkthroughs: { id: string; steps: unknown[] }[] } }).contributes.walkthroughs;
    assert.equal(walkthroughs[0]?.id, 'tiered.gettingStarted');
    assert.equal(walkthroughs[0]?.steps.length, 4);
  });

  test('Pull Model pulls from the fake with progress that ends at 100%, and the model shows up', async () => {
    await script({ match: { path: '/api/pull', model: 'qwen2.5-coder:0.5b' }, pullIntervalMs: 120, times: 1 });
    const outcome = await vscode.commands.executeCommand<PullOutcome>('tiered.pullModel', 'qwen2.5-coder:0.5b');
    assert.equal(outcome.status, 'success', outcome.message);
    assert.ok(outcome.percents.length >= 5, `progress updates: ${outcome.percents.join(',')}`);
    assert.ok(outcome.percents.some((p) => p > 0 && p < 100), `intermediate percents: ${outcome.percents.join(',')}`);
    for (let i = 1; i < outcome.percents.length; i++) {
      assert.ok(outcome.percents[i]! >= outcome.percents[i - 1]!, 'never backwards');
    }
    assert.equal(outcome.percents.at(-1), 100);
    assert.ok((await installed()).includes('qwen2.5-coder:0.5b'));
  });

  test('a pull can be cancelled halfway', async () => {
    await script({ match: { path: '/api/pull', model: 'llama3.2:3b' }, pullIntervalMs: 400, times: 1 });
    const running = vscode.commands.executeCommand<PullOutcome>('tiered.pullModel', 'llama3.2:3b');
    await new Promise((r) => setTimeout(r, 1500));
    const cancelled = await vscode.commands.executeCommand<number>('tiered.cancelPull', 'llama3.2:3b');
    assert.equal(cancelled, 1);
    const outcome = await running;
    assert.equal(outcome.status, 'cancelled');
    assert.ok((outcome.percents.at(-1) ?? 0) < 100);
  });

  test('a pull interrupted by a full disk fails with the server text and a next step; settings stay intact', async () => {
    const before = tieredSetting('ollama.baseUrl');
    await script({ match: { path: '/api/pull', model: 'nomic-embed-text:latest' }, pullIntervalMs: 30, errorAfterTokens: { after: 4, error: 'write /root/.ollama/models/blobs/sha256-abc-partial: no space left on device' }, times: 1 });
    const outcome = await vscode.commands.executeCommand<PullOutcome>('tiered.pullModel', 'nomic-embed-text:latest');
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message ?? '', /no space left on device/);
    assert.match(outcome.message ?? '', /Free disk space/);
    assert.equal(tieredSetting('ollama.baseUrl'), before);
    assert.ok(!(await installed()).includes('nomic-embed-text:latest'));
  });

  test('with the server down, Pull Model explains instead of failing silently, and leaves the URL as set', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    await setSetting('ollama.baseUrl', url);
    try {
      const outcome = await vscode.commands.executeCommand<PullOutcome>('tiered.pullModel', 'qwen2.5-coder:1.5b');
      assert.equal(outcome.status, 'failed');
      assert.equal(tieredSetting('ollama.baseUrl'), url);
    } finally {
      await setSetting('ollama.baseUrl', fakeOllamaUrl());
      await vscode.commands.executeCommand('tiered.checkConnection');
    }
  });

  test('Configure Tiers writes the tier settings (explicit choice and the suggested mapping)', async () => {
    await eventually(() => vscode.workspace.getConfiguration('tiered').get('ollama.baseUrl') === fakeOllamaUrl());
    const written = await vscode.commands.executeCommand<Record<string, string>>('tiered.configureTiers', { code: 'qwen2.5-coder:7b', small: 'qwen2.5-coder:1.5b' });
    assert.equal(written['tiers.code.model'], 'qwen2.5-coder:7b');
    assert.equal(tieredSetting('tiers.code.model'), 'qwen2.5-coder:7b');
    assert.equal(tieredSetting('tiers.small.model'), 'qwen2.5-coder:1.5b');
    const suggested = await vscode.commands.executeCommand<Record<string, string>>('tiered.configureTiers', 'suggested');
    assert.equal(tieredSetting('tiers.moe.model'), suggested['tiers.moe.model']);
    assert.equal(suggested['tiers.moe.model'], 'qwen3:30b-a3b');
    const refused = await vscode.commands.executeCommand<Record<string, string> | undefined>('tiered.configureTiers', { code: 'not-installed:1b' });
    assert.equal(refused, undefined);
    assert.notEqual(tieredSetting('tiers.code.model'), 'not-installed:1b');
  });

  test('Benchmark Models measures each tier and renders a table and a chart', async () => {
    await setSetting('tiers.small.model', 'qwen2.5-coder:1.5b');
    await setSetting('tiers.code.model', 'qwen2.5-coder:7b');
    await setSetting('tiers.moe.model', 'qwen3:30b-a3b');
    const result = await vscode.commands.executeCommand<BenchmarkCommandResult>('tiered.benchmarkModels');
    assert.ok(result, 'the benchmark ran');
    assert.equal(result.results.length, 3);
    for (const r of result.results) {
      assert.equal(r.error, undefined, `${r.model}: ${r.error ?? ''}`);
      assert.ok((r.short?.tokensPerSecond ?? 0) > 0, `${r.model} tokens/s`);
    }
    assert.match(result.html, /<table id="results">/);
    assert.match(result.html, /<svg id="chart"/);
    assert.match(result.html, /Content-Security-Policy" content="default-src 'none'; style-src 'nonce-[A-Za-z0-9+/=]{24}'/);
    assert.doesNotMatch(result.html, /<script/);
  });

  test('Remove Model deletes a model (confirmation skipped for the test) and the list follows', async () => {
    if (!(await installed()).includes('qwen2.5-coder:0.5b')) {
      await vscode.commands.executeCommand<PullOutcome>('tiered.pullModel', 'qwen2.5-coder:0.5b');
    }
    const status = await vscode.commands.executeCommand<string>('tiered.removeModel', { model: 'qwen2.5-coder:0.5b', confirm: false });
    assert.equal(status, 'removed');
    assert.ok(!(await installed()).includes('qwen2.5-coder:0.5b'));
  });
});
