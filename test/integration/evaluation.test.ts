/** Runs inside the real VS Code extension host (code-server), against the fake Ollama server (TEST DOUBLE). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EvalRun } from '../../src/evaluation/results';
import { activateTiered, fakeOllamaUrl, setSetting } from './helpers';

async function script(rules: unknown[]): Promise<void> {
  await fetch(`${fakeOllamaUrl()}/__fake/reset`, { method: 'POST' });
  await fetch(`${fakeOllamaUrl()}/__fake/script`, { method: 'POST', body: JSON.stringify(rules) });
}

suite('Tiered in VS Code: Run Evaluation Suite', () => {
  let dir: string;
  let root: string;

  suiteSetup(async () => {
    await setSetting('ollama.baseUrl', fakeOllamaUrl());
    await activateTiered();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    root = folder.uri.fsPath;
    dir = path.join(root, 'evalsuite');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'greet.tiered.md'), '---\nname: Greet\nvariables:\n  who: Who to greet\n---\nGreet ${input:who} in one line.\n');
    fs.writeFileSync(
      path.join(dir, 'greet.cases.yaml'),
      'cases:\n  - name: ada\n    vars: { who: Ada }\n    checks: [{ type: contains, value: Hello }]\n    rubric: [Greets Ada by name]\n  - name: broken\n    checks: [{ type: regex, pattern: "(a+)+$" }]\n',
    );
  });

  suiteTeardown(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(root, '.tiered', 'evals'), { recursive: true, force: true });
    await fetch(`${fakeOllamaUrl()}/__fake/reset`, { method: 'POST' });
  });

  test('runs the cases of a saved prompt on two models, judges with a third, keeps a failing model as error cells, and writes the run', async () => {
    await script([
      { match: { model: 'qwen2.5-coder:7b', promptIncludes: 'Greet Ada' }, text: 'Hello Ada!' },
      { match: { model: 'llama3.2:3b' }, fail: { status: 500, error: 'model crashed' } },
      { match: { promptIncludes: 'impartial judge' }, text: '{"verdicts":[{"criterion":1,"pass":true,"reason":"names Ada"}]}' },
    ]);
    const run = await vscode.commands.executeCommand<EvalRun | undefined>('tiered.runEvaluationSuite', vscode.Uri.file(path.join(dir, 'greet.cases.yaml')), ['qwen2.5-coder:7b', 'llama3.2:3b']);
    assert.ok(run, 'the command returns the run');
    assert.equal(run.status, 'finished');
    assert.deepEqual(run.cases, ['ada'], 'the malformed case is left out, the other runs');
    const byModel = new Map(run.cells.map((c) => [c.model, c]));
    const good = byModel.get('qwen2.5-coder:7b');
    assert.equal(good?.status, 'done');
    assert.equal(good?.passRate, 1);
    assert.equal(good?.attempts[0]?.answer, 'Hello Ada!');
    assert.ok(good?.attempts[0]?.judge !== undefined && good.attempts[0].judge !== 'qwen2.5-coder:7b', 'judged by another model');
    assert.equal(byModel.get('llama3.2:3b')?.status, 'error');
    const file = path.join(root, '.tiered', 'evals', 'greet', `${run.id}.json`);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as EvalRun;
    assert.equal(stored.status, 'finished');
    assert.equal(stored.cells.length, 2);
  });
});
