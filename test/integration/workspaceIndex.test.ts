/** Runs inside the real VS Code extension host (code-server), against the fake Ollama server (TEST DOUBLE), which lists no embedding model. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateTiered, fakeOllamaUrl, setSetting, tieredLogText } from './helpers';

interface StatusResult {
  readonly text: string;
  readonly files: number;
  readonly chunks: number;
  readonly activity: string;
  readonly embeddingModel: string | undefined;
  readonly lexicalOnlyReason: string | undefined;
}

/** Polls an async check until it returns something truthy or the time is up. */
async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T | undefined | false> {
  const until = Date.now() + timeoutMs;
  let last = await check();
  while (!last && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 300));
    last = await check();
  }
  return last;
}

interface Recorded {
  readonly path: string;
  readonly rawBody: string;
}

/** The chat prompts the fake server received, each as its messages joined. */
async function chatPrompts(): Promise<string[]> {
  const res = await fetch(`${fakeOllamaUrl()}/__fake/requests`);
  const all = (await res.json()) as Recorded[];
  return all
    .filter((r) => r.path === '/api/chat')
    .map((r) => JSON.parse(r.rawBody) as { messages: { content: string }[] })
    .map((body) => body.messages.map((m) => m.content).join('\n'));
}

const status = (): Thenable<StatusResult> => vscode.commands.executeCommand<StatusResult>('tiered.showIndexStatus');

suite('Tiered in VS Code: workspace index', () => {
  suiteSetup(async () => {
    await setSetting('ollama.baseUrl', fakeOllamaUrl());
    await activateTiered();
  });

  test('the index builds on opening the workspace; the status command shows files and chunks; lexical only, said once', async () => {
    const ready = await eventually(async () => {
      const s = await status();
      return s.activity === 'ready' && s.files > 0 && s.lexicalOnlyReason !== undefined ? s : undefined;
    }, 60_000);
    assert.ok(ready, 'the index became ready');
    const s = await status();
    assert.ok(s.chunks >= s.files - 1, `${s.files} files, ${s.chunks} chunks`);
    assert.equal(s.embeddingModel, undefined);
    assert.match(s.text, /files, \d+ chunks, embeddings: no — lexical only \(no embedding model is installed\)/);
    const log = (await eventually(() => Promise.resolve(/the index is lexical only/.test(tieredLogText() ?? '') ? tieredLogText() : undefined), 10_000)) || '';
    assert.equal(log.match(/the index is lexical only/g)?.length, 1, 'said once in the log');
    assert.doesNotMatch(log, /\[error\] index:/, 'no error');
  });

  test('creating, editing and deleting a file updates the index without a rebuild', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const before = await status();
    const uri = vscode.Uri.joinPath(folder.uri, 'src', 'indexProbe.ts');
    await vscode.workspace.fs.writeFile(uri, Buffer.from('export function probeIndexedFunction(): number {\n  return 42;\n}\n'));
    assert.ok(await eventually(async () => (await status()).files === before.files + 1, 30_000), 'the new file is indexed');
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    const long = Array.from({ length: 200 }, (_, i) => `export function generated${i}(value: number): number {\n  return value * ${i} + computeSomething(value, ${i});\n}\n`).join('');
    await editor.edit((b) => b.insert(new vscode.Position(3, 0), long));
    await document.save();
    assert.ok(await eventually(async () => (await status()).chunks > before.chunks + 5, 30_000), 'the saved file is re-chunked');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.workspace.fs.delete(uri);
    assert.ok(await eventually(async () => {
      const s = await status();
      return s.files === before.files && s.chunks === before.chunks;
    }, 30_000), 'the deleted file leaves the index');
    assert.equal((await status()).activity, 'ready', 'no rebuild ran');
  });

  test('a chat question with @codebase about a function in another file sends that function in the prompt (the fake records it)', async () => {
    await eventually(async () => (await status()).activity === 'ready', 60_000);
    // The user is in another file: csv.ts is the chat's current-file context, the answer is in cart.ts.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'csv.ts'));
    await fetch(`${fakeOllamaUrl()}/__fake/reset`, { method: 'POST' });
    await vscode.commands.executeCommand('tiered.chat.ask', { text: '@codebase how is a discount applied to the subtotal?', task: 'chat' });
    const prompt = await eventually(async () => (await chatPrompts()).find((p) => p.includes('how is a discount applied to the subtotal?')), 30_000);
    assert.ok(prompt, 'the question reached the server');
    assert.match(prompt, /File src\/cart\.ts:\d+-\d+:/, `a chunk of cart.ts is in the prompt, named by file and lines; prompt: ${prompt.slice(0, 1500)}; log: ${(tieredLogText() ?? '').split('\n').filter((l) => l.includes('index')).join(' / ')}`);
    assert.ok(prompt.includes('const afterPercent = Math.round(subtotal'), 'with the body of applyDiscount');
    assert.ok(prompt.indexOf('afterPercent') < prompt.lastIndexOf('how is a discount applied to the subtotal?'), 'before the question');
    assert.ok(await eventually(() => Promise.resolve(/@codebase retrieved \d+ chunk\(s\): .*src\/cart\.ts:/.test(tieredLogText() ?? '')), 10_000), 'the log names the sources');
  });
});
