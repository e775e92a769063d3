/** Runs inside the real VS Code extension host (code-server), against the fake Ollama server (TEST DOUBLE). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EvalRun } from '../../src/evaluation/results';
import { parseCasesFile } from '../../src/evaluation/cases';
import type { ResultsState } from '../../src/providers/evaluation/resultsPanel';
import type { SavedCase } from '../../src/providers/evaluation/saveChatAnswer';
import type { BuiltinSuitesResult } from '../../src/providers/evaluation/builtinSuites';
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
    await vscode.workspace.getConfiguration('tiered').update('routing.pins', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('tiered').update('tiers.code.model', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('tiered').update('routing.pins', undefined, vscode.ConfigurationTarget.Workspace);
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

  test('the results view reads the stored run; applying its suggestion writes the user settings', async () => {
    // A forged token is refused and changes nothing (the page is rendered again with a new token).
    assert.equal(await vscode.commands.executeCommand('tiered.evaluation.applySuggestion', 'forged-token-123'), undefined);
    assert.equal(vscode.workspace.getConfiguration('tiered').inspect('routing.pins')?.globalValue, undefined);
    // This workspace pins saved prompts elsewhere: the user's value is written anyway, and the shadowing is said.
    await vscode.workspace.getConfiguration('tiered').update('routing.pins', { savedPrompt: 'moe' }, vscode.ConfigurationTarget.Workspace);
    const state = await vscode.commands.executeCommand<ResultsState>('tiered.showEvaluationResults');
    assert.ok(state.suites.some((s) => s.run.suite === 'Greet'), 'the run of the first test is shown');
    assert.match(state.html, /<table class="matrix">/);
    assert.equal(state.suggestion.tasks[0]?.model, 'qwen2.5-coder:7b', 'the only model that answered');
    const token = /command:tiered\.evaluation\.applySuggestion\?([^"]+)"/.exec(state.html)?.[1];
    assert.ok(token !== undefined, 'the page has the apply link');
    const args = JSON.parse(decodeURIComponent(token.replace(/&quot;/g, '"'))) as string[];
    const applied = await vscode.commands.executeCommand<{ written: Record<string, unknown>; shadowed: string[] }>('tiered.evaluation.applySuggestion', ...args);
    assert.ok(applied);
    assert.deepEqual(applied.shadowed, ['routing.pins'], 'the workspace value that still wins is reported');
    await vscode.workspace.getConfiguration('tiered').update('routing.pins', undefined, vscode.ConfigurationTarget.Workspace);
    assert.deepEqual(vscode.workspace.getConfiguration('tiered').inspect('routing.pins')?.globalValue, { savedPrompt: 'code' });
    assert.equal(vscode.workspace.getConfiguration('tiered').inspect('tiers.code.model')?.globalValue, 'qwen2.5-coder:7b');
  });

  test('a chat answer is saved as a test case: to its saved prompt\'s cases, or to the chat suite; bad arguments refused', async () => {
    const toPrompt = await vscode.commands.executeCommand<SavedCase | undefined>('tiered.evaluation.saveChatAnswerAsCase', {
      promptName: 'Greet',
      message: '',
      answer: 'Hello Grace, welcome!',
      rating: 'liked',
      vars: { who: 'Grace' },
    });
    assert.equal(toPrompt?.casesFile, path.join(dir, 'greet.cases.yaml'));
    const greet = parseCasesFile(fs.readFileSync(path.join(dir, 'greet.cases.yaml'), 'utf8'), 'greet.cases.yaml');
    assert.deepEqual(greet.cases.map((c) => c.name), ['ada', 'liked: Greet']);
    assert.deepEqual(greet.cases[1]?.vars, { who: 'Grace' });

    const toChat = await vscode.commands.executeCommand<SavedCase | undefined>('tiered.evaluation.saveChatAnswerAsCase', { message: 'What is a monad?', answer: 'A burrito.', rating: 'disliked' });
    assert.equal(toChat?.casesFile, path.join(root, '.tiered', 'evals', 'cases', 'chat-answers.cases.yaml'));
    assert.ok(fs.existsSync(path.join(root, '.tiered', 'evals', 'cases', 'chat-answers.tiered.md')), 'the chat suite has its prompt');
    const chat = parseCasesFile(fs.readFileSync(toChat.casesFile, 'utf8'), 'chat-answers.cases.yaml');
    assert.equal(chat.task, 'chat');
    assert.deepEqual(chat.cases.map((c) => [c.name, c.vars['message']]), [['disliked: What is a monad?', 'What is a monad?']]);

    assert.equal(await vscode.commands.executeCommand('tiered.evaluation.saveChatAnswerAsCase', { message: 'x', answer: 'y', rating: 'great' }), undefined);
    assert.equal(await vscode.commands.executeCommand('tiered.evaluation.saveChatAnswerAsCase', 'just a string'), undefined);
  });

  test('built-in suites from the workspace code: planted-bug review and held-out completion cases, sensitive files left out', async () => {
    const secret = path.join(root, 'src', 'secrets.ts');
    fs.writeFileSync(secret, 'export function token(a: string): boolean {\n  const k = "UIEVAL-SECRET";\n  return a === k && a.length > 3;\n}\n');
    try {
      const made = await vscode.commands.executeCommand<BuiltinSuitesResult | undefined>('tiered.createBuiltinEvaluationSuites');
      assert.ok(made, 'suites were made from the sample workspace');
      assert.ok(made.reviewCases > 0 && made.completionCases > 0 && made.explainCases > 0 && made.quickQuestionCases > 0, JSON.stringify(made));
      assert.ok(made.skippedSensitive >= 1, 'secrets.ts was left out');
      const dirCases = path.join(root, '.tiered', 'evals', 'cases');
      const review = parseCasesFile(fs.readFileSync(path.join(dirCases, 'seeded-bugs.cases.yaml'), 'utf8'), 'seeded-bugs.cases.yaml');
      const completion = parseCasesFile(fs.readFileSync(path.join(dirCases, 'held-out-completions.cases.yaml'), 'utf8'), 'held-out-completions.cases.yaml');
      assert.deepEqual([review.problems, completion.problems], [[], []]);
      assert.equal(review.task, 'review');
      assert.equal(completion.task, 'inlineCompletion');
      assert.ok(review.cases.every((c) => c.checks[0]?.label.startsWith('finding at line')));
      assert.ok(completion.cases.every((c) => c.suffix !== undefined));
      const all = fs.readFileSync(path.join(dirCases, 'seeded-bugs.cases.yaml'), 'utf8') + fs.readFileSync(path.join(dirCases, 'held-out-completions.cases.yaml'), 'utf8');
      const explain = parseCasesFile(fs.readFileSync(path.join(dirCases, 'explain-my-code.cases.yaml'), 'utf8'), 'explain-my-code.cases.yaml');
      assert.equal(explain.task, 'explain');
      assert.ok(explain.cases.every((c) => c.rubric.length === 3));
      const quick = parseCasesFile(fs.readFileSync(path.join(dirCases, 'quick-questions.cases.yaml'), 'utf8'), 'quick-questions.cases.yaml');
      assert.deepEqual(quick.problems, []);
      assert.equal(quick.task, 'chat');
      assert.ok(quick.cases.every((c) => c.checks.length > 0 && c.vars['question'] !== undefined && !(c.selection ?? '').includes('UIEVAL-SECRET')));
      // The completion suite runs as fill-in-the-middle (the suffix is sent), on the models that can do it only.
      const completionCase = completion.cases[0];
      assert.ok(completionCase !== undefined);
      const firstLine = completionCase.spec.checks?.[0];
      await script([{ match: { model: 'qwen2.5-coder:1.5b' }, text: firstLine?.type === 'similar' ? firstLine.expected : 'x' }]);
      const run = await vscode.commands.executeCommand<EvalRun | undefined>('tiered.runEvaluationSuite', vscode.Uri.file(path.join(dirCases, 'held-out-completions.cases.yaml')), ['qwen2.5-coder:1.5b', 'llama3.2:3b']);
      assert.equal(run?.task, 'inlineCompletion');
      assert.deepEqual(run?.models, ['qwen2.5-coder:1.5b'], 'llama3.2:3b cannot fill in the middle, so it is not run');
      const requests = (await (await fetch(`${fakeOllamaUrl()}/__fake/requests`)).json()) as { path: string; body?: { suffix?: unknown } }[];
      const fimRequests = requests.filter((r) => r.path === '/api/generate' && typeof r.body?.suffix === 'string' && r.body.suffix !== '');
      assert.equal(fimRequests.length, completion.cases.length, 'every case went out as a FIM request');
      assert.equal(run?.cells.find((c) => c.caseName === completionCase.name)?.items.find((i) => i.label.startsWith('exactly'))?.passes, 1);
      assert.doesNotMatch(all + fs.readFileSync(path.join(dirCases, 'explain-my-code.cases.yaml'), 'utf8'), /UIEVAL-SECRET|secrets\.ts/);
    } finally {
      fs.rmSync(secret, { force: true });
    }
  });
});
