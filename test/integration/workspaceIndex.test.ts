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
});
